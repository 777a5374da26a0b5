import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEnv, engine, leafIds, listen, makeCopy, makeExam, makeUser, overHttp, parallel, type Client, type TestEnv,
} from '../helpers/harness.ts';
import { newId } from '../../src/ids.ts';
import { deleteExpiredLeases, releaseLease } from '../../src/repositories/lock.repository.ts';

const ROUNDS = 20;
const TEACHERS = 8;
const PER_TEACHER = 4;

describe(`P0-DI-001 concurrent lock acquisition [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teachers: Client[];
  let examId: string;
  let exam: Awaited<ReturnType<typeof makeExam>>;

  beforeAll(async () => {
    env = await createTestEnv({ config: { leaseTtlMs: 60_000 } });
    const base = await listen(env);
    admin = await makeUser(env, 'ADMIN');
    const raw = await Promise.all(Array.from({ length: TEACHERS }, () => makeUser(env, 'TEACHER')));
    exam = await makeExam(admin, raw);
    examId = exam.id;
    teachers = raw.map((t) => overHttp(base, t));
  });
  afterAll(() => env.close());

  it(`${TEACHERS} teachers × ${PER_TEACHER} parallel acquires: exactly one holder, one token, every round (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const copyId = await makeCopy(env, examId);
      const results = await parallel(TEACHERS * PER_TEACHER, (i) => teachers[i % TEACHERS]!.req('POST', `/api/v1/copies/${copyId}/lock`));
      const wins = results.filter((r) => r.status === 200);
      const owners = new Set(wins.map((r) => r.body.owner.id));
      expect(owners.size).toBe(1);
      const [owner] = owners;
      expect(new Set(wins.map((r) => r.body.token)).size).toBe(1); // the same owner's tabs share one token
      for (const r of results.filter((x) => x.status !== 200)) {
        expect(r.status).toBe(409);
        expect(r.body.code).toBe('LOCKED_BY_OTHER');
        expect(r.body.owner.id).toBe(owner);
        expect(r.body.expiresAt).toBeTruthy();
      }
      const rows = await env.ctx.db.selectFrom('copy_locks').selectAll().where('copy_id', '=', copyId).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.owner_id).toBe(owner);
      expect(rows[0]!.token).toBe(wins[0]!.body.token);
    }
  });

  it(`an expired lease is taken over by exactly one teacher; the old token is then refused (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const copyId = await makeCopy(env, examId);
      const first = teachers[round % TEACHERS]!;
      const held = await first.req('POST', `/api/v1/copies/${copyId}/lock`);
      expect(held.status).toBe(200);
      env.clock.advance(61_000); // past the TTL
      const others = teachers.filter((t) => t !== first);
      const results = await parallel(others.length * PER_TEACHER, (i) => others[i % others.length]!.req('POST', `/api/v1/copies/${copyId}/lock`));
      const wins = results.filter((r) => r.status === 200);
      expect(new Set(wins.map((r) => r.body.owner.id)).size).toBe(1);
      const newToken = wins[0]!.body.token;
      expect(newToken).not.toBe(held.body.token);
      expect(results.every((r) => r.status === 200 || r.body.code === 'LOCKED_BY_OTHER')).toBe(true);

      // the previous holder's token no longer writes anything, nor does a made-up one
      for (const token of [held.body.token, 'forged-token']) {
        const w = await first.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 0, x: 0.1, y: 0.1, w: 0.1, h: 0.1, type: 'TICK' }, { 'x-lock-token': token });
        expect(w.status).toBe(409);
        expect(w.body.code).toBe('LOCK_REQUIRED');
        const s = await first.req('PUT', `/api/v1/copies/${copyId}/scores/${leafIds(exam)[0]}`, { points: 100 }, { 'x-lock-token': token });
        expect(s.body.code).toBe('LOCK_REQUIRED');
        const d = await first.req('PUT', `/api/v1/copies/${copyId}/draft`, { payload: { a: 1 }, baseVersion: 0 }, { 'x-lock-token': token });
        expect(d.body.code).toBe('LOCK_REQUIRED');
      }
      // the new holder's token is honoured, but not when another teacher presents it
      const winner = teachers.find((t) => t.user.id === wins[0]!.body.owner.id)!;
      const ok = await winner.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 0, x: 0.1, y: 0.1, w: 0.1, h: 0.1, type: 'TICK' }, { 'x-lock-token': newToken });
      expect(ok.status).toBe(201);
      const stolen = await first.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 0, x: 0.2, y: 0.2, w: 0.1, h: 0.1, type: 'TICK' }, { 'x-lock-token': newToken });
      expect(stolen.body.code).toBe('LOCK_REQUIRED');
      const count = await env.ctx.db.selectFrom('annotations').select((eb) => eb.fn.countAll().as('n')).where('copy_id', '=', copyId).executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(1);
    }
  });

  it('a lease that expired with nobody taking it over no longer writes: annotation, score, draft and heartbeat → LOCK_REQUIRED', async () => {
    const copyId = await makeCopy(env, examId);
    const [a] = teachers as [Client];
    const held = await a.req('POST', `/api/v1/copies/${copyId}/lock`);
    expect(held.status).toBe(200);
    const h = { 'x-lock-token': held.body.token };
    // the token writes while the lease is live …
    expect((await a.req('PUT', `/api/v1/copies/${copyId}/draft`, { payload: { n: 1 }, baseVersion: 0 }, h)).status).toBe(200);
    env.clock.advance(61_000); // … and not once its TTL has passed, although the row and the token are unchanged
    const w = await a.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 0, x: 0.1, y: 0.1, w: 0.1, h: 0.1, type: 'TICK' }, h);
    const s = await a.req('PUT', `/api/v1/copies/${copyId}/scores/${leafIds(exam)[0]}`, { points: 100 }, h);
    const d = await a.req('PUT', `/api/v1/copies/${copyId}/draft`, { payload: { n: 2 }, baseVersion: 1 }, h);
    const hb = await a.req('POST', `/api/v1/copies/${copyId}/lock/heartbeat`, undefined, h);
    for (const r of [w, s, d, hb]) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('LOCK_REQUIRED');
    }
    const row = await env.ctx.db.selectFrom('copy_locks').select('token').where('copy_id', '=', copyId).executeTakeFirstOrThrow();
    expect(row.token).toBe(held.body.token); // nobody took it over: only the expiry refused the writes
    const db = env.ctx.db;
    expect(await db.selectFrom('annotations').select('id').where('copy_id', '=', copyId).execute()).toHaveLength(0);
    expect(await db.selectFrom('scores').select('points').where('copy_id', '=', copyId).execute()).toHaveLength(0);
    const draft = await db.selectFrom('draft_states').select(['version', 'payload']).where('copy_id', '=', copyId).executeTakeFirstOrThrow();
    expect(draft.version).toBe(1);
  });

  it('a heartbeat with a stale token fails; release frees the copy for the next teacher', async () => {
    const copyId = await makeCopy(env, examId);
    const [a, b] = teachers as [Client, Client];
    const la = await a.req('POST', `/api/v1/copies/${copyId}/lock`);
    expect((await b.req('POST', `/api/v1/copies/${copyId}/lock`)).status).toBe(409);
    const hb = await a.req('POST', `/api/v1/copies/${copyId}/lock/heartbeat`, undefined, { 'x-lock-token': la.body.token });
    expect(hb.status).toBe(200);
    expect(hb.body.expiresAt >= la.body.expiresAt).toBe(true);
    expect((await b.req('POST', `/api/v1/copies/${copyId}/lock/heartbeat`, undefined, { 'x-lock-token': 'nope' })).body.code).toBe('LOCK_REQUIRED');
    expect((await a.req('DELETE', `/api/v1/copies/${copyId}/lock`, undefined, { 'x-lock-token': la.body.token })).status).toBe(204);
    expect((await b.req('POST', `/api/v1/copies/${copyId}/lock`)).status).toBe(200);
  });

  it('a stale or foreign token never breaks the current lease, even an admin\'s; an admin breaks it only explicitly', async () => {
    const copyId = await makeCopy(env, examId);
    const [a, b] = teachers as [Client, Client];
    const la = await a.req('POST', `/api/v1/copies/${copyId}/lock`);
    for (const who of [b, admin]) {
      const r = await who.req('DELETE', `/api/v1/copies/${copyId}/lock`, undefined, { 'x-lock-token': 'stale-token' });
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('LOCK_REQUIRED');
    }
    expect((await b.req('DELETE', `/api/v1/copies/${copyId}/lock`)).status).toBe(409);
    const still = await env.ctx.db.selectFrom('copy_locks').selectAll().where('copy_id', '=', copyId).executeTakeFirstOrThrow();
    expect(still.token).toBe(la.body.token);
    expect((await admin.req('DELETE', `/api/v1/copies/${copyId}/lock`)).status).toBe(204);
    expect((await a.req('DELETE', `/api/v1/copies/${copyId}/lock`, undefined, { 'x-lock-token': la.body.token })).status).toBe(204); // already gone: no-op
    const events = await env.ctx.db.selectFrom('grading_events').select('action').where('copy_id', '=', copyId).execute();
    expect(events.map((e) => e.action)).toContain('LEASE_BROKEN');
  });

  it('a release decided on a lease that was taken over meanwhile deletes nothing; each release deletes only its own copy\'s row', async () => {
    // the service reads the lease, checks the token, then deletes "this copy's row with this token": the delete
    // itself must honour the token, or a takeover between the read and the delete loses the new holder's lease
    const db = env.ctx.db;
    const [a, b, c] = teachers as [Client, Client, Client];
    const taken = await makeCopy(env, examId);
    const other = await makeCopy(env, examId);
    const stale = await a.req('POST', `/api/v1/copies/${taken}/lock`);
    env.clock.advance(61_000);
    const fresh = await b.req('POST', `/api/v1/copies/${taken}/lock`);
    expect(fresh.status).toBe(200);
    const neighbour = await c.req('POST', `/api/v1/copies/${other}/lock`);
    expect(neighbour.status).toBe(200);
    const tokenOf = async (copyId: string) =>
      (await db.selectFrom('copy_locks').select('token').where('copy_id', '=', copyId).executeTakeFirst())?.token;

    expect(await releaseLease(db, taken, stale.body.token)).toBe(0); // the token read before the takeover
    expect(await tokenOf(taken)).toBe(fresh.body.token);
    expect(await releaseLease(db, taken, neighbour.body.token)).toBe(0); // a live token of another copy
    expect(await tokenOf(taken)).toBe(fresh.body.token);
    expect(await releaseLease(db, taken, fresh.body.token)).toBe(1);
    expect(await tokenOf(taken)).toBeUndefined();
    expect(await tokenOf(other)).toBe(neighbour.body.token); // the neighbour's lease was not part of it
    expect(await releaseLease(db, other)).toBe(1); // an admin's break: no token, this copy's row whatever its token
    expect(await tokenOf(other)).toBeUndefined();
    expect(await releaseLease(db, other)).toBe(0);
  });

  it('the sweep of expired leases (recover-stuck) deletes those past their expiry only, and names them', async () => {
    const db = env.ctx.db;
    const [a, b, c] = teachers as [Client, Client, Client];
    const now = env.clock.now();
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const past = await makeCopy(env, examId);
    const edge = await makeCopy(env, examId);
    const live = await makeCopy(env, examId);
    const lease = (copyId: string, ownerId: string, expiresAt: string) => ({
      copy_id: copyId, owner_id: ownerId, token: newId(), acquired_at: at(-60_000), expires_at: expiresAt,
    });
    await db
      .insertInto('copy_locks')
      .values([lease(past, a.user.id, at(-1)), lease(edge, b.user.id, at(0)), lease(live, c.user.id, at(1))])
      .execute();
    const swept = await deleteExpiredLeases(db, now.toISOString());
    // a lease expiring exactly now is not taken over by acquireLease (expires_at < now) either
    expect(swept.filter((r) => [past, edge, live].includes(r.copy_id))).toEqual([{ copy_id: past, owner_id: a.user.id }]);
    const left = await db.selectFrom('copy_locks').select('copy_id').where('copy_id', 'in', [past, edge, live]).execute();
    expect(left.map((r) => r.copy_id).sort()).toEqual([edge, live].sort());
  });

  it('worker threads on separate connections with a short real TTL: holders never overlap', async () => {
    const copyId = await makeCopy(env, examId);
    const owners = teachers.slice(0, 4).map((t) => t.user.id);
    const ttlMs = 15;
    const histories = await Promise.all(
      owners.map(
        (ownerId) =>
          new Promise<{ owner: string; token: string; at: number; expires: number }[]>((resolve, reject) => {
            const w = new Worker(new URL('./lock-worker.mjs', import.meta.url), {
              workerData: { databaseUrl: env.databaseUrl, copyId, ownerId, ttlMs, rounds: 150, seed: newId() },
            });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    const all = histories.flat().sort((x, y) => x.at - y.at);
    expect(all.length).toBeGreaterThan(0);
    expect(new Set(all.map((h) => h.owner)).size).toBeGreaterThan(1); // takeovers did happen
    // a different owner only ever wins after the previous holder's lease had expired
    let holder = all[0]!;
    for (const h of all.slice(1)) {
      if (h.owner !== holder.owner) {
        expect(h.at).toBeGreaterThan(holder.expires);
        expect(h.token).not.toBe(holder.token);
      } else if (h.at <= holder.expires) {
        expect(h.token).toBe(holder.token); // a live renewal keeps the token
      }
      holder = h;
    }
  });
});
