import { parentPort, workerData } from 'node:worker_threads';
import { createDb } from '../../src/db/database.ts';
import { acquireLease } from '../../src/repositories/lock.repository.ts';
import { randomToken } from '../../src/ids.ts';

const { databaseUrl, copyId, ownerId, ttlMs, rounds } = workerData as {
  databaseUrl: string; copyId: string; ownerId: string; ttlMs: number; rounds: number;
};
const db = createDb({ url: databaseUrl, poolSize: 2 });
const wins: { owner: string; token: string; at: number; expires: number }[] = [];
for (let i = 0; i < rounds; i++) {
  const at = Date.now();
  const row = await acquireLease(db, {
    copyId,
    ownerId,
    newToken: randomToken(),
    now: new Date(at).toISOString(),
    expiresAt: new Date(at + ttlMs).toISOString(),
  });
  if (row) wins.push({ owner: row.owner_id, token: row.token, at, expires: Date.parse(row.expires_at) });
  await new Promise((r) => setTimeout(r, Math.random() * 6));
}
await db.destroy();
parentPort!.postMessage(wins);
