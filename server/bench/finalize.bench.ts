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
/*
 * Both ways are timed in alternating batches, so that a change in the machine's load during the bench weighs on
 * both alike. The original takes over a second per copy: fewer runs keep the bench within minutes.
 */
const BATCHES = 3;
const RUNS_PER_BATCH = 20;
const RUNS = BATCHES * RUNS_PER_BATCH;
const ORIGINAL_RUNS_PER_BATCH = 5;
const ORIGINAL_RUNS = BATCHES * ORIGINAL_RUNS_PER_BATCH;

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

    const version = pymupdfVersion();
    if (!version) report.note(PYMUPDF_MISSING);
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
        warmup: 1,
        runs: ORIGINAL_RUNS_PER_BATCH,
      }),
    );

    console.log(`Finalize: ${RUNS} runs of a 4-page copy with 20 annotations${version ? `, and ${ORIGINAL_RUNS} the original way (PyMuPDF ${version})` : ''}, in ${BATCHES} alternating batches…`);
    for (let i = 0; i < WARMUP; i++) await flattenCopy(input);
    const times: number[] = [];
    const originalTimes: number[] = [];
    let output: Uint8Array = new Uint8Array();
    let original: { outputBytes: number; pngBytes: number } | null = null;
    for (let b = 0; b < BATCHES; b++) {
      for (let i = 0; i < RUNS_PER_BATCH; i++) {
        const started = performance.now();
        output = await flattenCopy(input);
        times.push(performance.now() - started);
      }
      if (version) {
        const batch = await runPython<{ timesMs: number[]; outputBytes: number; pngBytes: number }>('original_finalize.py', [spec]);
        originalTimes.push(...batch.timesMs);
        original = batch;
      }
    }
    const ms = median(times);
    const originalMs = median(originalTimes);

    report.add({
      bench: 'Finalize',
      figure: `ms per copy (median of ${RUNS}; original: of ${ORIGINAL_RUNS}), 4 p, 20 annotations`,
      korrigo: fmt(ms, 2),
      original: original ? fmt(originalMs, 2) : 'n/a',
      ratio: original ? ratio(originalMs, ms) : '—',
      target: '≥ 20× faster',
      met: original ? originalMs / ms >= 20 : false,
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
