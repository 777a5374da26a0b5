/**
 * The copy state machine (DESIGN.md §3) — the only module that writes `copies.status`.
 *
 *   STAGING ─validate─▶ READY ─submit─▶ LOCKED ─finalize─▶ GRADING_IN_PROGRESS ─ok─▶ GRADED
 *   READY ─finalize─▶ GRADING_IN_PROGRESS;  LOCKED ─unlock─▶ READY;  GRADED ─reopen─▶ READY
 *   GRADING_IN_PROGRESS ─fail─▶ GRADING_FAILED ─finalize (retry)─▶ GRADING_IN_PROGRESS;  STAGING ─merge─▶ MERGED
 *
 * Each transition is one conditional UPDATE (`WHERE id = ? AND status IN (…)`) plus its grading_events row, in
 * the caller's transaction. Zero rows means someone else won: 409 INVALID_STATE with the current status.
 */
import type { Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { CopiesTable, Copy, CopyStatus } from '../db/schema.ts';
import { findCopy, updateCopyIfStatus } from '../repositories/copy.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import { invalidState, notFound } from '../errors.ts';

interface TransitionArgs {
  actorId: string | null;
  now: string;
  /** extra grading_events metadata */
  metadata?: Record<string, unknown>;
}

interface TransitionDef<P> {
  from: readonly CopyStatus[];
  to: CopyStatus;
  event: string;
  requirePages?: boolean;
  patch: (a: TransitionArgs, p: P) => Updateable<CopiesTable>;
  /** restrict to the copy's submitter (unlock by a non-admin) */
  onlySubmitter?: (p: P) => string | undefined;
}

const def = <P = void>(d: TransitionDef<P>) => d;

export const transitions = {
  validate: def({ from: ['STAGING'], to: 'READY', event: 'VALIDATED', requirePages: true, patch: (a) => ({ updated_at: a.now }) }),
  submit: def({
    from: ['READY'],
    to: 'LOCKED',
    event: 'SUBMITTED',
    requirePages: true,
    patch: (a) => ({ locked_by: a.actorId, locked_at: a.now, updated_at: a.now }),
  }),
  unlock: def<{ submitterOnly?: string }>({
    from: ['LOCKED'],
    to: 'READY',
    event: 'UNLOCKED',
    patch: (a) => ({ locked_by: null, locked_at: null, updated_at: a.now }),
    onlySubmitter: (p) => p.submitterOnly,
  }),
  finalize: def({
    from: ['READY', 'LOCKED', 'GRADING_FAILED'],
    to: 'GRADING_IN_PROGRESS',
    event: 'FINALIZE_REQUESTED',
    requirePages: true,
    patch: (a) => ({ grading_error: null, updated_at: a.now }),
  }),
  finalizeOk: def<{ blobId: string; finalScore: number }>({
    from: ['GRADING_IN_PROGRESS'],
    to: 'GRADED',
    event: 'FINALIZE_OK',
    patch: (a, p) => ({ final_blob_id: p.blobId, final_score: p.finalScore, graded_at: a.now, grading_error: null, updated_at: a.now }),
  }),
  finalizeFailed: def<{ error: string }>({
    from: ['GRADING_IN_PROGRESS'],
    to: 'GRADING_FAILED',
    event: 'FINALIZE_FAILED',
    patch: (a, p) => ({ grading_error: p.error.slice(0, 2000) || 'unknown error', updated_at: a.now }),
  }),
  reopen: def({
    from: ['GRADED'],
    to: 'READY',
    event: 'REOPENED',
    patch: (a) => ({ final_blob_id: null, final_score: null, graded_at: null, locked_by: null, locked_at: null, updated_at: a.now }),
  }),
  merge: def<{ into: string }>({
    from: ['STAGING'],
    to: 'MERGED',
    event: 'MERGED',
    patch: (a, p) => ({ merged_into_id: p.into, updated_at: a.now }),
  }),
} as const;

type Transitions = typeof transitions;
type ParamsOf<T> = T extends TransitionDef<infer P> ? P : never;

export async function transition<K extends keyof Transitions>(
  ex: Executor,
  name: K,
  copyId: string,
  args: TransitionArgs,
  ...params: ParamsOf<Transitions[K]> extends void ? [] : [ParamsOf<Transitions[K]>]
): Promise<Copy> {
  const t = transitions[name] as TransitionDef<unknown>;
  const p = params[0];
  const patch = { ...t.patch(args, p), status: t.to };
  const row = await updateCopyIfStatus(ex, copyId, t.from, patch, {
    requirePages: t.requirePages,
    lockedBy: t.onlySubmitter?.(p),
  });
  if (!row) {
    const current = await findCopy(ex, copyId);
    if (!current) throw notFound('Copy');
    if (t.from.includes(current.status) && t.requirePages) throw invalidState(current.status, 'The copy has no pages');
    if (t.from.includes(current.status)) throw invalidState(current.status, 'Only the teacher who submitted the copy (or an admin) can do this');
    throw invalidState(current.status);
  }
  await insertEvent(ex, {
    copyId,
    action: t.event,
    actorId: args.actorId,
    at: args.now,
    metadata: { from: t.from, to: t.to, ...(args.metadata ?? {}) },
  });
  return row;
}
