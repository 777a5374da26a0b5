import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, createTestEnv, engine, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';

describe(`GET /audit — admin actions in the audit log [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
  });
  afterAll(() => env.close());

  it('records admin actions with actor, target and IP, newest first', async () => {
    const created = await admin.req('POST', '/api/v1/users', { email: 'new.teacher@school.test', displayName: 'New', role: 'TEACHER', password: 'a long password here' });
    expect(created.status).toBe(201);
    // entries of the same millisecond are ordered by id, not by insertion: keep these apart in time
    env.clock.advance(10);
    const exam = await makeExam(admin);
    env.clock.advance(10);
    expect((await admin.req('PUT', `/api/v1/exams/${exam.id}/correctors`, { userIds: [teacher.user.id] })).status).toBe(200);
    env.clock.advance(10);
    expect((await admin.req('POST', `/api/v1/exams/${exam.id}/archive`)).status).toBe(200);

    const r = await admin.req('GET', '/api/v1/audit?limit=10');
    expect(r.status).toBe(200);
    const actions = r.body.items.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 4)).toEqual(['EXAM_ARCHIVED', 'CORRECTORS_SET', 'EXAM_CREATED', 'USER_CREATED']);
    const userCreated = r.body.items.find((e: { action: string }) => e.action === 'USER_CREATED');
    expect(userCreated).toMatchObject({
      actor: { id: admin.user.id, displayName: admin.user.displayName },
      targetType: 'user',
      targetId: created.body.user.id,
      metadata: { email: 'new.teacher@school.test', role: 'TEACHER' },
      ip: '127.0.0.1',
    });
    expect(r.body.items.find((e: { action: string }) => e.action === 'EXAM_ARCHIVED')).toMatchObject({ targetType: 'exam', targetId: exam.id });
    const only = await admin.req('GET', '/api/v1/audit?action=EXAM_CREATED');
    expect(only.body.items.map((e: { targetId: string }) => e.targetId)).toEqual([exam.id]);
  });

  it('is admin-only: 401 anonymous, 403 teacher and student', async () => {
    const student = await makeUser(env, 'STUDENT');
    expect((await anonymous(env).req('GET', '/api/v1/audit')).status).toBe(401);
    const t = await teacher.req('GET', '/api/v1/audit');
    expect(t.status).toBe(403);
    expect(t.body.code).toBe('FORBIDDEN');
    expect((await student.req('GET', '/api/v1/audit')).status).toBe(403);
  });

  it('pages with limit & cursor: every entry exactly once, in order, even while new entries arrive', async () => {
    for (let i = 0; i < 7; i++) await admin.req('POST', '/api/v1/users', { email: `page-${i}@school.test`, displayName: `P${i}`, role: 'STUDENT', password: 'a long password here' });
    const all = (await admin.req('GET', '/api/v1/audit?limit=500')).body.items.map((e: { id: string }) => e.id);
    expect(all.length).toBeGreaterThanOrEqual(11);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await admin.req('GET', `/api/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...r.body.items.map((e) => e.id));
      cursor = r.body.nextCursor;
      // a newer entry appearing between pages must not shift the pages that follow
      if (pages++ === 0) await admin.req('POST', '/api/v1/users', { email: 'late@school.test', displayName: 'Late', role: 'STUDENT', password: 'a long password here' });
    } while (cursor);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 3));
  });

  it('refuses a malformed cursor or limit with 400 VALIDATION_FAILED', async () => {
    for (const q of ['cursor=not-a-cursor', `cursor=${Buffer.from('["x","y"]').toString('base64url')}`, 'limit=0', 'limit=501', 'limit=abc']) {
      const r = await admin.req('GET', `/api/v1/audit?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
    }
  });
});
