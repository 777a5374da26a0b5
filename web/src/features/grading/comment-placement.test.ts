import { describe, expect, it } from 'vitest';
import { EDITOR_HEIGHT, editorPlacement } from './comment-placement';

const overlaps = (r: { y: number; h: number }, at: { top?: number; bottom?: number }) => {
  const top = at.top ?? 1 - at.bottom! - EDITOR_HEIGHT;
  return top < r.y + r.h && top + EDITOR_HEIGHT > r.y;
};

describe('editorPlacement', () => {
  it('puts the editor below the box, or above it near the bottom of the page, never over it', () => {
    for (const r of [
      { x: 0.1, y: 0.1, w: 0.3, h: 0.05 },
      { x: 0.55, y: 0.35, w: 0.35, h: 0.07 },
      { x: 0.2, y: 0.85, w: 0.3, h: 0.1 },
      { x: 0.9, y: 0.5, w: 0.1, h: 0.3 },
    ]) {
      const at = editorPlacement(r);
      expect(overlaps(r, at)).toBe(false);
      expect(at.left).toBeLessThanOrEqual(0.7);
    }
    expect(editorPlacement({ x: 0.2, y: 0.85, w: 0.3, h: 0.1 }).bottom).toBeCloseTo(0.16);
  });
});
