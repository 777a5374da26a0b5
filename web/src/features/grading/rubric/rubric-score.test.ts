import { describe, expect, it } from 'vitest';
import { activeItems, computeScore, placeItem, sameScoring, sameWant, toggleItem } from './rubric-score';
import type { RubricItem } from './rubric-types';

const item = (id: string, points: number, extra: Partial<RubricItem> = {}): RubricItem => ({
  id, questionId: 'q1', label: id, comment: null, points, kind: 'DELTA', group: null, order: 0, version: 1, usage: 0, retired: false, ...extra,
});
const items = [item('a', 200), item('b', 150), item('c', -100), item('g1', 300, { group: 'g' }), item('g2', 100, { group: 'g' })];
const want = (ids: string[], adjustment: number | null = null) => ({ applied: ids.map((itemId) => ({ itemId })), adjustment });

describe('computeScore', () => {
  it('adds from 0 in additive mode, with the adjustment', () => {
    expect(computeScore('ADDITIVE', 1000, items, want(['a', 'b']))).toEqual({ points: 350, raw: 350, clamped: false });
    expect(computeScore('ADDITIVE', 1000, items, want(['a'], 50)).points).toBe(250);
  });
  it('starts from the maximum in subtractive mode', () => {
    expect(computeScore('SUBTRACTIVE', 500, items, want(['c'])).points).toBe(400);
    expect(computeScore('SUBTRACTIVE', 500, items, want([])).points).toBe(500);
  });
  it('clamps to 0…max and says so', () => {
    expect(computeScore('ADDITIVE', 300, items, want(['a', 'b']))).toEqual({ points: 300, raw: 350, clamped: true });
    expect(computeScore('ADDITIVE', 300, items, want(['c']))).toEqual({ points: 0, raw: -100, clamped: true });
    expect(computeScore('SUBTRACTIVE', 300, items, want([], 200))).toEqual({ points: 300, raw: 500, clamped: true });
  });
  it('clamps the items first, then the adjustment (the server rule)', () => {
    // items give 350 over a max of 300: kept at 300, then -100 → 200 (not 250)
    expect(computeScore('ADDITIVE', 300, items, want(['a', 'b'], -100)).points).toBe(200);
    // items give -100: kept at 0, then +50 → 50
    expect(computeScore('ADDITIVE', 300, items, want(['c'], 50)).points).toBe(50);
  });
  it('an absolute item sets the base, deltas apply on top, in any mode', () => {
    const abs = [...items, item('abs', 400, { kind: 'ABSOLUTE' }), item('abs2', 100, { kind: 'ABSOLUTE' })];
    expect(computeScore('SUBTRACTIVE', 1000, abs, want(['abs', 'c'])).points).toBe(300);
    expect(computeScore('ADDITIVE', 1000, abs, want(['abs'])).points).toBe(400);
    // applying another absolute item takes the first off
    const w = toggleItem(want(['abs', 'a']), abs.find((i) => i.id === 'abs2')!, abs);
    expect(w.applied.map((a) => a.itemId)).toEqual(['a', 'abs2']);
  });
  it('leaves free mode to the typed points', () => {
    expect(computeScore('FREE', 1000, items, want(['a'])).points).toBeNull();
  });
  it('ignores an unknown item (deleted meanwhile) rather than failing', () => {
    expect(computeScore('ADDITIVE', 1000, items, want(['zzz', 'a'])).points).toBe(200);
  });
});

describe('toggleItem', () => {
  it('applies then takes off', () => {
    const on = toggleItem(want([]), items[0]!, items);
    expect(on.applied.map((a) => a.itemId)).toEqual(['a']);
    expect(toggleItem(on, items[0]!, items).applied).toEqual([]);
  });
  it('keeps one item per pick-one group', () => {
    const one = toggleItem(want(['a', 'g1']), items[4]!, items);
    expect(one.applied.map((a) => a.itemId)).toEqual(['a', 'g2']);
    expect(computeScore('ADDITIVE', 1000, items, one).points).toBe(300);
  });
  it('places a badge, applying the item if needed, and keeps the other items', () => {
    const w = placeItem(want(['a']), items[1]!, items, { pagePosition: 1, x: 0.5, y: 0.25 });
    expect(w.applied).toEqual([{ itemId: 'a' }, { itemId: 'b', pagePosition: 1, x: 0.5, y: 0.25 }]);
    const moved = placeItem(w, items[1]!, items, { pagePosition: 0, x: 0.1, y: 0.1 });
    expect(moved.applied).toEqual([{ itemId: 'a' }, { itemId: 'b', pagePosition: 0, x: 0.1, y: 0.1 }]);
  });
});

describe('comparisons', () => {
  it('sameWant sees badge places; sameScoring does not', () => {
    const a = { applied: [{ itemId: 'a', pagePosition: 0, x: 0.1, y: 0.1 }, { itemId: 'b' }], adjustment: null };
    const b = { applied: [{ itemId: 'b' }, { itemId: 'a' }], adjustment: 0 };
    expect(sameWant(a, b)).toBe(false);
    expect(sameScoring(a, b)).toBe(true);
    expect(sameScoring(a, { ...b, adjustment: 50 })).toBe(false);
  });
  it('activeItems drops retired items and sorts by order', () => {
    const list = [item('x', 1, { order: 2 }), item('y', 1, { order: 1 }), item('z', 1, { order: 0, retired: true }), item('w', 1, { questionId: 'q2' })];
    expect(activeItems(list, 'q1').map((i) => i.id)).toEqual(['y', 'x']);
  });
});
