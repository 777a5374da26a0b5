import type { Executor } from '../db/database.ts';

export const copyOfStudentInExam = (ex: Executor, examId: string, studentId: string) =>
  ex
    .selectFrom('copies')
    .select(['id', 'anonymous_code'])
    .where('exam_id', '=', examId)
    .where('student_id', '=', studentId)
    .executeTakeFirst();

export function listForIdentification(
  ex: Executor,
  f: { examId: string; filter: 'unidentified' | 'identified' | 'all'; limit: number; after?: string },
) {
  let q = ex
    .selectFrom('copies')
    .leftJoin('students', 'students.id', 'copies.student_id')
    .select([
      'copies.id',
      'copies.anonymous_code',
      'copies.status',
      'copies.student_id',
      'students.student_number',
      'students.last_name',
      'students.first_name',
      'students.class_name',
      (eb) => eb.selectFrom('pages').select((e) => e.fn.countAll<number>().as('n')).whereRef('pages.copy_id', '=', 'copies.id').as('page_count'),
      // which page is first now, and how it is turned: the header image URL changes with them (scan repair)
      (eb) => eb.selectFrom('pages').select('pages.id').whereRef('pages.copy_id', '=', 'copies.id').where('pages.position', '=', 0).as('first_page_id'),
      (eb) => eb.selectFrom('pages').select('pages.rotation').whereRef('pages.copy_id', '=', 'copies.id').where('pages.position', '=', 0).as('first_page_rotation'),
    ])
    .where('copies.exam_id', '=', f.examId)
    .where('copies.status', '<>', 'MERGED')
    .orderBy('copies.anonymous_code')
    .limit(f.limit + 1);
  if (f.filter === 'unidentified') q = q.where('copies.student_id', 'is', null);
  if (f.filter === 'identified') q = q.where('copies.student_id', 'is not', null);
  if (f.after) q = q.where('copies.anonymous_code', '>', f.after);
  return q.execute();
}

export async function identificationCounts(ex: Executor, examId: string) {
  const rows = await ex
    .selectFrom('copies')
    .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.count<number>('student_id').as('identified')])
    .where('exam_id', '=', examId)
    .where('status', '<>', 'MERGED')
    .executeTakeFirstOrThrow();
  const identified = Number(rows.identified);
  return { identified, unidentified: Number(rows.n) - identified };
}
