import { describe, expect, it } from 'vitest';
import type { Question, Score } from '@korrigo/contracts';
import { liveSubtotals, liveTotal, pendingFromDraft, planCommit, scaleRows, showsSaved, subtotal } from './scores';

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

describe('confirming a field', () => {
  it('refuses invalid points, clamps to the max, clears on an emptied field', () => {
    expect(planCommit({ points: 'abc', comment: '' }, 400)).toEqual({ kind: 'invalid' });
    expect(planCommit({ points: '7.5', comment: 'x' }, 400)).toEqual({ kind: 'write', want: { points: 400, comment: 'x' }, clamped: true, commentAlone: false });
    expect(planCommit({ points: '2,5', comment: '' }, 400)).toEqual({ kind: 'write', want: { points: 250, comment: '' }, clamped: false, commentAlone: false });
    expect(planCommit({ points: ' ', comment: 'why' }, 400)).toEqual({ kind: 'write', want: null, clamped: false, commentAlone: true });
  });
  it('shows the saved ✓ whichever decimal separator was typed, and only for the saved comment', () => {
    const saved = { ...s('q', 250), comment: 'ok' };
    expect(showsSaved({ points: '2,5', comment: 'ok' }, saved)).toBe(true);
    expect(showsSaved({ points: '2.5', comment: 'ok' }, saved)).toBe(true);
    expect(showsSaved({ points: '2.50', comment: 'ok' }, saved)).toBe(true);
    expect(showsSaved({ points: '2,5', comment: '' }, saved)).toBe(false);
    expect(showsSaved({ points: '3', comment: 'ok' }, saved)).toBe(false);
    expect(showsSaved({ points: '2,5', comment: '' }, undefined)).toBe(false);
  });
});

describe('liveSubtotals', () => {
  it('sums each exercise from typed or saved values, nested exercises included', () => {
    const rows = [q('A', null, 0, 1500, false), q('A1', 'A', 0, 1000, false), q('a1', 'A1', 0, 1000), q('a2', 'A', 1, 500), q('c', null, 1, 500)];
    const sub = liveSubtotals(rows, { a1: s('a1', 700), a2: s('a2', 200) }, { a2: { points: '4,5', comment: '' } });
    expect(sub).toEqual({ A: 700 + 450, A1: 700 });
  });
});

describe('pendingFromDraft', () => {
  it('turns typed fields into writes with their base version; unparseable text comes back as typed only', () => {
    const leaves = [q('a', null, 0, 400), q('b', null, 1, 400), q('c', null, 2, 400)];
    const out = pendingFromDraft(
      { a: { points: '9', comment: '', base: 2 }, b: { points: 'x', comment: '', base: 0 }, c: { points: '', comment: '', base: 1 }, gone: { points: '1', comment: '', base: 0 } },
      leaves,
    );
    expect(out.pending).toEqual([
      { qid: 'a', want: { points: 400, comment: '' }, base: 2 },
      { qid: 'c', want: null, base: 1 },
    ]);
    expect(out.typedOnly).toEqual(['b']);
  });
});
