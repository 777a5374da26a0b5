import type { AppContext } from '../context.ts';
import type { JobHandler, JobKind } from '../jobs/types.ts';
import { jobHandlers } from '../jobs/index.ts';
import { deleteExpiredLeases } from '../repositories/lock.repository.ts';
import { deleteExpiredSessions } from '../repositories/session.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import * as ops from '../repositories/ops.repository.ts';
import { transition } from './copy-state-machine.ts';
import { cleanupOrphans } from './cleanup.service.ts';
import { audit } from './audit.service.ts';
import { metrics } from '../observability/metrics.ts';

export interface RecoveryReport {
  expiredLeases: { copyId: string; ownerId: string }[];
  requeuedJobs: { id: string; kind: string; refId: string | null; attempts: number }[];
  failedJobs: { id: string; kind: string; refId: string | null }[];
  failedCopies: { copyId: string; examId: string }[];
}

const WORKER_LOST = 'The worker running this job stopped (its lease expired)';
export const LOST_RENDER_MESSAGE = 'The job rendering this copy was lost; retry to finalize again';

/**
 * Puts back in order what a crash or a lost worker can leave behind (`korrigo recover-stuck`, and every minute
 * inside `serve`). Every step is a conditional statement, so it is safe to run while the application is live and
 * from several processes at once; each repair is logged and recorded (grading_events for copies).
 *  1. expired edit leases are deleted (LEASE_EXPIRED) — harmless either way, but the desk then shows the copy free;
 *  2. RUNNING jobs whose lease expired go back to QUEUED, or to FAILED when no attempt is left (the handler's
 *     onGiveUp runs in the same transaction: a FLATTEN_COPY copy becomes GRADING_FAILED);
 *  3. copies in GRADING_IN_PROGRESS that no queued or running FLATTEN_COPY job will finish become GRADING_FAILED
 *     with a message, so the desk offers a retry instead of a spinner forever.
 */
export async function recoverStuck(
  ctx: AppContext,
  handlers: Partial<Record<JobKind, JobHandler<any>>> = jobHandlers,
): Promise<RecoveryReport> {
  const report: RecoveryReport = { expiredLeases: [], requeuedJobs: [], failedJobs: [], failedCopies: [] };
  const now = () => ctx.clock.now().toISOString();

  await ctx.db.transaction().execute(async (tx) => {
    const at = now();
    const expired = await deleteExpiredLeases(tx, at);
    for (const l of expired) {
      await insertEvent(tx, { copyId: l.copy_id, action: 'LEASE_EXPIRED', actorId: null, at, metadata: { owner: l.owner_id } });
      report.expiredLeases.push({ copyId: l.copy_id, ownerId: l.owner_id });
    }
  });

  await ctx.db.transaction().execute(async (tx) => {
    const at = now();
    const requeued = await ops.requeueExpiredJobs(tx, at, WORKER_LOST);
    for (const j of requeued) {
      if (j.kind === 'FLATTEN_COPY' && j.ref_id) {
        await insertEvent(tx, { copyId: j.ref_id, action: 'FINALIZE_JOB_REQUEUED', actorId: null, at, metadata: { jobId: j.id, attempts: j.attempts } });
      }
      report.requeuedJobs.push({ id: j.id, kind: j.kind, refId: j.ref_id, attempts: j.attempts });
    }
  });

  for (const j of await ops.expiredExhaustedJobs(ctx.db, now())) {
    const handler = handlers[j.kind as JobKind];
    const failed = await ctx.db.transaction().execute(async (tx) => {
      if (!(await ops.failExpiredJob(tx, j.id, now(), WORKER_LOST))) return false;
      const message = j.kind === 'FLATTEN_COPY' ? LOST_RENDER_MESSAGE : WORKER_LOST;
      await handler?.onGiveUp?.(ctx, JSON.parse(j.payload), message, tx);
      return true;
    });
    if (failed) report.failedJobs.push({ id: j.id, kind: j.kind, refId: j.ref_id });
  }

  for (const c of await ops.copiesInProgressWithoutLiveJob(ctx.db)) {
    const failed = await ctx.db.transaction().execute(async (tx) => {
      // a finalize that committed meanwhile has its job: leave it alone
      if (await ops.hasLiveJob(tx, 'FLATTEN_COPY', c.id)) return false;
      try {
        await transition(tx, 'finalizeFailed', c.id, { actorId: null, now: now(), metadata: { recovered: true } }, { error: LOST_RENDER_MESSAGE });
        return true;
      } catch {
        return false; // no longer in progress: the job (or someone) finished it
      }
    });
    if (failed) {
      metrics.finalizeFailures.inc();
      report.failedCopies.push({ copyId: c.id, examId: c.exam_id });
    }
  }

  const counts = {
    expiredLeases: report.expiredLeases.length,
    requeuedJobs: report.requeuedJobs.length,
    failedJobs: report.failedJobs.length,
    failedCopies: report.failedCopies.length,
  };
  for (const [what, n] of Object.entries(counts)) if (n) metrics.recovered.inc({ what }, n);
  if (counts.requeuedJobs || counts.failedJobs || counts.failedCopies) {
    ctx.log.warn({ ...counts, requeuedJobs: report.requeuedJobs, failedJobs: report.failedJobs, failedCopies: report.failedCopies }, 'recovery: repaired stuck work');
    await audit(ctx.db, null, 'RECOVERY', null, null, counts, now());
  } else if (counts.expiredLeases) {
    ctx.log.info({ expiredLeases: counts.expiredLeases }, 'recovery: expired edit leases removed');
  }
  return report;
}

export interface MaintenanceOptions {
  recoveryEveryMs?: number;
  orphanSweepEveryMs?: number;
  orphanGraceMs?: number;
  /** the first run of each task, shortly after start rather than a full period later */
  initialDelayMs?: number;
}

/**
 * The in-process scheduler of `serve`: recovery every minute, the orphan sweep (and expired-session cleanup)
 * every hour with a one-hour grace. Runs never overlap; timers do not keep the process alive.
 */
export function startMaintenance(ctx: AppContext, opts: MaintenanceOptions = {}): { stop(): Promise<void> } {
  const recoveryEvery = opts.recoveryEveryMs ?? 60_000;
  const sweepEvery = opts.orphanSweepEveryMs ?? 3_600_000;
  const grace = opts.orphanGraceMs ?? 3_600_000;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const pending = new Set<NodeJS.Timeout>();
  const after = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      pending.delete(t);
      fn();
    }, ms).unref();
    pending.add(t);
  };

  const every = (ms: number, name: string, task: () => Promise<void>) => {
    const tick = () => {
      if (stopped) return;
      current = current
        .then(task)
        .catch((err) => ctx.log.error({ err }, `${name} failed`))
        .finally(() => {
          if (!stopped) after(ms, tick);
        });
    };
    after(Math.min(ms, opts.initialDelayMs ?? 5_000), tick);
  };

  every(recoveryEvery, 'recovery', async () => {
    await recoverStuck(ctx);
  });
  every(sweepEvery, 'orphan sweep', async () => {
    const report = await cleanupOrphans(ctx, { dryRun: false, graceMs: grace });
    metrics.orphanBytes.set(report.bytes);
    metrics.orphanSweepTimestamp.set(ctx.clock.now().getTime() / 1000);
    await deleteExpiredSessions(ctx.db, ctx.clock.now().toISOString());
  });

  return {
    async stop() {
      stopped = true;
      for (const t of pending) clearTimeout(t);
      await current;
    },
  };
}
