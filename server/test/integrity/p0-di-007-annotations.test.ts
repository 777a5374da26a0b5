import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, listen, makeCopy, makeExam, makeUser, overHttp, parallel, type Client, type TestEnv } from '../helpers/harness.ts';

const ROUNDS = 20;
const WRITERS = 8;

describe(`P0-DI-007 annotation optimistic locking [${engine}]`, () => {
  let env: TestEnv;
  let teacher: Client;
  let exam: Awaited<ReturnType<typeof makeExam>>;
  beforeAll(async () => {
    env = await createTestEnv();
    const base = await listen(env);
    const admin = await makeUser(env, 'ADMIN');
    const t = await makeUser(env, 'TEACHER');
    exam = await makeExam(admin, [t]);
    teacher = overHttp(base, t);
  });
  afterAll(() => env.close());

  it(`parallel PATCHes at the same version: one wins, the others get 409 with the current row (${ROUNDS} rounds)`, async () => {
    const copyId = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    const created = await teacher.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 0, x: 0.1, y: 0.1, w: 0.2, h: 0.1, type: 'COMMENT', content: 'start' }, h);
    const id = created.body.annotation.id;
    let version = 1;
    for (let round = 0; round < ROUNDS; round++) {
      const results = await parallel(WRITERS, (i) => teacher.req('PATCH', `/api/v1/annotations/${id}`, { version, content: `r${round} w${i}`, x: i / 20 }, h));
      const wins = results.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 200);
      expect(wins).toHaveLength(1);
      const w = wins[0]!;
      expect(w.r.body.annotation.version).toBe(version + 1);
      for (const r of results.filter((r) => r.status !== 200)) {
        expect(r.status).toBe(409);
        expect(r.body.code).toBe('VERSION_CONFLICT');
        expect(r.body.current).toMatchObject({ id, version: version + 1, content: `r${round} w${w.i}`, x: w.i / 20 });
      }
      version += 1;
    }
    const row = await env.ctx.db.selectFrom('annotations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.version).toBe(ROUNDS + 1);
    const updates = await env.ctx.db.selectFrom('grading_events').select('id').where('copy_id', '=', copyId).where('action', '=', 'ANNOTATION_UPDATED').execute();
    expect(updates).toHaveLength(ROUNDS);
  });

  it('a delete at a stale version is refused and keeps the annotation; parallel deletes: exactly one succeeds', async () => {
    const copyId = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    const a = (await teacher.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 1, x: 0, y: 0, w: 1, h: 1, type: 'HIGHLIGHT' }, h)).body.annotation;
    await teacher.req('PATCH', `/api/v1/annotations/${a.id}`, { version: 1, w: 0.5 }, h);
    const stale = await teacher.req('DELETE', `/api/v1/annotations/${a.id}?version=1`, undefined, h);
    expect(stale.status).toBe(409);
    expect(stale.body.current.version).toBe(2);
    const dels = await parallel(6, () => teacher.req('DELETE', `/api/v1/annotations/${a.id}?version=2`, undefined, h));
    expect(dels.filter((d) => d.status === 204)).toHaveLength(1);
    expect(dels.filter((d) => d.status !== 204).every((d) => d.status === 404 || d.body.code === 'VERSION_CONFLICT')).toBe(true);
  });

  it('scores are version-checked too: parallel first writes and parallel updates never silently overwrite', async () => {
    const copyId = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    const q = leafIds(exam)[2]!;
    const first = await parallel(6, (i) => teacher.req('PUT', `/api/v1/copies/${copyId}/scores/${q}`, { points: 100 * i }, h));
    expect(first.filter((r) => r.status === 200)).toHaveLength(1);
    expect(first.filter((r) => r.status === 409).every((r) => r.body.code === 'VERSION_CONFLICT' && r.body.current.version === 1)).toBe(true);
    const upd = await parallel(6, (i) => teacher.req('PUT', `/api/v1/copies/${copyId}/scores/${q}`, { points: 50 * i, version: 1 }, h));
    expect(upd.filter((r) => r.status === 200)).toHaveLength(1);
    expect(upd.filter((r) => r.status === 200)[0]!.body.score.version).toBe(2);
    // clearing a score is version-checked as well
    const stale = await teacher.req('DELETE', `/api/v1/copies/${copyId}/scores/${q}?version=1`, undefined, h);
    expect(stale.status).toBe(409);
    expect(stale.body.current.version).toBe(2);
    expect((await teacher.req('DELETE', `/api/v1/copies/${copyId}/scores/${q}?version=2`, undefined, h)).status).toBe(204);
    expect((await teacher.req('GET', `/api/v1/copies/${copyId}`)).body.scores).toEqual([]);
  });

  it('bad geometry and unknown pages are 400', async () => {
    const copyId = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    for (const body of [
      { pagePosition: 0, x: 0.8, y: 0, w: 0.3, h: 0.1, type: 'COMMENT' },
      { pagePosition: 0, x: -0.1, y: 0, w: 0.3, h: 0.1, type: 'COMMENT' },
      { pagePosition: 5, x: 0, y: 0, w: 0.1, h: 0.1, type: 'TICK' },
      { pagePosition: 0, x: 0, y: 0, w: 0.1, h: 0.1, type: 'STAR' },
      { pagePosition: 0, x: 0, y: 0, w: 0.1, h: 0.1, type: 'FREEHAND' },
    ]) {
      const r = await teacher.req('POST', `/api/v1/copies/${copyId}/annotations`, body, h);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
    }
  });
});
