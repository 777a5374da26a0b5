import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, listen, makeCopy, makeExam, makeUser, overHttp, parallel, type Client, type TestEnv } from '../helpers/harness.ts';

const ROUNDS = 25;
const TABS = 10;

describe(`P0-DI-002 concurrent autosave [${engine}]`, () => {
  let env: TestEnv;
  let teacher: Client;
  let examId: string;
  beforeAll(async () => {
    env = await createTestEnv();
    const base = await listen(env);
    const admin = await makeUser(env, 'ADMIN');
    const t = await makeUser(env, 'TEACHER');
    examId = (await makeExam(admin, [t])).id;
    teacher = overHttp(base, t);
  });
  afterAll(() => env.close());

  it(`${TABS} tabs saving from the same base version: exactly one wins, the others get the winner's draft (${ROUNDS} rounds)`, async () => {
    const copyId = await makeCopy(env, examId);
    const lock = await teacher.req('POST', `/api/v1/copies/${copyId}/lock`);
    const h = { 'x-lock-token': lock.body.token };
    let base = 0;
    const accepted: { version: number; payload: unknown }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const results = await parallel(TABS, (tab) =>
        teacher.req('PUT', `/api/v1/copies/${copyId}/draft`, { payload: { round, tab, text: `tab ${tab} é✓` }, baseVersion: base, clientId: `tab-${tab}` }, h),
      );
      const wins = results.map((r, tab) => ({ r, tab })).filter(({ r }) => r.status === 200);
      expect(wins).toHaveLength(1);
      const winner = wins[0]!;
      expect(winner.r.body.version).toBe(base + 1);
      for (const { r } of results.map((r, tab) => ({ r, tab })).filter(({ r }) => r.status !== 200)) {
        expect(r.status).toBe(409);
        expect(r.body.code).toBe('DRAFT_CONFLICT');
        expect(r.body.current.version).toBe(base + 1);
        expect(r.body.current.payload).toEqual({ round, tab: winner.tab, text: `tab ${winner.tab} é✓` });
      }
      accepted.push({ version: base + 1, payload: { round, tab: winner.tab } });
      base += 1;
    }
    // versions strictly increased by one per accepted save; the stored draft is the last winner's
    expect(accepted.map((a) => a.version)).toEqual(Array.from({ length: ROUNDS }, (_, i) => i + 1));
    const stored = await teacher.req('GET', `/api/v1/copies/${copyId}/draft`, undefined, h);
    expect(stored.body.version).toBe(ROUNDS);
    expect(stored.body.payload).toMatchObject(accepted[ROUNDS - 1]!.payload as object);
  });

  it('a stale tab can never overwrite a newer save', async () => {
    const copyId = await makeCopy(env, examId);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    expect((await teacher.req('PUT', `/api/v1/copies/${copyId}/draft`, { payload: 'v1', baseVersion: 0 }, h)).body.version).toBe(1);
    expect((await teacher.req('PUT', `/api/v1/copies/${copyId}/draft`, { payload: 'v2', baseVersion: 1 }, h)).body.version).toBe(2);
    const stale = await teacher.req('PUT', `/api/v1/copies/${copyId}/draft`, { payload: 'old tab', baseVersion: 1 }, h);
    expect(stale.status).toBe(409);
    expect(stale.body.current).toMatchObject({ version: 2, payload: 'v2' });
    const again = await teacher.req('PUT', `/api/v1/copies/${copyId}/draft`, { payload: 'first-save-again', baseVersion: 0 }, h);
    expect(again.body.code).toBe('DRAFT_CONFLICT');
    expect((await teacher.req('GET', `/api/v1/copies/${copyId}/draft`, undefined, h)).body.payload).toBe('v2');
  });

  it('bad draft input is a 400, not a 500', async () => {
    const copyId = await makeCopy(env, examId);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    for (const body of [{ payload: 1 }, { payload: 1, baseVersion: -1 }, { baseVersion: 0 }, { payload: 1, baseVersion: 'x' }]) {
      const r = await teacher.req('PUT', `/api/v1/copies/${copyId}/draft`, body, h);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
    }
  });
});
