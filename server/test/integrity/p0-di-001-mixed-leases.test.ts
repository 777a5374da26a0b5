import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  createTestEnv, engine, leafIds, listen, makeCopy, makeExam, makeUser, overHttp, parallel, type Client, type TestEnv,
} from '../helpers/harness.ts';
import { newId } from '../../src/ids.ts';

/**
 * P0-DI-001 with question leases (issue 13): a lease covers the whole copy or one (copy, question). Invariants,
 * checked after real parallel actors: never two overlapping live leases (whole copy vs anything on the copy; two on
 * one question), and every write by someone who does not hold the covering lease is refused.
 */
const ROUNDS = 12;
const TEACHERS = 6;
const PER_TEACHER = 3;

describe(`P0-DI-001 mixed copy / question leases [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teachers: Client[];
  let exam: Awaited<ReturnType<typeof makeExam>>;
  let questions: string[];

  beforeAll(async () => {
    env = await createTestEnv({ config: { leaseTtlMs: 60_000 } });
    const base = await listen(env);
    admin = overHttp(base, await makeUser(env, 'ADMIN'));
    const raw = await Promise.all(Array.from({ length: TEACHERS }, () => makeUser(env, 'TEACHER')));
    exam = await makeExam(admin, raw);
    questions = leafIds(exam);
    teachers = raw.map((t) => overHttp(base, t));
  });
  afterAll(() => env.close());

  const leasesOf = async (copyId: string) => ({
    whole: await env.ctx.db.selectFrom('copy_locks').selectAll().where('copy_id', '=', copyId).execute(),
    perQuestion: await env.ctx.db.selectFrom('question_locks').selectAll().where('copy_id', '=', copyId).execute(),
  });

  it('the database itself refuses a question lease next to a whole-copy lease, the reverse, and two on one question', async () => {
    const db = env.ctx.db;
    const [t] = teachers as [Client];
    const now = new Date().toISOString();
    const row = (copyId: string) => ({ copy_id: copyId, owner_id: t.user.id, token: newId(), acquired_at: now, expires_at: now });
    const a = await makeCopy(env, exam.id);
    await db.insertInto('copy_locks').values(row(a)).execute();
    await expect(db.insertInto('question_locks').values({ ...row(a), question_id: questions[0]! }).execute()).rejects.toThrow(/LEASE_OVERLAP/);
    const b = await makeCopy(env, exam.id);
    await db.insertInto('question_locks').values({ ...row(b), question_id: questions[0]! }).execute();
    await expect(db.insertInto('copy_locks').values(row(b)).execute()).rejects.toThrow(/LEASE_OVERLAP/);
    await expect(db.insertInto('question_locks').values({ ...row(b), question_id: questions[0]! }).execute()).rejects.toThrow();
    // moving a lease row onto a copy that has the other kind is refused too
    const c = await makeCopy(env, exam.id);
    await db.insertInto('copy_locks').values(row(c)).execute();
    await expect(db.updateTable('question_locks').set({ copy_id: c }).where('copy_id', '=', b).execute()).rejects.toThrow(/LEASE_OVERLAP/);
    // a different question of the same copy is fine
    await db.insertInto('question_locks').values({ ...row(b), question_id: questions[1]! }).execute();
    expect((await leasesOf(b)).perQuestion).toHaveLength(2);
    await sql`DELETE FROM question_locks WHERE copy_id = ${b}`.execute(db);
  });

  it(`${TEACHERS} teachers × ${PER_TEACHER} parallel acquires, whole copy or a question at random: no overlap, losers get LOCKED_BY_OTHER (${ROUNDS} rounds)`, async () => {
    let mixedOutcomes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const copyId = await makeCopy(env, exam.id);
      // scope of request i: the whole copy (one in six) or question (i mod n). The question path does more reads
      // before its insert, so in odd rounds the whole-copy requests leave once the first question request is
      // answered, racing the others still in flight (else the whole copy would win every round)
      const scopeOf = (i: number) => (i % 6 === 0 ? null : questions[i % questions.length]!);
      const send = (i: number) => {
        const q = scopeOf(i);
        return teachers[i % TEACHERS]!.req('POST', `/api/v1/copies/${copyId}/lock`, q ? { questionId: q } : undefined);
      };
      const ids = Array.from({ length: TEACHERS * PER_TEACHER }, (_, i) => i);
      let results: Awaited<ReturnType<typeof send>>[];
      if (round % 2 === 0) results = await Promise.all(ids.map(send));
      else {
        const first = ids.filter((i) => scopeOf(i) !== null).map((i) => [i, send(i)] as const);
        await Promise.race(first.map(([, p]) => p));
        const late = ids.filter((i) => scopeOf(i) === null).map((i) => [i, send(i)] as const);
        const all = new Map([...first, ...late]);
        results = await Promise.all(ids.map((i) => all.get(i)!));
      }
      if (process.env.DEBUG_LEASES) console.log(round, results.map((r, i) => `${scopeOf(i) ? 'Q' : 'C'}${r.status}`).join(' '));
      for (const r of results) {
        if (r.status !== 200) {
          expect(r.status).toBe(409);
          expect(r.body.code).toBe('LOCKED_BY_OTHER');
          expect(r.body.owner.id).toBeTruthy();
        }
      }
      const { whole, perQuestion } = await leasesOf(copyId);
      // the invariant: a whole-copy lease alone, or question leases on distinct questions
      expect(whole.length === 0 || perQuestion.length === 0).toBe(true);
      expect(whole.length).toBeLessThanOrEqual(1);
      expect(new Set(perQuestion.map((l) => l.question_id)).size).toBe(perQuestion.length);
      if (perQuestion.length > 1) mixedOutcomes++;
      // every 200 names the lease that is in the database
      for (const r of results.filter((x) => x.status === 200)) {
        const held = r.body.questionId ? perQuestion.find((l) => l.question_id === r.body.questionId) : whole[0];
        expect(held?.token).toBe(r.body.token);
        expect(held?.owner_id).toBe(r.body.owner.id);
      }
      // writes: only the holder of the covering lease writes a question; everyone else is refused
      const holders = new Map<string, { token: string; owner: string }>();
      for (const q of questions) {
        const l = whole[0] ?? perQuestion.find((x) => x.question_id === q);
        if (l) holders.set(q, { token: l.token, owner: l.owner_id });
      }
      const tokens = [...new Set(results.filter((r) => r.status === 200).map((r) => r.body.token as string)), 'forged'];
      const writes = await parallel(TEACHERS * questions.length * tokens.length, (i) => {
        const t = teachers[i % TEACHERS]!;
        const q = questions[Math.floor(i / TEACHERS) % questions.length]!;
        const token = tokens[Math.floor(i / (TEACHERS * questions.length))]!;
        return t.req('PUT', `/api/v1/copies/${copyId}/scores/${q}`, { points: 100 }, { 'x-lock-token': token }).then((res) => ({ res, t, q, token }));
      });
      for (const { res, t, q, token } of writes) {
        const h = holders.get(q);
        const mayWrite = !!h && h.token === token && h.owner === t.user.id;
        if (mayWrite) expect([200, 409]).toContain(res.status); // 409 VERSION_CONFLICT: a second tab inserting too
        else {
          expect(res.status).toBe(409);
          expect(res.body.code).toBe('LOCK_REQUIRED');
        }
        if (res.status === 200) expect(mayWrite).toBe(true);
      }
      const scores = await env.ctx.db.selectFrom('scores').select(['question_id', 'updated_by']).where('copy_id', '=', copyId).execute();
      for (const s of scores) expect(s.updated_by).toBe(holders.get(s.question_id)!.owner);
    }
    expect(mixedOutcomes).toBeGreaterThan(0); // rounds did end with several question leases on one copy
  });

  it('a question lease writes its question only; a whole-copy lease waits until every question lease is gone', async () => {
    const [a, b] = teachers as [Client, Client];
    const copyId = await makeCopy(env, exam.id);
    const la = await a.req('POST', `/api/v1/copies/${copyId}/lock`, { questionId: questions[0] });
    const lb = await b.req('POST', `/api/v1/copies/${copyId}/lock`, { questionId: questions[1] });
    expect(la.status).toBe(200);
    expect(lb.status).toBe(200);
    expect(la.body.questionId).toBe(questions[0]);
    // a's token does not write b's question nor annotate the copy (a whole-copy write)
    const other = await a.req('PUT', `/api/v1/copies/${copyId}/scores/${questions[1]}`, { points: 100 }, { 'x-lock-token': la.body.token });
    expect(other.body.code).toBe('LOCK_REQUIRED');
    const ann = await a.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 0, x: 0.1, y: 0.1, w: 0.1, h: 0.1, type: 'TICK' }, { 'x-lock-token': la.body.token });
    expect(ann.body.code).toBe('LOCK_REQUIRED');
    const own = await a.req('PUT', `/api/v1/copies/${copyId}/scores/${questions[0]}`, { points: 100 }, { 'x-lock-token': la.body.token });
    expect(own.status).toBe(200);
    // the whole copy: refused while b holds a question, even to a (whose own question lease would give way)
    const whole = await a.req('POST', `/api/v1/copies/${copyId}/lock`);
    expect(whole.status).toBe(409);
    expect(whole.body.code).toBe('LOCKED_BY_OTHER');
    expect(whole.body.owner.id).toBe(b.user.id);
    expect(whole.body.questionId).toBe(questions[1]);
    // heartbeat and release work with a question token
    expect((await b.req('POST', `/api/v1/copies/${copyId}/lock/heartbeat`, undefined, { 'x-lock-token': lb.body.token })).status).toBe(200);
    expect((await b.req('DELETE', `/api/v1/copies/${copyId}/lock`, undefined, { 'x-lock-token': lb.body.token })).status).toBe(204);
    // now a takes the whole copy: its own question lease gives way to it
    const whole2 = await a.req('POST', `/api/v1/copies/${copyId}/lock`);
    expect(whole2.status).toBe(200);
    const { whole: w, perQuestion } = await leasesOf(copyId);
    expect(w).toHaveLength(1);
    expect(perQuestion).toHaveLength(0);
    // and b can take no question while a holds the copy
    const lb2 = await b.req('POST', `/api/v1/copies/${copyId}/lock`, { questionId: questions[2] });
    expect(lb2.body.code).toBe('LOCKED_BY_OTHER');
    // a asking for a question of its own copy gets its whole-copy lease back (it covers the question)
    const la2 = await a.req('POST', `/api/v1/copies/${copyId}/lock`, { questionId: questions[2] });
    expect(la2.status).toBe(200);
    expect(la2.body.token).toBe(whole2.body.token);
    expect(la2.body.questionId).toBeNull();
    // an admin breaks everything without a token
    expect((await admin.req('DELETE', `/api/v1/copies/${copyId}/lock`)).status).toBe(204);
    expect((await leasesOf(copyId)).whole).toHaveLength(0);
  });

  it('an expired whole-copy lease gives way to question leases (and the reverse); the old token writes nothing', async () => {
    const [a, b, c] = teachers as [Client, Client, Client];
    const copyId = await makeCopy(env, exam.id);
    const la = await a.req('POST', `/api/v1/copies/${copyId}/lock`);
    env.clock.advance(61_000);
    const results = await parallel(questions.length * 2, (i) =>
      [b, c][i % 2]!.req('POST', `/api/v1/copies/${copyId}/lock`, { questionId: questions[i % questions.length] }),
    );
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(questions.length);
    const { whole, perQuestion } = await leasesOf(copyId);
    expect(whole).toHaveLength(0);
    expect(perQuestion).toHaveLength(questions.length);
    const stale = await a.req('PUT', `/api/v1/copies/${copyId}/scores/${questions[0]}`, { points: 100 }, { 'x-lock-token': la.body.token });
    expect(stale.body.code).toBe('LOCK_REQUIRED');
    env.clock.advance(61_000);
    const again = await a.req('POST', `/api/v1/copies/${copyId}/lock`);
    expect(again.status).toBe(200);
    expect((await leasesOf(copyId)).perQuestion).toHaveLength(0);
  });

  it('worker threads on separate connections, whole copy or a question at random, short real TTL: the database keeps leases from overlapping', async () => {
    const copyId = await makeCopy(env, exam.id);
    const owners = teachers.slice(0, 4).map((t) => t.user.id);
    const ttlMs = 20;
    const reports = await Promise.all(
      owners.map(
        (ownerId) =>
          new Promise<{ wins: { owner: string; scope: string; token: string; at: number; expires: number }[]; refusedByDb: number }>((resolve, reject) => {
            const w = new Worker(new URL('./mixed-lease-worker.mjs', import.meta.url), {
              workerData: { databaseUrl: env.databaseUrl, copyId, ownerId, questionIds: questions, ttlMs, rounds: 60 },
            });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    const wins = reports.flatMap((r) => r.wins);
    expect(wins.length).toBeGreaterThan(0);
    expect(new Set(wins.map((x) => x.scope)).size).toBeGreaterThan(1); // both kinds were granted
    // one lease = one token: live from its first grant to its last renewal's expiry
    const leases = new Map<string, { scope: string; owner: string; from: number; to: number }>();
    for (const x of wins) {
      const l = leases.get(x.token);
      if (!l) leases.set(x.token, { scope: x.scope, owner: x.owner, from: x.at, to: x.expires });
      else {
        l.from = Math.min(l.from, x.at);
        l.to = Math.max(l.to, x.expires);
      }
    }
    const all = [...leases.values()];
    const conflict = (p: { scope: string }, q: { scope: string }) => p.scope === 'COPY' || q.scope === 'COPY' || p.scope === q.scope;
    let overlaps = 0;
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const [p, q] = [all[i]!, all[j]!];
        if (conflict(p, q) && p.from <= q.to && q.from <= p.to) {
          overlaps++;
          if (process.env.DEBUG_LEASES) console.log('overlap', p, q, wins.filter((x) => [p, q].some((l) => l.owner === x.owner && l.scope === x.scope)).sort((a, b) => a.at - b.at));
        }
      }
    }
    expect(overlaps).toBe(0);
  });
});
