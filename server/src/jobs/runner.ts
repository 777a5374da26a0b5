import os from 'node:os';
import type { AppContext } from '../context.ts';
import { isFinalError } from '../errors.ts';
import { iso, newId } from '../ids.ts';
import * as jobs from '../repositories/job.repository.ts';
import { metrics } from '../observability/metrics.ts';
import { jobSignals } from './enqueue.ts';
import type { JobHandler, JobKind } from './types.ts';


export interface RunnerOptions {
  owner?: string;
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
  /** first retry after this, then ×4 per attempt */
  backoffBaseMs?: number;
  kinds?: JobKind[];
}

/**
 * The durable job runner on the `jobs` table. Claims with a lease (re-claimable once it expires, so a dead
 * worker's job is picked up again), renews the lease while the handler runs, retries with exponential backoff
 * (never an error marked final, such as a PDF over its budget), and after the last attempt marks the job FAILED and lets the handler record the failure (e.g. GRADING_FAILED).
 */
export class JobRunner {
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly backoffBaseMs: number;
  private running = false;
  private loops: Promise<void>[] = [];
  private wake: (() => void) | null = null;
  private readonly onSignal = () => this.wake?.();

  constructor(
    private readonly ctx: AppContext,
    private readonly handlers: Partial<Record<JobKind, JobHandler<any>>>,
    private readonly opts: RunnerOptions = {},
  ) {
    this.owner = opts.owner ?? `${os.hostname()}:${process.pid}:${newId().slice(0, 8)}`;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.pollMs = opts.pollMs ?? 1000;
    this.concurrency = opts.concurrency ?? 2;
    this.backoffBaseMs = opts.backoffBaseMs ?? 2000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    jobSignals.on('enqueued', this.onSignal);
    for (let i = 0; i < this.concurrency; i++) this.loops.push(this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    jobSignals.off('enqueued', this.onSignal);
    this.wake?.();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.runOnce();
      } catch (err) {
        this.ctx.log.error({ err }, 'job runner error');
      }
      if (!worked && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.pollMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }

  /** Claims and runs at most one due job. Returns false when nothing was due. */
  async runOnce(): Promise<boolean> {
    const { ctx } = this;
    const kinds = this.opts.kinds ?? (Object.keys(this.handlers) as JobKind[]);
    const job = await jobs.claimJob(ctx.db, {
      owner: this.owner,
      now: ctx.clock.now().toISOString(),
      leaseUntil: iso(ctx.clock, this.leaseMs),
      kinds,
    });
    if (!job) return false;
    const handler = this.handlers[job.kind as JobKind];
    const payload = JSON.parse(job.payload) as never;
    if (!handler) {
      await this.giveUp(job, `no handler for job kind ${job.kind}`, undefined);
      return true;
    }
    if (job.attempts > job.max_attempts) {
      // the last attempt's worker died: do not run it again
      await this.giveUp(job, job.kind === 'FLATTEN_COPY' ? 'The worker rendering this copy stopped; retry to finalize again' : 'worker lost', handler);
      return true;
    }
    const renew = setInterval(() => {
      jobs.extendJobLease(ctx.db, job.id, this.owner, iso(ctx.clock, this.leaseMs)).catch(() => {});
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    try {
      await handler.run(ctx, payload, { id: job.id, attempts: job.attempts });
      await jobs.completeJob(ctx.db, job.id, this.owner, ctx.clock.now().toISOString());
      metrics.jobsProcessed.inc({ kind: job.kind, outcome: 'done' });
    } catch (err) {
      const message = errorMessage(err);
      // a PDF over its budget (pdf/pool.ts) would exhaust it again: failing now frees the worker for other jobs
      if (job.attempts < job.max_attempts && !isFinalError(err)) {
        const delay = this.backoffBaseMs * 4 ** (job.attempts - 1);
        await jobs.retryJobLater(ctx.db, job.id, this.owner, { now: ctx.clock.now().toISOString(), runAfter: iso(ctx.clock, delay), error: message });
        metrics.jobsProcessed.inc({ kind: job.kind, outcome: 'retry' });
      } else {
        await this.giveUp(job, message, handler);
      }
    } finally {
      clearInterval(renew);
    }
    return true;
  }

  private async giveUp(job: { id: string; kind: string; payload: string }, message: string, handler: JobHandler<any> | undefined) {
    const { ctx } = this;
    await ctx.db.transaction().execute(async (tx) => {
      const n = await jobs.failJob(tx, job.id, this.owner, { now: ctx.clock.now().toISOString(), error: message });
      if (n && handler?.onGiveUp) await handler.onGiveUp(ctx, JSON.parse(job.payload), message, tx);
    });
    metrics.jobsProcessed.inc({ kind: job.kind, outcome: 'failed' });
  }

  /** Runs due jobs until none is left (tests, CLI). */
  async drain(max = 1000): Promise<number> {
    let n = 0;
    while (n < max && (await this.runOnce())) n++;
    return n;
  }
}

function errorMessage(err: unknown): string {
  const e = err as Error;
  return (e?.message || String(err)).slice(0, 2000);
}
