/**
 * Question leases (issue 13): a lease covers a whole copy (copy_locks, grading.service.ts) or one (copy, question)
 * (question_locks). They exclude each other: a whole-copy lease and any question lease of the same copy never
 * coexist, nor two leases on one question — the database refuses it (migration 010), these checks come first so
 * the caller gets LOCKED_BY_OTHER with the owner rather than a constraint error.
 */
import type { AppContext, Actor } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { Copy } from '../../db/schema.ts';
import { AppError, forbidden, invalidState, notFound } from '../../errors.ts';
import { iso, randomToken } from '../../ids.ts';
import * as locks from '../../repositories/lock.repository.ts';
import * as qlocks from '../../repositories/question-lock.repository.ts';
import { insertEvent } from '../../repositories/event.repository.ts';
import { findQuestion, assignmentsOfQuestion, copyVisibleThroughQuestion } from '../../repositories/question-mode.repository.ts';
import { leafQuestions } from '../total.ts';
import { listQuestions } from '../../repositories/exam.repository.ts';
import { loadCopyFor, requireRole, type CopyAccess } from '../access.ts';
import { metrics } from '../../observability/metrics.ts';

export const lockRequired = (msg = 'You do not hold the edit lease of this copy or question (it expired or someone else took it): reopen it') =>
  new AppError('LOCK_REQUIRED', 409, msg);

export function overlapError(l: { owner_id: string; owner_name: string; expires_at: string; question_id?: string | null } | undefined) {
  metrics.lockConflicts.inc();
  const what = l?.question_id ? 'A question of this copy is' : 'This copy is';
  return new AppError('LOCKED_BY_OTHER', 409, `${what} being graded by ${l?.owner_name ?? 'someone else'}`, {
    owner: l ? { id: l.owner_id, displayName: l.owner_name } : null,
    expiresAt: l?.expires_at ?? null,
    questionId: l?.question_id ?? null,
  });
}

/**
 * Who may grade one question of a copy: whoever may open the copy (access.ts), and also a corrector of the exam
 * to whom that question is dispatched, even when the copy is dispatched to someone else.
 */
export async function loadCopyForQuestion(
  ex: Executor,
  actor: Actor,
  copyId: string,
  questionId: string,
  lock?: 'share' | 'update',
): Promise<{ copy: Copy; access: CopyAccess; question: NonNullable<Awaited<ReturnType<typeof findQuestion>>> }> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  let found: Awaited<ReturnType<typeof loadCopyFor>>;
  try {
    found = await loadCopyFor(ex, actor, copyId, lock);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'NOT_FOUND') throw err;
    const copy = await copyVisibleThroughQuestion(ex, { copyId, questionId, userId: actor.id });
    if (!copy) throw err;
    // visible through the question's dispatch: load it as its corrector
    found = { copy, exam: undefined as never, access: 'corrector' };
  }
  if (found.access === 'student') throw notFound('Copy');
  const question = await findQuestion(ex, questionId);
  if (!question || question.exam_id !== found.copy.exam_id || question.removed_at) throw notFound('Question');
  const leaves = leafQuestions(await listQuestions(ex, found.copy.exam_id));
  if (!leaves.some((q) => q.id === questionId)) throw notFound('Question');
  return { copy: found.copy, access: found.access, question };
}

/** A corrector may take a question dispatched to others only when it is dispatched to them too (admins always). */
async function checkQuestionDispatch(ex: Executor, actor: Actor, access: CopyAccess, questionId: string) {
  if (access === 'admin') return;
  const assigned = await assignmentsOfQuestion(ex, questionId);
  if (assigned.length && !assigned.some((a) => a.user_id === actor.id)) {
    throw forbidden('This question is dispatched to other correctors');
  }
}

/** Whole-copy acquire (grading.service.ts): clears the way of question leases, in the acquire's transaction. */
export async function prepareWholeCopyLease(tx: Executor, actor: Actor, copyId: string, now: string) {
  await qlocks.serializeCopyLeases(tx, copyId);
  await qlocks.deleteExpiredQuestionLeases(tx, copyId, now);
  const other = (await qlocks.listQuestionLeases(tx, copyId)).find((l) => l.owner_id !== actor.id);
  if (other) throw overlapError(other);
  // the caller's own question leases give way to the whole-copy lease (it covers them)
  await qlocks.deleteQuestionLeasesOf(tx, copyId, actor.id);
}

export async function acquireQuestionLock(ctx: AppContext, actor: Actor, copyId: string, questionId: string) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  return ctx.db.transaction().execute(async (tx) => {
    const { copy, access } = await loadCopyForQuestion(tx, actor, copyId, questionId, 'share');
    if (copy.status !== 'READY') throw invalidState(copy.status, `A ${copy.status} copy cannot be edited`);
    await checkQuestionDispatch(tx, actor, access, questionId);
    const now = ctx.clock.now().toISOString();
    const expiresAt = iso(ctx.clock, ctx.config.leaseTtlMs);
    await qlocks.serializeCopyLeases(tx, copyId);
    const whole = await locks.findLease(tx, copyId);
    if (whole && whole.expires_at >= now) {
      if (whole.owner_id !== actor.id) throw overlapError(whole);
      // the caller's whole-copy lease already covers the question: it is renewed and returned
      const renewed = await locks.extendLease(tx, { copyId, token: whole.token, now, expiresAt });
      return { token: whole.token, expiresAt: renewed?.expires_at ?? whole.expires_at, owner: { id: actor.id, displayName: actor.displayName }, questionId: null };
    }
    if (whole) await qlocks.deleteExpiredCopyLease(tx, copyId, now);
    const newToken = randomToken();
    let row: Awaited<ReturnType<typeof qlocks.acquireQuestionLease>>;
    try {
      row = await qlocks.acquireQuestionLease(tx, { copyId, questionId, ownerId: actor.id, newToken, now, expiresAt });
    } catch (err) {
      if (qlocks.isLeaseOverlap(err)) throw overlapError(await locks.findLease(tx, copyId));
      throw err;
    }
    if (!row) {
      const held = (await qlocks.listQuestionLeases(tx, copyId)).find((l) => l.question_id === questionId);
      throw overlapError(held);
    }
    if (row.token === newToken) {
      await insertEvent(tx, { copyId, action: 'LEASE_ACQUIRED', actorId: actor.id, at: now, metadata: { questionId } });
    }
    return { token: row.token, expiresAt: row.expires_at, owner: { id: actor.id, displayName: actor.displayName }, questionId };
  });
}

/** Heartbeat of a question lease (the whole-copy one failed to match the token); null when none matches. */
export async function heartbeatQuestionLease(ctx: AppContext, copyId: string, token: string) {
  const row = await qlocks.extendQuestionLease(ctx.db, {
    copyId,
    token,
    now: ctx.clock.now().toISOString(),
    expiresAt: iso(ctx.clock, ctx.config.leaseTtlMs),
  });
  return row ? { expiresAt: row.expires_at } : null;
}

/** Release of a question lease by its token; false when the token names none of the caller's. */
export async function releaseQuestionLease(tx: Executor, actor: Actor, copyId: string, token: string, now: string) {
  const lease = await qlocks.findQuestionLeaseByToken(tx, copyId, token);
  if (!lease || lease.owner_id !== actor.id) return false;
  if (await qlocks.releaseQuestionLease(tx, copyId, token)) {
    await insertEvent(tx, { copyId, action: 'LEASE_RELEASED', actorId: actor.id, at: now, metadata: { questionId: lease.question_id } });
  }
  return true;
}

/** An admin breaks every question lease of the copy (DELETE /copies/:id/lock without a token). */
export async function breakQuestionLeases(tx: Executor, actor: Actor, copyId: string, now: string) {
  for (const l of await qlocks.releaseAllQuestionLeases(tx, copyId)) {
    await insertEvent(tx, { copyId, action: 'LEASE_BROKEN', actorId: actor.id, at: now, metadata: { owner: l.owner_id, questionId: l.question_id } });
  }
}

/**
 * The lease check of a write on one question: the caller's live whole-copy lease, or its live lease on that
 * question. Anything else → LOCK_REQUIRED.
 */
export async function checkQuestionWriteLease(tx: Executor, actor: Actor, a: { copyId: string; questionId: string; token: string; now: string }) {
  const whole = await locks.holdLiveLease(tx, { copyId: a.copyId, token: a.token, now: a.now });
  if (whole && whole.owner_id === actor.id) return 'copy' as const;
  const q = await qlocks.holdLiveQuestionLease(tx, a);
  if (q && q.owner_id === actor.id) return 'question' as const;
  throw lockRequired();
}
