/**
 * Page rotation is an attribute (clockwise degrees) applied wherever the page is shown: the scan's JPEG is never
 * re-encoded. These are the pure pieces: the displayed size, the annotations that turn with the page, and the
 * EXIF orientation that makes any browser show the served JPEG upright.
 */
export type Rotation = 0 | 90 | 180 | 270;

export const addRotation = (current: number, by: number): Rotation => ((((current + by) % 360) + 360) % 360) as Rotation;

/** The page as displayed: a quarter turn swaps width and height. */
export const displaySize = (widthPx: number, heightPx: number, rotation: number) =>
  rotation === 90 || rotation === 270 ? { widthPx: heightPx, heightPx: widthPx } : { widthPx, heightPx };

interface Geometry {
  x: number;
  y: number;
  w: number;
  h: number;
  points: [number, number][] | null;
}

// Fractions of the page, top-left origin: a quarter turn clockwise sends (x, y) to (1 - y, x).
const quarterTurn = (g: Geometry): Geometry => ({
  x: clamp(1 - g.y - g.h),
  y: g.x,
  w: g.h,
  h: g.w,
  points: g.points && g.points.map(([px, py]) => [clamp(1 - py), px]),
});
const clamp = (v: number) => Math.min(1, Math.max(0, v));

/** An annotation's geometry after its page turned `by` degrees clockwise: it stays on the same ink. */
export function rotateGeometry(g: Geometry, by: number): Geometry {
  let out = g;
  for (let i = 0; i < addRotation(0, by) / 90; i++) out = quarterTurn(out);
  return out;
}

const ORIENTATION: Record<Rotation, number> = { 0: 1, 90: 6, 180: 3, 270: 8 };

/**
 * The JPEG with an EXIF APP1 segment right after its start marker, whose Orientation tag tells the viewer to turn
 * it: the compressed image data is untouched. Viewers read the first Exif segment, so this one wins over any
 * orientation the scanner wrote.
 */
export function withOrientation(jpeg: Uint8Array, rotation: Rotation): Buffer {
  if (rotation === 0 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  const app1 = Buffer.from([
    0xff, 0xe1, 0x00, 0x22, // APP1, 34 bytes
    0x45, 0x78, 0x69, 0x66, 0x00, 0x00, // "Exif\0\0"
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF header, IFD0 at 8
    0x00, 0x01, // one entry
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, ORIENTATION[rotation], 0x00, 0x00, // Orientation, SHORT
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}
