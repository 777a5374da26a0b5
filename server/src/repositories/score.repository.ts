import type { Executor } from '../db/database.ts';

export const listScores = (ex: Executor, copyId: string) => ex.selectFrom('scores').selectAll().where('copy_id', '=', copyId).execute();

export const findScore = (ex: Executor, copyId: string, questionId: string) =>
  ex.selectFrom('scores').selectAll().where('copy_id', '=', copyId).where('question_id', '=', questionId).executeTakeFirst();

export const insertScoreIfAbsent = (
  ex: Executor,
  s: { copyId: string; questionId: string; maxPoints: number; points: number; comment: string | null; by: string; now: string },
) =>
  ex
    .insertInto('scores')
    .values({
      copy_id: s.copyId,
      question_id: s.questionId,
      max_points: s.maxPoints,
      points: s.points,
      comment: s.comment,
      updated_by: s.by,
      version: 1,
      updated_at: s.now,
    })
    .onConflict((oc) => oc.columns(['copy_id', 'question_id']).doNothing())
    .returningAll()
    .executeTakeFirst();

export const updateScoreIfVersion = (
  ex: Executor,
  s: { copyId: string; questionId: string; version: number; points: number; comment: string | null; by: string; now: string },
) =>
  ex
    .updateTable('scores')
    .set((eb) => ({ points: s.points, comment: s.comment, updated_by: s.by, updated_at: s.now, version: eb('version', '+', 1) }))
    .where('copy_id', '=', s.copyId)
    .where('question_id', '=', s.questionId)
    .where('version', '=', s.version)
    .returningAll()
    .executeTakeFirst();

/** Scores of many copies at once (lists, stats, exports) — totals still go through `computeTotal`. */
export const scoresOfCopies = (ex: Executor, copyIds: string[]) =>
  copyIds.length ? ex.selectFrom('scores').selectAll().where('copy_id', 'in', copyIds).execute() : Promise.resolve([]);

export const deleteScoreIfVersion = (ex: Executor, copyId: string, questionId: string, version: number) =>
  ex
    .deleteFrom('scores')
    .where('copy_id', '=', copyId)
    .where('question_id', '=', questionId)
    .where('version', '=', version)
    .executeTakeFirst()
    .then((r) => Number(r.numDeletedRows));

// ---- questions explicitly left unscored (migration 005)

export const listUnscoredMarks = (ex: Executor, copyId: string) =>
  ex.selectFrom('unscored_questions').selectAll().where('copy_id', '=', copyId).execute();

export const unscoredMarksOfCopies = (ex: Executor, copyIds: string[]) =>
  copyIds.length ? ex.selectFrom('unscored_questions').selectAll().where('copy_id', 'in', copyIds).execute() : Promise.resolve([]);

/** Marks several questions at once; a question already marked stays as it was (a repeated request marks nothing twice). */
export const insertUnscoredMarks = (ex: Executor, copyId: string, questionIds: string[], by: string, now: string) =>
  ex
    .insertInto('unscored_questions')
    .values(questionIds.map((question_id) => ({ copy_id: copyId, question_id, marked_by: by, marked_at: now })))
    .onConflict((oc) => oc.columns(['copy_id', 'question_id']).doNothing())
    .execute();

/** Removes the mark when the question gets a score; true when there was one. */
export const deleteUnscoredMark = async (ex: Executor, copyId: string, questionId: string) =>
  Number(
    (await ex.deleteFrom('unscored_questions').where('copy_id', '=', copyId).where('question_id', '=', questionId).executeTakeFirst())
      .numDeletedRows,
  ) > 0;
