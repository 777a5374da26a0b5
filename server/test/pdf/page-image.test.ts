import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { extractPageImages, jpegHeader } from '../../src/pdf/page-image.ts';
import { splitPdf } from '../../src/pdf/split.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';
import { decodeJpeg, isDark, meanColour } from './pixels.ts';

const isJpeg = (b: Uint8Array) => b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

describe('extractPageImages: scanned pages pass through', () => {
  it('returns the embedded JPEG bytes unchanged, with the size from the image', async () => {
    const jpegs = await fx.scanJpegs();
    const images = await extractPageImages(await fx.scan4());
    expect(images).toHaveLength(4);
    images.forEach((image, i) => {
      expect(same(image.bytes, jpegs[i % 2]!)).toBe(true);
      expect(image).toMatchObject({ contentType: 'image/jpeg', widthPx: 496, heightPx: 702 });
    });
  });

  it('still passes through after a split (pages are copied, not re-encoded)', async () => {
    const jpegs = await fx.scanJpegs();
    const [first, second] = await splitPdf(await fx.scan4(), [[0, 1], [2, 3]]);
    for (const part of [first!, second!]) {
      const images = await extractPageImages(part);
      expect(images.map((im) => same(im.bytes, jpegs[images.indexOf(im)]!))).toEqual([true, true]);
    }
  });

  it('keeps a landscape scan landscape', async () => {
    const jpeg = await fx.plainJpeg(702, 496, '#dddddd');
    const pdf = await fx.scanPdfFrom([jpeg], 1, [841.89, 595.28]);
    const [image] = await extractPageImages(pdf);
    expect(same(image!.bytes, jpeg)).toBe(true);
    expect(image).toMatchObject({ widthPx: 702, heightPx: 496 });
  });

  it('renders a JPEG whose EXIF orientation a browser would apply but a PDF reader ignores', async () => {
    const [jpeg] = await fx.scanJpegs();
    const upright = fx.withExifOrientation(jpeg!, 1);
    const turned = fx.withExifOrientation(jpeg!, 6);
    const [kept] = await extractPageImages(await fx.scanPdfFrom([upright], 1));
    expect(same(kept!.bytes, upright)).toBe(true);
    const [rendered] = await extractPageImages(await fx.scanPdfFrom([turned], 1));
    expect(same(rendered!.bytes, turned)).toBe(false);
    expect(rendered).toMatchObject({ widthPx: 1240, heightPx: 1754 });
  });

  it('reads JPEG frame sizes and EXIF orientation from the headers', async () => {
    const [jpeg] = await fx.scanJpegs();
    expect(jpegHeader(jpeg!)).toEqual({ width: 496, height: 702, orientation: 1 });
    expect(jpegHeader(fx.withExifOrientation(jpeg!, 8))).toEqual({ width: 496, height: 702, orientation: 8 });
    expect(jpegHeader(jpeg!.subarray(0, 20))).toBeNull();
    expect(jpegHeader(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBeNull();
  });

  it('returns each page its own buffer, so results can be transferred between threads', async () => {
    const images = await extractPageImages(await fx.scan4());
    expect(new Set(images.map((im) => im.bytes.buffer)).size).toBe(4);
    for (const im of images) expect(im.bytes.byteLength).toBe(im.bytes.buffer.byteLength);
  });
});

describe('extractPageImages: other pages are rendered to JPEG at 150 dpi', () => {
  it('renders vector text pages (A4 portrait → 1240 × 1754)', async () => {
    const images = await extractPageImages(await fx.vectorText());
    expect(images).toHaveLength(2);
    for (const image of images) {
      expect(image).toMatchObject({ contentType: 'image/jpeg', widthPx: 1240, heightPx: 1754 });
      expect(isJpeg(image.bytes)).toBe(true);
    }
    // The black square drawn in the top-left corner is there, the page centre is white paper.
    const pixels = await decodeJpeg(images[0]!.bytes);
    expect(pixels.width).toBe(1240);
    expect(isDark(meanColour(pixels, 0.05, 0.03, 0.1, 0.08))).toBe(true);
    expect(meanColour(pixels, 0.5, 0.5, 0.1, 0.1)[0]).toBeGreaterThan(240);
  });

  it('honours /Rotate 90: landscape output with the top-left corner now at the top right', async () => {
    const [image] = await extractPageImages(await fx.rotated());
    expect(image).toMatchObject({ widthPx: 1754, heightPx: 1240 });
    const pixels = await decodeJpeg(image!.bytes);
    expect(isDark(meanColour(pixels, 0.87, 0.05, 0.08, 0.1))).toBe(true);
    expect(isDark(meanColour(pixels, 0.03, 0.05, 0.08, 0.1))).toBe(false);
  });

  it('renders a rotated scan instead of passing its sideways JPEG through', async () => {
    const [jpeg] = await fx.scanJpegs();
    const [image] = await extractPageImages(await fx.rotatedScan());
    expect(same(image!.bytes, jpeg!)).toBe(false);
    expect(image).toMatchObject({ contentType: 'image/jpeg', widthPx: 1754, heightPx: 1240 });
  });

  it('renders a scan with something drawn over it, or an image not covering the page', async () => {
    const jpegs = await fx.scanJpegs();
    for (const pdf of [await fx.stampedScan(), await fx.halfPageScan()]) {
      const [image] = await extractPageImages(pdf);
      expect(jpegs.some((j) => same(j, image!.bytes))).toBe(false);
      expect(image).toMatchObject({ widthPx: 1240, heightPx: 1754 });
    }
  });

  it('renders landscape and mixed page sizes at their own size', async () => {
    const [land] = await extractPageImages(await fx.landscape());
    expect(land).toMatchObject({ widthPx: 1754, heightPx: 1240 });
    const mixed = await extractPageImages(await fx.mixedSizes());
    expect(mixed.map((im) => [im.widthPx, im.heightPx])).toEqual([
      [1240, 1754],
      [874, 1240],
      [1275, 1650],
      [1754, 1240],
    ]);
  });

  it('takes another resolution when asked', async () => {
    const [image] = await extractPageImages(await fx.vectorText(), { dpi: 72 });
    expect(image).toMatchObject({ widthPx: 595, heightPx: 842 });
  });

  it('mixes passthrough and rendered pages in page order', async () => {
    const doc = await PDFDocument.create();
    const [scan] = await doc.copyPages(await PDFDocument.load(await fx.scan4()), [0]);
    const [vector] = await doc.copyPages(await PDFDocument.load(await fx.vectorText()), [0]);
    doc.addPage(vector!);
    doc.addPage(scan!);
    const images = await extractPageImages(await doc.save());
    expect(images.map((im) => im.widthPx)).toEqual([1240, 496]);
    expect(same(images[1]!.bytes, (await fx.scanJpegs())[0]!)).toBe(true);
  });
});
