import { describe, expect, it } from 'vitest';
import type { MyCopy } from '../../api/client';
import { resultRows } from './results';

const question = (id: string, parentId: string | null, label: string, points: number, notScored = false, isLeaf = true) => ({
  id, parentId, label, maxPoints: 1000, isLeaf, points, notScored, comment: null,
});

describe('resultRows', () => {
  it('lists exercises before their questions, with subtotals, and keeps "not scored" apart from 0', () => {
    const copy = {
      questions: [
        question('q2', null, 'Ex2', 0, true),
        question('q1', null, 'Ex1', 300, false, false),
        question('q1b', 'q1', '1b', 0, true),
        question('q1a', 'q1', '1a', 300),
      ],
    } as unknown as MyCopy;
    expect(resultRows(copy).map((r) => [r.label, r.depth, r.points, r.notScored])).toEqual([
      ['Ex2', 0, 0, true],
      ['Ex1', 0, 300, false],
      ['1b', 1, 0, true],
      ['1a', 1, 300, false],
    ]);
  });

  it('carries the rubric items applied on a question, none when the server sends none', () => {
    const items = [{ label: 'Method', comment: 'Good method', points: 200, kind: 'DELTA' as const }];
    const copy = { questions: [{ ...question('q1', null, 'Q1', 200), rubric: items }, question('q2', null, 'Q2', 0)] } as unknown as MyCopy;
    expect(resultRows(copy).map((r) => r.rubric)).toEqual([items, []]);
  });
});
