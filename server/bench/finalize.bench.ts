/**
 * Finalize: a 4-page copy with 20 annotations of every type → the final PDF, by the engine's flattener, against
 * the original way (PyMuPDF placing PNG page images into a new PDF and drawing rectangles and text), same input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { flattenCopy } from '../src/pdf/flatten.ts';
import { extractPageImages } from '../src/pdf/page-image.ts';
import { makeScanPdf } from '../src/pdf/synthetic-scan.ts';
import type { FlattenAnnotation, FlattenInput } from '../src/pdf/types.ts';
import { PYMUPDF_MISSING, pymupdfVersion, runPython } from './lib/pymupdf.ts';
import { ratio, type Report } from './lib/report.ts';
import { tempDir } from './lib/server.ts';
import { fmt, median } from './lib/stats.ts';

const WARMUP = 10;
const RUNS = 60;
// The original takes over a second per copy: fewer runs keep the bench within minutes, and its median is stable.
const ORIGINAL_WARMUP = 2;
const ORIGINAL_RUNS = 15;

/** 20 annotations over 4 pages, every type at least three times, with accents, ✓ and ½ in the texts. */
function annotations(): FlattenAnnotation[] {
  const types = ['COMMENT', 'HIGHLIGHT', 'TICK', 'CROSS', 'SCORE', 'FREEHAND'] as const;
  return Array.from({ length: 20 }, (_, i) => {
    const type = types[i % types.length]!;
    const x = 0.1 + ((i * 0.13) % 0.6);
    const y = 0.15 + ((i * 0.17) % 0.7);
    const w = type === 'COMMENT' ? 0.3 : type === 'HIGHLIGHT' ? 0.5 : 0.08;
    const h = type === 'COMMENT' ? 0.08 : type === 'HIGHLIGHT' ? 0.03 : 0.05;
    return {
      pagePosition: i % 4,
      x, y, w, h,
      type,
      content: type === 'COMMENT' ? `Très bien ✓ mais la dérivée est à justifier (½ point) — remarque ${i + 1}` : type === 'SCORE' ? `+${(i % 3) + 1},5` : null,
      scoreDelta: type === 'SCORE' ? ((i % 3) + 1) * 100 + 50 : null,
      points: type === 'FREEHAND' ? Array.from({ length: 24 }, (_, k) => [x + (k / 23) * 0.2, y + 0.03 * Math.sin(k / 2)] as [number, number]) : null,
    };
  });
}

export async function benchFinalize(report: Report): Promise<void> {
  const work = tempDir('finalize');
  try {
    const scanPath = path.join(work, 'copy.pdf');
    const scan = await makeScanPdf({ pages: 4, dpi: 150, pagesPerCopy: 4, names: ['Léa Dubois'] });
    fs.writeFileSync(scanPath, scan);
    const pages = await extractPageImages(scan);
    const imageBytes = pages.reduce((n, p) => n + p.bytes.length, 0);
    const questions = [
      { id: 'q1', parentId: null, label: 'Exercice 1', maxPoints: 1000 },
      { id: 'q1a', parentId: 'q1', label: '1a', maxPoints: 400 },
      { id: 'q1b', parentId: 'q1', label: '1b', maxPoints: 600 },
      { id: 'q2', parentId: null, label: 'Exercice 2', maxPoints: 1000 },
    ];
    const scores = [
      { questionId: 'q1a', points: 350, comment: 'Bien' },
      { questionId: 'q1b', points: 450, comment: null },
      { questionId: 'q2', points: 750, comment: 'Démonstration incomplète' },
    ];
    const input: FlattenInput = {
      examTitle: 'Contrôle de mathématiques n°3',
      copyCode: 'K7Q2PM',
      studentName: 'Léa Dubois',
      pages,
      annotations: annotations(),
      questions,
      scores,
      total: 1550,
      maxTotal: 2000,
    };

    console.log(`Finalize: ${RUNS} runs of a 4-page copy with 20 annotations…`);
    for (let i = 0; i < WARMUP; i++) await flattenCopy(input);
    const times: number[] = [];
    let output: Uint8Array = new Uint8Array();
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      output = await flattenCopy(input);
      times.push(performance.now() - started);
    }
    const ms = median(times);

    let original: { medianMs: number; runs: number; outputBytes: number; pngBytes: number } | null = null;
    const version = pymupdfVersion();
    if (!version) report.note(PYMUPDF_MISSING);
    else {
      console.log(`Finalize, original way: PyMuPDF ${version}, ${ORIGINAL_RUNS} runs…`);
      const spec = path.join(work, 'spec.json');
      fs.writeFileSync(
        spec,
        JSON.stringify({
          scan: scanPath,
          dpi: 150,
          annotations: input.annotations,
          examTitle: input.examTitle,
          copyCode: input.copyCode,
          summary: [...scores.map((s) => `${s.questionId}: ${s.points / 100} ${s.comment ?? ''}`), `Total: ${input.total / 100} / ${input.maxTotal / 100}`],
          warmup: ORIGINAL_WARMUP,
          runs: ORIGINAL_RUNS,
        }),
      );
      original = await runPython('original_finalize.py', [spec]);
    }

    report.add({
      bench: 'Finalize',
      figure: `ms per copy (median of ${RUNS}; original: of ${ORIGINAL_RUNS}), 4 p, 20 annotations`,
      korrigo: fmt(ms, 2),
      original: original ? fmt(original.medianMs, 2) : 'n/a',
      ratio: original ? ratio(original.medianMs, ms) : '—',
      target: '≥ 20× faster',
      met: original ? original.medianMs / ms >= 20 : false,
    });
    report.add({
      bench: 'Finalize',
      figure: 'output size vs its page images',
      korrigo: `${fmt(output.length / 1024, 0)} KiB / ${fmt(imageBytes / 1024, 0)} KiB JPEG = ${fmt(output.length / imageBytes, 3)}×`,
      original: original
        ? `${fmt(original.outputBytes / 1024, 0)} KiB / ${fmt(original.pngBytes / 1024, 0)} KiB PNG = ${fmt(original.outputBytes / original.pngBytes, 2)}×`
        : 'n/a',
      ratio: original ? `${fmt(original.outputBytes / output.length, 1)}× smaller` : '—',
      target: '≤ 1.1× page images',
      met: output.length <= 1.1 * imageBytes,
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
