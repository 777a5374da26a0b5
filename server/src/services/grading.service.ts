/**
 * Everything a corrector does to a copy: the edit lease, drafts, annotations, scores, submit/unlock,
 * finalize, reopen. Every edit write checks the lease token inside its own transaction (DESIGN.md §3).
 */
import type { Updateable } from 'kysely';
import type { Annotation, CopyStatusResponse, Draft, DraftSaved, HeartbeatResponse, LockResponse, Score } from '@korrigo/contracts';
import type { AppContext, Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { AnnotationsTable, Copy } from '../db/schema.ts';
import { AppError, forbidden, invalidState, notFound, validation } from '../errors.ts';
import { iso, newId, randomToken } from '../ids.ts';
import * as locks from '../repositories/lock.repository.ts';
import * as drafts from '../repositories/draft.repository.ts';
import * as annotationsRepo from '../repositories/annotation.repository.ts';
import * as scoresRepo from '../repositories/score.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import { copyInStatus, findCopy, gradableBy, listPages } from '../repositories/copy.repository.ts';
import { listQuestions } from '../repositories/exam.repository.ts';
import { latestJobFor } from '../repositories/job.repository.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import { transaction } from '../db/transaction.ts';
import { loadCopyFor, loadCopyToManage, requireRole } from './access.ts';
import { transition } from './copy-state-machine.ts';
import { reopenWithReview } from './review.service.ts';
import { annotationDto, scoreDto } from './copy.service.ts';
import { leafQuestions } from './total.ts';
import { settleUnscoredQuestions } from './score-completeness.ts';
import { metrics } from '../observability/metrics.ts';
import * as qlocks from '../repositories/question-lock.repository.ts';
import * as rubricRepo from '../repositories/rubric.repository.ts';
import {
  acquireQuestionLock, breakQuestionLeases, heartbeatQuestionLease, overlapError, prepareWholeCopyLease, releaseQuestionLease,
} from './rubric/question-lease.service.ts';

const lockRequired = (msg = 'You do not hold the edit lease of this copy (it expired or someone else took it): reopen the copy') =>
  new AppError('LOCK_REQUIRED', 409, msg);

async function lockedByOther(ex: Executor, copyId: string, known?: { owner_id: string; owner_name: string; expires_at: string }) {
  const lease = known ?? (await locks.findLease(ex, copyId));
  metrics.lockConflicts.inc();
  return new AppError('LOCKED_BY_OTHER', 409, `This copy is being graded by ${lease?.owner_name ?? 'someone else'}`, {
    owner: lease ? { id: lease.owner_id, displayName: lease.owner_name } : null,
    expiresAt: lease?.expires_at ?? null,
  });
}

function requireCorrector(actor: Actor, access: string) {
  if (access === 'student') throw notFound('Copy');
  return actor;
}

/**
 * Runs an edit in one transaction that first re-checks the lease (held FOR SHARE on PostgreSQL) and the
 * copy's status, so a takeover or a submit cannot interleave with the write.
 */
async function withLease<T>(
  ctx: AppContext,
  actor: Actor,
  copyId: string,
  token: string | undefined,
  fn: (tx: Executor, copy: Copy) => Promise<T>,
  opts: { statuses?: Copy['status'][]; lock?: 'share' | 'update'; questionId?: string; anyQuestion?: boolean } = {},
): Promise<T> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  if (!token) throw lockRequired('This write needs the X-Lock-Token header of the copy\'s edit lease');
  const statuses = 'statuses' in opts ? opts.statuses : ['READY' as const];
  return ctx.db.transaction().execute(async (tx) => {
    const { copy, access } = await loadCopyFor(tx, actor, copyId, opts.lock ?? 'share');
    requireCorrector(actor, access);
    const now = ctx.clock.now().toISOString();
    const lease = await locks.holdLiveLease(tx, { copyId, token, now });
    if (!lease || lease.owner_id !== actor.id) {
      // issue 13: a write on one question (score) also passes with the caller's lease on that question; a draft
      // (per owner) with any of the caller's question leases on the copy
      const q = opts.questionId
        ? await qlocks.holdLiveQuestionLease(tx, { copyId, questionId: opts.questionId, token, now })
        : opts.anyQuestion
          ? await qlocks.findQuestionLeaseByToken(tx, copyId, token).then((l) => (l && l.expires_at > now ? l : undefined))
          : undefined;
      if (!q || q.owner_id !== actor.id) throw lockRequired();
    }
    if (statuses && !statuses.includes(copy.status)) throw invalidState(copy.status);
    return fn(tx, copy);
  });
}

// ---------------------------------------------------------------- lease

export async function acquireLock(ctx: AppContext, actor: Actor, copyId: string, questionId?: string): Promise<LockResponse> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  if (questionId) return acquireQuestionLock(ctx, actor, copyId, questionId);
  // the storm's answer in one statement: someone else holds a live lease on a READY copy this actor may grade
  const holder = await locks.findLiveLeaseOfOther(ctx.db, { copyId, userId: actor.id, now: ctx.clock.now().toISOString() }, [
    gradableBy({ copyId, userId: actor.id, role: actor.role as 'ADMIN' | 'TEACHER' }),
    copyInStatus(copyId, 'READY'),
  ]);
  if (holder) throw await lockedByOther(ctx.db, copyId, holder);
  return ctx.db.transaction().execute(async (tx) => {
    const { copy, access } = await loadCopyFor(tx, actor, copyId, 'share');
    requireCorrector(actor, access);
    if (copy.status !== 'READY') throw invalidState(copy.status, `A ${copy.status} copy cannot be edited`);
    const now = ctx.clock.now().toISOString();
    const newToken = randomToken();
    await prepareWholeCopyLease(tx, actor, copyId, now); // question leases of others exclude it (issue 13)
    const row = await locks
      .acquireLease(tx, { copyId, ownerId: actor.id, newToken, now, expiresAt: iso(ctx.clock, ctx.config.leaseTtlMs) })
      .catch((err: unknown) => {
        if (qlocks.isLeaseOverlap(err)) throw overlapError(undefined);
        throw err;
      });
    if (!row) throw await lockedByOther(tx, copyId);
    if (row.token === newToken) await insertEvent(tx, { copyId, action: 'LEASE_ACQUIRED', actorId: actor.id, at: now });
    return { token: row.token, expiresAt: row.expires_at, owner: { id: actor.id, displayName: actor.displayName } };
  });
}

export async function heartbeat(ctx: AppContext, actor: Actor, copyId: string, token: string | undefined): Promise<HeartbeatResponse> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  if (!token) throw lockRequired('The X-Lock-Token header is missing');
  await loadCopyFor(ctx.db, actor, copyId).catch(async (err: unknown) => {
    // a corrector who sees the copy through a question dispatched to them only (issue 13)
    if (await qlocks.findQuestionLeaseByToken(ctx.db, copyId, token).then((l) => l?.owner_id === actor.id)) return;
    throw err;
  });
  const row = await locks.extendLease(ctx.db, {
    copyId,
    token,
    now: ctx.clock.now().toISOString(),
    expiresAt: iso(ctx.clock, ctx.config.leaseTtlMs),
  });
  if (!row) {
    const q = await heartbeatQuestionLease(ctx, copyId, token);
    if (q) return q;
    throw lockRequired();
  }
  return { expiresAt: row.expires_at };
}

/**
 * The holder releases with its token; releasing a lease that is already gone is a no-op (204). A token that
 * is not the current one never breaks someone else's lease — not even an admin's stale token. An admin breaks
 * a lease only by asking without a token.
 */
export async function releaseLock(ctx: AppContext, actor: Actor, copyId: string, token: string | undefined) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  await ctx.db.transaction().execute(async (tx) => {
    const { access } = await loadCopyFor(tx, actor, copyId, 'share');
    const now = ctx.clock.now().toISOString();
    const lease = await locks.findLease(tx, copyId);
    if (token && (!lease || lease.token !== token) && (await releaseQuestionLease(tx, actor, copyId, token, now))) return;
    if (!token && access === 'admin') await breakQuestionLeases(tx, actor, copyId, now);
    if (!lease) return;
    if (token) {
      const notYours = lockRequired('This lease is no longer yours: nothing was released');
      if (lease.token !== token || lease.owner_id !== actor.id) throw notYours;
      // the delete is conditional on the token: a takeover since the read above makes it a no-op, not a release
      if (!(await locks.releaseLease(tx, copyId, token))) {
        if (await locks.findLease(tx, copyId)) throw notYours;
        return;
      }
      await insertEvent(tx, { copyId, action: 'LEASE_RELEASED', actorId: actor.id, at: now });
      return;
    }
    if (access !== 'admin') throw lockRequired('The X-Lock-Token header is missing');
    // breaks the lease read above, not one a takeover put in its place meanwhile (the event names its owner)
    if (await locks.releaseLease(tx, copyId, lease.token)) {
      await insertEvent(tx, { copyId, action: 'LEASE_BROKEN', actorId: actor.id, at: now, metadata: { owner: lease.owner_id } });
    }
  });
}

// ---------------------------------------------------------------- drafts

export async function getDraft(ctx: AppContext, actor: Actor, copyId: string, token: string | undefined): Promise<Draft> {
  const d = await withLease(ctx, actor, copyId, token, (tx) => drafts.findDraft(tx, copyId, actor.id), { statuses: undefined, anyQuestion: true });
  if (!d) throw notFound('Draft');
  return { payload: JSON.parse(d.payload) as unknown, version: d.version, clientId: d.client_id, updatedAt: d.updated_at };
}

/** P0-DI-002: a save applies only on top of the version it was based on; a stale tab gets the newer draft back. */
export async function putDraft(
  ctx: AppContext,
  actor: Actor,
  copyId: string,
  token: string | undefined,
  input: { payload: unknown; baseVersion: number; clientId?: string },
): Promise<DraftSaved> {
  const payload = JSON.stringify(input.payload);
  // the hot path: a later save with a token is one statement (lease, right to grade, version); any refusal takes
  // the slow path below, which checks the same things one by one to say which failed
  if (token && input.baseVersion > 0 && (actor.role === 'ADMIN' || actor.role === 'TEACHER')) {
    const now = ctx.clock.now().toISOString();
    const saved = await drafts.updateDraftIfVersionAnd(
      ctx.db,
      { copyId, ownerId: actor.id, payload, clientId: input.clientId ?? null, now, baseVersion: input.baseVersion },
      [locks.liveLeaseHeld(ctx.db, { copyId, ownerId: actor.id, token, now }), gradableBy({ copyId, userId: actor.id, role: actor.role })],
    );
    if (saved) return { version: saved.version };
  }
  return withLease(
    ctx,
    actor,
    copyId,
    token,
    async (tx) => {
      const now = ctx.clock.now().toISOString();
      const args = { copyId, ownerId: actor.id, payload, clientId: input.clientId ?? null, now };
      const saved =
        input.baseVersion === 0
          ? await drafts.insertDraftIfAbsent(tx, args)
          : await drafts.updateDraftIfVersion(tx, { ...args, baseVersion: input.baseVersion });
      if (saved) return { version: saved.version };
      const current = await drafts.findDraft(tx, copyId, actor.id);
      metrics.draftConflicts.inc();
      throw new AppError('DRAFT_CONFLICT', 409, 'A newer draft of this copy was saved from another tab or device', {
        current: current
          ? { version: current.version, payload: JSON.parse(current.payload) as unknown, clientId: current.client_id, updatedAt: current.updated_at }
          : { version: 0, payload: null, clientId: null, updatedAt: null },
      });
    },
    { statuses: undefined, anyQuestion: true },
  );
}

// ---------------------------------------------------------------- annotations

type AnnotationInput = {
  pagePosition?: number;
  x?: number;
  y?: number;
  w?: number;
  h?: number;
  type?: AnnotationsTable['type'];
  content?: string | null;
  points?: [number, number][] | null;
  scoreDelta?: number | null;
  questionId?: string | null;
};

async function checkAnnotation(tx: Executor, copy: Copy, a: Required<Pick<AnnotationInput, 'pagePosition' | 'x' | 'y' | 'w' | 'h'>> & AnnotationInput) {
  const eps = 1e-6;
  if (a.x + a.w > 1 + eps || a.y + a.h > 1 + eps) throw validation('The annotation goes past the edge of the page (x + w and y + h must be ≤ 1)');
  const pages = await listPages(tx, copy.id);
  if (a.pagePosition >= pages.length) throw validation(`The copy has ${pages.length} pages; page position ${a.pagePosition} does not exist`);
  if (a.type === 'FREEHAND' && !a.points?.length) throw validation('A freehand annotation needs points');
  if (a.questionId) {
    const qs = await listQuestions(tx, copy.exam_id);
    if (!qs.some((q) => q.id === a.questionId)) throw validation('questionId is not a question of this exam');
  }
}

export async function createAnnotation(
  ctx: AppContext,
  actor: Actor,
  copyId: string,
  token: string | undefined,
  input: AnnotationInput & { pagePosition: number; x: number; y: number; w: number; h: number; type: AnnotationsTable['type'] },
): Promise<Annotation> {
  return withLease(ctx, actor, copyId, token, async (tx, copy) => {
    await checkAnnotation(tx, copy, input);
    const now = ctx.clock.now().toISOString();
    const row = await annotationsRepo.insertAnnotation(tx, {
      id: newId(),
      copy_id: copyId,
      page_position: input.pagePosition,
      x: input.x,
      y: input.y,
      w: input.w,
      h: input.h,
      type: input.type,
      content: input.content ?? null,
      points: input.points ? JSON.stringify(input.points) : null,
      score_delta: input.scoreDelta ?? null,
      question_id: input.questionId ?? null,
      created_by: actor.id,
      version: 1,
      created_at: now,
      updated_at: now,
    });
    await insertEvent(tx, { copyId, action: 'ANNOTATION_CREATED', actorId: actor.id, at: now, metadata: { annotationId: row.id, type: row.type } });
    return annotationDto(row);
  });
}

async function annotationCopyId(ctx: AppContext, id: string) {
  const a = await annotationsRepo.findAnnotation(ctx.db, id);
  if (!a) throw notFound('Annotation');
  return a.copy_id;
}

async function versionConflict(tx: Executor, id: string): Promise<never> {
  const current = await annotationsRepo.findAnnotation(tx, id);
  if (!current) throw notFound('Annotation');
  throw new AppError('VERSION_CONFLICT', 409, 'This annotation was changed meanwhile (another tab or teacher)', { current: annotationDto(current) });
}

/** P0-DI-007: the update applies only at the version the client read; otherwise 409 with the current row. */
export async function patchAnnotation(
  ctx: AppContext,
  actor: Actor,
  id: string,
  token: string | undefined,
  input: AnnotationInput & { version: number },
): Promise<Annotation> {
  const copyId = await annotationCopyId(ctx, id);
  return withLease(ctx, actor, copyId, token, async (tx, copy) => {
    const current = await annotationsRepo.findAnnotation(tx, id);
    if (!current || current.copy_id !== copyId) throw notFound('Annotation');
    const merged = {
      pagePosition: input.pagePosition ?? current.page_position,
      x: input.x ?? current.x,
      y: input.y ?? current.y,
      w: input.w ?? current.w,
      h: input.h ?? current.h,
      type: current.type,
      points: input.points !== undefined ? input.points : current.points ? (JSON.parse(current.points) as [number, number][]) : null,
      questionId: input.questionId !== undefined ? input.questionId : current.question_id,
    };
    await checkAnnotation(tx, copy, merged);
    const now = ctx.clock.now().toISOString();
    const patch: Updateable<AnnotationsTable> = {
      page_position: merged.pagePosition,
      x: merged.x,
      y: merged.y,
      w: merged.w,
      h: merged.h,
      points: merged.points ? JSON.stringify(merged.points) : null,
      question_id: merged.questionId,
      updated_at: now,
      ...(input.content !== undefined ? { content: input.content } : {}),
      ...(input.scoreDelta !== undefined ? { score_delta: input.scoreDelta } : {}),
    };
    const row = await annotationsRepo.updateAnnotationIfVersion(tx, id, input.version, patch);
    if (!row) return versionConflict(tx, id);
    await insertEvent(tx, { copyId, action: 'ANNOTATION_UPDATED', actorId: actor.id, at: now, metadata: { annotationId: id, version: row.version } });
    return annotationDto(row);
  });
}

export async function deleteAnnotation(ctx: AppContext, actor: Actor, id: string, token: string | undefined, version: number) {
  const copyId = await annotationCopyId(ctx, id);
  await withLease(ctx, actor, copyId, token, async (tx) => {
    if ((await annotationsRepo.deleteAnnotationIfVersion(tx, id, version)) === 0) return versionConflict(tx, id);
    await insertEvent(tx, { copyId, action: 'ANNOTATION_DELETED', actorId: actor.id, at: ctx.clock.now().toISOString(), metadata: { annotationId: id, version } });
  });
}

// ---------------------------------------------------------------- scores

export async function putScore(
  ctx: AppContext,
  actor: Actor,
  copyId: string,
  questionId: string,
  token: string | undefined,
  input: { points: number; comment?: string | null; version?: number },
): Promise<Score> {
  return withLease(ctx, actor, copyId, token, async (tx, copy) => {
    const question = leafQuestions(await listQuestions(tx, copy.exam_id)).find((q) => q.id === questionId);
    if (!question) throw notFound('Question');
    if (input.points > question.max_points) {
      throw validation(`At most ${question.max_points / 100} points on ${question.label}`, { maxPoints: question.max_points });
    }
    const now = ctx.clock.now().toISOString();
    const existing = await scoresRepo.findScore(tx, copyId, questionId);
    if (existing && existing.rubric_adjustment != null) {
      // issue 13: this score follows its rubric items; typing over it would leave them disagreeing
      throw new AppError('RUBRIC_APPLIED', 409, 'This question is scored from rubric items: change the items or the adjustment (PUT …/rubric)', {
        current: scoreDto(existing),
      });
    }
    const base = { copyId, questionId, points: input.points, comment: input.comment ?? null, by: actor.id, now };
    const row =
      input.version === undefined
        ? await scoresRepo.insertScoreIfAbsent(tx, { ...base, maxPoints: question.max_points })
        : await scoresRepo.updateScoreIfVersion(tx, { ...base, version: input.version });
    if (!row) {
      const current = await scoresRepo.findScore(tx, copyId, questionId);
      throw new AppError(
        'VERSION_CONFLICT',
        409,
        current ? 'This score was changed meanwhile (another tab or teacher)' : 'This score does not exist yet: send it without a version',
        { current: current ? scoreDto(current) : null },
      );
    }
    // a score replaces an earlier "not scored" decision on the question (issue 11)
    const wasNotScored = await scoresRepo.deleteUnscoredMark(tx, copyId, questionId);
    await insertEvent(tx, {
      copyId,
      action: 'SCORE_SET',
      actorId: actor.id,
      at: now,
      metadata: { questionId, points: row.points, version: row.version, ...(wasNotScored ? { wasNotScored } : {}) },
    });
    return scoreDto(row);
  }, { questionId });
}

/** Clears a score (the question goes back to "not graded"), at the version the client read. */
export async function deleteScore(ctx: AppContext, actor: Actor, copyId: string, questionId: string, token: string | undefined, version: number) {
  await withLease(ctx, actor, copyId, token, async (tx) => {
    if ((await scoresRepo.deleteScoreIfVersion(tx, copyId, questionId, version)) === 0) {
      const current = await scoresRepo.findScore(tx, copyId, questionId);
      if (!current) throw notFound('Score');
      throw new AppError('VERSION_CONFLICT', 409, 'This score was changed meanwhile (another tab or teacher)', { current: scoreDto(current) });
    }
    // the rubric items applied on the question go with its score (issue 13)
    await rubricRepo.deleteBadges(tx, copyId, questionId);
    await rubricRepo.deleteApplications(tx, copyId, questionId);
    await insertEvent(tx, { copyId, action: 'SCORE_CLEARED', actorId: actor.id, at: ctx.clock.now().toISOString(), metadata: { questionId, version } });
  }, { questionId });
}

// ---------------------------------------------------------------- lifecycle

type CompleteOptions = { allowUnscored?: boolean } | null | undefined;

export async function submit(ctx: AppContext, actor: Actor, copyId: string, token: string | undefined, opts?: CompleteOptions): Promise<CopyStatusResponse> {
  return withLease(ctx, actor, copyId, token, async (tx, copy) => {
    const now = ctx.clock.now().toISOString();
    const row = await transition(tx, 'submit', copyId, { actorId: actor.id, now });
    // after the transition, so a copy in the wrong state gets INVALID_STATE; a refusal here rolls the transition back
    await settleUnscoredQuestions(tx, copy, { actorId: actor.id, now, allowUnscored: !!opts?.allowUnscored, during: 'SUBMIT' });
    await locks.releaseLease(tx, copyId);
    return { status: row.status };
  }, { statuses: undefined, lock: 'update' });
}

export async function unlock(ctx: AppContext, actor: Actor, copyId: string): Promise<CopyStatusResponse> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  return ctx.db.transaction().execute(async (tx) => {
    const { copy, access } = await loadCopyFor(tx, actor, copyId, 'update');
    requireCorrector(actor, access);
    if (access !== 'admin' && copy.status === 'LOCKED' && copy.locked_by !== actor.id) {
      throw forbidden('Only the teacher who submitted the copy, or an admin, can unlock it');
    }
    const row = await transition(
      tx,
      'unlock',
      copyId,
      { actorId: actor.id, now: ctx.clock.now().toISOString() },
      { submitterOnly: access === 'admin' ? undefined : actor.id },
    );
    return { status: row.status };
  });
}

/** What finalizing did: nothing (already GRADED), or the FLATTEN_COPY job that makes the final PDF (queued now or before). */
export type FinalizeResult = { status: 'GRADED' } | { status: 'GRADING_IN_PROGRESS'; jobId: string | undefined };

/**
 * P0-DI-003: one transaction moves the copy to GRADING_IN_PROGRESS and enqueues one FLATTEN_COPY job. A repeat
 * while it runs gets the same job; on a GRADED copy it is a no-op. The result says which: GRADED (nothing to do) or
 * GRADING_IN_PROGRESS with the job (the route answers 200 or 202). The runner is woken once the job is committed.
 */
export async function finalize(ctx: AppContext, actor: Actor, copyId: string, token: string | undefined, opts?: CompleteOptions) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  return transaction(ctx.db, async (tx): Promise<FinalizeResult> => {
    const { copy, access } = await loadCopyFor(tx, actor, copyId, 'update');
    requireCorrector(actor, access);
    const now = ctx.clock.now().toISOString();
    if (copy.status === 'GRADED') return { status: 'GRADED' };
    if (copy.status === 'GRADING_IN_PROGRESS') return runningJob(tx, copyId);
    if (access !== 'admin') {
      const isSubmitter = copy.locked_by === actor.id;
      const lease = token ? await locks.holdLiveLease(tx, { copyId, token, now }) : undefined;
      const holdsLease = !!lease && lease.owner_id === actor.id;
      const allowed = copy.status === 'READY' ? holdsLease : isSubmitter || holdsLease;
      if (!allowed) {
        if (copy.status === 'READY') throw lockRequired('Open the copy (take its edit lease) before finalizing it');
        throw forbidden('Only the teacher who submitted the copy, or an admin, can finalize it');
      }
    }
    try {
      await transition(tx, 'finalize', copyId, { actorId: actor.id, now });
    } catch (err) {
      // lost a race: report what the winner did
      const current = await findCopy(tx, copyId);
      if (current?.status === 'GRADED') return { status: 'GRADED' };
      if (current?.status === 'GRADING_IN_PROGRESS') return runningJob(tx, copyId);
      throw err;
    }
    await settleUnscoredQuestions(tx, copy, { actorId: actor.id, now, allowUnscored: !!opts?.allowUnscored, during: 'FINALIZE' });
    await locks.releaseLease(tx, copyId);
    await qlocks.releaseAllQuestionLeases(tx, copyId); // an admin may finalize while others hold question leases
    const jobId = await enqueueJob(tx, { kind: 'FLATTEN_COPY', refId: copyId, payload: { copyId }, now });
    return { status: 'GRADING_IN_PROGRESS', jobId };
  });
}

async function runningJob(tx: Executor, copyId: string): Promise<FinalizeResult> {
  const job = await latestJobFor(tx, copyId, 'FLATTEN_COPY');
  return { status: 'GRADING_IN_PROGRESS', jobId: job?.id };
}

export async function reopen(ctx: AppContext, actor: Actor, copyId: string): Promise<CopyStatusResponse> {
  return ctx.db.transaction().execute(async (tx) => {
    const { copy, exam } = await loadCopyToManage(tx, actor, copyId, 'update');
    // the student keeps the released result, "under review", until the copy is graded again
    const row = await reopenWithReview(tx, copy, exam, { actorId: actor.id, now: ctx.clock.now().toISOString() });
    return { status: row.status };
  });
}
