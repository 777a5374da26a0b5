import type { Insertable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { RegradeRequestsTable } from '../db/schema.ts';

export const insertRegrade = (ex: Executor, row: Insertable<RegradeRequestsTable>) => ex.insertInto('regrade_requests').values(row).execute();

export const findRegrade = (ex: Executor, id: string) => ex.selectFrom('regrade_requests').selectAll().where('id', '=', id).executeTakeFirst();

/** Answers only an OPEN request (one conditional statement): a second answer cannot overwrite the first. */
export const answerIfOpen = (ex: Executor, id: string, a: { answer: string; by: string; at: string }) =>
  ex
    .updateTable('regrade_requests')
    .set({ status: 'ANSWERED', answer: a.answer, answered_by: a.by, answered_at: a.at })
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
    .leftJoin('students', 'students.id', 'copies.student_id')
    .selectAll('r')
    .select([
      'copies.anonymous_code',
      'copies.exam_id',
      'copies.student_id',
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
 * Requests on an exam's copies. `visibleToTeacher` mirrors `loadCopyFor`: a teacher sees requests on copies
 * assigned to them or to nobody.
 */
export function listRegradesOfExam(ex: Executor, f: { examId: string; status?: 'OPEN' | 'ANSWERED'; visibleToTeacher?: string }) {
  let q = detailed(ex).where('copies.exam_id', '=', f.examId).where('copies.status', 'not in', ['STAGING', 'MERGED']);
  if (f.status) q = q.where('r.status', '=', f.status);
  if (f.visibleToTeacher) {
    const me = f.visibleToTeacher;
    q = q.where((eb) => eb.or([eb('copies.assigned_to', '=', me), eb('copies.assigned_to', 'is', null)]));
  }
  return q.execute();
}

export const listRegradesOfCopies = (ex: Executor, copyIds: string[]) =>
  copyIds.length ? detailed(ex).where('r.copy_id', 'in', copyIds).execute() : Promise.resolve([]);
