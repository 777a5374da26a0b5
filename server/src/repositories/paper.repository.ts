import { sql } from 'kysely';
import type { Insertable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { ExamQuestionPapersTable, PapersTable } from '../db/schema.ts';

/** Students of a class, in roster order (last name, first name, number): the order the booklets are printed in. */
export const studentsOfClass = (ex: Executor, className: string) =>
  ex
    .selectFrom('students')
    .select(['id', 'last_name', 'first_name', 'class_name', 'student_number'])
    .where('class_name', '=', className)
    .orderBy('last_name')
    .orderBy('first_name')
    .orderBy('student_number')
    .execute();

export const papersOfExam = (ex: Executor, examId: string) =>
  ex.selectFrom('papers').selectAll().where('exam_id', '=', examId).orderBy('number').execute();

export const papersByNumbers = (ex: Executor, examId: string, numbers: number[]) =>
  numbers.length === 0
    ? Promise.resolve([])
    : ex.selectFrom('papers').selectAll().where('exam_id', '=', examId).where('number', 'in', numbers).execute();

export const insertPapers = (ex: Executor, rows: Insertable<PapersTable>[]) =>
  rows.length === 0 ? Promise.resolve() : ex.insertInto('papers').values(rows).onConflict((oc) => oc.doNothing()).execute().then(() => undefined);

/** A reprint with more (or fewer) pages: the paper keeps its number and student. */
export const setPaperPages = (ex: Executor, id: string, pages: number) => ex.updateTable('papers').set({ pages }).where('id', '=', id).execute();

/**
 * Binds a paper to the copy its pages make, only if it has none yet: of two ingests reading the same paper at
 * once, exactly one wins (PostgreSQL re-checks the condition after waiting for the other's row lock); the other
 * reads the winner's copy and joins it.
 */
export const claimPaperCopy = async (ex: Executor, paperId: string, copyId: string) =>
  Number((await ex.updateTable('papers').set({ copy_id: copyId }).where('id', '=', paperId).where('copy_id', 'is', null).executeTakeFirst()).numUpdatedRows) === 1;

export const findPaper = (ex: Executor, id: string) => ex.selectFrom('papers').selectAll().where('id', '=', id).executeTakeFirst();

export const findQuestionPaper = (ex: Executor, examId: string) =>
  ex
    .selectFrom('exam_question_papers')
    .innerJoin('blobs', 'blobs.id', 'exam_question_papers.blob_id')
    .select(['exam_question_papers.blob_id', 'exam_question_papers.page_count', 'exam_question_papers.created_at', 'blobs.storage_key', 'blobs.size'])
    .where('exam_question_papers.exam_id', '=', examId)
    .executeTakeFirst();

export const upsertQuestionPaper = (ex: Executor, row: Insertable<ExamQuestionPapersTable>) =>
  ex
    .insertInto('exam_question_papers')
    .values(row)
    .onConflict((oc) => oc.column('exam_id').doUpdateSet({ blob_id: row.blob_id, page_count: row.page_count, uploaded_by: row.uploaded_by, created_at: row.created_at }))
    .execute();

/** The coded pages already in a copy: where a later upload's pages of the same paper go. */
export const pagesOfCopy = (ex: Executor, copyId: string) =>
  ex.selectFrom('pages').select(['id', 'position', 'paper_number', 'paper_page']).where('copy_id', '=', copyId).orderBy('position').execute();

export const findCopyState = (ex: Executor, copyId: string) =>
  ex.selectFrom('copies').select(['id', 'status', 'student_id', 'merged_into_id', 'flagged']).where('id', '=', copyId).executeTakeFirst();

export const studentHasCopy = async (ex: Executor, examId: string, studentId: string) =>
  !!(await ex.selectFrom('copies').select('id').where('exam_id', '=', examId).where('student_id', '=', studentId).executeTakeFirst());

/** Pages of a paper put in the bin as scanned twice, from a copy: they stay named in the copy's flag. */
export const binnedCodedPagesOf = (ex: Executor, copyId: string) =>
  ex
    .selectFrom('pages')
    .select(['paper_number', 'paper_page'])
    .where('removed_from_copy_id', '=', copyId)
    .where('copy_id', 'is', null)
    .where('paper_page', 'is not', null)
    .execute();

/**
 * Pages are about to join a STAGING copy: bump its version (a page-repair screen holding the old one gets a
 * VERSION_CONFLICT and reloads) and take its row lock (PostgreSQL). Null if the copy is no longer STAGING.
 */
export const touchStagingCopy = (ex: Executor, copyId: string, now: string) =>
  ex
    .updateTable('copies')
    .set({ updated_at: now, row_version: sql`row_version + 1` })
    .where('id', '=', copyId)
    .where('status', '=', 'STAGING')
    .returning(['id', 'student_id', 'flagged'])
    .executeTakeFirst();

/** A copy created in this transaction that lost the race for its paper: it has no page nor event yet. */
export const deleteFreshCopy = (ex: Executor, copyId: string) => ex.deleteFrom('copies').where('id', '=', copyId).execute();
