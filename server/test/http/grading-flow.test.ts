import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';

describe(`grading flow over HTTP [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
  });
  afterAll(() => env.close());

  it('takes a copy from READY to GRADED with a final PDF', async () => {
    const exam = await makeExam(admin, [teacher]);
    const copyId = await makeCopy(env, exam.id);
    const lock = await teacher.req('POST', `/api/v1/copies/${copyId}/lock`);
    expect(lock.status).toBe(200);
    const h = { 'x-lock-token': lock.body.token };

    const a = await teacher.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 0, x: 0.1, y: 0.1, w: 0.3, h: 0.1, type: 'COMMENT', content: 'Très bien ✓ ½' }, h);
    expect(a.status).toBe(201);
    expect(a.body.annotation.version).toBe(1);
    const [q1, q2, q3] = leafIds(exam);
    for (const [q, p] of [[q1, 350], [q2, 600], [q3, 725]] as const) {
      const s = await teacher.req('PUT', `/api/v1/copies/${copyId}/scores/${q}`, { points: p }, h);
      expect(s.status).toBe(200);
    }
    const over = await teacher.req('PUT', `/api/v1/copies/${copyId}/scores/${q1}`, { points: 401, version: 1 }, h);
    expect(over.status).toBe(400);
    expect(over.body.code).toBe('VALIDATION_FAILED');

    const sub = await teacher.req('POST', `/api/v1/copies/${copyId}/submit`, undefined, h);
    expect(sub.status).toBe(200);
    expect(sub.body.status).toBe('LOCKED');

    const fin = await teacher.req('POST', `/api/v1/copies/${copyId}/finalize`);
    expect(fin.status).toBe(202);
    expect(fin.body.jobId).toBeTruthy();

    const runner = new JobRunner(env.ctx, jobHandlers, { backoffBaseMs: 10 });
    expect(await runner.drain()).toBe(1);

    const copy = await teacher.req('GET', `/api/v1/copies/${copyId}`);
    expect(copy.body.status).toBe('GRADED');
    expect(copy.body.finalScore).toBe(1675);
    expect(copy.body.total).toBe(1675);
    const pdf = await teacher.req('GET', `/api/v1/copies/${copyId}/final.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.raw.subarray(0, 5).toString()).toBe('%PDF-');

    const again = await teacher.req('POST', `/api/v1/copies/${copyId}/finalize`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('GRADED');

    const events = await admin.req('GET', `/api/v1/copies/${copyId}/events`);
    const actions = events.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['VALIDATED', 'LEASE_ACQUIRED', 'ANNOTATION_CREATED', 'SCORE_SET', 'SUBMITTED', 'FINALIZE_REQUESTED', 'FINALIZE_OK']));
  });
});
