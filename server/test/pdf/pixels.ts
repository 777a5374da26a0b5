/** Test helpers that turn JPEGs and PDF pages back into pixels, to check what a reader would actually see. */
import { loadImage } from '@napi-rs/canvas';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { PDFJS_DATA } from '../../src/pdf/assets.ts';
import { withCanvas } from '../../src/pdf/canvas.ts';

export interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export async function decodeJpeg(bytes: Uint8Array): Promise<Pixels> {
  const image = await loadImage(Buffer.from(bytes));
  return withCanvas(image.width, image.height, async (canvas) => {
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    return { width: image.width, height: image.height, data: ctx.getImageData(0, 0, image.width, image.height).data };
  });
}

/** Renders one page (0-based) of a PDF with pdfjs at `dpi`. */
export async function renderPdfPage(pdfBytes: Uint8Array, pageIndex: number, dpi = 72): Promise<Pixels> {
  const pdf = await getDocument({ data: pdfBytes.slice(), isEvalSupported: false, verbosity: 0, ...PDFJS_DATA }).promise;
  try {
    const page = await pdf.getPage(pageIndex + 1);
    const viewport = page.getViewport({ scale: dpi / 72 });
    const width = Math.round(viewport.width);
    const height = Math.round(viewport.height);
    return await withCanvas(width, height, async (canvas) => {
      await page.render({ canvas: canvas as unknown as HTMLCanvasElement, viewport }).promise;
      return { width, height, data: canvas.getContext('2d').getImageData(0, 0, width, height).data };
    });
  } finally {
    await pdf.destroy();
  }
}

/** The colour at a point given as fractions of the image (top-left origin, like annotation geometry). */
export function colourAt(p: Pixels, fx: number, fy: number): [number, number, number] {
  const x = Math.min(p.width - 1, Math.floor(fx * p.width));
  const y = Math.min(p.height - 1, Math.floor(fy * p.height));
  const i = (y * p.width + x) * 4;
  return [p.data[i]!, p.data[i + 1]!, p.data[i + 2]!];
}

/** Mean colour of a region given as fractions, which smooths JPEG noise. */
export function meanColour(p: Pixels, fx: number, fy: number, fw: number, fh: number): [number, number, number] {
  const x0 = Math.floor(fx * p.width);
  const y0 = Math.floor(fy * p.height);
  const x1 = Math.max(x0 + 1, Math.floor((fx + fw) * p.width));
  const y1 = Math.max(y0 + 1, Math.floor((fy + fh) * p.height));
  const sum = [0, 0, 0];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * p.width + x) * 4;
      sum[0]! += p.data[i]!;
      sum[1]! += p.data[i + 1]!;
      sum[2]! += p.data[i + 2]!;
    }
  }
  const n = (x1 - x0) * (y1 - y0);
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

export const isDark = ([r, g, b]: [number, number, number]): boolean => r + g + b < 150;

/** The text pdfjs extracts from one page (0-based), items joined by spaces: what a reader can copy or search. */
export async function pdfPageText(pdfBytes: Uint8Array, pageIndex: number): Promise<string> {
  const pdf = await getDocument({ data: pdfBytes.slice(), isEvalSupported: false, verbosity: 0, ...PDFJS_DATA }).promise;
  try {
    const content = await (await pdf.getPage(pageIndex + 1)).getTextContent();
    return content.items.map((item) => ('str' in item ? item.str : '')).join(' ');
  } finally {
    await pdf.destroy();
  }
}
