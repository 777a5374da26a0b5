import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import { dialectOf } from '../db/dialect.ts';
import { newId } from '../ids.ts';

export const insertJob = async (
  ex: Executor,
  j: { kind: string; refId: string | null; payload: unknown; now: string; maxAttempts?: number },
) => {
  const id = newId();
  await ex
    .insertInto('jobs')
    .values({
      id,
      kind: j.kind,
      ref_id: j.refId,
      payload: JSON.stringify(j.payload),
      status: 'QUEUED',
      attempts: 0,
      max_attempts: j.maxAttempts ?? 3,
      run_after: j.now,
      created_at: j.now,
      updated_at: j.now,
    })
    .execute();
  return id;
};

export const latestJobFor = (ex: Executor, refId: string, kind: string) =>
  ex
    .selectFrom('jobs')
    .selectAll()
    .where('ref_id', '=', refId)
    .where('kind', '=', kind)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();

export const findJob = (ex: Executor, id: string) => ex.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();

/**
 * Claims one due job — queued and due, or running with an expired lease (its worker died) — in one
 * statement. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets many workers claim different jobs without waiting;
 * SQLite has a single writer, so the statement is atomic as it stands.
 */
export const claimJob = async (ex: Executor, a: { owner: string; now: string; leaseUntil: string; kinds?: string[] }) => {
  const pg = dialectOf(ex) === 'postgres';
  const kinds = a.kinds?.length ? sql`AND kind IN (${sql.join(a.kinds)})` : sql``;
  const r = await sql<{ id: string; kind: string; payload: string; attempts: number; max_attempts: number; ref_id: string | null }>`
    UPDATE jobs SET status = 'RUNNING', lease_owner = ${a.owner}, lease_expires_at = ${a.leaseUntil},
      attempts = attempts + 1, updated_at = ${a.now}
    WHERE id = (
      SELECT id FROM jobs
      WHERE ((status = 'QUEUED' AND run_after <= ${a.now}) OR (status = 'RUNNING' AND lease_expires_at < ${a.now})) ${kinds}
      ORDER BY run_after, created_at LIMIT 1
      ${pg ? sql`FOR UPDATE SKIP LOCKED` : sql``}
    )
    RETURNING id, kind, payload, attempts, max_attempts, ref_id`.execute(ex);
  return r.rows[0];
};

/**
 * Inside a job's commit: true while the run's claim (its attempt) is still the job's. A re-claim bumps `attempts`,
 * so a stalled run whose job was taken over finds nothing. On PostgreSQL the row is held FOR UPDATE: a re-claim
 * waits until this commit is done.
 */
export const holdJobClaim = async (ex: Executor, id: string, attempts: number) => {
  let q = ex.selectFrom('jobs').select('id').where('id', '=', id).where('attempts', '=', attempts).where('status', '=', 'RUNNING');
  if (dialectOf(ex) === 'postgres') q = q.forUpdate();
  return !!(await q.executeTakeFirst());
};

export const extendJobLease = (ex: Executor, id: string, owner: string, leaseUntil: string) =>
  ex.updateTable('jobs').set({ lease_expires_at: leaseUntil }).where('id', '=', id).where('lease_owner', '=', owner).where('status', '=', 'RUNNING').execute();

/** Every completion is conditional on still owning the lease: a job re-claimed by another worker is theirs. */
export const completeJob = (ex: Executor, id: string, owner: string, now: string) =>
  ex
    .updateTable('jobs')
    .set({ status: 'DONE', lease_owner: null, lease_expires_at: null, updated_at: now, last_error: null })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'RUNNING')
    .executeTakeFirst()
    .then((r) => Number(r.numUpdatedRows));

export const retryJobLater = (ex: Executor, id: string, owner: string, a: { now: string; runAfter: string; error: string }) =>
  ex
    .updateTable('jobs')
    .set({ status: 'QUEUED', lease_owner: null, lease_expires_at: null, run_after: a.runAfter, last_error: a.error, updated_at: a.now })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'RUNNING')
    .executeTakeFirst()
    .then((r) => Number(r.numUpdatedRows));

export const failJob = (ex: Executor, id: string, owner: string, a: { now: string; error: string }) =>
  ex
    .updateTable('jobs')
    .set({ status: 'FAILED', lease_owner: null, lease_expires_at: null, last_error: a.error, updated_at: a.now })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'RUNNING')
    .executeTakeFirst()
    .then((r) => Number(r.numUpdatedRows));

export const countJobsByStatus = (ex: Executor) =>
  ex.selectFrom('jobs').select(['kind', 'status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['kind', 'status']).execute();
