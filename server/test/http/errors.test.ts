import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';

describe(`bad input is a clear 4xx, never a 500 [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let examId: string;
  let copyId: string;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    examId = (await makeExam(admin)).id;
    copyId = await makeCopy(env, examId);
  });
  afterAll(() => env.close());

  const cases: [string, string, unknown, Record<string, string>?][] = [
    ['POST', '/api/v1/exams', '{"title": "unterminated', { 'content-type': 'application/json' }],
    ['POST', '/api/v1/exams', 'title=x', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['POST', '/api/v1/exams', { title: '', pagesPerCopy: 0 }],
    ['POST', '/api/v1/exams', { title: 'x', pagesPerCopy: 2, questions: [{ label: 'q', maxPoints: -5 }] }],
    ['POST', '/api/v1/exams', { title: 'x', pagesPerCopy: 2, questions: [{ label: 'q', maxPoints: 1.5 }] }],
    ['POST', '/api/v1/exams', { title: 'x', pagesPerCopy: 2, examDate: '31/12/2026' }],
    ['POST', '/api/v1/exams', { title: 'x'.repeat(100_000), pagesPerCopy: 2 }],
    ['GET', '/api/v1/exams/does-not-exist', undefined],
    ['GET', `/api/v1/copies/${'x'.repeat(300)}`, undefined],
    ['GET', '/api/v1/copies/nope/pages/-1/image', undefined],
    ['GET', '/api/v1/copies/nope/pages/abc/image', undefined],
    ['POST', '/api/v1/copies/nope/lock', undefined],
    ['DELETE', '/api/v1/annotations/nope?version=abc', undefined],
    ['PUT', '/api/v1/users', { a: 1 }],
    ['POST', '/api/v1/auth/login', { email: 5 }],
    ['POST', '/api/v1/users', { email: 'not-an-email', displayName: 'x', role: 'TEACHER', password: 'long enough password' }],
    ['POST', '/api/v1/users', { email: 'ok@school.test', displayName: 'x', role: 'GOD', password: 'long enough password' }],
    ['POST', '/api/v1/users', { email: 'ok@school.test', displayName: 'x', role: 'TEACHER', password: 'short' }],
  ];

  it.each(cases)('%s %s', async (method, url, body, headers) => {
    const r = await admin.req(method, url, body, headers);
    expect(r.status, JSON.stringify(r.body)).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.body).toMatchObject({ status: r.status, code: expect.any(String), detail: expect.any(String), type: expect.any(String), title: expect.any(String) });
  });

  it('a duplicate user email is 409 and the first account is untouched', async () => {
    const body = { email: 'Dup@School.test', displayName: 'Dup', role: 'TEACHER', password: 'long enough password' };
    expect((await admin.req('POST', '/api/v1/users', body)).status).toBe(201);
    const again = await admin.req('POST', '/api/v1/users', { ...body, email: 'dup@school.test', displayName: 'Other' });
    expect(again.status).toBe(409);
    const list = await admin.req('GET', '/api/v1/users?limit=500');
    expect(list.body.items.filter((u: { email: string }) => u.email === 'dup@school.test')).toHaveLength(1);
  });

  it('the draft endpoint refuses a body over its limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const r = await admin.req('PUT', `/api/v1/copies/${copyId}/draft`, { payload: 'x'.repeat(3 * 1024 * 1024), baseVersion: 0 });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
