import type { Executor } from '../db/database.ts';

/** Question settings (scoring mode, region) and dispatch by question (issue 13, migration 010). */

export const findQuestion = (ex: Executor, id: string) => ex.selectFrom('questions').selectAll().where('id', '=', id).executeTakeFirst();

export const setScoringMode = (ex: Executor, id: string, mode: 'FREE' | 'ADDITIVE' | 'SUBTRACTIVE') =>
  ex.updateTable('questions').set({ scoring_mode: mode }).where('id', '=', id).execute();

export const setRegion = (ex: Executor, id: string, region: string | null) => ex.updateTable('questions').set({ region }).where('id', '=', id).execute();

/** Copies whose score on the question is computed from rubric items. */
export const rubricScoredCount = async (ex: Executor, questionId: string) =>
  Number(
    (
      await ex
        .selectFrom('scores')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('question_id', '=', questionId)
        .where('rubric_adjustment', 'is not', null)
        .executeTakeFirstOrThrow()
    ).n,
  );

export const assignmentsOfQuestion = (ex: Executor, questionId: string) =>
  ex.selectFrom('question_assignments').selectAll().where('question_id', '=', questionId).execute();

export const assignmentsOfExam = (ex: Executor, examId: string) =>
  ex
    .selectFrom('question_assignments')
    .innerJoin('users', 'users.id', 'question_assignments.user_id')
    .select(['question_assignments.question_id', 'question_assignments.user_id', 'question_assignments.quota', 'users.display_name'])
    .where('question_assignments.exam_id', '=', examId)
    .orderBy('question_assignments.question_id')
    .orderBy('users.display_name')
    .execute();

export async function replaceAssignments(ex: Executor, examId: string, questionId: string, rows: { userId: string; quota: number | null }[]) {
  await ex.deleteFrom('question_assignments').where('question_id', '=', questionId).execute();
  if (rows.length) {
    await ex
      .insertInto('question_assignments')
      .values(rows.map((r) => ({ exam_id: examId, question_id: questionId, user_id: r.userId, quota: r.quota })))
      .execute();
  }
}

/** Copies that count for grading progress: past STAGING, not merged away. */
export const countableCopies = (ex: Executor, examId: string) =>
  ex
    .selectFrom('copies')
    .select(['id', 'status', 'assigned_to', 'anonymous_code'])
    .where('exam_id', '=', examId)
    .where('status', 'not in', ['STAGING', 'MERGED'])
    .orderBy('anonymous_code')
    .orderBy('id')
    .execute();

/** Scores of the exam's countable copies: who scored what (progress per question and per corrector). */
export const scoresOfExam = (ex: Executor, examId: string) =>
  ex
    .selectFrom('scores')
    .innerJoin('copies', 'copies.id', 'scores.copy_id')
    .select(['scores.copy_id', 'scores.question_id', 'scores.points', 'scores.updated_by', 'scores.rubric_adjustment'])
    .where('copies.exam_id', '=', examId)
    .where('copies.status', 'not in', ['STAGING', 'MERGED'])
    .execute();

export const unscoredMarksOfExam = (ex: Executor, examId: string) =>
  ex
    .selectFrom('unscored_questions')
    .innerJoin('copies', 'copies.id', 'unscored_questions.copy_id')
    .select(['unscored_questions.copy_id', 'unscored_questions.question_id'])
    .where('copies.exam_id', '=', examId)
    .where('copies.status', 'not in', ['STAGING', 'MERGED'])
    .execute();

/** Live leases of the exam's copies (whole-copy and question), to skip copies someone else is grading. */
export const liveLeasesOfExam = async (ex: Executor, examId: string, now: string) => {
  const whole = await ex
    .selectFrom('copy_locks')
    .innerJoin('copies', 'copies.id', 'copy_locks.copy_id')
    .select(['copy_locks.copy_id', 'copy_locks.owner_id'])
    .where('copies.exam_id', '=', examId)
    .where('copy_locks.expires_at', '>=', now)
    .execute();
  const perQuestion = await ex
    .selectFrom('question_locks')
    .innerJoin('copies', 'copies.id', 'question_locks.copy_id')
    .select(['question_locks.copy_id', 'question_locks.question_id', 'question_locks.owner_id'])
    .where('copies.exam_id', '=', examId)
    .where('question_locks.expires_at', '>=', now)
    .execute();
  return { whole, perQuestion };
};

/** The copy, when `userId` sees it only through a question of its exam dispatched to them (past STAGING, not MERGED). */
export const copyVisibleThroughQuestion = (ex: Executor, a: { copyId: string; questionId: string; userId: string }) =>
  ex
    .selectFrom('copies')
    .innerJoin('question_assignments as qa', 'qa.exam_id', 'copies.exam_id')
    .innerJoin('exam_correctors as ec', (j) => j.onRef('ec.exam_id', '=', 'copies.exam_id').onRef('ec.user_id', '=', 'qa.user_id'))
    .selectAll('copies')
    .where('copies.id', '=', a.copyId)
    .where('qa.question_id', '=', a.questionId)
    .where('qa.user_id', '=', a.userId)
    .where('copies.status', 'not in', ['STAGING', 'MERGED'])
    .executeTakeFirst();

/** The exam's correctors with their names, by name. */
export const correctorsWithNames = (ex: Executor, examId: string) =>
  ex
    .selectFrom('exam_correctors')
    .innerJoin('users', 'users.id', 'exam_correctors.user_id')
    .select(['users.id', 'users.display_name'])
    .where('exam_correctors.exam_id', '=', examId)
    .orderBy('users.display_name')
    .execute();

/** Display names of these users. */
export const userNames = (ex: Executor, ids: string[]) =>
  ids.length ? ex.selectFrom('users').select(['id', 'display_name']).where('id', 'in', ids).execute() : Promise.resolve([]);

/** The questions of a copy that are settled: scored, or marked "not scored". */
export async function settledQuestionIds(ex: Executor, copyId: string): Promise<Set<string>> {
  const [scored, marked] = await Promise.all([
    ex.selectFrom('scores').select('question_id').where('copy_id', '=', copyId).execute(),
    ex.selectFrom('unscored_questions').select('question_id').where('copy_id', '=', copyId).execute(),
  ]);
  return new Set([...scored, ...marked].map((s) => s.question_id));
}
