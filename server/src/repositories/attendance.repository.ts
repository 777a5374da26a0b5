import type { Executor } from '../db/database.ts';
import type { AttendanceStatus } from '../db/schema.ts';

/** The student's copy of the exam (merged copies are part of another one). */
const copyOf = (ex: Executor, examId: string, studentId: string) =>
  ex.selectFrom('copies').select(['id', 'anonymous_code']).where('exam_id', '=', examId).where('student_id', '=', studentId).where('status', '<>', 'MERGED');

export const findCopyOfStudent = (ex: Executor, examId: string, studentId: string) => copyOf(ex, examId, studentId).executeTakeFirst();

/** Classes the exam is about: those of the students who have a copy of it or a status in it. */
export const classesOfExam = async (ex: Executor, examId: string) => {
  const rows = await ex
    .selectFrom('students')
    .select('class_name')
    .distinct()
    .where('class_name', 'is not', null)
    .where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('copies').select('copies.id').whereRef('copies.student_id', '=', 'students.id').where('copies.exam_id', '=', examId)),
        eb.exists(eb.selectFrom('exam_attendance as a').select('a.student_id').whereRef('a.student_id', '=', 'students.id').where('a.exam_id', '=', examId)),
      ]),
    )
    .execute();
  return rows.map((r) => r.class_name!);
};

/** Every student of `classes`, and anyone else with a copy or a status in the exam, with both. */
export const rosterOfExam = (ex: Executor, examId: string, classes: string[]) =>
  ex
    .selectFrom('students')
    .leftJoin('copies', (j) => j.onRef('copies.student_id', '=', 'students.id').on('copies.exam_id', '=', examId).on('copies.status', '<>', 'MERGED'))
    .leftJoin('exam_attendance as a', (j) => j.onRef('a.student_id', '=', 'students.id').on('a.exam_id', '=', examId))
    .leftJoin('users as u', 'u.id', 'a.updated_by')
    .select([
      'students.id',
      'students.student_number',
      'students.last_name',
      'students.first_name',
      'students.class_name',
      'copies.id as copy_id',
      'copies.anonymous_code',
      'a.status',
      'a.updated_at',
      'u.id as updated_by_id',
      'u.display_name as updated_by_name',
    ])
    .where((eb) =>
      eb.or([
        ...(classes.length ? [eb('students.class_name', 'in', classes)] : []),
        eb('copies.id', 'is not', null),
        eb('a.status', 'is not', null),
      ]),
    )
    .orderBy('students.class_name')
    .orderBy('students.last_name')
    .orderBy('students.first_name')
    .orderBy('students.student_number')
    .execute();

/** Students of the exam with a status and no copy (a copy wins over a status set before it was identified). */
export const statusesWithoutCopy = (ex: Executor, examId: string) =>
  ex
    .selectFrom('exam_attendance as a')
    .innerJoin('students', 'students.id', 'a.student_id')
    .select(['students.id as student_id', 'students.student_number', 'students.last_name', 'students.first_name', 'students.class_name', 'a.status'])
    .where('a.exam_id', '=', examId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('copies').select('copies.id').whereRef('copies.student_id', '=', 'a.student_id').where('copies.exam_id', '=', examId).where('copies.status', '<>', 'MERGED'),
        ),
      ),
    )
    .execute();

export const upsertAttendance = (ex: Executor, row: { exam_id: string; student_id: string; status: AttendanceStatus; updated_by: string; updated_at: string }) =>
  ex.insertInto('exam_attendance').values(row).execute();

/** Removes the student's status; returns the one removed, if any. */
export const clearAttendance = async (ex: Executor, examId: string, studentId: string) => {
  const old = await ex.selectFrom('exam_attendance').select('status').where('exam_id', '=', examId).where('student_id', '=', studentId).executeTakeFirst();
  if (old) await ex.deleteFrom('exam_attendance').where('exam_id', '=', examId).where('student_id', '=', studentId).execute();
  return old?.status ?? null;
};
