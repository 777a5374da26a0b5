import { describe, expect, it } from 'vitest';
import { fromQuestions, toQuestionInputs } from './scale';

describe('scale builder', () => {
  it('converts points with decimals to hundredths, any total', () => {
    const r = toQuestionInputs([
      { label: 'Exercise 1', points: '', questions: [{ label: 'Q1', points: '2,5' }, { label: 'Q2', points: '4.25' }] },
      { label: 'Bonus', points: '0.5', questions: [] },
    ]);
    expect(r).toEqual({
      ok: true,
      total: 725,
      questions: [
        { label: 'Exercise 1', children: [{ label: 'Q1', maxPoints: 250 }, { label: 'Q2', maxPoints: 425 }] },
        { label: 'Bonus', maxPoints: 50 },
      ],
    });
  });
  it('reports empty labels and missing or invalid points', () => {
    const r = toQuestionInputs([{ label: 'Ex', points: '', questions: [{ label: '', points: 'x' }, { label: 'Q2', points: '0' }] }]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toHaveLength(3);
  });
  it('keeps ids on the way back and forth', () => {
    const ex = fromQuestions([
      { id: 'e1', parentId: null, label: 'Ex 1', maxPoints: 1000, position: 0, isLeaf: false },
      { id: 'q2', parentId: 'e1', label: 'Q2', maxPoints: 600, position: 1, isLeaf: true },
      { id: 'q1', parentId: 'e1', label: 'Q1', maxPoints: 400, position: 0, isLeaf: true },
      { id: 'b', parentId: null, label: 'Bonus', maxPoints: 150, position: 1, isLeaf: true },
    ]);
    expect(ex).toEqual([
      { id: 'e1', label: 'Ex 1', points: '', questions: [{ id: 'q1', label: 'Q1', points: '4' }, { id: 'q2', label: 'Q2', points: '6' }] },
      { id: 'b', label: 'Bonus', points: '1.5', questions: [] },
    ]);
    const back = toQuestionInputs(ex);
    expect(back.ok && back.questions[0]).toEqual({ id: 'e1', label: 'Ex 1', children: [{ id: 'q1', label: 'Q1', maxPoints: 400 }, { id: 'q2', label: 'Q2', maxPoints: 600 }] });
  });
});
