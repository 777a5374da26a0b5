import type { AppContext } from '../context.ts';
import { countJobsByStatus } from '../repositories/job.repository.ts';
import { countCopiesByStatus, oldestLiveJobs } from '../repositories/ops.repository.ts';
import { metrics } from './metrics.ts';

const JOB_STATES = ['QUEUED', 'RUNNING', 'DONE', 'FAILED'] as const;
const COPY_STATUSES = ['STAGING', 'READY', 'LOCKED', 'GRADING_IN_PROGRESS', 'GRADED', 'GRADING_FAILED', 'MERGED'] as const;

/**
 * Refreshes the database gauges just before a scrape: three small GROUP BY / MIN queries on indexed columns.
 * Every known state is reported (0 when empty) so an alert on a state never sees a missing series.
 */
export async function collectDbGauges(ctx: AppContext): Promise<void> {
  const now = ctx.clock.now();
  const [jobs, copies, oldest] = await Promise.all([countJobsByStatus(ctx.db), countCopiesByStatus(ctx.db), oldestLiveJobs(ctx.db, now.toISOString())]);

  metrics.jobs.reset();
  const kinds = new Set(jobs.map((j) => j.kind));
  for (const kind of kinds) for (const state of JOB_STATES) metrics.jobs.set({ kind, state }, 0);
  for (const j of jobs) metrics.jobs.set({ kind: j.kind, state: j.status }, Number(j.n));

  metrics.copies.reset();
  for (const status of COPY_STATUSES) metrics.copies.set({ status }, 0);
  for (const c of copies) metrics.copies.set({ status: c.status }, Number(c.n));

  const age = (since: string | null) => (since ? Math.max(0, (now.getTime() - Date.parse(since)) / 1000) : 0);
  metrics.jobOldestAge.set({ state: 'QUEUED' }, age(oldest.queuedSince));
  metrics.jobOldestAge.set({ state: 'RUNNING' }, age(oldest.runningSince));
}
