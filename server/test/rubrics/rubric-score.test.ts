import { describe, expect, it } from 'vitest';
import { applicationConflict, rubricScore, totalsHistogram, type ScoringItem } from '../../src/services/rubric/rubric-score.ts';

const d = (id: string, points: number, group: string | null = null): ScoringItem => ({ id, points, kind: 'DELTA', group_name: group });
const abs = (id: string, points: number): ScoringItem => ({ id, points, kind: 'ABSOLUTE', group_name: null });

describe('rubricScore: the score of a question from its applied items', () => {
  it('ADDITIVE and FREE start from 0, SUBTRACTIVE from the max', () => {
    expect(rubricScore('ADDITIVE', 1000, [d('a', 200), d('b', 150)], 0)).toBe(350);
    expect(rubricScore('FREE', 1000, [d('a', 200), d('b', 150)], 0)).toBe(350);
    expect(rubricScore('SUBTRACTIVE', 1000, [d('a', -200), d('b', -150)], 0)).toBe(650);
    expect(rubricScore('SUBTRACTIVE', 1000, [], 0)).toBe(1000);
    expect(rubricScore('ADDITIVE', 1000, [], 0)).toBe(0);
  });
  it('clamps the items to 0…max, then the adjustment, then clamps again', () => {
    expect(rubricScore('ADDITIVE', 1000, [d('a', 800), d('b', 700)], 0)).toBe(1000);
    expect(rubricScore('SUBTRACTIVE', 1000, [d('a', -800), d('b', -700)], 0)).toBe(0);
    // the items are clamped first: −1500 from 1000 is 0, and the +300 adjustment gives 300 (not −200)
    expect(rubricScore('SUBTRACTIVE', 1000, [d('a', -800), d('b', -700)], 300)).toBe(300);
    expect(rubricScore('ADDITIVE', 1000, [d('a', 800), d('b', 700)], -250)).toBe(750);
    expect(rubricScore('ADDITIVE', 1000, [d('a', 100)], -500)).toBe(0);
    expect(rubricScore('ADDITIVE', 1000, [d('a', 900)], 500)).toBe(1000);
  });
  it('an ABSOLUTE item replaces the base, in every mode; deltas apply on top', () => {
    for (const mode of ['FREE', 'ADDITIVE', 'SUBTRACTIVE'] as const) {
      expect(rubricScore(mode, 1000, [abs('x', 600)], 0)).toBe(600);
      expect(rubricScore(mode, 1000, [abs('x', 600), d('a', -100)], 50)).toBe(550);
    }
  });
});

describe('applicationConflict: pick-one groups', () => {
  it('refuses two items of one group and two absolute items; accepts one per group', () => {
    expect(applicationConflict([d('a', 1, 'g'), d('b', 2, 'g')])).toEqual({ group: 'g', itemIds: ['a', 'b'] });
    expect(applicationConflict([abs('x', 1), abs('y', 2)])).toEqual({ group: null, itemIds: ['x', 'y'] });
    expect(applicationConflict([d('a', 1, 'g'), d('b', 2, 'h'), d('c', 3), d('e', 3)])).toBeNull();
  });
});

describe('totalsHistogram', () => {
  it('bins totals and puts the maximum into the last bin', () => {
    const h = totalsHistogram([0, 99, 100, 1999, 2000], 2000);
    expect(h.binWidth).toBe(200);
    expect(h.bins).toEqual([3, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  });
});
