/**
 * Who grades which copy. Dispatch hands out unassigned READY copies round-robin over the exam's correctors,
 * least loaded first; rebalance also moves copies nobody has started on; one copy can be reassigned by hand.
 * Every assignment is one conditional statement plus its grading event, in one transaction.
 */
import type { AppContext, Actor } from '../context.ts';
import type { AssigneeResponse, DispatchResponse } from '@korrigo/contracts';
import { AppError, invalidState, validation } from '../errors.ts';
import * as dispatchRepo from '../repositories/dispatch.repository.ts';
import { findLease } from '../repositories/lock.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import { findUserById } from '../repositories/user.repository.ts';
import { isCorrector } from '../repositories/exam.repository.ts';
import { loadCopyToManage, loadExamToManage } from './access.ts';
import { audit } from './audit.service.ts';

export interface PoolCopy {
  id: string;
  /** current assignee (rebalance) or null */
  current: string | null;
  /** a teacher who already holds the copy's edit lease */
  leaseOwner: string | null;
}

/**
 * Pure planning: which corrector gets each pool copy. `baseLoad` counts the copies each corrector keeps
 * whatever happens. Quotas fill the least loaded first (ties: whoever would keep or already holds a pool copy,
 * then the stable order of `correctors`), so loads end as even as the pool allows; copies then stay with their
 * current assignee or lease holder when the quota allows (fewest moves), and the rest go round-robin.
 */
export function planAssignments(correctors: string[], baseLoad: Map<string, number>, pool: PoolCopy[]): Map<string, string> {
  const out = new Map<string, string>();
  if (correctors.length === 0) return out;
  const isCorr = new Set(correctors);
  const preferred = (c: PoolCopy) => (c.current && isCorr.has(c.current) ? c.current : c.leaseOwner && isCorr.has(c.leaseOwner) ? c.leaseOwner : null);
  const own = new Map(correctors.map((c) => [c, 0]));
  for (const c of pool) {
    const p = preferred(c);
    if (p) own.set(p, own.get(p)! + 1);
  }
  const load = new Map(correctors.map((c) => [c, baseLoad.get(c) ?? 0]));
  const quota = new Map(correctors.map((c) => [c, 0]));
  for (let i = 0; i < pool.length; i++) {
    let best = correctors[0]!;
    for (const c of correctors) {
      const better =
        load.get(c)! < load.get(best)! ||
        (load.get(c)! === load.get(best)! && quota.get(c)! < own.get(c)! && !(quota.get(best)! < own.get(best)!));
      if (better) best = c;
    }
    quota.set(best, quota.get(best)! + 1);
    load.set(best, load.get(best)! + 1);
  }
  const given = new Map(correctors.map((c) => [c, baseLoad.get(c) ?? 0]));
  const rest: PoolCopy[] = [];
  for (const c of pool) {
    const p = preferred(c);
    if (p && quota.get(p)! > 0) {
      out.set(c.id, p);
      quota.set(p, quota.get(p)! - 1);
      given.set(p, given.get(p)! + 1);
    } else rest.push(c);
  }
  for (const c of rest) {
    let best: string | null = null;
    for (const k of correctors) if (quota.get(k)! > 0 && (best === null || given.get(k)! < given.get(best)!)) best = k;
    out.set(c.id, best!);
    quota.set(best!, quota.get(best!)! - 1);
    given.set(best!, given.get(best!)! + 1);
  }
  return out;
}

export async function dispatchExam(ctx: AppContext, actor: Actor, examId: string, opts: { rebalance?: boolean }): Promise<DispatchResponse> {
  const now = ctx.clock.now().toISOString();
  const via = opts.rebalance ? 'rebalance' : 'dispatch';
  return ctx.db.transaction().execute(async (tx) => {
    await loadExamToManage(tx, actor, examId);
    const correctors = await dispatchRepo.correctorsWithLoad(tx, examId);
    if (correctors.length === 0) {
      throw new AppError('INVALID_STATE', 409, 'This exam has no active correctors: add correctors before dispatching', { currentStatus: null });
    }
    const unassigned = await dispatchRepo.unassignedReady(tx, examId, now);
    const movable = opts.rebalance ? await dispatchRepo.movableAssigned(tx, examId, now) : [];
    const baseLoad = new Map(correctors.map((c) => [c.id, Number(c.load)]));
    for (const m of movable) if (baseLoad.has(m.assigned_to!)) baseLoad.set(m.assigned_to!, baseLoad.get(m.assigned_to!)! - 1);
    // one order for every dispatch (by code): concurrent transactions lock rows in the same order, no deadlock
    const pool = [...unassigned, ...movable]
      .sort((a, b) => (a.anonymous_code < b.anonymous_code ? -1 : 1))
      .map((c) => ({ id: c.id, current: c.assigned_to, leaseOwner: c.lease_owner }));
    const plan = planAssignments(correctors.map((c) => c.id), baseLoad, pool);

    let assigned = 0;
    let moved = 0;
    for (const c of pool) {
      const to = plan.get(c.id)!;
      if (c.current === to) continue;
      const ok = c.current === null
        ? await dispatchRepo.assignIfUnassigned(tx, c.id, to, now)
        : await dispatchRepo.moveIfUntouched(tx, c.id, c.current, to, now);
      if (!ok) continue; // someone else changed it first: leave it to them
      await insertEvent(tx, { copyId: c.id, action: 'ASSIGNED', actorId: actor.id, at: now, metadata: { from: c.current, to, via } });
      if (c.current === null) assigned++;
      else moved++;
    }
    await audit(tx, actor, opts.rebalance ? 'EXAM_REBALANCED' : 'EXAM_DISPATCHED', 'exam', examId, { assigned, moved }, now);
    const after = await dispatchRepo.correctorsWithLoad(tx, examId);
    return { assigned, moved, loads: after.map((c) => ({ user: { id: c.id, displayName: c.display_name }, count: Number(c.load) })) };
  });
}

export async function setAssignee(ctx: AppContext, actor: Actor, copyId: string, userId: string | null): Promise<AssigneeResponse> {
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute(async (tx) => {
    const { copy } = await loadCopyToManage(tx, actor, copyId, 'update');
    if (copy.status === 'MERGED') throw invalidState(copy.status);
    const user = userId ? await findUserById(tx, userId) : null;
    if (userId && (!user || user.is_active !== 1 || !(await isCorrector(tx, copy.exam_id, userId)))) {
      throw validation('This user is not an active corrector of the exam: add them as a corrector first', { field: 'userId' });
    }
    if (copy.assigned_to !== userId) {
      const row = await dispatchRepo.setAssigneeIfFree(tx, copyId, copy.assigned_to, userId, now);
      if (!row) {
        const lease = await findLease(tx, copyId);
        throw new AppError('LOCKED_BY_OTHER', 409, `${lease?.owner_name ?? 'Someone'} is grading this copy right now: wait for them or break their lease first`, {
          owner: lease ? { id: lease.owner_id, displayName: lease.owner_name } : null,
          expiresAt: lease?.expires_at ?? null,
        });
      }
      await insertEvent(tx, {
        copyId,
        action: userId ? 'ASSIGNED' : 'UNASSIGNED',
        actorId: actor.id,
        at: now,
        metadata: { from: copy.assigned_to, to: userId, via: 'manual' },
      });
    }
    return { copyId, assignedTo: user ? { id: user.id, displayName: user.display_name } : null };
  });
}
