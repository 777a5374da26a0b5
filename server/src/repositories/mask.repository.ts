import type { Executor } from '../db/database.ts';

/** The blob of a page's header-masked image, if it was made. */
export const findMaskedPage = (ex: Executor, pageId: string) =>
  ex
    .selectFrom('masked_pages')
    .innerJoin('blobs', 'blobs.id', 'masked_pages.blob_id')
    .select(['blobs.id', 'blobs.storage_key', 'blobs.content_type', 'blobs.sha256', 'blobs.size'])
    .where('masked_pages.page_id', '=', pageId)
    .executeTakeFirst();

/** First writer wins: 0 means another request stored the page's mask first (its blob row is then rolled back). */
export const insertMaskedPage = (ex: Executor, pageId: string, blobId: string, at: string) =>
  ex
    .insertInto('masked_pages')
    .values({ page_id: pageId, blob_id: blobId, created_at: at })
    .onConflict((oc) => oc.column('page_id').doNothing())
    .returning('page_id')
    .executeTakeFirst()
    .then((r) => (r ? 1 : 0));

/** A page's mask no longer hides its header once the page is turned: the next corrector request makes a new one. */
export const deleteMaskedPage = (ex: Executor, pageId: string) => ex.deleteFrom('masked_pages').where('page_id', '=', pageId).execute();

/** The corrector's variant of the final PDF `finalBlobId`, if it was made. */
export const findMaskedFinalPdf = (ex: Executor, finalBlobId: string) =>
  ex
    .selectFrom('masked_final_pdfs')
    .innerJoin('blobs', 'blobs.id', 'masked_final_pdfs.blob_id')
    .select(['blobs.id', 'blobs.storage_key', 'blobs.sha256', 'blobs.size'])
    .where('masked_final_pdfs.final_blob_id', '=', finalBlobId)
    .executeTakeFirst();

export const insertMaskedFinalPdf = (ex: Executor, finalBlobId: string, blobId: string, at: string) =>
  ex
    .insertInto('masked_final_pdfs')
    .values({ final_blob_id: finalBlobId, blob_id: blobId, created_at: at })
    .onConflict((oc) => oc.column('final_blob_id').doNothing())
    .returning('final_blob_id')
    .executeTakeFirst()
    .then((r) => (r ? 1 : 0));

/** Pages at position 0 (where the identification header is) of an exam's copies that have no mask yet. */
export const headerPagesWithoutMask = (ex: Executor, examId: string) =>
  ex
    .selectFrom('pages')
    .innerJoin('copies', 'copies.id', 'pages.copy_id')
    .leftJoin('masked_pages', 'masked_pages.page_id', 'pages.id')
    // pages in the bin have no copy (migration 008); the inner join on copies leaves them out
    .select((eb) => eb.ref('pages.copy_id').$notNull().as('copy_id'))
    .where('copies.exam_id', '=', examId)
    .where('copies.status', 'not in', ['STAGING', 'MERGED'])
    .where('pages.position', '=', 0)
    .where('masked_pages.page_id', 'is', null)
    .execute();

/** Whether grading of the exam has started: any copy scored, annotated, leased, or past READY. */
export const gradingStarted = async (ex: Executor, examId: string) => {
  const copyIds = ex.selectFrom('copies').select('copies.id').where('copies.exam_id', '=', examId);
  const hit = await ex
    .selectFrom('copies')
    .select('copies.id')
    .where('copies.exam_id', '=', examId)
    .where('copies.status', 'in', ['LOCKED', 'GRADING_IN_PROGRESS', 'GRADED', 'GRADING_FAILED'])
    .union(ex.selectFrom('scores').select('scores.copy_id as id').where('scores.copy_id', 'in', copyIds))
    .union(ex.selectFrom('annotations').select('annotations.copy_id as id').where('annotations.copy_id', 'in', copyIds))
    .union(ex.selectFrom('copy_locks').select('copy_locks.copy_id as id').where('copy_locks.copy_id', 'in', copyIds))
    .union(ex.selectFrom('draft_states').select('draft_states.copy_id as id').where('draft_states.copy_id', 'in', copyIds))
    .limit(1)
    .execute();
  return hit.length > 0;
};
