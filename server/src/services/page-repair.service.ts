/**
 * Repairing a badly scanned stack (DESIGN.md §9 "Pages are conserved"). Each operation is one transaction that
 * first claims every copy it changes with a version check (in id order, so two operations never deadlock), then
 * moves page rows — never deletes or copies one — and records an event on each copy. The database's CHECK and
 * UNIQUE constraints keep every page of an upload in exactly one copy or in the upload's bin.
 *
 * Structural changes (reorder, move, split, remove, restore) need copies that are STAGING, or READY with no grading
 * yet; a rotation is allowed until finalize and turns the page's annotations with it.
 */
import type { AppContext, Actor } from '../context.ts';
import type { PageRepairResponse } from '@korrigo/contracts';
import type { Executor } from '../db/database.ts';
import type { Copy, CopyStatus } from '../db/schema.ts';
import { AppError, invalidState, notFound, validation } from '../errors.ts';
import { newId } from '../ids.ts';
import { findCopy, insertCopy } from '../repositories/copy.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import { findExam } from '../repositories/exam.repository.ts';
import { deleteMaskedPage } from '../repositories/mask.repository.ts';
import * as repo from '../repositories/page-repair.repository.ts';
import { anonymousCodesOfExam, findUpload } from '../repositories/upload.repository.ts';
import { loadCopyToManage, requireRole } from './access.ts';
import { audit } from './audit.service.ts';
import { addRotation, rotateGeometry } from './page-rotation.ts';
import { reviewCopies } from './upload-review.service.ts';
import { newAnonymousCode } from './upload.service.ts';

const STRUCTURAL: readonly CopyStatus[] = ['STAGING', 'READY'];
const ROTATABLE: readonly CopyStatus[] = ['STAGING', 'READY', 'LOCKED', 'GRADING_FAILED'];

interface Op {
  ctx: AppContext;
  actor: Actor;
  tx: Executor;
  now: string;
}

const versionConflict = (c: Copy) =>
  new AppError('VERSION_CONFLICT', 409, `Copy ${c.anonymous_code} was changed meanwhile (another tab or admin): reload it`, {
    current: { id: c.id, rowVersion: c.row_version, status: c.status },
  });

/** Version-checks and claims the copies, in id order. A READY copy must have no grading and no live lease of another. */
async function claim(op: Op, wanted: Array<{ id: string; version: number }>, from: readonly CopyStatus[]): Promise<Map<string, Copy>> {
  const claimed = new Map<string, Copy>();
  for (const { id, version } of [...wanted].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const row = await repo.bumpCopyVersion(op.tx, id, version, from, { updated_at: op.now });
    if (!row) {
      const current = await findCopy(op.tx, id);
      if (!current) throw notFound('Copy');
      if (!from.includes(current.status)) throw invalidState(current.status, `The pages of a ${current.status} copy cannot be changed now`);
      throw versionConflict(current);
    }
    const lease = await repo.liveLeaseOfOther(op.tx, id, op.actor.id, op.now);
    if (lease && row.status !== 'STAGING') {
      throw new AppError('LOCKED_BY_OTHER', 409, `${lease.display_name} has copy ${row.anonymous_code} open for grading right now`, {
        owner: { id: lease.owner_id, displayName: lease.display_name },
        expiresAt: lease.expires_at,
      });
    }
    if (from === STRUCTURAL && row.status === 'READY' && (await repo.hasGrading(op.tx, id))) {
      throw invalidState(row.status, `Grading has started on copy ${row.anonymous_code}: its pages can only be rotated now`);
    }
    claimed.set(id, row);
  }
  return claimed;
}

/** Page repair is exam management: admins and the exam's owner (each op loads its copies with `loadCopyToManage`). */
async function run<T>(ctx: AppContext, actor: Actor, body: (op: Op) => Promise<T>): Promise<T> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute((tx) => body({ ctx, actor, tx, now }));
}

async function pageAt(op: Op, copyId: string, position: number) {
  const page = await repo.findPageAt(op.tx, copyId, position);
  if (!page) throw notFound('Page');
  return page;
}

/** The "incomplete" flag follows the page count; a flag set for another reason stays. */
async function reflag(op: Op, copy: Copy, pageCount: number) {
  if (copy.flagged && !copy.flagged.startsWith('incomplete')) return;
  const exam = (await findExam(op.tx, copy.exam_id))!;
  const flagged = pageCount < exam.pages_per_copy ? `incomplete: ${pageCount} of ${exam.pages_per_copy} pages` : null;
  if (flagged !== copy.flagged) await repo.setFlagged(op.tx, copy.id, flagged);
}

const lastPage = (c: Copy) =>
  new AppError('CONFLICT', 409, `Copy ${c.anonymous_code} would have no page left: staple it onto another copy instead`);

const event = (op: Op, copyId: string, action: string, metadata: Record<string, unknown>) =>
  insertEvent(op.tx, { copyId, action, actorId: op.actor.id, at: op.now, metadata });

async function answer(op: Op, copyIds: string[]) {
  return { copies: await reviewCopies(op.tx, copyIds) };
}

// ------------------------------------------------------------------ operations

export function rotatePage(ctx: AppContext, actor: Actor, copyId: string, position: number, body: { version: number; by: number }): Promise<PageRepairResponse> {
  return run(ctx, actor, async (op) => {
    await loadCopyToManage(op.tx, actor, copyId);
    await claim(op, [{ id: copyId, version: body.version }], ROTATABLE);
    const page = await pageAt(op, copyId, position);
    const rotation = addRotation(page.rotation, body.by);
    await repo.setRotation(op.tx, page.id, rotation);
    // the stored mask hid the header where it was before the turn (its blob is left to cleanup-orphans)
    await deleteMaskedPage(op.tx, page.id);
    // the annotations stay on the ink they were put on (each gets a new version: an open desk refreshes)
    for (const a of await repo.annotationsOnPage(op.tx, copyId, position)) {
      const g = rotateGeometry({ x: a.x, y: a.y, w: a.w, h: a.h, points: a.points ? (JSON.parse(a.points) as [number, number][]) : null }, body.by);
      await repo.moveAnnotation(op.tx, a.id, { ...g, points: g.points && JSON.stringify(g.points) }, op.now);
    }
    await event(op, copyId, 'PAGE_ROTATED', { position, uploadId: page.upload_id, sourcePage: page.source_page, by: body.by, rotation });
    return answer(op, [copyId]);
  });
}

/** Reorder within the copy, or move to another copy of the same exam. */
export function movePage(
  ctx: AppContext,
  actor: Actor,
  copyId: string,
  position: number,
  body: { version: number; toCopyId?: string; toVersion?: number; toPosition?: number },
): Promise<PageRepairResponse> {
  return run(ctx, actor, async (op) => {
    const { exam } = await loadCopyToManage(op.tx, actor, copyId);
    const toId = body.toCopyId ?? copyId;
    const same = toId === copyId;
    if (!same) {
      if (body.toVersion === undefined) throw validation('toVersion is required to move a page to another copy', { field: 'toVersion' });
      const target = await loadCopyToManage(op.tx, actor, toId);
      if (target.exam.id !== exam.id) throw validation('A page can only move to a copy of the same exam', { field: 'toCopyId' });
    }
    const wanted = [{ id: copyId, version: body.version }];
    if (!same) wanted.push({ id: toId, version: body.toVersion! });
    const claimed = await claim(op, wanted, STRUCTURAL);
    const page = await pageAt(op, copyId, position);
    const source = (await repo.pageIdsOfCopy(op.tx, copyId)).filter((id) => id !== page.id);
    const target = same ? source : await repo.pageIdsOfCopy(op.tx, toId);
    if (!same && source.length === 0) throw lastPage(claimed.get(copyId)!);
    const at = Math.min(body.toPosition ?? target.length, target.length);
    target.splice(at, 0, page.id);
    await repo.layOutPages(op.tx, same ? new Map([[copyId, target]]) : new Map([[copyId, source], [toId, target]]));
    const from = { copyId, position };
    const to = { copyId: toId, position: at };
    const meta = { uploadId: page.upload_id, sourcePage: page.source_page, from, to };
    await event(op, copyId, 'PAGE_MOVED', meta);
    if (!same) {
      await event(op, toId, 'PAGE_MOVED', meta);
      await reflag(op, claimed.get(copyId)!, source.length);
      await reflag(op, claimed.get(toId)!, target.length);
    }
    return answer(op, same ? [copyId] : [copyId, toId]);
  });
}

/** The pages from `atPosition` on become a new STAGING copy (a stack two students' sheets ended up in). */
export function splitCopy(ctx: AppContext, actor: Actor, copyId: string, body: { version: number; atPosition: number }): Promise<PageRepairResponse> {
  return run(ctx, actor, async (op) => {
    await loadCopyToManage(op.tx, actor, copyId);
    const copy = (await claim(op, [{ id: copyId, version: body.version }], STRUCTURAL)).get(copyId)!;
    const ids = await repo.pageIdsOfCopy(op.tx, copyId);
    if (body.atPosition >= ids.length) throw validation(`Copy ${copy.anonymous_code} has ${ids.length} pages: split it before page 2 to ${ids.length}`, { field: 'atPosition' });
    const newCopyId = newId();
    const code = newAnonymousCode(await anonymousCodesOfExam(op.tx, copy.exam_id));
    await insertCopy(op.tx, {
      id: newCopyId,
      exam_id: copy.exam_id,
      anonymous_code: code,
      student_id: null,
      status: 'STAGING',
      assigned_to: null,
      locked_by: null,
      locked_at: null,
      graded_at: null,
      final_blob_id: null,
      final_score: null,
      grading_error: null,
      flagged: null,
      merged_into_id: null,
      created_at: op.now,
      updated_at: op.now,
    });
    const kept = ids.slice(0, body.atPosition);
    const moved = ids.slice(body.atPosition);
    await repo.layOutPages(op.tx, new Map([[copyId, kept], [newCopyId, moved]]));
    await event(op, copyId, 'COPY_SPLIT', { atPosition: body.atPosition, newCopyId, pagesMoved: moved.length });
    await event(op, newCopyId, 'CREATED', { splitFrom: copyId, atPosition: body.atPosition, pages: moved.length });
    await reflag(op, copy, kept.length);
    await reflag(op, (await findCopy(op.tx, newCopyId))!, moved.length);
    await audit(op.tx, actor, 'COPY_SPLIT', 'copy', copyId, { newCopyId, atPosition: body.atPosition }, op.now);
    return answer(op, [copyId, newCopyId]);
  });
}

/** Into the upload's removed-pages bin (a blank insert, a stray sheet): kept, and restorable. */
export function removePage(ctx: AppContext, actor: Actor, copyId: string, position: number, body: { version: number }): Promise<PageRepairResponse> {
  return run(ctx, actor, async (op) => {
    await loadCopyToManage(op.tx, actor, copyId);
    const copy = (await claim(op, [{ id: copyId, version: body.version }], STRUCTURAL)).get(copyId)!;
    const page = await pageAt(op, copyId, position);
    if (!page.upload_id) throw new AppError('CONFLICT', 409, 'This page does not come from an upload and has no bin to go to');
    const rest = (await repo.pageIdsOfCopy(op.tx, copyId)).filter((id) => id !== page.id);
    if (rest.length === 0) throw lastPage(copy);
    await repo.binPage(op.tx, page.id, copyId, op.now);
    await repo.layOutPages(op.tx, new Map([[copyId, rest]]));
    await event(op, copyId, 'PAGE_REMOVED', { position, uploadId: page.upload_id, sourcePage: page.source_page });
    await reflag(op, copy, rest.length);
    return answer(op, [copyId]);
  });
}

/** Back from the bin into a copy of the upload's exam. */
export function restorePage(
  ctx: AppContext,
  actor: Actor,
  uploadId: string,
  sourcePage: number,
  body: { toCopyId: string; toVersion: number; toPosition?: number },
): Promise<PageRepairResponse> {
  return run(ctx, actor, async (op) => {
    const { exam } = await loadCopyToManage(op.tx, actor, body.toCopyId);
    const page = await repo.findBinnedPage(op.tx, uploadId, sourcePage);
    if (!page) throw notFound('Removed page');
    const upload = await findUpload(op.tx, uploadId);
    if (upload?.exam_id !== exam.id) throw validation('A page can only go back to a copy of its own exam', { field: 'toCopyId' });
    const copy = (await claim(op, [{ id: body.toCopyId, version: body.toVersion }], STRUCTURAL)).get(body.toCopyId)!;
    const ids = await repo.pageIdsOfCopy(op.tx, body.toCopyId);
    // conditional on the page still being in the bin: a second restore of it loses here
    if ((await repo.unbinPage(op.tx, page.id, body.toCopyId)) === 0) throw notFound('Removed page');
    const at = Math.min(body.toPosition ?? ids.length, ids.length);
    ids.splice(at, 0, page.id);
    await repo.layOutPages(op.tx, new Map([[body.toCopyId, ids]]));
    await event(op, body.toCopyId, 'PAGE_RESTORED', { position: at, uploadId, sourcePage });
    await reflag(op, copy, ids.length);
    return answer(op, [body.toCopyId]);
  });
}
