/**
 * Issue 15 made the autosave of a later version and the refusal of a lease held by someone else ONE statement
 * each, with the lease, the right to grade and the copy's status as conditions of that statement. These cases
 * would pass through if a condition were missing: each must still be refused as before, with the same code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';

describe(`one-statement autosave and lease refusal keep every check [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let t1: Client;
  let t2: Client;
  let outsider: Client;
  let examId: string;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    t1 = await makeUser(env, 'TEACHER');
    t2 = await makeUser(env, 'TEACHER');
    outsider = await makeUser(env, 'TEACHER');
    examId = (await makeExam(admin, [t1, t2])).id;
  });
  afterAll(() => env.close());

  const save = (c: Client, copyId: string, token: string, baseVersion: number, payload: unknown = 'x') =>
    c.req('PUT', `/api/v1/copies/${copyId}/draft`, { payload, baseVersion }, { 'x-lock-token': token });

  it('a later save after the lease was broken is LOCK_REQUIRED; a foreign token too', async () => {
    const copyId = await makeCopy(env, examId);
    const token = (await t1.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token as string;
    expect((await save(t1, copyId, token, 0)).body.version).toBe(1);
    expect((await save(t1, copyId, token, 1)).body.version).toBe(2);
    expect((await admin.req('DELETE', `/api/v1/copies/${copyId}/lock`)).status).toBe(204);
    const r = await save(t1, copyId, token, 2);
    expect([r.status, r.body.code]).toEqual([409, 'LOCK_REQUIRED']);
    // t2 takes the lease; t1's old token and t2's token in t1's hands both fail
    const t2token = (await t2.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token as string;
    expect((await save(t1, copyId, t2token, 2)).body.code).toBe('LOCK_REQUIRED');
    expect((await t1.req('GET', `/api/v1/copies/${copyId}/draft`, undefined, { 'x-lock-token': t2token })).body.code).toBe('LOCK_REQUIRED');
  });

  it('a later save by a teacher no longer allowed to grade the copy is 404, even with a live lease', async () => {
    const ownExam = (await makeExam(admin, [t1, t2])).id;
    const copyId = await makeCopy(env, ownExam);
    const token = (await t1.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token as string;
    expect((await save(t1, copyId, token, 0)).body.version).toBe(1);
    // t1 stops correcting this exam: the lease row is still there, but t1 may no longer see the copy
    expect((await admin.req('PUT', `/api/v1/exams/${ownExam}/correctors`, { userIds: [t2.user.id] })).status).toBe(200);
    const r = await save(t1, copyId, token, 1);
    expect([r.status, r.body.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('a lease held by another: 409 with the holder to a corrector, 404 to a teacher with no part in the exam', async () => {
    const copyId = await makeCopy(env, examId);
    expect((await t1.req('POST', `/api/v1/copies/${copyId}/lock`)).status).toBe(200);
    const other = await t2.req('POST', `/api/v1/copies/${copyId}/lock`);
    expect([other.status, other.body.code, other.body.owner?.id]).toEqual([409, 'LOCKED_BY_OTHER', t1.user.id]);
    const stranger = await outsider.req('POST', `/api/v1/copies/${copyId}/lock`);
    expect([stranger.status, stranger.body.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('a lease left on a copy that is no longer READY: INVALID_STATE, not LOCKED_BY_OTHER', async () => {
    const copyId = await makeCopy(env, examId);
    expect((await t1.req('POST', `/api/v1/copies/${copyId}/lock`)).status).toBe(200);
    // a stray live lease on a LOCKED copy (as left by a crash between two writes): the status answers first
    await env.ctx.db.updateTable('copies').set({ status: 'LOCKED', locked_by: t1.user.id, locked_at: env.ctx.clock.now().toISOString() }).where('id', '=', copyId).execute();
    const r = await t2.req('POST', `/api/v1/copies/${copyId}/lock`);
    expect([r.status, r.body.code]).toEqual([409, 'INVALID_STATE']);
  });
});
