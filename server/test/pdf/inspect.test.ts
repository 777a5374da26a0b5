import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { inspectPdf } from '../../src/pdf/inspect.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';

const caps = { maxPages: 500, maxBytes: 50 * 1024 * 1024 };

async function rejection(bytes: Uint8Array, opts = caps): Promise<AppError> {
  const err = await inspectPdf(bytes, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('inspectPdf', () => {
  it('accepts a scan and counts its pages', async () => {
    expect(await inspectPdf(await fx.scan4(), caps)).toMatchObject({ pageCount: 4 });
    expect(await inspectPdf(await fx.mixedSizes(), caps)).toMatchObject({ pageCount: 4 });
  });

  it('accepts bytes before the header, as readers do', async () => {
    const scan = await fx.scan4();
    const prefixed = new Uint8Array(scan.length + 12);
    prefixed.set(new TextEncoder().encode('HTTP-junk\r\n\n'));
    prefixed.set(scan, 12);
    expect(await inspectPdf(prefixed, caps)).toMatchObject({ pageCount: 4 });
  });

  it('maps each scanned page to the byte range of its JPEG in the file (after junk before the header too), and a typed page to null', async () => {
    const jpegs = await fx.scanJpegs();
    const scan = await fx.scanPdfFrom(jpegs, 4);
    const prefixed = new Uint8Array(scan.length + 12);
    prefixed.set(new TextEncoder().encode('HTTP-junk\r\n\n'));
    prefixed.set(scan, 12);
    for (const file of [scan, prefixed]) {
      const { scanPages } = await inspectPdf(file, caps);
      expect(scanPages).toHaveLength(4);
      scanPages.forEach((range, i) => {
        expect(Buffer.from(file.subarray(range!.offset, range!.offset + range!.length)).equals(Buffer.from(jpegs[i % jpegs.length]!))).toBe(true);
      });
    }
    const typed = await inspectPdf(await fx.vectorText(), caps);
    expect(typed.scanPages.every((p) => p === null)).toBe(true);
  });

  it('maps scanned pages whose stream lengths are indirect objects (Ghostscript style) to exactly their JPEGs', async () => {
    const jpegs = await fx.scanJpegs();
    const file = fx.indirectLengthScan([...jpegs, ...jpegs]);
    const { pageCount, scanPages } = await inspectPdf(file, caps);
    expect(pageCount).toBe(4);
    scanPages.forEach((range, i) => {
      expect(range).not.toBeNull();
      expect(Buffer.from(file.subarray(range!.offset, range!.offset + range!.length)).equals(Buffer.from(jpegs[i % 2]!))).toBe(true);
    });
  });

  it('accepts a 300-page batch under a 300-page cap', async () => {
    expect(await inspectPdf(await fx.batch300(), { ...caps, maxPages: 300 })).toMatchObject({ pageCount: 300 });
  });

  it.each([
    ['an empty file', async () => new Uint8Array(), /empty/],
    ['a text file', async () => fx.notAPdf(), /not a PDF/],
    ['a JPEG renamed .pdf', fx.jpegRenamed, /JPEG image, not a PDF/],
    ['a truncated PDF', fx.truncated, /incomplete/],
    ['a PDF whose cross-reference table is corrupt', fx.corruptXref, /damaged/],
    ['an encrypted PDF', async () => fx.encrypted(), /password-protected or encrypted/],
    ['a PDF with no pages', async () => fx.zeroPages(), /no pages/],
  ])('rejects %s with INVALID_PDF (422)', async (_name, make, message) => {
    const err = await rejection(await make());
    expect(err.code).toBe('INVALID_PDF');
    expect(err.status).toBe(422);
    expect(err.message).toMatch(message);
  });

  it('rejects more pages than the cap, saying both numbers', async () => {
    const err = await rejection(await fx.batch300(), { ...caps, maxPages: 200 });
    expect(err.code).toBe('INVALID_PDF');
    expect(err.message).toContain('300 pages');
    expect(err.message).toContain('200');
  });

  it('rejects a file over the size cap with PAYLOAD_TOO_LARGE (413) before parsing it', async () => {
    const err = await rejection(await fx.scan4(), { ...caps, maxBytes: 1000 });
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.status).toBe(413);
  });

  it('the encrypted fixture is encrypted for pdfjs too', async () => {
    const task = getDocument({ data: fx.encrypted(), isEvalSupported: false, verbosity: 0 });
    await expect(task.promise).rejects.toMatchObject({ name: 'PasswordException' });
  });

  it('the damaged fixtures are still PDFs by their first bytes', async () => {
    for (const bytes of [await fx.truncated(), await fx.corruptXref(), fx.encrypted(), fx.zeroPages()]) {
      expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    }
  });
});
