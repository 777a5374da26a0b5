/**
 * Where the comment editor goes: beside the box being drawn, never over it — below it, or above it when there is no
 * room below, or over the page's edge as a last resort. Fractions of the page, like the annotations.
 */
import type { Rect } from '../../annotations/model';

/** the editor's height as a fraction of the page height (textarea + buttons on an A4 page at fit width) */
export const EDITOR_HEIGHT = 0.16;
const GAP = 0.01;

export function editorPlacement(r: Rect): { left: number; top?: number; bottom?: number } {
  const left = Math.min(Math.max(0, r.x), 0.7);
  if (r.y + r.h + GAP + EDITOR_HEIGHT <= 1) return { left, top: r.y + r.h + GAP };
  if (r.y - GAP - EDITOR_HEIGHT >= 0) return { left, bottom: 1 - r.y + GAP };
  return { left, top: Math.max(0, 1 - EDITOR_HEIGHT) };
}
