import { loadImage } from '@napi-rs/canvas';
import { withCanvas } from './canvas.ts';
import type { PageImage } from './types.ts';

/** A rectangle as fractions of the page, top-left origin (the annotation model's geometry). */
export interface MaskRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Neutral grey rather than white: a corrector sees that something was hidden, not a blank header. */
export const MASK_FILL = '#c8c8cc';
const JPEG_QUALITY = 92;

/**
 * The page image with `rect` filled: what a corrector of an anonymous exam sees of the page that holds the
 * student's name. The covered pixels are gone from the output (it is re-encoded, not overlaid), and the rectangle
 * is rounded outwards so no row of handwriting survives at its edge.
 */
export async function maskImage(jpeg: Uint8Array, rect: MaskRect): Promise<PageImage> {
  const decoded = await loadImage(Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength));
  const { width, height } = decoded;
  const x0 = Math.max(0, Math.floor(rect.x * width));
  const y0 = Math.max(0, Math.floor(rect.y * height));
  const x1 = Math.min(width, Math.ceil((rect.x + rect.w) * width));
  const y1 = Math.min(height, Math.ceil((rect.y + rect.h) * height));
  const bytes = await withCanvas(width, height, async (canvas) => {
    const ctx = canvas.getContext('2d');
    ctx.drawImage(decoded, 0, 0);
    ctx.fillStyle = MASK_FILL;
    ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    return new Uint8Array(await canvas.encode('jpeg', JPEG_QUALITY));
  });
  return { bytes, contentType: 'image/jpeg', widthPx: width, heightPx: height };
}
