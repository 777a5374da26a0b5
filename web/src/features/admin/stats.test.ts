import type { Distribution, ExamStats } from '@korrigo/contracts';
import { describe, expect, it } from 'vitest';
import { normalizeStats } from './stats';

const dist = (d: Partial<Distribution>): Distribution => ({ count: 0, mean: null, median: null, sd: null, min: null, max: null, histogram: [], ...d });

describe('stats rows', () => {
  it('one row for the exam, each question and each corrector, from GET /exams/:id/stats', () => {
    const stats: ExamStats = {
      examId: 'e',
      maxTotal: 2000,
      copies: 12,
      graded: 10,
      excluded: { absent: 1, excused: 0, exempt: 0 },
      total: dist({ count: 10, mean: 1200, median: 1150, sd: 300, min: 400, max: 1900, histogram: [{ from: 0, to: 500, count: 2 }, { from: 500, to: 2000, count: 8 }] }),
      notScoredCopies: 0,
      questions: [{ ...dist({ mean: 300, histogram: [{ from: 0, to: 200, count: 1 }, { from: 200, to: 400, count: 2 }] }), id: 'q1', parentId: null, label: 'Q1', maxPoints: 400, isLeaf: true, notScored: 0 }],
      correctors: [{ ...dist({ mean: 1000 }), user: { id: 'u', displayName: 'Ann' } }, { ...dist({ mean: 900 }), user: null }],
    };
    const s = normalizeStats(stats, 'Exam', 2000);
    expect(s.exam).toMatchObject({ label: 'Exam', mean: 1200, count: 10, maxPoints: 2000 });
    expect(s.exam.histogram).toEqual([{ from: 0, to: 500, count: 2 }, { from: 500, to: 2000, count: 8 }]);
    expect(s.questions[0]).toMatchObject({ label: 'Q1', mean: 300, maxPoints: 400 });
    expect(s.questions[0]!.histogram[1]).toEqual({ from: 200, to: 400, count: 2 });
    expect(s.correctors.map((c) => c.label)).toEqual(['Ann', '#2']);
  });
});
