/**
 * Throughput of the two hot paths, on realistic inputs. The targets are ≥ 225 pages/s for the passthrough of a
 * 200-page scan on 2 cores and ≤ 25 ms to flatten a 4-page copy with 20 annotations. Each figure is the best of
 * several runs, and the medians are printed too. Other test files (and on a shared machine, other processes) run
 * alongside, so the targets are asserted only with KORRIGO_PERF=1 on a quiet machine; otherwise the bounds are ten
 * times looser and catch only regressions of the kind "parses the PDF once per page" or "re-parses the font".
 */
import { afterAll, describe, expect, it } from 'vitest';
import { flattenCopy } from '../../src/pdf/flatten.ts';
import { extractPageImages } from '../../src/pdf/page-image.ts';
import { PdfPool } from '../../src/pdf/pool.ts';
import { makeScanPageJpeg, makeScanPdf } from '../../src/pdf/synthetic-scan.ts';
import type { FlattenAnnotation, FlattenInput } from '../../src/pdf/types.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const slack = process.env.KORRIGO_PERF === '1' ? 1 : 10;

describe('PDF engine performance', () => {
  const pool = new PdfPool({ size: 2 });
  afterAll(() => pool.close());

  it('passes a 200-page 150 dpi scan batch through at ≥ 225 pages/s', async () => {
    const names = ['Camille Martin', 'Lucas Bernard', 'Léa Dubois', 'Hugo Thomas', 'Chloé Robert', 'Louis Richard'];
    const batch = await makeScanPdf({ pages: 200, names });
    const ranges = Array.from({ length: 50 }, (_, i): [number, number] => [i * 4, i * 4 + 3]);
    const copies = await pool.splitPdf(batch, ranges);
    await pool.extractPageImages(batch); // warm both paths (thread start-up is not part of the rate)
    await Promise.all(copies.slice(0, 2).map((c) => pool.extractPageImages(c)));

    const rates: Record<string, number[]> = { wholeBatchOneThread: [], copiesOnPool: [], inProcess: [] };
    for (let run = 0; run < 3; run++) {
      let t = performance.now();
      expect(await pool.extractPageImages(batch)).toHaveLength(200);
      rates.wholeBatchOneThread!.push(200_000 / (performance.now() - t));
      t = performance.now();
      const perCopy = await Promise.all(copies.map((c) => pool.extractPageImages(c)));
      expect(perCopy.flat()).toHaveLength(200);
      rates.copiesOnPool!.push(200_000 / (performance.now() - t));
      t = performance.now();
      await extractPageImages(batch);
      rates.inProcess!.push(200_000 / (performance.now() - t));
    }
    const best = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, Math.round(Math.max(...v))]));
    const med = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, Math.round(median(v))]));
    console.log(`passthrough, 200-page scan (${(batch.length / 1e6).toFixed(1)} MB), pages/s: best`, best, 'median', med);
    expect(best.copiesOnPool).toBeGreaterThanOrEqual(225 / slack);
  });

  it('flattens a 4-page copy with 20 annotations in ≤ 25 ms, at ≤ 1.1 × its images', async () => {
    const pages = [];
    for (let i = 0; i < 4; i++) {
      const bytes = await makeScanPageJpeg({ name: i ? null : 'Łukasz Ørsted', pageInCopy: i, pagesPerCopy: 4, seed: i });
      pages.push({ bytes, contentType: 'image/jpeg' as const, widthPx: 1240, heightPx: 1754 });
    }
    const types = ['COMMENT', 'HIGHLIGHT', 'TICK', 'CROSS', 'SCORE', 'FREEHAND'] as const;
    const annotations: FlattenAnnotation[] = Array.from({ length: 20 }, (_, i) => ({
      pagePosition: i % 4,
      x: 0.1 + (i % 3) * 0.28, y: 0.05 + Math.floor(i / 3) * 0.13, w: 0.25, h: 0.1,
      type: types[i % types.length]!,
      content: i % 6 === 0 ? 'Bonne idée ✓ mais ½ point perdu : la justification manque.' : null,
      scoreDelta: i % 6 === 4 ? 150 : null,
      points: i % 6 === 5 ? [[0.2, 0.5], [0.25, 0.52], [0.3, 0.49], [0.35, 0.53]] : null,
    }));
    const input: FlattenInput = {
      examTitle: 'Devoir surveillé n°3 — Mathématiques', copyCode: 'A7K2', studentName: 'Łukasz Ørsted',
      pages, annotations,
      questions: Array.from({ length: 6 }, (_, i) => ({
        id: `q${i}`, parentId: null, label: `Exercice ${i + 1}`, maxPoints: 400,
      })),
      scores: Array.from({ length: 6 }, (_, i) => ({
        questionId: `q${i}`, points: 250, comment: i % 2 ? 'Raisonnement incomplet.' : null,
      })),
      total: 1500, maxTotal: 2400,
    };
    for (let i = 0; i < 10; i++) await flattenCopy(input);
    const times: number[] = [];
    let out: Uint8Array = new Uint8Array();
    for (let i = 0; i < 40; i++) {
      const t = performance.now();
      out = await flattenCopy(input);
      times.push(performance.now() - t);
    }
    const ratio = out.length / pages.reduce((n, p) => n + p.bytes.length, 0);
    const [med, best] = [median(times).toFixed(1), Math.min(...times).toFixed(1)];
    console.log(`flatten 4 pages / 20 annotations: median ${med} ms, best ${best} ms; size ratio ${ratio.toFixed(3)}`);
    expect(ratio).toBeLessThanOrEqual(1.1);
    expect(Math.min(...times)).toBeLessThanOrEqual(25 * slack);
  });
});
