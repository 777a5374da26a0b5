import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';

describe(`GET /copies/:id/desk: the desk's one request [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let examId: string;
  let copies: string[];
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
    examId = (await makeExam(admin, [teacher])).id;
    copies = [await makeCopy(env, examId), await makeCopy(env, examId), await makeCopy(env, examId)];
    expect((await admin.req('PUT', `/api/v1/copies/${copies[1]}/assignee`, { userId: teacher.user.id })).status).toBe(200);
  });
  afterAll(() => env.close());

  it('answers what GET /copies/:id, GET /exams/:id and the copies list answer, one by one', async () => {
    for (const [who, list] of [
      [admin, `/api/v1/exams/${examId}/copies?limit=500`],
      [teacher, `/api/v1/exams/${examId}/copies?limit=500&assignedTo=${teacher.user.id}`],
    ] as const) {
      const bundle = await who.req('GET', `/api/v1/copies/${copies[1]}/desk`);
      expect(bundle.status).toBe(200);
      expect(bundle.body.copy).toEqual((await who.req('GET', `/api/v1/copies/${copies[1]}`)).body);
      expect(bundle.body.exam).toEqual((await who.req('GET', `/api/v1/exams/${examId}`)).body.exam);
      expect(bundle.body.siblings).toEqual((await who.req('GET', list)).body.items);
    }
    expect((await admin.req('GET', `/api/v1/copies/${copies[0]}/desk`)).body.siblings).toHaveLength(3);
    expect((await teacher.req('GET', `/api/v1/copies/${copies[1]}/desk`)).body.siblings.map((c: { id: string }) => c.id)).toEqual([copies[1]]);
  });

  it('is refused as the copy is: 404 to a teacher with no part in the exam, 403 to a student, 401 without a session', async () => {
    const stranger = await makeUser(env, 'TEACHER');
    const student = await makeUser(env, 'STUDENT');
    expect((await stranger.req('GET', `/api/v1/copies/${copies[0]}/desk`)).status).toBe(404);
    expect((await student.req('GET', `/api/v1/copies/${copies[0]}/desk`)).status).toBe(403);
    expect((await env.app.inject({ method: 'GET', url: `/api/v1/copies/${copies[0]}/desk` })).statusCode).toBe(401);
  });
});
