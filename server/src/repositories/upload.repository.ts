import type { Insertable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { BlobsTable, BookletsTable, CopiesTable, PagesTable, UploadsTable } from '../db/schema.ts';

// Multi-row inserts stay well under SQLite's and PostgreSQL's bound-parameter limits.
const ROWS_PER_INSERT = 200;

async function insertInChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) await insert(rows.slice(i, i + ROWS_PER_INSERT));
}

export const insertUpload = (ex: Executor, row: Insertable<UploadsTable>) => ex.insertInto('uploads').values(row).execute();

export const findUpload = (ex: Executor, id: string) => ex.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();

export const listUploadsOfExam = (ex: Executor, examId: string) =>
  ex.selectFrom('uploads').selectAll().where('exam_id', '=', examId).orderBy('created_at', 'desc').orderBy('id').execute();

/** Starts (or restarts, after a crash) processing; zero rows means the upload is already DONE or FAILED. */
export const startProcessing = (ex: Executor, id: string, now: string) =>
  ex
    .updateTable('uploads')
    .set({ status: 'PROCESSING', pages_done: 0, error: null, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', ['PENDING', 'PROCESSING'])
    .executeTakeFirst()
    .then((r) => Number(r.numUpdatedRows));

export const setProgress = (ex: Executor, id: string, pagesDone: number, now: string) =>
  ex
    .updateTable('uploads')
    .set({ pages_done: pagesDone, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'PROCESSING')
    .where('page_count', '>=', pagesDone)
    .execute();

/**
 * The guard of the final ingest transaction: only one run can move PROCESSING → DONE, so only one run's copies
 * are ever committed (on PostgreSQL a second run blocks on the row lock, then finds the status changed).
 */
export const completeUpload = (ex: Executor, id: string, now: string) =>
  ex
    .updateTable('uploads')
    .set((eb) => ({ status: 'DONE', pages_done: eb.ref('page_count'), error: null, updated_at: now }))
    .where('id', '=', id)
    .where('status', '=', 'PROCESSING')
    .executeTakeFirst()
    .then((r) => Number(r.numUpdatedRows));

export const failUpload = (ex: Executor, id: string, error: string, now: string) =>
  ex
    .updateTable('uploads')
    .set({ status: 'FAILED', error, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', ['PENDING', 'PROCESSING'])
    .execute();

export const insertBlobRows = (ex: Executor, rows: Insertable<BlobsTable>[]) =>
  insertInChunks(rows, (chunk) => ex.insertInto('blobs').values(chunk).execute());

export const insertBooklets = (ex: Executor, rows: Insertable<BookletsTable>[]) =>
  insertInChunks(rows, (chunk) => ex.insertInto('booklets').values(chunk).execute());

export const insertCopies = (ex: Executor, rows: Insertable<CopiesTable>[]) =>
  insertInChunks(rows, (chunk) => ex.insertInto('copies').values(chunk).execute());

export const insertPageRows = (ex: Executor, rows: Insertable<PagesTable>[]) =>
  insertInChunks(rows, (chunk) => ex.insertInto('pages').values(chunk).execute());

export const anonymousCodesOfExam = async (ex: Executor, examId: string): Promise<Set<string>> =>
  new Set((await ex.selectFrom('copies').select('anonymous_code').where('exam_id', '=', examId).execute()).map((r) => r.anonymous_code));

/**
 * The live copies holding this upload's pages, in scan order. Follows the pages, so a booklet stapled onto
 * another copy reports that copy (a MERGED copy has no pages left) and a page in the bin counts for none.
 */
export const copyIdsOfUpload = async (ex: Executor, uploadId: string): Promise<string[]> => {
  const rows = await ex
    .selectFrom('pages')
    .select(['pages.copy_id', (eb) => eb.fn.min('pages.source_page').as('first_page')])
    .where('pages.upload_id', '=', uploadId)
    .where('pages.copy_id', 'is not', null)
    .groupBy('pages.copy_id')
    .orderBy('first_page')
    .$narrowType<{ copy_id: string }>()
    .execute();
  return rows.map((r) => r.copy_id);
};
