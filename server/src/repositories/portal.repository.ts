import type { Executor } from '../db/database.ts';

/** A student's copies that they may see: GRADED, of an exam whose results are released (as `loadCopyFor`). */
export const releasedGradedCopiesOf = (ex: Executor, studentId: string) =>
  ex
    .selectFrom('copies')
    .innerJoin('exams', 'exams.id', 'copies.exam_id')
    .select([
      'copies.id',
      'copies.exam_id',
      'copies.status',
      'copies.graded_at',
      'exams.title',
      'exams.exam_date',
      'exams.results_released_at',
    ])
    .where('copies.student_id', '=', studentId)
    .where('copies.status', '=', 'GRADED')
    .where('exams.results_released_at', 'is not', null)
    .orderBy('exams.results_released_at', 'desc')
    .orderBy('copies.id')
    .execute();
