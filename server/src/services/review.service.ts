/**
 * Reviews: reopening a GRADED copy keeps the result it had (final PDF, total, points and comments per
 * question, the questions left "not scored") in `copy_reviews`, in the transaction of the reopening. While the
 * copy is regraded its student keeps seeing that result marked "under review"; once it is GRADED again they see
 * the new result and what changed.
 */
import type { Executor } from '../db/database.ts';
import type { Copy, Exam } from '../db/schema.ts';
import { newId } from '../ids.ts';
import { listScores, listUnscoredMarks } from '../repositories/score.repository.ts';
import { insertReview, type CopyReviewRow } from '../repositories/review.repository.ts';
import { transition } from './copy-state-machine.ts';

/**
 * GRADED → READY through the state machine, plus the review row. `copy` must have been read in `tx` under its
 * row lock: the transition succeeding proves it was GRADED, so its final fields are the ones being replaced.
 */
export async function reopenWithReview(
  tx: Executor,
  copy: Copy,
  exam: Pick<Exam, 'results_released_at'>,
  a: { actorId: string; now: string; metadata?: Record<string, unknown> },
) {
  const reviewId = newId();
  const row = await transition(tx, 'reopen', copy.id, {
    actorId: a.actorId,
    now: a.now,
    metadata: { ...a.metadata, reviewId, previousFinalBlobId: copy.final_blob_id, previousFinalScore: copy.final_score },
  });
  const [scores, marks] = await Promise.all([listScores(tx, copy.id), listUnscoredMarks(tx, copy.id)]);
  await insertReview(tx, {
    id: reviewId,
    copy_id: copy.id,
    reopened_by: a.actorId,
    reopened_at: a.now,
    released: exam.results_released_at ? 1 : 0,
    previous_blob_id: copy.final_blob_id!,
    previous_score: copy.final_score!,
    previous_graded_at: copy.graded_at!,
    previous_scores: JSON.stringify({
      scores: scores.map((s) => ({ questionId: s.question_id, points: s.points, comment: s.comment })),
      notScored: marks.map((m) => m.question_id),
    }),
  });
  return row;
}

export interface ReviewedScore {
  question_id: string;
  points: number;
  comment: string | null;
}

interface ReviewSnapshot {
  scores: { questionId: string; points: number; comment: string | null }[];
  notScored: string[];
}

/** The score rows as they were when the copy was reopened. */
export const scoresBefore = (r: CopyReviewRow): ReviewedScore[] =>
  parseSnapshot(r).scores.map((s) => ({ question_id: s.questionId, points: s.points, comment: s.comment }));

/**
 * The questions left "not scored" when the copy was reopened; null for a review written before the snapshot
 * held them (a bare array of scores), whose reader then falls back to the current marks.
 */
export const notScoredBefore = (r: CopyReviewRow): string[] | null => parseSnapshot(r).notScored ?? null;

function parseSnapshot(r: CopyReviewRow): { scores: ReviewSnapshot['scores']; notScored?: string[] } {
  const v = JSON.parse(r.previous_scores) as ReviewSnapshot | ReviewSnapshot['scores'];
  return Array.isArray(v) ? { scores: v } : v;
}

/**
 * What a student may see of their copy of a released exam: the current result when the copy is GRADED, the
 * result they had seen (the latest review, taken while released) while it is being regraded, nothing otherwise.
 */
export function studentView(copy: Pick<Copy, 'status'>, latest: CopyReviewRow | null): 'CURRENT' | 'UNDER_REVIEW' | null {
  if (copy.status === 'GRADED') return 'CURRENT';
  if (latest && latest.released === 1) return 'UNDER_REVIEW';
  return null;
}
