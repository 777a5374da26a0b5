import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { defaultRenderer as pdfRenderer } from '../../src/pdf/engine.ts';
import { flattenCopy } from '../../src/pdf/flatten.ts';
import { closePdfPool, getPdfPool, PdfPool } from '../../src/pdf/pool.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

describe('PDF worker pool (TypeScript workers started from vitest)', () => {
  afterAll(() => closePdfPool());

  it('is a singleton of min(2, cores) threads by default', () => {
    const pool = getPdfPool();
    expect(getPdfPool()).toBe(pool);
    expect(pool.size).toBeGreaterThanOrEqual(1);
    expect(pool.size).toBeLessThanOrEqual(2);
  });

  it('runs inspect, split and page extraction off the main thread', async () => {
    const pool = getPdfPool();
    const scan = await fx.scan4();
    expect(await pool.inspectPdf(scan, { maxPages: 10, maxBytes: 10_000_000 })).toMatchObject({ pageCount: 4 });
    const parts = await pool.splitPdf(scan, [[0, 1], [2, 3]]);
    expect(parts).toHaveLength(2);
    const jpegs = await fx.scanJpegs();
    const images = await pool.extractPageImages(parts[1]!);
    expect(images.map((im) => same(im.bytes, jpegs[images.indexOf(im)]!))).toEqual([true, true]);
    const rendered = await pool.extractPageImages(await fx.rotated());
    expect(rendered[0]).toMatchObject({ widthPx: 1754, heightPx: 1240 });
  });

  it('keeps AppError codes across the thread boundary', async () => {
    const err = await getPdfPool()
      .inspectPdf(await fx.jpegRenamed(), { maxPages: 10, maxBytes: 10_000_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'INVALID_PDF', status: 422 });
    const tooBig = await getPdfPool().inspectPdf(await fx.scan4(), { maxPages: 10, maxBytes: 10 }).catch((e: unknown) => e);
    expect(tooBig).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('keeps other errors as errors with their message', async () => {
    await expect(getPdfPool().splitPdf(await fx.scan4(), [[3, 9]])).rejects.toThrow(/Invalid page range/);
  });

  it('renders final PDFs in parallel, byte-identical to the in-thread flattener', async () => {
    const jpegs = await fx.scanJpegs();
    const input = {
      examTitle: 'Bac blanc', copyCode: 'Z9', studentName: 'Δημήτρης',
      pages: jpegs.map((bytes) => ({ bytes, contentType: 'image/jpeg' as const, widthPx: 496, heightPx: 702 })),
      annotations: [{ pagePosition: 1, x: 0.1, y: 0.1, w: 0.2, h: 0.1, type: 'COMMENT' as const, content: 'Bien ✓', scoreDelta: null }],
      questions: [{ id: 'q', parentId: null, label: 'Q1', maxPoints: 500 }],
      scores: [{ questionId: 'q', points: 450, comment: null }],
      total: 450, maxTotal: 500,
    };
    const results = await Promise.all([1, 2, 3, 4].map(() => pdfRenderer.render(input)));
    const local = await flattenCopy(input);
    for (const r of results) expect(same(r, local)).toBe(true);
  });

  it('stops a task that overruns its timeout, replaces the thread and carries on', async () => {
    const pool = new PdfPool({ size: 1, taskTimeoutMs: 1500 });
    try {
      await pool.inspectPdf(await fx.scan4(), { maxPages: 10, maxBytes: 10_000_000 }); // thread is up
      const big = await fx.vectorDoc(Array.from({ length: 200 }, () => [595.28, 841.89] as [number, number]));
      await expect(pool.extractPageImages(big)).rejects.toThrow(/longer than 2 s/);
      expect(await pool.inspectPdf(await fx.scan4(), { maxPages: 10, maxBytes: 10_000_000 })).toMatchObject({ pageCount: 4 });
    } finally {
      await pool.close();
    }
  });

  it('maps a scan file: each scanned page is the byte range of its embedded JPEG, null where a page must be rendered', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'korrigo-pool-'));
    try {
      const jpegs = await fx.scanJpegs();
      const file = path.join(dir, 'mixed.pdf');
      // 4 scanned pages, then the rotated scan's page, which the renderer must take
      const scan = await fx.scanPdfFrom(jpegs, 4);
      const { PDFDocument } = await import('pdf-lib');
      const doc = await PDFDocument.load(scan);
      const rotated = await PDFDocument.load(await fx.rotatedScan());
      for (const page of await doc.copyPages(rotated, [0])) doc.addPage(page);
      fs.writeFileSync(file, await doc.save());
      const { pageCount, scanPages } = await getPdfPool().inspectPdfFile(file, { maxPages: 10, maxBytes: 100_000_000 });
      expect(pageCount).toBe(5);
      const bytes = fs.readFileSync(file);
      for (let i = 0; i < 4; i++) {
        const range = scanPages[i]!;
        expect(same(bytes.subarray(range.offset, range.offset + range.length), jpegs[i % jpegs.length]!)).toBe(true);
      }
      expect(scanPages[4]).toBeNull();
      const [rendered] = await getPdfPool().renderPagesOfFile(file, [4]);
      expect(rendered!.widthPx).toBeGreaterThan(rendered!.heightPx); // the rotated portrait scan shows landscape
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails queued tasks when closed and refuses new ones', async () => {
    const pool = new PdfPool({ size: 1 });
    const pending = expect(pool.splitPdf(await fx.batch300(), [[0, 299]])).rejects.toThrow(/closed/);
    await pool.close();
    await pending;
    await expect(pool.inspectPdf(new Uint8Array(1), { maxPages: 1, maxBytes: 1 })).rejects.toThrow(/closed/);
  });
});
