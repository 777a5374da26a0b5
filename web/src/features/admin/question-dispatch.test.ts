import { describe, expect, it } from 'vitest';
import { assignmentsBody, changedQuestions, draftOf } from './question-dispatch';

describe('dispatch by question', () => {
  const saved = draftOf([
    { questionId: 'q1', assignments: [{ user: { id: 'u1', displayName: 'A' }, quota: null }, { user: { id: 'u2', displayName: 'B' }, quota: 10 }] },
    { questionId: 'q2', assignments: [] },
  ]);
  it('reads the server list into a draft (no quota = empty text)', () => {
    expect(saved).toEqual({ q1: { u1: '', u2: '10' }, q2: {} });
  });
  it('builds the body: empty quota is none, a quota is a positive whole number', () => {
    expect(assignmentsBody(saved.q1)).toEqual({ ok: true, assignments: [{ userId: 'u1', quota: null }, { userId: 'u2', quota: 10 }] });
    expect(assignmentsBody({ u1: '0' })).toEqual({ ok: false, userId: 'u1' });
    expect(assignmentsBody({ u1: '2.5' })).toEqual({ ok: false, userId: 'u1' });
    expect(assignmentsBody(undefined)).toEqual({ ok: true, assignments: [] });
  });
  it('finds the questions whose assignments changed', () => {
    expect(changedQuestions(saved, saved)).toEqual([]);
    expect(changedQuestions({ ...saved, q1: { u1: '' } }, saved)).toEqual(['q1']);
    expect(changedQuestions({ ...saved, q2: { u3: '' } }, saved)).toEqual(['q2']);
    expect(changedQuestions({ ...saved, q1: { u1: ' ', u2: '10' } }, saved)).toEqual([]);
  });
});
