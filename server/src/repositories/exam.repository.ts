import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import { dialectOf } from '../db/dialect.ts';
import type { ExamsTable, QuestionsTable } from '../db/schema.ts';

export const insertExam = (ex: Executor, row: Insertable<ExamsTable>) => ex.insertInto('exams').values(row).execute();

export const findExam = (ex: Executor, id: string, lock?: 'update') => {
  let q = ex.selectFrom('exams').selectAll().where('id', '=', id);
  if (lock && dialectOf(ex) === 'postgres') q = q.forUpdate();
  return q.executeTakeFirst();
};

export const updateExam = (ex: Executor, id: string, patch: Updateable<ExamsTable>) =>
  ex.updateTable('exams').set(patch).where('id', '=', id).executeTakeFirst();

export const listExams = (ex: Executor, opts: { correctorId?: string; archived: 'true' | 'false' | 'all' }) => {
  let q = ex.selectFrom('exams').selectAll('exams').orderBy('exams.created_at', 'desc');
  if (opts.archived === 'false') q = q.where('exams.archived_at', 'is', null);
  if (opts.archived === 'true') q = q.where('exams.archived_at', 'is not', null);
  if (opts.correctorId) {
    // a teacher's exams: those they correct and those they own
    const uid = opts.correctorId;
    q = q.where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('exam_correctors as ec').select('ec.user_id').whereRef('ec.exam_id', '=', 'exams.id').where('ec.user_id', '=', uid)),
        eb.exists(eb.selectFrom('exam_owners as eo').select('eo.user_id').whereRef('eo.exam_id', '=', 'exams.id').where('eo.user_id', '=', uid)),
      ]),
    );
  }
  return q.execute();
};

/** Deletes the exam only when it has no copies: one statement, so a copy inserted concurrently wins. */
export const deleteExamIfNoCopies = async (ex: Executor, id: string) => {
  const r = await ex
    .deleteFrom('exams')
    .where('id', '=', id)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('copies').select('copies.id').where('copies.exam_id', '=', id))))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
};

export const deleteExamChildren = async (ex: Executor, id: string) => {
  await ex.deleteFrom('exam_correctors').where('exam_id', '=', id).execute();
  await ex.deleteFrom('exam_owners').where('exam_id', '=', id).execute();
  await ex.deleteFrom('exam_attendance').where('exam_id', '=', id).execute();
  await ex.deleteFrom('papers').where('exam_id', '=', id).execute();
  await ex.deleteFrom('exam_question_papers').where('exam_id', '=', id).execute();
  // children before parents: the self-reference is RESTRICT
  for (let i = 0; i < 10; i++) {
    const r = await ex
      .deleteFrom('questions')
      .where('exam_id', '=', id)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('questions as c').select('c.id').whereRef('c.parent_id', '=', 'questions.id'))))
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) break;
  }
};

export const examHasAnything = async (ex: Executor, id: string) => {
  const row = await ex
    .selectFrom('uploads')
    .select('id')
    .where('exam_id', '=', id)
    .union(ex.selectFrom('copies').select('id').where('exam_id', '=', id))
    .limit(1)
    .executeTakeFirst();
  return !!row;
};

export const listQuestions = (ex: Executor, examId: string, includeRemoved = false) => {
  let q = ex.selectFrom('questions').selectAll().where('exam_id', '=', examId).orderBy('position');
  if (!includeRemoved) q = q.where('removed_at', 'is', null);
  return q.execute();
};

export const insertQuestion = (ex: Executor, row: Insertable<QuestionsTable>) => ex.insertInto('questions').values(row).execute();

export const updateQuestion = (ex: Executor, id: string, patch: Updateable<QuestionsTable>) =>
  ex.updateTable('questions').set(patch).where('id', '=', id).execute();

export const deleteQuestion = (ex: Executor, id: string) => ex.deleteFrom('questions').where('id', '=', id).execute();

export const questionIsReferenced = async (ex: Executor, id: string) => {
  const checks = [
    ex.selectFrom('scores').select('copy_id as r').where('question_id', '=', id).limit(1),
    ex.selectFrom('annotations').select('id as r').where('question_id', '=', id).limit(1),
    ex.selectFrom('unscored_questions').select('copy_id as r').where('question_id', '=', id).limit(1),
    ex.selectFrom('regrade_requests').select('id as r').where('question_id', '=', id).limit(1),
    ex.selectFrom('questions').select('id as r').where('parent_id', '=', id).limit(1),
  ];
  for (const q of checks) if (await q.executeTakeFirst()) return true;
  return false;
};

export const statusCounts = async (ex: Executor, examId: string, assignedTo?: string) => {
  let q = ex
    .selectFrom('copies')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('exam_id', '=', examId)
    .groupBy('status');
  if (assignedTo) q = q.where('assigned_to', '=', assignedTo);
  const rows = await q.execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
};

export const listCorrectors = (ex: Executor, examId: string) =>
  ex
    .selectFrom('exam_correctors')
    .innerJoin('users', 'users.id', 'exam_correctors.user_id')
    .select(['users.id', 'users.display_name'])
    .where('exam_correctors.exam_id', '=', examId)
    .orderBy('users.display_name')
    .execute();

export const isCorrector = async (ex: Executor, examId: string, userId: string) =>
  !!(await ex
    .selectFrom('exam_correctors')
    .select('user_id')
    .where('exam_id', '=', examId)
    .where('user_id', '=', userId)
    .executeTakeFirst());

export const replaceCorrectors = async (ex: Executor, examId: string, userIds: string[]) => {
  await ex.deleteFrom('exam_correctors').where('exam_id', '=', examId).execute();
  if (userIds.length) await ex.insertInto('exam_correctors').values(userIds.map((user_id) => ({ exam_id: examId, user_id }))).execute();
};

export const isOwner = async (ex: Executor, examId: string, userId: string) =>
  !!(await ex.selectFrom('exam_owners').select('user_id').where('exam_id', '=', examId).where('user_id', '=', userId).executeTakeFirst());

export const findOwner = (ex: Executor, examId: string) =>
  ex
    .selectFrom('exam_owners')
    .innerJoin('users', 'users.id', 'exam_owners.user_id')
    .select(['users.id', 'users.display_name'])
    .where('exam_owners.exam_id', '=', examId)
    .executeTakeFirst();

/** Names the exam's owner (replacing any), or leaves it without one. */
export const setOwner = async (ex: Executor, examId: string, userId: string | null, now: string) => {
  await ex.deleteFrom('exam_owners').where('exam_id', '=', examId).execute();
  if (userId) await ex.insertInto('exam_owners').values({ exam_id: examId, user_id: userId, created_at: now }).execute();
};
