/**
 * Anonymity on the image (DESIGN.md §9). Hiding the name in JSON is not enough: the student writes it in the header
 * of the first page. For an anonymous exam, correctors get a derivative of that page with the header crop filled,
 * and a final PDF built from it without the name; admins and the owning student get the originals. Derivatives are
 * made once by the PDF workers (a MASK_HEADER job when a copy is validated or anonymity is switched on, or on first
 * request if that job has not run yet), stored as immutable blobs, and found again by their source.
 */
import type { AppContext } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { Copy, Exam } from '../db/schema.ts';
import { insertBlob } from '../repositories/blob.repository.ts';
import { findCopy, findPage, type PageImageRef } from '../repositories/copy.repository.ts';
import { findExam } from '../repositories/exam.repository.ts';
import { insertJob } from '../repositories/job.repository.ts';
import * as masks from '../repositories/mask.repository.ts';
import type { StoredFile } from '../storage/blob-store.ts';
import { buildFlattenInput } from '../jobs/flatten-copy.job.ts';
import type { CopyAccess } from './access.ts';
import { HEADER_CROP } from './identification.service.ts';
import { addRotation, rotateGeometry } from './page-rotation.ts';

/** The position of the page whose header the identification desk reads (and the mask hides). */
export const HEADER_PAGE = 0;

/** Correctors of an anonymous exam never receive the identification header: not on the page, not in the PDF. */
export const correctorSeesMasked = (exam: Exam, access: CopyAccess) => access === 'corrector' && exam.anonymous === 1;

// the masked image keeps the page's pixels and size, so it is shown turned like the page
const imageRef = (b: { storage_key: string; content_type: string; sha256: string; size: number | string }, rotation: number): PageImageRef => ({
  storageKey: b.storage_key,
  rotation,
  range: null,
  contentType: b.content_type,
  size: Number(b.size),
  etag: `"${b.sha256}"`,
});

const LOST_RACE = Symbol('another request stored it first');

/**
 * Stores `file` and its reference in one transaction (DESIGN.md §4). When a concurrent request referenced its own
 * derivative first, this one's blob row rolls back (the file is left to cleanup-orphans) and false is returned.
 */
async function storeDerivative(ctx: AppContext, file: StoredFile, reference: (tx: Executor, at: string) => Promise<number>) {
  const now = ctx.clock.now().toISOString();
  return ctx.db
    .transaction()
    .execute(async (tx) => {
      await insertBlob(tx, file, now);
      if ((await reference(tx, now)) === 0) throw LOST_RACE;
    })
    .then(
      () => true,
      (err: unknown) => {
        if (err === LOST_RACE) return false;
        throw err;
      },
    );
}

// Concurrent requests of one process for the same derivative share one piece of work (a desk opening page 1 asks
// for the image and its thumbnail at once); across processes the unique key of the reference decides.
const inFlight = new WeakMap<AppContext, Map<string, Promise<unknown>>>();
function once<T>(ctx: AppContext, key: string, work: () => Promise<T>): Promise<T> {
  let mine = inFlight.get(ctx);
  if (!mine) inFlight.set(ctx, (mine = new Map()));
  const running = mine.get(key) as Promise<T> | undefined;
  if (running) return running;
  const started = work().finally(() => mine.delete(key));
  mine.set(key, started);
  return started;
}

/**
 * The header crop is where the name shows on the page as displayed; the mask is drawn on the scan as stored, which a
 * page turned by `rotation` (clockwise) shows turned. Turning the crop back finds the same ink on the stored image.
 */
export function headerRectOnScan(rotation: number) {
  const { x, y, w, h } = rotateGeometry({ ...HEADER_CROP, points: null }, addRotation(0, -rotation));
  return { x, y, w, h };
}

/** The header-masked image of a page, made and stored on first need (a turn of the page drops it: see page repair). */
export function maskedPageImage(ctx: AppContext, page: { id: string; image: PageImageRef }): Promise<PageImageRef> {
  return once(ctx, `page:${page.id}`, async () => {
    const found = await masks.findMaskedPage(ctx.db, page.id);
    if (found) return imageRef(found, page.image.rotation);
    const original = await ctx.blobs.read(page.image.storageKey, page.image.range);
    const masked = await ctx.pdf.maskImage(new Uint8Array(original), headerRectOnScan(page.image.rotation));
    const file = await ctx.blobs.put(masked.bytes, masked.contentType);
    if (await storeDerivative(ctx, file, (tx, at) => masks.insertMaskedPage(tx, page.id, file.id, at))) {
      return imageRef({ storage_key: file.storageKey, content_type: file.contentType, sha256: file.sha256, size: file.size }, page.image.rotation);
    }
    return imageRef((await masks.findMaskedPage(ctx.db, page.id))!, page.image.rotation);
  });
}

/**
 * The corrector's final PDF of a GRADED copy of an anonymous exam: the copy's final document rebuilt with the masked
 * header page and without the student's name. Made on first request (correctors rarely open it), from the same
 * inputs as the original: a GRADED copy's annotations and scores cannot change until it is reopened, and a reopened
 * copy gets a new final blob, so a variant is stored only while its source is still the copy's final PDF.
 */
export function maskedFinalPdf(ctx: AppContext, copy: Copy & { final_blob_id: string }) {
  const finalBlobId = copy.final_blob_id;
  return once(ctx, `final:${finalBlobId}`, async () => {
    const found = await masks.findMaskedFinalPdf(ctx.db, finalBlobId);
    if (found) return found;
    const input = await buildFlattenInput(ctx, copy);
    const header = await findPage(ctx.db, copy.id, HEADER_PAGE);
    if (header && input.pages[HEADER_PAGE]) {
      const masked = await maskedPageImage(ctx, header);
      input.pages[HEADER_PAGE] = { ...input.pages[HEADER_PAGE], bytes: new Uint8Array(await ctx.blobs.read(masked.storageKey)) };
    }
    input.studentName = null;
    const file = await ctx.blobs.put(await ctx.pdf.render(input), 'application/pdf');
    const stillCurrent = async () => (await findCopy(ctx.db, copy.id))?.final_blob_id === finalBlobId;
    const stored = (await stillCurrent()) && (await storeDerivative(ctx, file, (tx, at) => masks.insertMaskedFinalPdf(tx, finalBlobId, file.id, at)));
    if (stored) return { id: file.id, storage_key: file.storageKey, sha256: file.sha256, size: file.size };
    return masks.findMaskedFinalPdf(ctx.db, finalBlobId);
  });
}

/** MASK_HEADER: the mask of a copy's header page, ahead of the first corrector. Idempotent; nothing to do if not anonymous. */
export async function maskCopyHeader(ctx: AppContext, copyId: string) {
  const copy = await findCopy(ctx.db, copyId);
  const exam = copy && (await findExam(ctx.db, copy.exam_id));
  if (!exam || exam.anonymous !== 1) return;
  const page = await findPage(ctx.db, copyId, HEADER_PAGE);
  if (page) await maskedPageImage(ctx, page);
}

/** Queues the masking of these copies' header pages, in the caller's transaction (the change that needs it). */
export async function enqueueHeaderMasks(tx: Executor, copyIds: string[], now: string) {
  for (const copyId of copyIds) await insertJob(tx, { kind: 'MASK_HEADER', refId: copyId, payload: { copyId }, now });
}
