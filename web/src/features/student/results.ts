/** GET /me/copies has no schema in contracts yet: read the per-question rows from whichever shape comes back. */
import type { MyCopy } from '../../api/client';

export interface ResultRow {
  questionId: string;
  label: string;
  points: number | null;
  maxPoints: number | null;
  comment: string | null;
}

export function resultRows(c: MyCopy): ResultRow[] {
  const raw = c as unknown as Record<string, unknown>;
  const exam = (raw.exam ?? {}) as Record<string, unknown>;
  const questions = (c.questions ?? (exam.questions as MyCopy['questions']) ?? []).filter((q) => q.isLeaf !== false);
  const scores = (c.scores ?? (raw.perQuestion as MyCopy['scores']) ?? []) as NonNullable<MyCopy['scores']>;
  const byId = new Map(scores.map((s) => [s.questionId, s]));
  if (questions.length)
    return questions.map((q) => {
      const s = byId.get(q.id);
      return { questionId: q.id, label: q.label, points: s?.points ?? null, maxPoints: q.maxPoints, comment: s?.comment ?? null };
    });
  return scores.map((s) => ({ questionId: s.questionId, label: s.label ?? s.questionId, points: s.points ?? null, maxPoints: s.maxPoints ?? null, comment: s.comment ?? null }));
}

export const totalOf = (c: MyCopy) => c.finalScore ?? c.total ?? null;
export const maxOf = (c: MyCopy) => c.maxTotal ?? c.exam?.maxTotal ?? null;
