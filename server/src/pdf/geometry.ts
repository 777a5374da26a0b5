/**
 * The only place where annotation geometry meets PDF coordinates. Annotations are stored normalized — fractions
 * 0..1 of the page, origin at the top-left corner, y growing downwards (DESIGN.md §2) — exactly as the web overlay
 * draws them over the page image. PDF user space has its origin at the bottom-left and y growing upwards.
 */

export interface NormalizedRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PageSizePt {
  width: number;
  height: number;
}

/** A rectangle in PDF points: (x, y) is its bottom-left corner. */
export interface PdfRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PdfPoint {
  x: number;
  y: number;
}

const clamp01 = (v: number): number => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

/** Normalized rectangle → PDF rectangle. Out-of-page values are clamped so nothing is drawn off the sheet. */
export function rectToPdf(rect: NormalizedRect, page: PageSizePt): PdfRect {
  const x = clamp01(rect.x);
  const y = clamp01(rect.y);
  const w = Math.min(clamp01(rect.w), 1 - x);
  const h = Math.min(clamp01(rect.h), 1 - y);
  return { x: x * page.width, y: (1 - y - h) * page.height, width: w * page.width, height: h * page.height };
}

/** Normalized point (freehand strokes) → PDF point. */
export function pointToPdf([x, y]: readonly [number, number], page: PageSizePt): PdfPoint {
  return { x: clamp01(x) * page.width, y: (1 - clamp01(y)) * page.height };
}

/** A4's long side in points. */
export const A4_LONG_SIDE_PT = 841.89;

/**
 * Size of a final-PDF page showing an image of the given pixel size. The long side is always A4's, whatever the
 * scan resolution, so pages print on A4 and keep the image's aspect ratio exactly (normalized geometry then means
 * the same spot on the image and on the page). A 150 dpi A4 scan maps at exactly 150 dpi.
 */
export function pageSizeForImage(widthPx: number, heightPx: number): PageSizePt {
  if (!(widthPx > 0) || !(heightPx > 0)) throw new RangeError(`Invalid page image size ${widthPx}×${heightPx}`);
  const scale = A4_LONG_SIDE_PT / Math.max(widthPx, heightPx);
  return { width: widthPx * scale, height: heightPx * scale };
}
