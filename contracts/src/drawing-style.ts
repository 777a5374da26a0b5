/**
 * How annotations are drawn: by the grading desk's overlay (web/src/annotations/Overlay.tsx, SVG) and by the PDF
 * flattener (server/src/pdf/flatten.ts, vector operators), from this one table, so that the final PDF shows the
 * student what the teacher saw.
 *
 * Units: `pen` and `font` are fractions of the page width; shapes (`path`, `strokes`) are points given as
 * fractions of the annotation's box, origin at its top-left corner, y downwards. Colours are #rrggbb.
 * The flatten pixel tests (server/test/pdf) compare rendered pages: changing a value here changes them.
 */

/** A point in an annotation's box: [x, y] as fractions of its width and height, from the top-left corner. */
export type BoxPoint = readonly [number, number];

export const ANNOTATION_STYLE = {
  /** stroke width, fraction of the page width */
  pen: 0.0025,
  /** comment text size, fraction of the page width */
  font: 0.017,
  highlight: { color: '#ffe14d', opacity: 0.4 },
  comment: { fill: '#fff7c2', opacity: 0.9, border: '#b58900', text: '#3b2f00' },
  /** one polyline; `pens`: line width in pens */
  tick: { color: '#0a8a3a', pens: 2, path: [[0.1, 0.55], [0.4, 0.85], [0.9, 0.15]] as readonly BoxPoint[] },
  /** two separate strokes, corner to corner, inset from the box */
  cross: {
    color: '#c62828',
    pens: 2,
    strokes: [
      [[0.15, 0.15], [0.85, 0.85]],
      [[0.85, 0.15], [0.15, 0.85]],
    ] as ReadonlyArray<readonly BoxPoint[]>,
  },
  /**
   * A pill (radius: half the box's shorter side) with the score change in bold; the text is at most
   * `textHeight` of the box's height and at most `fontScale` × the comment font.
   */
  score: { fill: '#1565c0', text: '#ffffff', textHeight: 0.6, fontScale: 1.2 },
  freehand: { color: '#c62828', pens: 1 },
} as const;

export type AnnotationStyle = typeof ANNOTATION_STYLE;

/** "#rrggbb" → [r, g, b] in 0…1 (PDF colour operands). */
export function rgbOf(colour: string): [number, number, number] {
  if (!/^#[0-9a-f]{6}$/i.test(colour)) throw new RangeError(`not a #rrggbb colour: ${colour}`);
  const channel = (at: number) => parseInt(colour.slice(at, at + 2), 16) / 255;
  return [channel(1), channel(3), channel(5)];
}
