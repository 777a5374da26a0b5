/**
 * Printed papers as a scanner returns them, for the tests and the benchmark of page codes: each page image is
 * skewed by a few degrees, possibly turned by a quarter or a half, greyed with noise and re-encoded as JPEG, then
 * the pages are bound into a PDF of full-page JPEGs like a school scanner's output.
 */
import { loadImage } from '@napi-rs/canvas';
import { PDFDocument } from 'pdf-lib';
import { withCanvas } from './canvas.ts';
import { setFixedMetadata } from './pdf-meta.ts';
import { mulberry32 } from './synthetic-scan.ts';

export interface ScanLikeOptions {
  /** clockwise quarter turns the sheet went through the scanner with */
  turn?: 0 | 90 | 180 | 270;
  /** skew in degrees, clockwise */
  skewDeg?: number;
  /** amplitude of the grey noise added to every pixel (0–255) */
  noise?: number;
  seed?: number;
  jpegQuality?: number;
}

export async function scanLike(jpeg: Uint8Array, o: ScanLikeOptions = {}): Promise<{ bytes: Uint8Array; widthPx: number; heightPx: number }> {
  const image = await loadImage(new Uint8Array(jpeg));
  const { width: w, height: h } = image;
  const turn = o.turn ?? 0;
  const tw = turn % 180 ? h : w;
  const th = turn % 180 ? w : h;
  const rand = mulberry32(o.seed ?? 1);
  const bytes = await withCanvas(tw, th, async (canvas) => {
    const g = canvas.getContext('2d');
    g.fillStyle = '#f3efe4';
    g.fillRect(0, 0, tw, th);
    g.translate(tw / 2, th / 2);
    g.rotate(((turn + (o.skewDeg ?? 0)) * Math.PI) / 180);
    g.drawImage(image, -w / 2, -h / 2);
    g.setTransform(1, 0, 0, 1, 0, 0);
    const amplitude = o.noise ?? 0;
    if (amplitude > 0) {
      const data = g.getImageData(0, 0, tw, th);
      const d = data.data;
      for (let i = 0; i < d.length; i += 4) {
        const n = (rand() - 0.5) * amplitude;
        d[i] = d[i]! + n;
        d[i + 1] = d[i + 1]! + n;
        d[i + 2] = d[i + 2]! + n;
      }
      g.putImageData(data, 0, 0);
    }
    return new Uint8Array(await canvas.encode('jpeg', o.jpegQuality ?? 75));
  });
  return { bytes, widthPx: tw, heightPx: th };
}

/** One full-page JPEG per page, at 150 dpi: what a scanner writes. */
export async function jpegsToScanPdf(pages: Array<{ bytes: Uint8Array; widthPx: number; heightPx: number }>): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  setFixedMetadata(doc, 'Scan');
  for (const p of pages) {
    const image = await doc.embedJpg(new Uint8Array(p.bytes));
    const w = (p.widthPx / 150) * 72;
    const h = (p.heightPx / 150) * 72;
    doc.addPage([w, h]).drawImage(image, { x: 0, y: 0, width: w, height: h });
  }
  return doc.save();
}
