import { parentPort, workerData } from 'node:worker_threads';
import { createDb } from '../../src/db/database.ts';
import { acquireLease } from '../../src/repositories/lock.repository.ts';
import * as qlocks from '../../src/repositories/question-lock.repository.ts';
import { randomToken } from '../../src/ids.ts';

/**
 * Tries, `rounds` times, to take a lease on the copy — the whole copy or one of `questionIds`, at random — the way
 * the service does (serialize, clear the expired rows in the way, upsert) but WITHOUT the service's overlap
 * checks: only the database's constraints stand between two overlapping leases. Reports every lease it got.
 */
const { databaseUrl, copyId, ownerId, questionIds, ttlMs, rounds } = workerData as {
  databaseUrl: string; copyId: string; ownerId: string; questionIds: string[]; ttlMs: number; rounds: number;
};
const db = createDb({ url: databaseUrl, poolSize: 2 });
const wins: { owner: string; scope: string; token: string; at: number; expires: number }[] = [];
let refusedByDb = 0;
for (let i = 0; i < rounds; i++) {
  let at = 0;
  const pick = Math.floor(Math.random() * (questionIds.length + 1));
  const questionId = pick < questionIds.length ? questionIds[pick]! : null;
  try {
    const row = await db.transaction().execute(async (tx) => {
      await qlocks.serializeCopyLeases(tx, copyId);
      // the time is read once the copy's leases are serialized: read before a wait longer than the 20 ms TTL, a
      // stale "now" would judge a lease that expired during the wait as still live (and renew it) — an artefact of
      // this test's tiny TTL that once showed as an overlap on PostgreSQL
      at = Date.now();
      const now = new Date(at).toISOString();
      const expiresAt = new Date(at + ttlMs).toISOString();
      if (questionId === null) {
        await qlocks.deleteExpiredQuestionLeases(tx, copyId, now);
        return acquireLease(tx, { copyId, ownerId, newToken: randomToken(), now, expiresAt });
      }
      await qlocks.deleteExpiredCopyLease(tx, copyId, now);
      return qlocks.acquireQuestionLease(tx, { copyId, questionId, ownerId, newToken: randomToken(), now, expiresAt });
    });
    if (row) wins.push({ owner: row.owner_id, scope: questionId ?? 'COPY', token: row.token, at, expires: Date.parse(row.expires_at) });
  } catch (err) {
    if (!qlocks.isLeaseOverlap(err)) throw err;
    refusedByDb++;
  }
  await new Promise((r) => setTimeout(r, Math.random() * 4));
}
await db.destroy();
parentPort!.postMessage({ wins, refusedByDb });
