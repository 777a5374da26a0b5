import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import { dialectOf } from '../db/dialect.ts';

/**
 * Leases on one (copy, question) — issue 13, migration 010. A copy's leases (the whole-copy one in `copy_locks`,
 * question ones here) exclude each other in the database (triggers); these statements come on top of
 * lock.repository.ts, which they leave as it is.
 */

/**
 * PostgreSQL: the transaction-scoped advisory lock on the copy's leases, the same the overlap trigger takes.
 * Taken first by every acquire, before it deletes expired rows, so two acquirers of one copy queue here instead
 * of deadlocking between a row lock and the trigger's lock. SQLite: nothing (BEGIN IMMEDIATE serializes writers).
 */
export async function serializeCopyLeases(ex: Executor, copyId: string) {
  if (dialectOf(ex) !== 'postgres') return;
  await sql`SELECT pg_advisory_xact_lock(hashtext(${'korrigo-copy-lease:' + copyId}))`.execute(ex);
}

/** A lease-overlap refusal of the database triggers (the backstop under the service's checks). */
export const isLeaseOverlap = (err: unknown) => String((err as Error | null)?.message ?? '').includes('LEASE_OVERLAP');

export const listQuestionLeases = (ex: Executor, copyId: string) =>
  ex
    .selectFrom('question_locks')
    .innerJoin('users', 'users.id', 'question_locks.owner_id')
    .select([
      'question_locks.copy_id', 'question_locks.question_id', 'question_locks.owner_id', 'question_locks.token',
      'question_locks.expires_at', 'users.display_name as owner_name',
    ])
    .where('question_locks.copy_id', '=', copyId)
    .orderBy('question_locks.question_id')
    .execute();

export const questionLeasesOfCopies = (ex: Executor, copyIds: string[], now: string) =>
  copyIds.length
    ? ex
        .selectFrom('question_locks')
        .innerJoin('users', 'users.id', 'question_locks.owner_id')
        .select(['question_locks.copy_id', 'question_locks.question_id', 'question_locks.owner_id', 'question_locks.expires_at', 'users.display_name as owner_name'])
        .where('question_locks.copy_id', 'in', copyIds)
        .where('question_locks.expires_at', '>=', now)
        .execute()
    : Promise.resolve([]);

export const deleteExpiredCopyLease = (ex: Executor, copyId: string, now: string) =>
  ex.deleteFrom('copy_locks').where('copy_id', '=', copyId).where('expires_at', '<', now).executeTakeFirst().then((r) => Number(r.numDeletedRows));

export const deleteExpiredQuestionLeases = (ex: Executor, copyId: string, now: string) =>
  ex.deleteFrom('question_locks').where('copy_id', '=', copyId).where('expires_at', '<', now).executeTakeFirst().then((r) => Number(r.numDeletedRows));

/** The caller's own live question leases give way to the whole-copy lease it asks for. */
export const deleteQuestionLeasesOf = (ex: Executor, copyId: string, ownerId: string) =>
  ex.deleteFrom('question_locks').where('copy_id', '=', copyId).where('owner_id', '=', ownerId).executeTakeFirst().then((r) => Number(r.numDeletedRows));

/** Same contract as `acquireLease`, on one question: the same owner keeps its token; nobody else gets a row back. */
export const acquireQuestionLease = (
  ex: Executor,
  a: { copyId: string; questionId: string; ownerId: string; newToken: string; now: string; expiresAt: string },
) =>
  sql<{ owner_id: string; token: string; expires_at: string }>`
    INSERT INTO question_locks (copy_id, question_id, owner_id, token, acquired_at, expires_at)
    VALUES (${a.copyId}, ${a.questionId}, ${a.ownerId}, ${a.newToken}, ${a.now}, ${a.expiresAt})
    ON CONFLICT (copy_id, question_id) DO UPDATE SET
      token = CASE WHEN question_locks.owner_id = excluded.owner_id AND question_locks.expires_at >= ${a.now}
                   THEN question_locks.token ELSE excluded.token END,
      acquired_at = CASE WHEN question_locks.owner_id = excluded.owner_id AND question_locks.expires_at >= ${a.now}
                   THEN question_locks.acquired_at ELSE excluded.acquired_at END,
      owner_id = excluded.owner_id,
      expires_at = excluded.expires_at
    WHERE question_locks.owner_id = excluded.owner_id OR question_locks.expires_at < ${a.now}
    RETURNING owner_id, token, expires_at`
    .execute(ex)
    .then((r) => r.rows[0]);

/** The lease check of a question write; held FOR SHARE on PostgreSQL like `holdLiveLease`. */
export const holdLiveQuestionLease = (ex: Executor, a: { copyId: string; questionId: string; token: string; now: string }) => {
  let q = ex
    .selectFrom('question_locks')
    .select(['owner_id', 'expires_at'])
    .where('copy_id', '=', a.copyId)
    .where('question_id', '=', a.questionId)
    .where('token', '=', a.token)
    .where('expires_at', '>', a.now);
  if (dialectOf(ex) === 'postgres') q = q.forShare();
  return q.executeTakeFirst();
};

/** The question lease a token names on a copy (heartbeat and release of question leases). */
export const findQuestionLeaseByToken = (ex: Executor, copyId: string, token: string) =>
  ex.selectFrom('question_locks').selectAll().where('copy_id', '=', copyId).where('token', '=', token).executeTakeFirst();

export const extendQuestionLease = (ex: Executor, a: { copyId: string; token: string; now: string; expiresAt: string }) =>
  ex
    .updateTable('question_locks')
    .set({ expires_at: a.expiresAt })
    .where('copy_id', '=', a.copyId)
    .where('token', '=', a.token)
    .where('expires_at', '>', a.now)
    .returning(['expires_at', 'question_id'])
    .executeTakeFirst();

export const releaseQuestionLease = (ex: Executor, copyId: string, token: string) =>
  ex.deleteFrom('question_locks').where('copy_id', '=', copyId).where('token', '=', token).executeTakeFirst().then((r) => Number(r.numDeletedRows));

/** Admin break, submit and finalize: every question lease of the copy goes. */
export const releaseAllQuestionLeases = (ex: Executor, copyId: string) =>
  ex.deleteFrom('question_locks').where('copy_id', '=', copyId).returning(['question_id', 'owner_id']).execute();
