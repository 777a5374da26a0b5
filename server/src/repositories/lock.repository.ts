import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../db/database.ts';
import { dialectOf } from '../db/dialect.ts';

/**
 * Acquire or renew the edit lease in ONE atomic upsert (DESIGN.md §3). The same owner keeps its token while
 * the lease is live; anyone takes over an expired lease; nobody else gets a row back.
 */
export const acquireLease = (
  ex: Executor,
  a: { copyId: string; ownerId: string; newToken: string; now: string; expiresAt: string },
) =>
  sql<{ owner_id: string; token: string; expires_at: string }>`
    INSERT INTO copy_locks (copy_id, owner_id, token, acquired_at, expires_at)
    VALUES (${a.copyId}, ${a.ownerId}, ${a.newToken}, ${a.now}, ${a.expiresAt})
    ON CONFLICT (copy_id) DO UPDATE SET
      token = CASE WHEN copy_locks.owner_id = excluded.owner_id AND copy_locks.expires_at >= ${a.now}
                   THEN copy_locks.token ELSE excluded.token END,
      acquired_at = CASE WHEN copy_locks.owner_id = excluded.owner_id AND copy_locks.expires_at >= ${a.now}
                   THEN copy_locks.acquired_at ELSE excluded.acquired_at END,
      owner_id = excluded.owner_id,
      expires_at = excluded.expires_at
    WHERE copy_locks.owner_id = excluded.owner_id OR copy_locks.expires_at < ${a.now}
    RETURNING owner_id, token, expires_at`
    .execute(ex)
    .then((r) => r.rows[0]);

export const findLease = (ex: Executor, copyId: string) =>
  ex
    .selectFrom('copy_locks')
    .innerJoin('users', 'users.id', 'copy_locks.owner_id')
    .select(['copy_locks.copy_id', 'copy_locks.owner_id', 'copy_locks.token', 'copy_locks.expires_at', 'users.display_name as owner_name'])
    .where('copy_locks.copy_id', '=', copyId)
    .executeTakeFirst();

/**
 * The lease check of every edit write, inside the write's transaction. On PostgreSQL the row is held FOR SHARE
 * so a takeover (an UPDATE of the row) waits until the write has committed.
 */
export const holdLiveLease = (ex: Executor, a: { copyId: string; token: string; now: string }) => {
  let q = ex
    .selectFrom('copy_locks')
    .select(['owner_id', 'expires_at'])
    .where('copy_id', '=', a.copyId)
    .where('token', '=', a.token)
    .where('expires_at', '>', a.now);
  if (dialectOf(ex) === 'postgres') q = q.forShare();
  return q.executeTakeFirst();
};

export const extendLease = (ex: Executor, a: { copyId: string; token: string; now: string; expiresAt: string }) =>
  ex
    .updateTable('copy_locks')
    .set({ expires_at: a.expiresAt })
    .where('copy_id', '=', a.copyId)
    .where('token', '=', a.token)
    .where('expires_at', '>', a.now)
    .returning('expires_at')
    .executeTakeFirst();

export const releaseLease = (ex: Executor, copyId: string, token?: string) => {
  let q = ex.deleteFrom('copy_locks').where('copy_id', '=', copyId);
  if (token !== undefined) q = q.where('token', '=', token);
  return q.executeTakeFirst().then((r) => Number(r.numDeletedRows));
};

export const deleteExpiredLeases = (ex: Executor, now: string) =>
  ex.deleteFrom('copy_locks').where('expires_at', '<', now).returning(['copy_id', 'owner_id']).execute();

/**
 * The lease check of `holdLiveLease` as a condition of another statement: `ownerId` holds the live lease of the
 * copy with `token` (the lease row held FOR SHARE on PostgreSQL, so a takeover waits until the write commits).
 * Uncorrelated, so PostgreSQL evaluates it once, before the statement touches any row of its own.
 */
export const liveLeaseHeld = (ex: Executor, a: { copyId: string; ownerId: string; token: string; now: string }) =>
  sql<boolean>`EXISTS (SELECT 1 FROM copy_locks WHERE copy_id = ${a.copyId} AND token = ${a.token} AND owner_id = ${a.ownerId}
    AND expires_at > ${a.now}${dialectOf(ex) === 'postgres' ? sql` FOR SHARE` : sql``})`;

/**
 * The live lease someone other than `userId` holds on the copy, if every condition in `guards` holds too (each an
 * EXISTS), in one statement: a refusal the lease storm can answer without a transaction.
 */
export const findLiveLeaseOfOther = (ex: Executor, a: { copyId: string; userId: string; now: string }, guards: RawBuilder<boolean>[]) =>
  sql<{ owner_id: string; owner_name: string; expires_at: string }>`SELECT l.owner_id, u.display_name AS owner_name, l.expires_at
    FROM copy_locks l JOIN users u ON u.id = l.owner_id
    WHERE l.copy_id = ${a.copyId} AND l.owner_id <> ${a.userId} AND l.expires_at >= ${a.now}${sql.join(guards.map((g) => sql` AND ${g}`), sql``)}`
    .execute(ex)
    .then((r) => r.rows[0]);
