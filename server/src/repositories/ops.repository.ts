import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { CopyStatus, JobsTable } from '../db/schema.ts';

const LIVE_JOB: JobsTable['status'][] = ['QUEUED', 'RUNNING'];

/** Readiness: the database answers a query. */
export const pingDatabase = async (ex: Executor) => {
  await sql`SELECT 1`.execute(ex);
};

// ---------------------------------------------------------------- recovery

/** Jobs whose worker died (lease expired) and that have attempts left go back to the queue, in one statement. */
export const requeueExpiredJobs = (ex: Executor, now: string, error: string) =>
  ex
    .updateTable('jobs')
    .set({ status: 'QUEUED', lease_owner: null, lease_expires_at: null, run_after: now, last_error: error, updated_at: now })
    .where('status', '=', 'RUNNING')
    .where('lease_expires_at', '<', now)
    .whereRef('attempts', '<', 'max_attempts')
    .returning(['id', 'kind', 'ref_id', 'attempts', 'lease_owner'])
    .execute();

/** Expired-lease jobs that used their last attempt: each is failed on its own, with its handler's onGiveUp. */
export const expiredExhaustedJobs = (ex: Executor, now: string) =>
  ex
    .selectFrom('jobs')
    .select(['id', 'kind', 'ref_id', 'payload', 'attempts'])
    .where('status', '=', 'RUNNING')
    .where('lease_expires_at', '<', now)
    .whereRef('attempts', '>=', 'max_attempts')
    .orderBy('id')
    .limit(500)
    .execute();

/** Conditional on the lease still being expired: a worker that renewed it meanwhile keeps its job. */
export const failExpiredJob = (ex: Executor, id: string, now: string, error: string) =>
  ex
    .updateTable('jobs')
    .set({ status: 'FAILED', lease_owner: null, lease_expires_at: null, last_error: error, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'RUNNING')
    .where('lease_expires_at', '<', now)
    .executeTakeFirst()
    .then((r) => Number(r.numUpdatedRows));

/** Copies waiting for a final PDF that no queued or running FLATTEN_COPY job will ever produce. */
export const copiesInProgressWithoutLiveJob = (ex: Executor) =>
  ex
    .selectFrom('copies as c')
    .select(['c.id', 'c.exam_id'])
    .where('c.status', '=', 'GRADING_IN_PROGRESS')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('jobs as j')
            .select('j.id')
            .where('j.kind', '=', 'FLATTEN_COPY')
            .whereRef('j.ref_id', '=', 'c.id')
            .where('j.status', 'in', LIVE_JOB),
        ),
      ),
    )
    .orderBy('c.id')
    .limit(500)
    .execute();

export const hasLiveJob = async (ex: Executor, kind: string, refId: string) =>
  !!(await ex.selectFrom('jobs').select('id').where('kind', '=', kind).where('ref_id', '=', refId).where('status', 'in', LIVE_JOB).executeTakeFirst());

// ---------------------------------------------------------------- metrics (read at scrape time)

export const countCopiesByStatus = (ex: Executor) =>
  ex
    .selectFrom('copies')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute() as Promise<{ status: CopyStatus; n: number | string }[]>;

/** The oldest due queued job and the longest-running job: what "stuck" alerts watch. */
export const oldestLiveJobs = async (ex: Executor, now: string) => {
  const queued = await ex
    .selectFrom('jobs')
    .select((eb) => eb.fn.min('run_after').as('t'))
    .where('status', '=', 'QUEUED')
    .where('run_after', '<=', now)
    .executeTakeFirst();
  const running = await ex.selectFrom('jobs').select((eb) => eb.fn.min('updated_at').as('t')).where('status', '=', 'RUNNING').executeTakeFirst();
  return { queuedSince: (queued?.t as string | null) ?? null, runningSince: (running?.t as string | null) ?? null };
};
