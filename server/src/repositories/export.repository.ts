import type { Executor } from '../db/database.ts';

/**
 * Every copy of an exam (merged ones excluded) with what the results need: its student, its corrector (the
 * assignee, else whoever submitted it) and, for GRADED copies, the final PDF's storage key.
 */
export const examResultRows = (ex: Executor, examId: string) =>
  ex
    .selectFrom('copies')
    .leftJoin('students', 'students.id', 'copies.student_id')
    .leftJoin('users as corrector', (j) =>
      j.on((eb) =>
        eb.or([
          eb('corrector.id', '=', eb.ref('copies.assigned_to')),
          eb.and([eb('copies.assigned_to', 'is', null), eb('corrector.id', '=', eb.ref('copies.locked_by'))]),
        ]),
      ),
    )
    .leftJoin('blobs', 'blobs.id', 'copies.final_blob_id')
    .select([
      'copies.id',
      'copies.anonymous_code',
      'copies.status',
      'copies.student_id',
      'students.student_number',
      'students.last_name',
      'students.first_name',
      'students.class_name',
      'corrector.id as corrector_id',
      'corrector.display_name as corrector_name',
      'blobs.storage_key as final_storage_key',
      'blobs.size as final_size',
    ])
    .where('copies.exam_id', '=', examId)
    .where('copies.status', '<>', 'MERGED')
    .orderBy('copies.anonymous_code')
    .execute();

/** Scores of every copy of an exam, in one query; totals are still computed by `computeTotal`. */
export const scoresOfExam = (ex: Executor, examId: string) =>
  ex
    .selectFrom('scores')
    .innerJoin('copies', 'copies.id', 'scores.copy_id')
    .select(['scores.copy_id', 'scores.question_id', 'scores.points', 'scores.comment'])
    .where('copies.exam_id', '=', examId)
    .execute();

/** The "not scored" marks of every copy of an exam, in one query. */
export const unscoredMarksOfExam = (ex: Executor, examId: string) =>
  ex
    .selectFrom('unscored_questions')
    .innerJoin('copies', 'copies.id', 'unscored_questions.copy_id')
    .select(['unscored_questions.copy_id', 'unscored_questions.question_id'])
    .where('copies.exam_id', '=', examId)
    .execute();
