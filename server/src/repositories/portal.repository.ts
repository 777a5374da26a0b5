import type { Executor } from '../db/database.ts';

/**
 * A student's copies on exams whose results are released, past STAGING: the portal then shows the GRADED ones,
 * and those being regraded after a release (review.service `studentView`).
 */
export const releasedCopiesOf = (ex: Executor, studentId: string) =>
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
      'exams.regrade_deadline',
    ])
    .where('copies.student_id', '=', studentId)
    .where('copies.status', 'not in', ['STAGING', 'MERGED'])
    .where('exams.results_released_at', 'is not', null)
    .orderBy('exams.results_released_at', 'desc')
    .orderBy('copies.id')
    .execute();
