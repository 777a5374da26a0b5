import { describe, expect, it } from 'vitest';
import { normalizeHistogram, normalizeStats } from './stats';

describe('stats normalization', () => {
  it('accepts buckets or bare counts', () => {
    expect(normalizeHistogram([{ from: 0, to: 500, count: 2 }], 2000)).toEqual([{ from: 0, to: 500, count: 2 }]);
    expect(normalizeHistogram([1, 2, 3, 4], 2000)).toEqual([
      { from: 0, to: 500, count: 1 },
      { from: 500, to: 1000, count: 2 },
      { from: 1000, to: 1500, count: 3 },
      { from: 1500, to: 2000, count: 4 },
    ]);
    expect(normalizeHistogram({ buckets: [{ min: 0, max: 100, n: 5 }] }, null)).toEqual([{ from: 0, to: 100, count: 5 }]);
    expect(normalizeHistogram(undefined, 100)).toEqual([]);
  });
  it('finds exam, questions and correctors', () => {
    const s = normalizeStats(
      { mean: 1200, median: 1150, sd: 300, min: 400, max: 1900, count: 10, histogram: [0, 1, 5, 4], questions: [{ label: 'Q1', mean: 300, maxPoints: 400, histogram: [1, 2] }], correctors: [{ corrector: { displayName: 'Ann' }, mean: 1000 }] },
      'Exam',
      2000,
    );
    expect(s.exam.mean).toBe(1200);
    expect(s.exam.histogram).toHaveLength(4);
    expect(s.questions[0]!.label).toBe('Q1');
    expect(s.questions[0]!.histogram[1]).toEqual({ from: 200, to: 400, count: 2 });
    expect(s.correctors[0]!.label).toBe('Ann');
  });
});
