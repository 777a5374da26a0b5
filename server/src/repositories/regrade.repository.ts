import type { Insertable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { RegradeRequestsTable } from '../db/schema.ts';

export const insertRegrade = (ex: Executor, row: Insertable<RegradeRequestsTable>) => ex.insertInto('regrade_requests').values(row).execute();

export const findRegrade = (ex: Executor, id: string) => ex.selectFrom('regrade_requests').selectAll().where('id', '=', id).executeTakeFirst();

/** Answers only an OPEN request (one conditional statement): a second answer cannot overwrite the first. */
export const answerIfOpen = (ex: Executor, id: string, a: { answer: string; decision: 'ACCEPTED' | 'REJECTED'; by: string; at: string }) =>
  ex
    .updateTable('regrade_requests')
    .set({ status: 'ANSWERED', decision: a.decision, answer: a.answer, answered_by: a.by, answered_at: a.at })
    .where('id', '=', id)
    .where('status', '=', 'OPEN')
    .returningAll()
    .executeTakeFirst();

const detailed = (ex: Executor) =>
  ex
    .selectFrom('regrade_requests as r')
    .innerJoin('copies', 'copies.id', 'r.copy_id')
    .innerJoin('questions', 'questions.id', 'r.question_id')
    .leftJoin('users as answerer', 'answerer.id', 'r.answered_by')
    .leftJoin('users as corrector', 'corrector.id', 'copies.assigned_to')
    .leftJoin('students', 'students.id', 'copies.student_id')
    .selectAll('r')
    .select([
      'copies.anonymous_code',
      'copies.exam_id',
      'copies.student_id',
      'copies.status as copy_status',
      'copies.assigned_to',
      'corrector.display_name as corrector_name',
      'questions.label as question_label',
      'answerer.display_name as answerer_name',
      'students.student_number',
      'students.last_name',
      'students.first_name',
      'students.class_name',
    ])
    .orderBy('r.created_at')
    .orderBy('r.id');

export type RegradeRow = Awaited<ReturnType<ReturnType<typeof detailed>['execute']>>[number];

export const findRegradeDetailed = (ex: Executor, id: string) => detailed(ex).where('r.id', '=', id).executeTakeFirst();

/**
 * Requests on an exam's copies. `correctorId`: only those of copies assigned to that corrector — a request goes
 * to the copy's corrector, and nobody else of the exam handles it.
 */
export function listRegradesOfExam(ex: Executor, f: { examId: string; status?: 'OPEN' | 'ANSWERED'; correctorId?: string }) {
  let q = detailed(ex).where('copies.exam_id', '=', f.examId).where('copies.status', 'not in', ['STAGING', 'MERGED']);
  if (f.status) q = q.where('r.status', '=', f.status);
  if (f.correctorId) q = q.where('copies.assigned_to', '=', f.correctorId);
  return q.execute();
}

export const listRegradesOfCopies = (ex: Executor, copyIds: string[]) =>
  copyIds.length ? detailed(ex).where('r.copy_id', 'in', copyIds).execute() : Promise.resolve([]);

/** Moves a copy's other OPEN requests along with the one reassigned: they all go to the copy's corrector. */
export const openRequestIdsOfCopy = async (ex: Executor, copyId: string) =>
  (await ex.selectFrom('regrade_requests').select('id').where('copy_id', '=', copyId).where('status', '=', 'OPEN').orderBy('created_at').execute()).map((r) => r.id);

/**
 * The teacher who last submitted or finalized the copy and still corrects its exam (active): who graded it when
 * nobody was assigned to it.
 */
export const lastGraderOf = async (ex: Executor, copyId: string, examId: string) =>
  (
    await ex
      .selectFrom('grading_events as e')
      .innerJoin('users as u', 'u.id', 'e.actor_id')
      .innerJoin('exam_correctors as ec', (j) => j.onRef('ec.user_id', '=', 'e.actor_id').on('ec.exam_id', '=', examId))
      .select('u.id')
      .where('e.copy_id', '=', copyId)
      .where('e.action', 'in', ['FINALIZE_REQUESTED', 'SUBMITTED'])
      .where('u.role', '=', 'TEACHER')
      .where('u.is_active', '=', 1)
      .orderBy('e.created_at', 'desc')
      .orderBy('e.id', 'desc')
      .limit(1)
      .executeTakeFirst()
  )?.id ?? null;

/** Whether the user is an active teacher correcting the exam. */
export const isActiveCorrector = async (ex: Executor, examId: string, userId: string) =>
  !!(await ex
    .selectFrom('exam_correctors as ec')
    .innerJoin('users as u', 'u.id', 'ec.user_id')
    .select('u.id')
    .where('ec.exam_id', '=', examId)
    .where('ec.user_id', '=', userId)
    .where('u.role', '=', 'TEACHER')
    .where('u.is_active', '=', 1)
    .executeTakeFirst());

export const setRegradeDeadline = (ex: Executor, examId: string, deadline: string | null, now: string) =>
  ex.updateTable('exams').set({ regrade_deadline: deadline, updated_at: now }).where('id', '=', examId).returning(['id', 'regrade_deadline']).executeTakeFirst();
