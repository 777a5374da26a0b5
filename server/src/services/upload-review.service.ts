/**
 * The scan review (admin): an upload's copies as rows of pages, its removed-pages bin, and what deserves a look —
 * incomplete or too long copies, unidentified ones, probably blank pages (ink measured once on the image, on a PDF
 * thread, then stored) and probably rotated ones (a page whose shape, as displayed, is not the upload's usual one:
 * this finds sideways pages; an upside-down page keeps its shape and is not detected).
 */
import type { AppContext, Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { PagesTable } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import type { Selectable } from 'kysely';
import * as repo from '../repositories/page-repair.repository.ts';
import { findExam } from '../repositories/exam.repository.ts';
import { copyIdsOfUpload, findUpload } from '../repositories/upload.repository.ts';
import { loadExamToManage, requireRole } from './access.ts';
import { displaySize, withOrientation, type Rotation } from './page-rotation.ts';
import { uploadDto } from './upload.service.ts';

/** Under this share of dark pixels a page is probably blank (a handwritten page measures well above 1 %). */
export const BLANK_THRESHOLD = 0.002;
/** Pages measured per review request, so a first look at a huge upload stays bounded; the rest come next time. */
const MEASURE_PER_REQUEST = 400;
const MEASURE_BATCH = 8;

type PageRow = Selectable<PagesTable>;

function imageUrl(p: PageRow): string {
  // the URL names the page and its rotation: browsers cache page images as immutable
  if (p.upload_id) return `/api/v1/uploads/${p.upload_id}/pages/${p.source_page}/image?r=${p.rotation}`;
  return `/api/v1/copies/${p.copy_id}/pages/${p.position}/image?p=${p.id}&r=${p.rotation}`;
}

const landscape = (p: PageRow) => {
  const d = displaySize(p.width_px, p.height_px, p.rotation);
  return d.widthPx > d.heightPx;
};

function pageDto(p: PageRow, usualLandscape: boolean) {
  const flags: Array<'BLANK' | 'ROTATED'> = [];
  if (p.ink_coverage !== null && p.ink_coverage < BLANK_THRESHOLD) flags.push('BLANK');
  if (landscape(p) !== usualLandscape) flags.push('ROTATED');
  return {
    id: p.id,
    uploadId: p.upload_id,
    sourcePage: p.source_page,
    position: p.position,
    rotation: p.rotation as Rotation,
    ...displaySize(p.width_px, p.height_px, p.rotation),
    inkCoverage: p.ink_coverage,
    flags,
    imageUrl: imageUrl(p),
    removedAt: p.removed_at,
    removedFromCopyId: p.removed_from_copy_id,
  };
}

const usualShape = (pages: PageRow[]) => pages.filter(landscape).length * 2 > pages.length;

/** The copies as the review shows them, in the given order. */
export async function reviewCopies(ex: Executor, ids: string[], usualLandscape?: boolean) {
  const [rows, pages] = await Promise.all([repo.copiesWithStudents(ex, ids), repo.pagesOfCopies(ex, ids)]);
  const usual = usualLandscape ?? usualShape(pages);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const exams = new Map<string, number>();
  const out = [];
  for (const id of ids) {
    const c = byId.get(id);
    if (!c) continue;
    if (!exams.has(c.exam_id)) exams.set(c.exam_id, (await findExam(ex, c.exam_id))!.pages_per_copy);
    const ppc = exams.get(c.exam_id)!;
    const mine = pages.filter((p) => p.copy_id === id);
    const flags: Array<'INCOMPLETE' | 'TOO_LONG' | 'UNIDENTIFIED'> = [];
    if (mine.length < ppc) flags.push('INCOMPLETE');
    if (mine.length > ppc) flags.push('TOO_LONG');
    if (!c.student_id) flags.push('UNIDENTIFIED');
    const editable = c.status === 'STAGING' || (c.status === 'READY' && !(await repo.hasGrading(ex, id)));
    out.push({
      id,
      anonymousCode: c.anonymous_code,
      status: c.status,
      rowVersion: c.row_version,
      student: c.student_id
        ? { id: c.student_id, lastName: c.last_name ?? '', firstName: c.first_name ?? '', studentNumber: c.student_number ?? '' }
        : null,
      flagged: c.flagged,
      flags,
      editable,
      rotatable: ['STAGING', 'READY', 'LOCKED', 'GRADING_FAILED'].includes(c.status),
      pages: mine.map((p) => pageDto(p, usual)),
    });
  }
  return out;
}

/** Admins and the owner of the upload's exam; an upload of an exam the teacher has no part in does not exist for them. */
async function uploadToManage(ctx: AppContext, actor: Actor, uploadId: string) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const upload = await findUpload(ctx.db, uploadId);
  if (!upload) throw notFound('Upload');
  await loadExamToManage(ctx.db, actor, upload.exam_id).catch((err: unknown) => {
    throw err instanceof AppError && err.status === 404 ? notFound('Upload') : err;
  });
  return upload;
}

export async function uploadReview(ctx: AppContext, actor: Actor, uploadId: string) {
  const upload = await uploadToManage(ctx, actor, uploadId);
  const exam = (await findExam(ctx.db, upload.exam_id))!;
  await measureMissingInk(ctx, uploadId);
  const [copyIds, own] = await Promise.all([copyIdsOfUpload(ctx.db, uploadId), repo.pagesOfUpload(ctx.db, uploadId)]);
  const usual = usualShape(own);
  return {
    upload: uploadDto(upload, copyIds),
    pagesPerCopy: exam.pages_per_copy,
    copies: await reviewCopies(ctx.db, copyIds, usual),
    bin: own.filter((p) => p.copy_id === null).map((p) => pageDto(p, usual)),
    blankThreshold: BLANK_THRESHOLD,
  };
}

/** Measures the ink of the upload's pages not measured yet, a few images per PDF-thread task. */
async function measureMissingInk(ctx: AppContext, uploadId: string) {
  const ids = (await repo.pagesOfUpload(ctx.db, uploadId)).map((p) => p.id);
  const todo = await repo.unmeasuredPages(ctx.db, ids, MEASURE_PER_REQUEST);
  const batches = Array.from({ length: Math.ceil(todo.length / MEASURE_BATCH) }, (_, i) => todo.slice(i * MEASURE_BATCH, (i + 1) * MEASURE_BATCH));
  await Promise.all(
    batches.map(async (batch) => {
      const images = await Promise.all(batch.map((p) => ctx.blobs.read(p.storage_key, rangeOf(p))));
      let coverage: number[];
      try {
        coverage = await ctx.pdf.measureInk(images);
      } catch (err) {
        // a page the decoder cannot read is simply not flagged; the review itself goes on
        ctx.log.warn({ err, uploadId }, 'ink measurement failed');
        return;
      }
      for (const [i, p] of batch.entries()) await repo.setInkCoverage(ctx.db, p.id, Math.min(1, Math.max(0, coverage[i]!)));
    }),
  );
}

const rangeOf = (p: { image_offset: number | null; image_length: number | null }) =>
  p.image_offset === null || p.image_length === null ? null : { offset: Number(p.image_offset), length: Number(p.image_length) };

/** Any page of the upload by its scan index, wherever it is now (a copy or the bin), turned as it should be. */
export async function uploadPageImage(ctx: AppContext, actor: Actor, uploadId: string, sourcePage: number) {
  await uploadToManage(ctx, actor, uploadId);
  const page = await repo.findUploadPage(ctx.db, uploadId, sourcePage);
  if (!page) throw notFound('Page');
  const range = rangeOf(page);
  const rotation = page.rotation as Rotation;
  const base = range ? `${page.sha256}-${range.offset}` : page.sha256;
  const bytes = withOrientation(await ctx.blobs.read(page.storage_key, range), rotation);
  return { bytes, contentType: range ? 'image/jpeg' : page.content_type, etag: `"${base}-r${rotation}"` };
}
