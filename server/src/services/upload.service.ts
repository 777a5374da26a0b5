/**
 * Scan intake (DESIGN.md §4–§5): a PDF is streamed to a blob, validated before anything else exists, then an
 * INGEST_UPLOAD job cuts it into booklets and STAGING copies with one image per page.
 *
 * A scanned page's image is the JPEG the scanner embedded, served as a byte range of the stored scan (migration 003):
 * the inspection that validates the file also maps those ranges, and the job carries the map, so ingest neither
 * parses the scan again nor writes a file per page. Only pages that are not a plain scanned JPEG are rendered, in the
 * PDF worker pool, and stored as image blobs of their own.
 *
 * Ingest is durable and idempotent by construction: rendered images are written as files while the job runs, and
 * every row (image blobs, booklets, copies, pages, CREATED events) is inserted by ONE final transaction guarded by
 * the upload's PROCESSING → DONE transition. A run that crashes or fails commits nothing (its image files are
 * orphans for the sweeper); a second run after a crash redoes the images and commits once; a run that finds the
 * upload DONE does nothing.
 */
import crypto from 'node:crypto';
import type { UploadCreated, UploadInfo, UploadList, UploadMode } from '@korrigo/contracts';
import type { AppContext, Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { Exam, UploadsTable } from '../db/schema.ts';
import { AppError, invalidPdf, isFinalError, notFound, PdfBudgetExceeded, validation } from '../errors.ts';
import { newId } from '../ids.ts';
import type { PdfInspection } from '../pdf/inspect.ts';
import type { ScanPageRange } from '../pdf/page-image.ts';
import type { PageImage } from '../pdf/types.ts';
import type { StoredFile } from '../storage/blob-store.ts';
import { findBlob, insertBlob } from '../repositories/blob.repository.ts';
import { findExam } from '../repositories/exam.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import * as uploads from '../repositories/upload.repository.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import { transaction } from '../db/transaction.ts';
import { loadExamToManage, requireRole } from './access.ts';
import { audit } from './audit.service.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { commitCodedPages, readCodesOfScan, sortByCode } from './paper-codes.service.ts';
import type { ReadCode } from '../pdf/codes.ts';

const formatMb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
const tooLarge = (max: number) =>
  new AppError('PAYLOAD_TOO_LARGE', 413, `The file is larger than the limit of ${formatMb(max)}. Split the scan into smaller files.`);

const unsupportedType = (type: string) =>
  new AppError(
    'UNSUPPORTED_MEDIA_TYPE',
    415,
    `The file was sent as ${type ? `"${type.split(';')[0]}"` : 'no content type'}: send the PDF as application/pdf, or as the file of a multipart/form-data form.`,
  );

const EMPTY_BODY: AsyncIterable<Uint8Array> = (async function* () {})();

export function uploadDto(u: UploadsTable, copyIds: string[]): UploadInfo {
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
  input: { mode: UploadMode; body: AsyncIterable<Uint8Array> | null; declaredBytes?: number; unsupportedType?: string },
): Promise<UploadCreated> {
  await loadExamToManage(ctx.db, actor, examId);
  if (input.unsupportedType !== undefined) throw unsupportedType(input.unsupportedType);
  const max = ctx.config.maxUploadBytes;
  // refuse before receiving a byte when the client announces the size
  if (input.declaredBytes !== undefined && input.declaredBytes > max) throw tooLarge(max);
  const { file, checked: inspection } = await ctx.blobs
    .putStream(input.body ?? EMPTY_BODY, 'application/pdf', {
      maxBytes: max,
      onTooLarge: () => tooLarge(max),
      expectedBytes: input.declaredBytes,
      check: (bytes) => inspectUpload(ctx, examId, bytes),
    })
    .catch((err: unknown) => {
      // the browser went away mid-upload: the partial file is already removed, and this is no server fault
      if ((err as { code?: string }).code === 'ECONNRESET') throw validation('The upload was interrupted before the whole file arrived. Send it again.');
      throw err;
    });
  const { pageCount, scanPages } = inspection;
  const id = newId();
  const now = ctx.clock.now().toISOString();
  await transaction(ctx.db, async (tx) => {
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
    await enqueueJob(tx, { kind: 'INGEST_UPLOAD', refId: id, payload: { uploadId: id, scanPages }, now });
    await audit(tx, actor, 'UPLOAD_CREATED', 'upload', id, { examId, mode: input.mode, pageCount, bytes: file.size }, now);
  });
  return { upload: { id, status: 'PENDING' as const } };
}

/**
 * Validates an upload as it is stored (a rejected file is removed at once, nothing refers to it). The bytes move to
 * a PDF thread, which parses them in place: no copy of the scan is made, and the API's event loop is not held up.
 */
async function inspectUpload(ctx: AppContext, examId: string, bytes: Uint8Array): Promise<PdfInspection> {
  try {
    return await ctx.pdf.inspectUpload(bytes, inspectionCaps(ctx));
  } catch (err) {
    if (err instanceof AppError) {
      // a page over a budget (budget.ts) is worth an operator's look: a hostile file, or a budget too tight
      if (err.extra.page !== undefined) ctx.log.warn({ examId, page: err.extra.page, reason: err.message }, 'PDF refused: over a budget');
      throw err;
    }
    // the parser itself gave out (out of time or memory on this file): still the file's fault, never a 500
    const page = err instanceof PdfBudgetExceeded ? err.page : null;
    ctx.log.warn({ examId, page, reason: (err as Error).message }, 'PDF inspection failed');
    if (page !== null) throw new AppError('INVALID_PDF', 422, `${(err as Error).message}: the PDF is too costly to process. Scan or export it again.`, { page });
    throw invalidPdf('The PDF could not be read. Export or scan it again, then upload the new file.');
  }
}

const inspectionCaps = (ctx: AppContext) => ({ maxPages: ctx.config.maxUploadPages, maxBytes: ctx.config.maxUploadBytes });

export async function getUpload(ctx: AppContext, actor: Actor, id: string): Promise<UploadInfo> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const u = await uploads.findUpload(ctx.db, id);
  if (!u) throw notFound('Upload');
  await loadExamToManage(ctx.db, actor, u.exam_id).catch((err: unknown) => {
    // an upload of an exam the teacher has no part in does not exist for them
    throw err instanceof AppError && err.status === 404 ? notFound('Upload') : err;
  });
  return uploadDto(u, u.status === 'DONE' ? await uploads.copyIdsOfUpload(ctx.db, id) : []);
}

export async function listUploads(ctx: AppContext, actor: Actor, examId: string): Promise<UploadList> {
  await loadExamToManage(ctx.db, actor, examId);
  const rows = await uploads.listUploadsOfExam(ctx.db, examId);
  const items = await Promise.all(rows.map(async (u) => uploadDto(u, u.status === 'DONE' ? await uploads.copyIdsOfUpload(ctx.db, u.id) : [])));
  return { items, nextCursor: null };
}

// ------------------------------------------------------------------ ingest

/** Most pages per render task: small enough for steady progress and bounded memory. */
const CHUNK_PAGES = 8;
/** A scan with at most this many pages to render goes to the quick lane, past any big render under way. */
const QUICK_RENDER_PAGES = 4;

export interface BookletPlan {
  start: number;
  end: number;
  flagged: string | null;
  /** the upload's pages of the booklet when they are not start..end (pages left over by the page codes) */
  pages?: number[];
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

/**
 * Pages of an exam with printed papers that carry no readable code: today's split over them, in scan order, each
 * copy flagged "no code" for the scan review.
 */
export function planUncoded(mode: UploadMode, indices: number[], pagesPerCopy: number): BookletPlan[] {
  return planBooklets(mode, indices.length, pagesPerCopy).map((b) => ({
    start: indices[b.start]!,
    end: indices[b.end]!,
    pages: indices.slice(b.start, b.end + 1),
    flagged: b.flagged ? `no code; ${b.flagged}` : 'no code',
  }));
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

/** Where a page's image is: a byte range of the scan blob, or a rendered image blob of its own. */
interface PageSource {
  blobId: string;
  range: { offset: number; length: number } | null;
  widthPx: number;
  heightPx: number;
}

/**
 * The INGEST_UPLOAD job body. Safe to run again at any point (see the module comment). `scanPages` is the
 * inspection's map of the scan; without it (a job queued by an older version) the scan is inspected again.
 */
export async function ingestUpload(ctx: AppContext, uploadId: string, scanPages?: Array<ScanPageRange | null>): Promise<void> {
  const now = () => ctx.clock.now().toISOString();
  const upload = await uploads.findUpload(ctx.db, uploadId);
  if (!upload || !(await uploads.startProcessing(ctx.db, uploadId, now()))) return;
  const exam = (await findExam(ctx.db, upload.exam_id))!;
  const source = (await findBlob(ctx.db, upload.source_blob_id))!;
  const scan = ctx.blobs.open(source.storage_key);
  const map = scanPages ?? (await ctx.pdf.inspectStored(scan, inspectionCaps(ctx))).scanPages;
  if (map.length !== upload.page_count) throw new Error(`the scan has ${map.length} pages, the upload says ${upload.page_count}`);

  const pages: Array<PageSource | null> = map.map(
    (r) => r && { blobId: source.id, range: { offset: r.offset, length: r.length }, widthPx: r.widthPx, heightPx: r.heightPx },
  );
  const toRender = pages.flatMap((p, i) => (p ? [] : [i]));
  const lane = toRender.length <= QUICK_RENDER_PAGES ? 'quick' : 'bulk';
  const rendered: StoredFile[] = [];
  if (toRender.length > 0) {
    let done = pages.length - toRender.length;
    let progress: Promise<unknown> = uploads.setProgress(ctx.db, uploadId, done, now());
    /*
     * Rendering is slow, so the pages are spread over the pool's threads CHUNK_PAGES at a time, each chunk stored
     * as soon as it is ready. Every task settles before a failure propagates: nothing of a failed run may still be
     * writing behind it.
     */
    const results = await Promise.allSettled(
      renderBatches(toRender, await ctx.pdf.threads(lane)).map(async (indices) => {
        let images: PageImage[];
        try {
          images = await ctx.pdf.renderPages(scan, indices, lane);
        } catch (err) {
          if (isFinalError(err) || err instanceof AppError) {
            // out of budget: the same file would fail the same way, so the job is not retried (runner.ts)
            const page = err instanceof PdfBudgetExceeded ? err.page : null;
            ctx.log.warn({ uploadId, page, reason: (err as Error).message }, 'PDF render over its budget');
            throw new PdfBudgetExceeded(`${(err as Error).message}: the page is too costly to turn into an image`, page);
          }
          throw new Error(`Pages ${describePages(indices)} could not be turned into images: ${(err as Error).message}`);
        }
        if (images.length !== indices.length) throw new Error(`expected ${indices.length} page images, got ${images.length}`);
        // written side by side: each put ends in an fsync, and the disk handles several at once far faster than in turn
        const stored = await Promise.allSettled(images.map((img) => ctx.blobs.put(img.bytes, img.contentType)));
        const failed = stored.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
        indices.forEach((pageIndex, j) => {
          const file = (stored[j] as PromiseFulfilledResult<StoredFile>).value;
          rendered.push(file);
          pages[pageIndex] = { blobId: file.id, range: null, widthPx: images[j]!.widthPx, heightPx: images[j]!.heightPx };
        });
        done += indices.length;
        const value = done;
        // serialized so the stored progress never goes backwards
        progress = progress.then(() => uploads.setProgress(ctx.db, uploadId, value, now()));
        await progress;
      }),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
  const done = pages as PageSource[];
  const keys = new Map([[source.id, source.storage_key], ...rendered.map((f) => [f.id, f.storageKey] as const)]);
  // printed papers (issue 17): the pages' codes decide their copies; null for an exam without printed papers
  const codes = await readCodesOfScan(ctx, upload.exam_id, done, (blobId) => keys.get(blobId)!);
  await commitCopies(ctx, upload, exam, rendered, done, now(), codes);
}

/**
 * The pages to render cut into tasks of at most CHUNK_PAGES, as many for each of the pool's threads, so that the
 * threads finish together (40 pages on 2 threads: 6 tasks of 7 or fewer, not 5 of 8 of which one thread gets 3).
 */
export function renderBatches(pages: number[], threads: number): number[][] {
  const rounds = Math.ceil(pages.length / (threads * CHUNK_PAGES));
  const size = Math.max(1, Math.ceil(pages.length / (threads * rounds)));
  return Array.from({ length: Math.ceil(pages.length / size) }, (_, i) => pages.slice(i * size, (i + 1) * size));
}

/** "3–5" or "3" for 0-based pages, as a teacher counts them. */
function describePages(indices: number[]): string {
  const first = indices[0]! + 1;
  const last = indices[indices.length - 1]! + 1;
  return first === last ? String(first) : `${first}–${last}`;
}

/** The single transaction that makes the ingest visible. Retried with fresh codes if a code collides. */
async function commitCopies(
  ctx: AppContext,
  upload: UploadsTable,
  exam: Exam,
  rendered: StoredFile[],
  pages: PageSource[],
  now: string,
  codes: Array<ReadCode | null> | null,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.db.transaction().execute(async (tx) => {
        if (!(await uploads.completeUpload(tx, upload.id, now))) return; // another run committed first
        let plan = planBooklets(upload.mode, upload.page_count, exam.pages_per_copy);
        if (codes) {
          const { coded, uncoded } = sortByCode(upload.exam_id, codes);
          const taken = await uploads.anonymousCodesOfExam(tx, upload.exam_id);
          const unknown = await commitCodedPages(tx, { upload, coded, pages, now, newCode: () => newAnonymousCode(taken) });
          plan = planUncoded(upload.mode, [...uncoded, ...unknown].sort((x, y) => x - y), exam.pages_per_copy);
        }
        await insertCopiesOf(tx, upload, plan, rendered, pages, now);
      });
      return;
    } catch (err) {
      // a concurrent ingest of the same exam drew the same code (PostgreSQL): draw again
      if (attempt < 3 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

async function insertCopiesOf(tx: Executor, upload: UploadsTable, plan: BookletPlan[], rendered: StoredFile[], pages: PageSource[], now: string) {
  await uploads.insertBlobRows(
    tx,
    rendered.map((f) => ({ id: f.id, sha256: f.sha256, size: f.size, content_type: f.contentType, storage_key: f.storageKey, created_at: now })),
  );
  const taken = await uploads.anonymousCodesOfExam(tx, upload.exam_id);
  const booklets = plan.map((b) => ({
    ...b,
    indices: b.pages ?? Array.from({ length: b.end - b.start + 1 }, (_, j) => b.start + j),
    bookletId: newId(),
    copyId: newId(),
    code: newAnonymousCode(taken),
  }));
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
      b.indices.map((source, j) => ({
        id: newId(),
        copy_id: b.copyId,
        position: j,
        booklet_id: b.bookletId,
        upload_id: upload.id,
        source_page: source,
        image_blob_id: pages[source]!.blobId,
        image_offset: pages[source]!.range?.offset ?? null,
        image_length: pages[source]!.range?.length ?? null,
        width_px: pages[source]!.widthPx,
        height_px: pages[source]!.heightPx,
      })),
    ),
  );
  for (const b of booklets) {
    await insertEvent(tx, {
      copyId: b.copyId,
      action: 'CREATED',
      actorId: upload.created_by,
      at: now,
      metadata: { uploadId: upload.id, bookletId: b.bookletId, sourcePages: b.pages ?? [b.start, b.end], flagged: b.flagged },
    });
  }
}

/** After the job's last attempt: the upload shows why, and no copy exists (none was ever committed). */
export async function markUploadFailed(ctx: AppContext, tx: Executor, uploadId: string, error: string) {
  const message = `The scan could not be processed (${error}). Upload it again; if it fails again, scan the copies again.`;
  await uploads.failUpload(tx, uploadId, message.slice(0, 2000), ctx.clock.now().toISOString());
}
