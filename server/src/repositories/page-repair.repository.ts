import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { CopyStatus } from '../db/schema.ts';

// Above any real position: pages park here while copies are renumbered, so UNIQUE(copy_id, position) never sees
// two pages on one position in between.
const PARKING = 1_000_000;

/**
 * The version check of every page operation: one conditional UPDATE that bumps the copy's row_version only if the
 * caller read the current one and the copy is in a status that allows the operation. Also takes the row lock
 * (PostgreSQL), so concurrent operations on the copy queue behind this transaction.
 */
export const bumpCopyVersion = (ex: Executor, id: string, version: number, from: readonly CopyStatus[], patch: { updated_at: string }) =>
  ex
    .updateTable('copies')
    .set({ ...patch, row_version: sql`row_version + 1` })
    .where('id', '=', id)
    .where('row_version', '=', version)
    .where('status', 'in', from as CopyStatus[])
    .returningAll()
    .executeTakeFirst();

export const setFlagged = (ex: Executor, id: string, flagged: string | null) =>
  ex.updateTable('copies').set({ flagged }).where('id', '=', id).execute();

/** The page rows of a copy in order (ids only: what an operation rearranges). */
export const pageIdsOfCopy = async (ex: Executor, copyId: string): Promise<string[]> =>
  (await ex.selectFrom('pages').select('id').where('copy_id', '=', copyId).orderBy('position').execute()).map((r) => r.id);

export const findPageAt = (ex: Executor, copyId: string, position: number) =>
  ex.selectFrom('pages').selectAll().where('copy_id', '=', copyId).where('position', '=', position).executeTakeFirst();

export const findBinnedPage = (ex: Executor, uploadId: string, sourcePage: number) =>
  ex
    .selectFrom('pages')
    .selectAll()
    .where('upload_id', '=', uploadId)
    .where('source_page', '=', sourcePage)
    .where('copy_id', 'is', null)
    .executeTakeFirst();

export const findUploadPage = (ex: Executor, uploadId: string, sourcePage: number) =>
  ex
    .selectFrom('pages')
    .innerJoin('blobs', 'blobs.id', 'pages.image_blob_id')
    .select(['pages.rotation', 'pages.image_offset', 'pages.image_length', 'blobs.storage_key', 'blobs.content_type', 'blobs.sha256', 'blobs.size'])
    .where('pages.upload_id', '=', uploadId)
    .where('pages.source_page', '=', sourcePage)
    .executeTakeFirst();

/**
 * Lays out copies: each copy gets exactly the listed pages, at positions 0..n-1. Every page of every listed copy
 * must be in some layout (or already taken out to the bin): all are parked first, then moved down, so no
 * intermediate state ever has two pages on one position.
 */
export async function layOutPages(ex: Executor, layouts: Map<string, string[]>) {
  for (const [copyId, ids] of layouts) {
    for (const [i, id] of ids.entries()) {
      await ex.updateTable('pages').set({ copy_id: copyId, position: PARKING + i }).where('id', '=', id).execute();
    }
  }
  for (const copyId of layouts.keys()) {
    await ex
      .updateTable('pages')
      .set((eb) => ({ position: eb('position', '-', PARKING) }))
      .where('copy_id', '=', copyId)
      .where('position', '>=', PARKING)
      .execute();
  }
}

/** Into the upload's bin: out of every copy, never deleted (the row's CHECK makes copy and position go together). */
export const binPage = (ex: Executor, pageId: string, fromCopyId: string, now: string) =>
  ex
    .updateTable('pages')
    .set({ copy_id: null, position: null, removed_at: now, removed_from_copy_id: fromCopyId })
    .where('id', '=', pageId)
    .where('copy_id', '=', fromCopyId)
    .executeTakeFirst()
    .then((r) => Number(r.numUpdatedRows));

/** Out of the bin, parked at the end of `copyId` until layOutPages numbers it. Conditional on it still being there. */
export const unbinPage = (ex: Executor, pageId: string, copyId: string) =>
  ex
    .updateTable('pages')
    .set({ copy_id: copyId, position: PARKING * 2, removed_at: null, removed_from_copy_id: null })
    .where('id', '=', pageId)
    .where('copy_id', 'is', null)
    .executeTakeFirst()
    .then((r) => Number(r.numUpdatedRows));

export const setRotation = (ex: Executor, pageId: string, rotation: number) =>
  ex.updateTable('pages').set({ rotation }).where('id', '=', pageId).execute();

/** Whether grading has begun on the copy: any annotation, score or draft. */
export async function hasGrading(ex: Executor, copyId: string): Promise<boolean> {
  const found = await ex
    .selectFrom('copies')
    .select([
      (eb) => eb.exists(eb.selectFrom('annotations').select('id').where('copy_id', '=', copyId)).as('a'),
      (eb) => eb.exists(eb.selectFrom('scores').select('question_id').where('copy_id', '=', copyId)).as('s'),
      (eb) => eb.exists(eb.selectFrom('draft_states').select('owner_id').where('copy_id', '=', copyId)).as('d'),
    ])
    .where('id', '=', copyId)
    .executeTakeFirst();
  return !!found && (!!Number(found.a) || !!Number(found.s) || !!Number(found.d));
}

export const annotationsOnPage = (ex: Executor, copyId: string, position: number) =>
  ex.selectFrom('annotations').selectAll().where('copy_id', '=', copyId).where('page_position', '=', position).execute();

export const moveAnnotation = (ex: Executor, id: string, g: { x: number; y: number; w: number; h: number; points: string | null }, now: string) =>
  ex
    .updateTable('annotations')
    .set({ ...g, version: sql`version + 1`, updated_at: now })
    .where('id', '=', id)
    .execute();

// ------------------------------------------------------------------ review

/** Every page of an upload, in a copy or in its bin, with what the review needs. */
export const pagesOfUpload = (ex: Executor, uploadId: string) =>
  ex
    .selectFrom('pages')
    .selectAll()
    .where('upload_id', '=', uploadId)
    .orderBy('source_page')
    .execute();

/** Pages of these copies (a copy may hold pages of another upload, moved there). */
export const pagesOfCopies = (ex: Executor, copyIds: string[]) =>
  copyIds.length === 0
    ? Promise.resolve([])
    : ex.selectFrom('pages').selectAll().where('copy_id', 'in', copyIds).orderBy('copy_id').orderBy('position').execute();

export const copiesWithStudents = (ex: Executor, ids: string[]) =>
  ids.length === 0
    ? Promise.resolve([])
    : ex
        .selectFrom('copies')
        .leftJoin('students', 'students.id', 'copies.student_id')
        .selectAll('copies')
        .select(['students.last_name', 'students.first_name', 'students.student_number'])
        .where('copies.id', 'in', ids)
        .execute();

/** Where the images of pages not yet measured are (at most `limit`). */
export const unmeasuredPages = (ex: Executor, pageIds: string[], limit: number) =>
  pageIds.length === 0
    ? Promise.resolve([])
    : ex
        .selectFrom('pages')
        .innerJoin('blobs', 'blobs.id', 'pages.image_blob_id')
        .select(['pages.id', 'pages.image_offset', 'pages.image_length', 'blobs.storage_key'])
        .where('pages.id', 'in', pageIds)
        .where('pages.ink_coverage', 'is', null)
        .limit(limit)
        .execute();

export const setInkCoverage = (ex: Executor, pageId: string, coverage: number) =>
  ex.updateTable('pages').set({ ink_coverage: coverage }).where('id', '=', pageId).where('ink_coverage', 'is', null).execute();

/** Live leases on a copy held by someone else than `userId`. */
export const liveLeaseOfOther = (ex: Executor, copyId: string, userId: string, now: string) =>
  ex
    .selectFrom('copy_locks')
    .innerJoin('users', 'users.id', 'copy_locks.owner_id')
    .select(['copy_locks.owner_id', 'copy_locks.expires_at', 'users.display_name'])
    .where('copy_locks.copy_id', '=', copyId)
    .where('copy_locks.owner_id', '<>', userId)
    .where('copy_locks.expires_at', '>', now)
    .executeTakeFirst();
