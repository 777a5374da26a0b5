import { describe, expect, it } from 'vitest';
import type { Question, Score } from '@korrigo/contracts';
import { liveTotal, scaleRows, subtotal } from './scores';

const q = (id: string, parentId: string | null, position: number, maxPoints: number, isLeaf = true): Question => ({ id, parentId, label: id, maxPoints, position, isLeaf });
const s = (questionId: string, points: number): Score => ({ questionId, points, comment: null, version: 1, updatedBy: 'u', updatedAt: '' });

describe('scaleRows', () => {
  it('orders exercises then their questions by position, with depth', () => {
    const rows = scaleRows([q('b1', 'B', 0, 500), q('B', null, 1, 500, false), q('a2', 'A', 1, 300), q('A', null, 0, 700, false), q('a1', 'A', 0, 400)]);
    expect(rows.map((r) => `${r.id}:${r.depth}`)).toEqual(['A:0', 'a1:1', 'a2:1', 'B:0', 'b1:1']);
  });
});

describe('liveTotal', () => {
  const rows = [q('A', null, 0, 1500, false), q('a1', 'A', 0, 1000), q('a2', 'A', 1, 500), q('c', null, 1, 500)];
  it('uses typed values over saved ones, clamps to the max, ignores exercises', () => {
    expect(liveTotal(rows, { a1: s('a1', 700) }, {})).toBe(700);
    expect(liveTotal(rows, { a1: s('a1', 700) }, { a1: { points: '7,5', comment: '' }, a2: { points: '9', comment: '' } })).toBe(750 + 500);
    expect(liveTotal(rows, { c: s('c', 200) }, { c: { points: 'abc', comment: '' } })).toBe(200);
    // an emptied field clears the score: it no longer counts
    expect(liveTotal(rows, { c: s('c', 200) }, { c: { points: '', comment: '' } })).toBe(0);
    expect(liveTotal(rows, { c: s('c', 200) }, { c: { points: '  ', comment: 'x' } })).toBe(0);
  });
  it('subtotal sums the leaves of an exercise', () => {
    const v: Record<string, number> = { a1: 250, a2: 125, c: 500 };
    expect(subtotal(rows, 'A', (id) => v[id] ?? 0)).toBe(375);
  });
});
