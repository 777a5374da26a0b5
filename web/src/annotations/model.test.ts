import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clampRect, fieldsForRect, hitTest, isInside, markRect, mapPoints, moveRect, rectFromDrag, resizeRect, type AnnRecord, emptyState } from './model';

const any = fc.double({ min: -2, max: 3, noNaN: true });

describe('geometry stays inside the page', () => {
  it('clampRect: every field in [0,1] and x+w ≤ 1, y+h ≤ 1 (exactly, in floating point)', () => {
    fc.assert(
      fc.property(any, any, any, any, (x, y, w, h) => {
        expect(isInside(clampRect({ x, y, w, h }))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
  it('clampRect keeps a rect that is already inside', () => {
    expect(clampRect({ x: 0.1, y: 0.2, w: 0.3, h: 0.4 })).toEqual({ x: 0.1, y: 0.2, w: 0.3, h: 0.4 });
  });
  it('clampRect slides a box back in rather than shrinking it', () => {
    expect(clampRect({ x: 0.9, y: 0.95, w: 0.3, h: 0.1 })).toEqual({ x: 0.7, y: 0.9, w: 0.3, h: 0.1 });
    expect(clampRect({ x: 0.7, y: 0.0, w: 0.30000000000000004, h: 0.1 }).x + 0.3).toBeLessThanOrEqual(1);
  });
  it('handles NaN and Infinity', () => {
    expect(isInside(clampRect({ x: NaN, y: Infinity, w: -Infinity, h: 2 }))).toBe(true);
  });
  it('rectFromDrag works in any direction', () => {
    expect(rectFromDrag([0.5, 0.5], [0.2, 0.1])).toEqual({ x: 0.2, y: 0.1, w: 0.3, h: 0.4 });
    expect(rectFromDrag([0.5, 0.5], [1.5, -0.5])).toEqual({ x: 0.5, y: 0, w: 0.5, h: 0.5 });
  });
  it('moveRect stops at the edges and keeps the size', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0, max: 0.5, noNaN: true }), any, any, (w, h, dx, dy) => {
        const r = moveRect(clampRect({ x: 0.25, y: 0.25, w, h }), dx, dy);
        expect(isInside(r)).toBe(true);
        expect(r.w).toBeCloseTo(w, 5);
        expect(r.h).toBeCloseTo(h, 5);
      }),
    );
    expect(moveRect({ x: 0.5, y: 0.5, w: 0.2, h: 0.2 }, 1, -1)).toEqual({ x: 0.8, y: 0, w: 0.2, h: 0.2 });
  });
  it('resizeRect keeps the opposite corner, a minimum size, and the page', () => {
    const r = { x: 0.2, y: 0.2, w: 0.2, h: 0.2 };
    expect(resizeRect(r, 'se', 0.1, 0.1)).toEqual({ x: 0.2, y: 0.2, w: 0.3, h: 0.3 });
    expect(resizeRect(r, 'nw', 0.1, 0.1)).toEqual({ x: 0.3, y: 0.3, w: 0.1, h: 0.1 });
    const tiny = resizeRect(r, 'nw', 0.5, 0.5, 0.01);
    expect(tiny.x + tiny.w).toBeCloseTo(0.4, 6);
    expect(tiny.w).toBeCloseTo(0.01, 6);
    fc.assert(
      fc.property(fc.constantFrom('nw', 'ne', 'sw', 'se' as const), any, any, (handle, dx, dy) => {
        expect(isInside(resizeRect(r, handle, dx, dy))).toBe(true);
      }),
    );
  });
  it('markRect is square on screen and inside the page', () => {
    const r = markRect([0.5, 0.5], 0.7, 0.04);
    expect(r.w).toBeCloseTo(0.04);
    expect(r.h).toBeCloseTo(0.028);
    expect(isInside(markRect([0.999, 0.999], 0.7))).toBe(true);
  });
  it('mapPoints translates and scales a stroke with its box', () => {
    expect(mapPoints([[0.1, 0.1], [0.3, 0.2]], { x: 0.1, y: 0.1, w: 0.2, h: 0.1 }, { x: 0.5, y: 0.5, w: 0.4, h: 0.1 })).toEqual([
      [0.5, 0.5],
      [0.9, 0.6],
    ]);
  });
  it('fieldsForRect moves freehand points too', () => {
    const rec: AnnRecord = { key: 'k', id: 'a', version: 1, pagePosition: 0, type: 'FREEHAND', x: 0.1, y: 0.1, w: 0.1, h: 0.1, content: null, points: [[0.1, 0.1], [0.2, 0.2]], scoreDelta: null, questionId: null };
    expect(fieldsForRect(rec, { x: 0.2, y: 0.2, w: 0.1, h: 0.1 })).toEqual({ x: 0.2, y: 0.2, w: 0.1, h: 0.1, points: [[0.2, 0.2], [0.3, 0.3]] });
  });
  it('hitTest finds the topmost annotation of the page', () => {
    const s = emptyState();
    const base = { id: null, version: 0, type: 'TICK' as const, content: null, points: null, scoreDelta: null, questionId: null };
    s.byKey.a = { ...base, key: 'a', pagePosition: 0, x: 0.1, y: 0.1, w: 0.5, h: 0.5 };
    s.byKey.b = { ...base, key: 'b', pagePosition: 0, x: 0.2, y: 0.2, w: 0.1, h: 0.1 };
    s.byKey.c = { ...base, key: 'c', pagePosition: 1, x: 0.2, y: 0.2, w: 0.1, h: 0.1 };
    s.order = ['a', 'b', 'c'];
    expect(hitTest(s, 0, [0.25, 0.25])).toBe('b');
    expect(hitTest(s, 0, [0.5, 0.5])).toBe('a');
    expect(hitTest(s, 0, [0.9, 0.9])).toBe(null);
    expect(hitTest(s, 1, [0.5, 0.5])).toBe(null);
  });
});
