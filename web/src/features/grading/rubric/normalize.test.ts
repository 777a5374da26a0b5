import { describe, expect, it } from 'vitest';
import type { QuestionRubricState, RubricCopyChange, RubricItem } from '@korrigo/contracts';
import { normItem, normPreview, normProgress, normSettings, normState, rubricOfCopy } from './normalize';

// shapes as contracts/src/rubric.schema.ts answers them
const score = { questionId: 'q1', points: 350, comment: null, version: 4, updatedBy: 'u', updatedAt: '2026-12-01T00:00:00Z' };
const state: QuestionRubricState = {
  copyId: 'c1', questionId: 'q1', mode: 'ADDITIVE', adjustment: 0, score,
  applied: [
    { itemId: 'i1', label: 'Method', comment: '', points: 200, kind: 'DELTA', annotationId: 'a1', pagePosition: 0, x: 0.2, y: 0.3 },
    { itemId: 'i2', label: 'Result', comment: '', points: 150, kind: 'DELTA', annotationId: null, pagePosition: null, x: null, y: null },
  ],
  badges: [{ id: 'a1', copyId: 'c1', pagePosition: 0, type: 'SCORE', x: 0.2, y: 0.3, w: 0.05, h: 0.05, text: null, color: null, points: null, version: 1, createdBy: 'u', createdAt: '2026-12-01T00:00:00Z', updatedAt: '2026-12-01T00:00:00Z' } as unknown as QuestionRubricState['badges'][number]],
};

describe('normalize (server answers → desk shapes)', () => {
  it('a question rubric state: version and points from its score, badges kept apart, adjustment 0 is none', () => {
    expect(normState(state)).toEqual({
      questionId: 'q1', version: 4, points: 350, adjustment: null, badgeIds: ['a1'],
      applied: [{ itemId: 'i1', pagePosition: 0, x: 0.2, y: 0.3 }, { itemId: 'i2' }],
    });
    expect(normState({ ...state, score: null, applied: [], badges: [], adjustment: -50 })).toMatchObject({ version: 0, points: null, adjustment: -50 });
  });
  it("a copy's rubric (GET /copies/:id/rubric) by question", () => {
    const r = rubricOfCopy({ questions: [state, { ...state, questionId: 'q2', score: null, applied: [] }] });
    expect(Object.keys(r)).toEqual(['q1', 'q2']);
    expect(r.q2!.version).toBe(0);
  });
  it('an item: retired from retiredAt, kind kept, comment as sent', () => {
    const item: RubricItem = { id: 'i', examId: 'e', questionId: 'q', label: 'L', comment: '', points: -50, kind: 'ABSOLUTE', group: null, order: 2, version: 3, retiredAt: '2026-12-01T00:00:00Z', usage: 7, createdBy: 'u', createdAt: 't', updatedAt: 't' };
    const it = normItem(item);
    expect(it).toMatchObject({ kind: 'ABSOLUTE', retired: true, usage: 7, order: 2, comment: '', group: null });
  });
  it('the preview: question points and totals, GRADED copies listed apart, histograms with bin labels', () => {
    const ch = (id: string, status: RubricCopyChange['status']): RubricCopyChange => ({ copyId: id, anonymousCode: `C-${id}`, status, before: { points: 200, total: 900 }, after: { points: 250, total: 950 } });
    const p = normPreview({ copies: [ch('a', 'READY')], graded: [ch('b', 'GRADED')], leased: [], usage: 2, histogram: { before: { binWidth: 200, bins: [1, 0] }, after: { binWidth: 200, bins: [0, 1] } } });
    expect(p.copies).toEqual([{ copyId: 'a', label: 'C-a', status: 'READY', before: { question: 200, total: 900 }, after: { question: 250, total: 950 } }]);
    expect(p.toReopen.map((c) => c.copyId)).toEqual(['b']);
    expect(p.histogram).toEqual({ before: [1, 0], after: [0, 1], bucketLabels: ['0–2', '2–4'] });
  });
  it('settings from the rubric-items list, progress per question and corrector', () => {
    const s = normSettings({ questions: [{ questionId: 'q1', mode: 'SUBTRACTIVE', region: { pagePosition: 1, x: 0.1, y: 0.2, w: 0.5, h: 0.3 } }, { questionId: 'q2', mode: 'FREE', region: null }] });
    expect(s.q1).toEqual({ questionId: 'q1', scoringMode: 'SUBTRACTIVE', region: { pagePosition: 1, x: 0.1, y: 0.2, w: 0.5, h: 0.3 } });
    expect(s.q2!.region).toBeNull();
    const p = normProgress({ questions: [{ questionId: 'q1', label: 'Q1', copies: 5, scored: 2, notScored: 3, byCorrector: [{ user: { id: 'u', displayName: 'A' }, scored: 2, quota: null, assigned: true }] }], correctors: [], complete: 1 });
    expect(p.questions[0]).toMatchObject({ total: 5, scored: 2, byCorrector: [{ scored: 2, quota: null, assigned: true }] });
    expect(p.complete).toBe(1);
  });
});
