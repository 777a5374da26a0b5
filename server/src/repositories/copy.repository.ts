import { sql, type Insertable, type Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import { dialectOf } from '../db/dialect.ts';
import type { CopiesTable, CopyStatus, PagesTable } from '../db/schema.ts';
import type { ByteRange } from '../storage/blob-store.ts';

/**
 * `lock` takes the copy's row lock on PostgreSQL (SQLite transactions are already serialized). Every transaction
 * that touches a copy locks its row FIRST, before copy_locks, so concurrent edits, submits and finalizes queue up
 * instead of deadlocking.
 */
export const findCopy = (ex: Executor, id: string, lock?: 'share' | 'update') => {
  let q = ex.selectFrom('copies').selectAll().where('id', '=', id);
  if (lock && dialectOf(ex) === 'postgres') q = lock === 'update' ? q.forUpdate() : q.forShare();
  return q.executeTakeFirst();
};

/**
 * The copy, its exam and whether `userId` corrects or owns that exam, in ONE statement (the hot path of every
 * edit). The row lock, when asked, is taken on the copy only, never on its exam.
 */
export const findCopyWithExam = async (ex: Executor, id: string, userId: string, lock?: 'share' | 'update') => {
  let q = ex
    .selectFrom('copies')
    .innerJoin('exams', 'exams.id', 'copies.exam_id')
    .leftJoin('exam_correctors as ec', (j) => j.onRef('ec.exam_id', '=', 'copies.exam_id').on('ec.user_id', '=', userId))
    .leftJoin('exam_owners as eo', (j) => j.onRef('eo.exam_id', '=', 'copies.exam_id').on('eo.user_id', '=', userId))
    .selectAll('copies')
    .select([
      'exams.title as exam_title',
      'exams.exam_date as exam_exam_date',
      'exams.pages_per_copy as exam_pages_per_copy',
      'exams.anonymous as exam_anonymous',
      'exams.results_released_at as exam_results_released_at',
      'exams.regrade_deadline as exam_regrade_deadline',
      'exams.archived_at as exam_archived_at',
      'exams.archived_by as exam_archived_by',
      'exams.created_by as exam_created_by',
      'exams.created_at as exam_created_at',
      'exams.updated_at as exam_updated_at',
      'ec.user_id as corrector_id',
      'eo.user_id as owner_id',
    ])
    .where('copies.id', '=', id);
  if (lock && dialectOf(ex) === 'postgres') q = lock === 'update' ? q.forUpdate('copies') : q.forShare('copies');
  const r = await q.executeTakeFirst();
  if (!r) return undefined;
  const {
    exam_title, exam_exam_date, exam_pages_per_copy, exam_anonymous, exam_results_released_at, exam_regrade_deadline, exam_archived_at,
    exam_archived_by, exam_created_by, exam_created_at, exam_updated_at, corrector_id, owner_id, ...copy
  } = r;
  return {
    copy,
    exam: {
      id: copy.exam_id,
      title: exam_title,
      exam_date: exam_exam_date,
      pages_per_copy: exam_pages_per_copy,
      anonymous: exam_anonymous,
      results_released_at: exam_results_released_at,
      regrade_deadline: exam_regrade_deadline,
      archived_at: exam_archived_at,
      archived_by: exam_archived_by,
      created_by: exam_created_by,
      created_at: exam_created_at,
      updated_at: exam_updated_at,
    },
    isCorrector: corrector_id !== null,
    isOwner: owner_id !== null,
  };
};

export const insertCopy = (ex: Executor, row: Insertable<CopiesTable>) => ex.insertInto('copies').values(row).execute();

export const insertPages = (ex: Executor, rows: Insertable<PagesTable>[]) =>
  rows.length ? ex.insertInto('pages').values(rows).execute() : Promise.resolve([]);

export const listPages = (ex: Executor, copyId: string) =>
  ex.selectFrom('pages').selectAll().where('copy_id', '=', copyId).orderBy('position').execute();

/** Pages with their image's storage key and type, in order: one statement instead of one per page. */
export const listPagesWithBlobs = (ex: Executor, copyId: string) =>
  ex
    .selectFrom('pages')
    .innerJoin('blobs', 'blobs.id', 'pages.image_blob_id')
    .select(['pages.position', 'pages.width_px', 'pages.height_px', 'pages.rotation', 'pages.image_offset', 'pages.image_length', 'blobs.storage_key', 'blobs.content_type', 'blobs.sha256', 'blobs.size'])
    .where('pages.copy_id', '=', copyId)
    .orderBy('pages.position')
    .execute()
    .then((rows) => rows.map((r) => ({ ...r, image: pageImageOf(r) })));

export const findPage = (ex: Executor, copyId: string, position: number) =>
  ex
    .selectFrom('pages')
    .innerJoin('blobs', 'blobs.id', 'pages.image_blob_id')
    .select(['pages.id', 'pages.position', 'pages.rotation', 'pages.image_offset', 'pages.image_length', 'blobs.storage_key', 'blobs.content_type', 'blobs.sha256', 'blobs.size'])
    .where('pages.copy_id', '=', copyId)
    .where('pages.position', '=', position)
    .executeTakeFirst()
    .then((r) => r && { ...r, image: pageImageOf(r) });

/** Where a page's image bytes are, what they are, and a strong validator for them. */
export interface PageImageRef {
  storageKey: string;
  range: ByteRange | null;
  contentType: string;
  size: number;
  etag: string;
  /** clockwise degrees the image is shown turned by (migration 008) */
  rotation: number;
}

/**
 * A page's image is its blob, or (a scanned page, migration 003) the byte range of its scan blob that holds the
 * JPEG the scanner embedded. The scan never changes, so its hash and the offset identify the bytes.
 */
function pageImageOf(r: {
  rotation: number;
  storage_key: string;
  content_type: string;
  sha256: string;
  size: number;
  image_offset: number | null;
  image_length: number | null;
}): PageImageRef {
  const turned = r.rotation ? `-r${r.rotation}` : '';
  if (r.image_offset === null || r.image_length === null) {
    return { storageKey: r.storage_key, range: null, contentType: r.content_type, size: Number(r.size), etag: `"${r.sha256}${turned}"`, rotation: r.rotation };
  }
  const range = { offset: Number(r.image_offset), length: Number(r.image_length) };
  return { storageKey: r.storage_key, range, contentType: 'image/jpeg', size: range.length, etag: `"${r.sha256}-${range.offset}${turned}"`, rotation: r.rotation };
}

/**
 * The single conditional UPDATE behind every state transition (DESIGN.md §3). Only the copy state machine
 * calls it. Zero rows returned means another actor changed the copy first.
 */
export const updateCopyIfStatus = (
  ex: Executor,
  id: string,
  from: readonly CopyStatus[],
  patch: Updateable<CopiesTable>,
  extra?: { requirePages?: boolean; lockedBy?: string },
) => {
  let q = ex
    .updateTable('copies')
    .set({ ...patch, row_version: sql`row_version + 1` })
    .where('id', '=', id)
    .where('status', 'in', from as CopyStatus[]);
  if (extra?.requirePages) q = q.where(({ exists, selectFrom }) => exists(selectFrom('pages').select('pages.id').where('pages.copy_id', '=', id)));
  if (extra?.lockedBy) q = q.where('locked_by', '=', extra.lockedBy);
  return q.returningAll().executeTakeFirst();
};

/** Non-status fields (identification, assignment) — also conditional, never a blind overwrite. */
export const updateCopyFields = (ex: Executor, id: string, patch: Updateable<CopiesTable>, from?: readonly CopyStatus[]) => {
  let q = ex.updateTable('copies').set({ ...patch, row_version: sql`row_version + 1` }).where('id', '=', id);
  if (from) q = q.where('status', 'in', from as CopyStatus[]);
  return q.returningAll().executeTakeFirst();
};

export interface CopyListFilter {
  examId: string;
  status?: CopyStatus;
  assignedTo?: string | null;
  /** teachers: only what they may grade (assigned to them or unassigned, never STAGING/MERGED) */
  visibleToTeacher?: string;
  limit: number;
  after?: string;
}

export const listCopies = (ex: Executor, f: CopyListFilter) => {
  let q = ex
    .selectFrom('copies')
    .leftJoin('students', 'students.id', 'copies.student_id')
    .leftJoin('users as assignee', 'assignee.id', 'copies.assigned_to')
    .leftJoin('copy_locks', 'copy_locks.copy_id', 'copies.id')
    .leftJoin('users as holder', 'holder.id', 'copy_locks.owner_id')
    .selectAll('copies')
    .select([
      'students.student_number',
      'students.last_name',
      'students.first_name',
      'students.class_name',
      'assignee.display_name as assignee_name',
      'copy_locks.owner_id as lock_owner_id',
      'copy_locks.expires_at as lock_expires_at',
      'holder.display_name as lock_owner_name',
      (eb) => eb.selectFrom('pages').select((e) => e.fn.countAll<number>().as('n')).whereRef('pages.copy_id', '=', 'copies.id').as('page_count'),
    ])
    .where('copies.exam_id', '=', f.examId)
    .orderBy('copies.anonymous_code')
    .limit(f.limit + 1);
  if (f.status) q = q.where('copies.status', '=', f.status);
  if (f.assignedTo === null) q = q.where('copies.assigned_to', 'is', null);
  else if (f.assignedTo) q = q.where('copies.assigned_to', '=', f.assignedTo);
  if (f.visibleToTeacher) {
    const me = f.visibleToTeacher;
    q = q
      .where('copies.status', 'not in', ['STAGING', 'MERGED'])
      .where((eb) => eb.or([eb('copies.assigned_to', '=', me), eb('copies.assigned_to', 'is', null)]));
  }
  if (f.after) q = q.where('copies.anonymous_code', '>', f.after);
  return q.execute();
};

export const copiesOfExam = (ex: Executor, examId: string) => ex.selectFrom('copies').selectAll().where('exam_id', '=', examId).execute();

/**
 * `loadCopyFor`'s rule for a corrector, as a condition of another statement: an admin grades any copy; a teacher
 * the copies of the exams they own, and of the exams they correct when the copy is past STAGING, not MERGED, and
 * assigned to them or to nobody.
 */
export const gradableBy = (a: { copyId: string; userId: string; role: 'ADMIN' | 'TEACHER' }) =>
  a.role === 'ADMIN'
    ? sql<boolean>`EXISTS (SELECT 1 FROM copies WHERE id = ${a.copyId})`
    : sql<boolean>`EXISTS (SELECT 1 FROM copies c WHERE c.id = ${a.copyId} AND (
        EXISTS (SELECT 1 FROM exam_owners o WHERE o.exam_id = c.exam_id AND o.user_id = ${a.userId})
        OR (c.status NOT IN ('STAGING', 'MERGED') AND (c.assigned_to IS NULL OR c.assigned_to = ${a.userId})
            AND EXISTS (SELECT 1 FROM exam_correctors k WHERE k.exam_id = c.exam_id AND k.user_id = ${a.userId}))))`;

/** The record of a copy's final PDF (one per successful finalize: a reopened copy gets a new one). */
export const insertFinalPdf = (ex: Executor, row: { id: string; copy_id: string; blob_id: string; final_score: number; created_at: string }) =>
  ex.insertInto('final_pdfs').values(row).execute();
/** The copy is in `status`, as a condition of another statement. */
export const copyInStatus = (copyId: string, status: CopyStatus) => sql<boolean>`EXISTS (SELECT 1 FROM copies WHERE id = ${copyId} AND status = ${status})`;
