/**
 * Complete before final (issue 11): submit and finalize refuse a copy that still has a leaf question with neither
 * a score nor a "not scored" mark — 409 INCOMPLETE_SCORES naming them — unless the teacher confirms
 * (`allowUnscored`); then each of them is marked "not scored", with an event, in the caller's transaction (the
 * one that moves the copy), so the mark exists exactly when the transition happened.
 */
import type { Executor } from '../db/database.ts';
import type { Copy } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { listQuestions } from '../repositories/exam.repository.ts';
import { insertUnscoredMarks, listScores, listUnscoredMarks } from '../repositories/score.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import { leafQuestions } from './total.ts';

/** The leaf questions of the copy's scale with neither a score nor a "not scored" mark, in scale order. */
export async function questionsLeftOpen(ex: Executor, copy: Pick<Copy, 'id' | 'exam_id'>) {
  const questions = await listQuestions(ex, copy.exam_id);
  const scores = await listScores(ex, copy.id);
  const marks = await listUnscoredMarks(ex, copy.id);
  const settled = new Set([...scores.map((s) => s.question_id), ...marks.map((m) => m.question_id)]);
  return leafQuestions(questions).filter((q) => !settled.has(q.id));
}

export async function settleUnscoredQuestions(
  tx: Executor,
  copy: Pick<Copy, 'id' | 'exam_id'>,
  a: { actorId: string; now: string; allowUnscored: boolean; during: 'SUBMIT' | 'FINALIZE' },
): Promise<void> {
  const open = await questionsLeftOpen(tx, copy);
  if (!open.length) return;
  if (!a.allowUnscored) {
    const labels = open.map((q) => q.label).join(', ');
    throw new AppError(
      'INCOMPLETE_SCORES',
      409,
      `${open.length === 1 ? 'This question has' : `These ${open.length} questions have`} no score yet: ${labels}. ` +
        'Score them, or confirm that they stay not scored.',
      { unscored: open.map((q) => q.id) },
    );
  }
  await insertUnscoredMarks(tx, copy.id, open.map((q) => q.id), a.actorId, a.now);
  for (const q of open) {
    await insertEvent(tx, {
      copyId: copy.id,
      action: 'QUESTION_NOT_SCORED',
      actorId: a.actorId,
      at: a.now,
      metadata: { questionId: q.id, label: q.label, during: a.during },
    });
  }
}
