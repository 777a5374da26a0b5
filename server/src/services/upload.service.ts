/**
 * Scan intake (DESIGN.md §4–§5): a PDF is streamed to a blob, validated before anything else exists, then an
 * INGEST_UPLOAD job cuts it into booklets and STAGING copies with one image per page.
 *
 * Ingest is durable and idempotent by construction: page images are written as files while the job runs, and every
 * row (image blobs, booklets, copies, pages, CREATED events) is inserted by ONE final transaction guarded by the
 * upload's PROCESSING → DONE transition. A run that crashes or fails commits nothing (its image files are orphans for
 * the sweeper); a second run after a crash redoes the images and commits once; a run that finds the upload DONE
 * does nothing.
 */
import crypto from 'node:crypto';
import type { UploadMode } from '@korrigo/contracts';
import type { AppContext, Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { Exam, UploadsTable } from '../db/schema.ts';
import { AppError, invalidPdf, notFound, validation } from '../errors.ts';
import { newId } from '../ids.ts';
import { getPdfPool } from '../pdf/pool.ts';
import type { PageImage } from '../pdf/types.ts';
import type { StoredFile } from '../storage/blob-store.ts';
import { findBlob, insertBlob } from '../repositories/blob.repository.ts';
import { findExam } from '../repositories/exam.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import { insertJob } from '../repositories/job.repository.ts';
import * as uploads from '../repositories/upload.repository.ts';
import { signalJobEnqueued } from '../jobs/runner.ts';
import { loadExamFor, requireRole } from './access.ts';
import { audit } from './audit.service.ts';
import { isUniqueViolation } from './auth.service.ts';

const formatMb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
const tooLarge = (max: number) =>
  new AppError('PAYLOAD_TOO_LARGE', 413, `The file is larger than the limit of ${formatMb(max)}. Split the scan into smaller files.`);

const EMPTY_BODY: AsyncIterable<Uint8Array> = (async function* () {})();

export function uploadDto(u: UploadsTable, copyIds: string[]) {
  return {
    id: u.id,
    examId: u.exam_id,
    mode: u.mode,
    status: u.status,
    pageCount: u.page_count,
    pagesDone: u.pages_done,
    error: u.error,
    copyIds,
    createdAt: u.created_at,
    updatedAt: u.updated_at,
  };
}

/**
 * Stores the body, checks it is a PDF a scanner could have written, and only then creates the upload and its job,
 * all in one transaction. A rejected file is removed at once: nothing refers to it, and nothing else is created.
 */
export async function createUpload(
  ctx: AppContext,
  actor: Actor,
  examId: string,
  input: { mode: UploadMode; body: AsyncIterable<Uint8Array> | null; declaredBytes?: number },
) {
  requireRole(actor, 'ADMIN');
  await loadExamFor(ctx.db, actor, examId);
  const max = ctx.config.maxUploadBytes;
  // refuse before receiving a byte when the client announces the size
  if (input.declaredBytes !== undefined && input.declaredBytes > max) throw tooLarge(max);
  const file = await ctx.blobs.putStream(coalesced(input.body ?? EMPTY_BODY, WRITE_BYTES), 'application/pdf', max, () => tooLarge(max)).catch((err: unknown) => {
    // the browser went away mid-upload: the partial file is already removed, and this is no server fault
    if ((err as { code?: string }).code === 'ECONNRESET') throw validation('The upload was interrupted before the whole file arrived. Send it again.');
    throw err;
  });

  let pageCount: number;
  try {
    ({ pageCount } = await inspectStored(ctx, file));
  } catch (err) {
    await ctx.blobs.remove(file.storageKey);
    throw err;
  }

  const id = newId();
  const now = ctx.clock.now().toISOString();
  await ctx.db.transaction().execute(async (tx) => {
    await insertBlob(tx, file, now);
    await uploads.insertUpload(tx, {
      id,
      exam_id: examId,
      source_blob_id: file.id,
      mode: input.mode,
      status: 'PENDING',
      page_count: pageCount,
      pages_done: 0,
      error: null,
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    });
    await insertJob(tx, { kind: 'INGEST_UPLOAD', refId: id, payload: { uploadId: id }, now });
    await audit(tx, actor, 'UPLOAD_CREATED', 'upload', id, { examId, mode: input.mode, pageCount, bytes: file.size }, now);
  });
  signalJobEnqueued();
  return { upload: { id, status: 'PENDING' as const } };
}

const WRITE_BYTES = 1 << 20;

/**
 * A request body arrives in socket-sized pieces of a few dozen KB; written one by one, a 60 MB scan would take a
 * thousand round trips to the I/O threads. Pieces are joined into writes of about `size` bytes.
 */
async function* coalesced(body: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let length = 0;
  for await (const piece of body) {
    parts.push(piece);
    length += piece.byteLength;
    if (length >= size) {
      yield Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}

async function inspectStored(ctx: AppContext, file: StoredFile) {
  try {
    // the worker reads the file itself: the main thread never holds the upload, nor posts a copy of it
    const path = ctx.blobs.filePath(file.storageKey);
    return await getPdfPool().inspectPdfFile(path, { maxPages: ctx.config.maxUploadPages, maxBytes: ctx.config.maxUploadBytes });
  } catch (err) {
    if (err instanceof AppError) throw err;
    // the parser itself gave out (a worker crash or timeout on this file): still the file's fault, never a 500
    ctx.log.warn({ err }, 'PDF inspection failed');
    throw invalidPdf('The PDF could not be read. Export or scan it again, then upload the new file.');
  }
}

export async function getUpload(ctx: AppContext, actor: Actor, id: string) {
  requireRole(actor, 'ADMIN');
  const u = await uploads.findUpload(ctx.db, id);
  if (!u) throw notFound('Upload');
  return uploadDto(u, u.status === 'DONE' ? await uploads.copyIdsOfUpload(ctx.db, id) : []);
}

export async function listUploads(ctx: AppContext, actor: Actor, examId: string) {
  requireRole(actor, 'ADMIN');
  await loadExamFor(ctx.db, actor, examId);
  const rows = await uploads.listUploadsOfExam(ctx.db, examId);
  const items = await Promise.all(rows.map(async (u) => uploadDto(u, u.status === 'DONE' ? await uploads.copyIdsOfUpload(ctx.db, u.id) : [])));
  return { items, nextCursor: null };
}

// ------------------------------------------------------------------ ingest

/** Pages per stored chunk and per render task: small enough for steady progress and bounded memory. */
const CHUNK_PAGES = 8;

export interface BookletPlan {
  start: number;
  end: number;
  flagged: string | null;
}

/**
 * BATCH: one booklet (one copy) every `pagesPerCopy` pages; a short last booklet is kept, flagged for the admin to
 * staple, never dropped. SINGLE: the whole file is one copy (flagged only if shorter than a copy).
 */
export function planBooklets(mode: UploadMode, pageCount: number, pagesPerCopy: number): BookletPlan[] {
  const size = mode === 'SINGLE' ? Math.max(pageCount, 1) : pagesPerCopy;
  const plan: BookletPlan[] = [];
  for (let start = 0; start < pageCount; start += size) {
    const end = Math.min(start + size, pageCount) - 1;
    const n = end - start + 1;
    plan.push({ start, end, flagged: n < pagesPerCopy ? `incomplete: ${n} of ${pagesPerCopy} pages` : null });
  }
  return plan;
}

// Crockford base32 without I, L, O, U: readable aloud, 32 symbols so a random byte maps evenly.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 6;

/**
 * A random anonymous code not in `taken` (which it joins). Random rather than sequential: a sequence would give
 * away the scan order, which often follows the seating plan or the class list.
 */
export function newAnonymousCode(taken: Set<string>): string {
  for (;;) {
    const bytes = crypto.randomBytes(CODE_LENGTH);
    const code = Array.from(bytes, (b) => CODE_ALPHABET[b % 32]).join('');
    if (!taken.has(code)) {
      taken.add(code);
      return code;
    }
  }
}

interface StoredPage {
  file: StoredFile;
  widthPx: number;
  heightPx: number;
}

/** The INGEST_UPLOAD job body. Safe to run again at any point (see the module comment). */
export async function ingestUpload(ctx: AppContext, uploadId: string): Promise<void> {
  const now = () => ctx.clock.now().toISOString();
  const upload = await uploads.findUpload(ctx.db, uploadId);
  if (!upload || !(await uploads.startProcessing(ctx.db, uploadId, now()))) return;
  const exam = (await findExam(ctx.db, upload.exam_id))!;
  const source = (await findBlob(ctx.db, upload.source_blob_id))!;
  const sourcePath = ctx.blobs.filePath(source.storage_key);
  const pool = getPdfPool();

  const pages: StoredPage[] = new Array(upload.page_count);
  let done = 0;
  let progress: Promise<unknown> = Promise.resolve();
  const store = async (indices: number[], images: PageImage[]) => {
    if (images.length !== indices.length) throw new Error(`expected ${indices.length} page images, got ${images.length}`);
    if (images.length === 0) return;
    // written side by side: each put ends in an fsync, and the disk handles several at once far faster than in turn;
    // all settle before a failure propagates, so a failed run has nothing still writing behind it
    const stored = await Promise.allSettled(images.map((img) => ctx.blobs.put(img.bytes, img.contentType)));
    const failed = stored.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    stored.forEach((r, j) => {
      const img = images[j]!;
      pages[indices[j]!] = { file: (r as PromiseFulfilledResult<StoredFile>).value, widthPx: img.widthPx, heightPx: img.heightPx };
    });
    done += images.length;
    const value = done;
    // serialized so the stored progress never goes backwards
    progress = progress.then(() => uploads.setProgress(ctx.db, uploadId, value, now()));
    await progress;
  };

  /*
   * One thread reads the scan once and hands back its pages' JPEGs chunk by chunk, each stored while the next is
   * prepared; no copy of the scan is made, in any thread. Pages that are not a plain scanned JPEG are rendered by
   * separate tasks, CHUNK_PAGES at a time, so the other threads render while the scan is still being read.
   */
  let failure: unknown = null;
  const renders: Array<Promise<void>> = [];
  const render = async (indices: number[]) => {
    let images: PageImage[];
    try {
      images = await pool.renderPagesOfFile(sourcePath, indices);
    } catch (err) {
      failure ??= new Error(`Pages ${describePages(indices)} could not be turned into images: ${(err as Error).message}`);
      return;
    }
    if (failure === null) await store(indices, images).catch((err: unknown) => void (failure ??= err));
  };
  await pool
    .scannedPagesOfFile(sourcePath, CHUNK_PAGES, async ({ start, images }) => {
      if (failure !== null) throw failure; // a render failed: stop reading the scan
      const toRender = images.flatMap((img, j) => (img ? [] : [start + j]));
      if (toRender.length > 0) renders.push(render(toRender));
      const indices = images.flatMap((img, j) => (img ? [start + j] : []));
      await store(indices, images.filter((img): img is PageImage => img !== null)).catch((err: unknown) => {
        failure ??= err;
        throw err;
      });
    })
    .catch((err: Error) => void (failure ??= new Error(`The scan could not be cut into pages: ${err.message}`)));
  // every task has settled before a failure propagates: nothing of a failed run may still be writing
  await Promise.all(renders);
  if (failure !== null) throw failure;
  if (done !== upload.page_count) throw new Error(`expected ${upload.page_count} page images, got ${done}`);

  await commitCopies(ctx, upload, exam, pages, now());
}

/** "3–5" or "3" for 0-based pages, as a teacher counts them. */
function describePages(indices: number[]): string {
  const first = indices[0]! + 1;
  const last = indices[indices.length - 1]! + 1;
  return first === last ? String(first) : `${first}–${last}`;
}

/** The single transaction that makes the ingest visible. Retried with fresh codes if a code collides. */
async function commitCopies(ctx: AppContext, upload: UploadsTable, exam: Exam, pages: StoredPage[], now: string) {
  const plan = planBooklets(upload.mode, upload.page_count, exam.pages_per_copy);
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.db.transaction().execute(async (tx) => {
        if (!(await uploads.completeUpload(tx, upload.id, now))) return; // another run committed first
        await insertCopiesOf(tx, upload, plan, pages, now);
      });
      return;
    } catch (err) {
      // a concurrent ingest of the same exam drew the same code (PostgreSQL): draw again
      if (attempt < 3 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

async function insertCopiesOf(tx: Executor, upload: UploadsTable, plan: BookletPlan[], pages: StoredPage[], now: string) {
  await uploads.insertBlobRows(
    tx,
    pages.map(({ file }) => ({ id: file.id, sha256: file.sha256, size: file.size, content_type: file.contentType, storage_key: file.storageKey, created_at: now })),
  );
  const taken = await uploads.anonymousCodesOfExam(tx, upload.exam_id);
  const booklets = plan.map((b) => ({ ...b, bookletId: newId(), copyId: newId(), code: newAnonymousCode(taken) }));
  await uploads.insertBooklets(
    tx,
    booklets.map((b) => ({ id: b.bookletId, upload_id: upload.id, exam_id: upload.exam_id, start_page: b.start, end_page: b.end })),
  );
  await uploads.insertCopies(
    tx,
    booklets.map((b) => ({
      id: b.copyId,
      exam_id: upload.exam_id,
      anonymous_code: b.code,
      student_id: null,
      status: 'STAGING' as const,
      assigned_to: null,
      locked_by: null,
      locked_at: null,
      graded_at: null,
      final_blob_id: null,
      final_score: null,
      grading_error: null,
      flagged: b.flagged,
      merged_into_id: null,
      created_at: now,
      updated_at: now,
    })),
  );
  await uploads.insertPageRows(
    tx,
    booklets.flatMap((b) =>
      pages.slice(b.start, b.end + 1).map((p, j) => ({
        id: newId(),
        copy_id: b.copyId,
        position: j,
        booklet_id: b.bookletId,
        source_page: b.start + j,
        image_blob_id: p.file.id,
        width_px: p.widthPx,
        height_px: p.heightPx,
      })),
    ),
  );
  for (const b of booklets) {
    await insertEvent(tx, {
      copyId: b.copyId,
      action: 'CREATED',
      actorId: upload.created_by,
      at: now,
      metadata: { uploadId: upload.id, bookletId: b.bookletId, sourcePages: [b.start, b.end], flagged: b.flagged },
    });
  }
}

/** After the job's last attempt: the upload shows why, and no copy exists (none was ever committed). */
export async function markUploadFailed(ctx: AppContext, tx: Executor, uploadId: string, error: string) {
  const message = `The scan could not be processed (${error}). Upload it again; if it fails again, scan the copies again.`;
  await uploads.failUpload(tx, uploadId, message.slice(0, 2000), ctx.clock.now().toISOString());
}
