/** The bench's result rows and the table printed at the end. */
import { fmt } from './stats.ts';

export interface Row {
  bench: string;
  figure: string;
  korrigo: string;
  original?: string;
  ratio?: string;
  target?: string;
  /** undefined: informative figure without a target */
  met?: boolean;
}

export class Report {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];

  add(row: Row): void {
    this.rows.push(row);
    const status = row.met === undefined ? '' : row.met ? '  [met]' : '  [NOT MET]';
    console.log(`  · ${row.bench} — ${row.figure}: ${row.korrigo}${row.original ? ` (original ${row.original})` : ''}${status}`);
  }

  note(text: string): void {
    this.notes.push(text);
    console.log(`  ! ${text}`);
  }

  print(): void {
    const head: Row = { bench: 'Bench', figure: 'Figure', korrigo: 'Korrigo', original: 'Original', ratio: 'Ratio', target: 'Target' };
    const cells = (r: Row, header = false) => [
      r.bench,
      r.figure,
      r.korrigo,
      r.original ?? '',
      r.ratio ?? '',
      r.target ?? '',
      header ? 'Result' : r.met === undefined ? '' : r.met ? 'met' : 'NOT MET',
    ];
    const all = [cells(head, true), ...this.rows.map((r) => cells(r))];
    const widths = all[0]!.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
    const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
    console.log(line(all[0]!));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const c of all.slice(1)) console.log(line(c));
    const targets = this.rows.filter((r) => r.met !== undefined);
    console.log(`\n${targets.filter((r) => r.met).length} of ${targets.length} targets met.`);
    for (const n of this.notes) console.log(`Note: ${n}`);
  }
}

export const ratio = (a: number, b: number) => (Number.isFinite(a / b) && b > 0 ? `${fmt(a / b, 1)}×` : '—');
