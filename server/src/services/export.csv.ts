/**
 * CSV writing for files an exam office opens in Excel or imports into Pronote. Text cells are made
 * formula-safe (OWASP CSV injection): a cell starting with = + - @ TAB or CR gets a leading apostrophe, which
 * spreadsheets show as text and never evaluate. Numbers we format ourselves are never touched.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

export function textCell(value: string | null | undefined, delimiter: string): string {
  let v = value ?? '';
  if (FORMULA_START.test(v)) v = `'${v}`;
  return quoteIfNeeded(v, delimiter);
}

function quoteIfNeeded(v: string, delimiter: string): string {
  return v.includes(delimiter) || /["\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export type Cell = { text: string | null | undefined } | { number: string };

export const csvLine = (cells: Cell[], delimiter: string) =>
  cells.map((c) => ('number' in c ? quoteIfNeeded(c.number, delimiter) : textCell(c.text, delimiter))).join(delimiter) + '\r\n';

/** Hundredths → "12.5" / "12,5": at most two decimals, no trailing zeros. */
export function formatPoints(hundredths: number, decimalSeparator: '.' | ','): string {
  const sign = hundredths < 0 ? '-' : '';
  const abs = Math.abs(Math.round(hundredths));
  const int = Math.floor(abs / 100);
  const frac = String(abs % 100).padStart(2, '0').replace(/0+$/, '');
  return sign + String(int) + (frac ? decimalSeparator + frac : '');
}

/** total/max rescaled to /scale, in hundredths, rounded half up. */
export function rescale(total: number, max: number, scale: number): number {
  return Math.round((total * scale * 100) / max);
}
