import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { extractPageImages } from '../../src/pdf/page-image.ts';
import { makeScanPageJpeg, makeScanPdf } from '../../src/pdf/synthetic-scan.ts';
import { decodeJpeg, isDark, meanColour } from './pixels.ts';

describe('makeScanPdf', () => {
  it('makes A4 pages that are each one full-page JPEG, like a scanner', async () => {
    const pdf = await makeScanPdf({ pages: 6, pagesPerCopy: 3, names: ['Ana Lima', 'Bob Roy'], dpi: 50 });
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPageCount()).toBe(6);
    expect(doc.getPage(0).getSize()).toEqual({ width: 595.28, height: 841.89 });
    const images = await extractPageImages(pdf);
    for (const image of images) expect(image).toMatchObject({ contentType: 'image/jpeg', widthPx: 413, heightPx: 585 });
    // Each copy's first page carries its own name; pages at the same place in different copies may share a look.
    const first = (i: number) => Buffer.from(images[i]!.bytes);
    expect(first(0).equals(first(3))).toBe(false);
  });

  it('is reproducible', async () => {
    const a = await makeScanPdf({ pages: 3, dpi: 40 });
    const b = await makeScanPdf({ pages: 3, dpi: 40 });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
  });

  it('looks like paper with a written header box on a first page', async () => {
    const jpeg = await makeScanPageJpeg({ name: 'Łukasz Ørsted', pageInCopy: 0, pagesPerCopy: 4, dpi: 100 });
    const px = await decodeJpeg(jpeg);
    expect(px.width).toBe(827);
    const paper = meanColour(px, 0.6, 0.02, 0.1, 0.02);
    expect(paper[0]).toBeGreaterThan(220);
    expect(paper[0]).toBeGreaterThan(paper[2]); // warm paper tone
    // The header box's frame and the name written in it are ink.
    expect(isDark(meanColour(px, 0.0645, 0.05, 0.002, 0.06))).toBe(true);
  });

  it('rejects nonsense sizes', async () => {
    await expect(makeScanPdf({ pages: 0 })).rejects.toThrow(RangeError);
    await expect(makeScanPdf({ pages: 2, pagesPerCopy: 0 })).rejects.toThrow(RangeError);
  });
});
