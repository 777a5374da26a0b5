import { loadImage } from '@napi-rs/canvas';
import { withCanvas } from './canvas.ts';

/** Long side of the copy the ink is counted on: pen strokes stay dark, and a page costs a few milliseconds. */
const MEASURE_PX = 400;
/** Luminance under which a pixel counts as ink. */
const DARK = 170;
/** Scanners leave shadows at the sheet's edges: they are not ink. */
const MARGIN = 0.05;

/**
 * The share of dark pixels of each page image (0 = white). A blank insert measures near 0; a handwritten page
 * well above. Decoding happens here, on a PDF thread, never on the API's event loop.
 */
export async function measureInk(images: Uint8Array[]): Promise<number[]> {
  const out: number[] = [];
  for (const bytes of images) {
    const img = await loadImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const scale = MEASURE_PX / Math.max(img.width, img.height);
    const w = Math.max(1, Math.round(img.width * scale));
    const h = Math.max(1, Math.round(img.height * scale));
    out.push(
      await withCanvas(w, h, async (canvas) => {
        const g = canvas.getContext('2d');
        g.drawImage(img, 0, 0, w, h);
        const x0 = Math.floor(w * MARGIN);
        const y0 = Math.floor(h * MARGIN);
        const cw = Math.max(1, w - 2 * x0);
        const ch = Math.max(1, h - 2 * y0);
        const px = g.getImageData(x0, y0, cw, ch).data;
        let dark = 0;
        for (let i = 0; i < px.length; i += 4) if (0.299 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]! < DARK) dark++;
        return dark / (cw * ch);
      }),
    );
  }
  return out;
}
