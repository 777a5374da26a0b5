import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, createTestEnv, engine, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { csvHeaders, gradeCopy, makeStudents, studentClients } from './helpers.ts';

type Who = 'admin' | 'assigned' | 'otherTeacher' | 'owner' | 'otherStudent' | 'anonymous';
const WHO: Who[] = ['admin', 'assigned', 'otherTeacher', 'owner', 'otherStudent', 'anonymous'];

interface Case {
  route: string;
  method: string;
  url: string | ((who: Who) => string);
  body?: unknown;
  headers?: Record<string, string>;
  expect: [admin: number, assigned: number, otherTeacher: number, owner: number, otherStudent: number, anonymous: number];
}

/**
 * Every route of the school workflow against every kind of caller. "assigned" corrects the exam and the copy is
 * assigned to them; "otherTeacher" does not correct the exam (404 on exam-management routes: the exam does not exist
 * for them); "owner" is the student of the copy.
 * Teachers get 404 for exams they do not correct (no existence leak); students get 404 for any copy that is not
 * their own GRADED copy of a released exam.
 */
describe(`authorization matrix of the school workflow [${engine}]`, () => {
  let env: TestEnv;
  const c = {} as Record<Who, Client>;
  const ids = {} as Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv();
    c.admin = await makeUser(env, 'ADMIN');
    c.assigned = await makeUser(env, 'TEACHER');
    c.otherTeacher = await makeUser(env, 'TEACHER');
    c.anonymous = anonymous(env);
    const s = await makeStudents(c.admin, [
      ['9101', 'Owner', 'Olga'],
      ['9102', 'Other', 'Oscar'],
    ]);
    const [owner, otherStudent] = await studentClients(env, c.admin, [s.get('9101')!.id, s.get('9102')!.id]);
    c.owner = owner!;
    c.otherStudent = otherStudent!;
    ids.ownerStudent = s.get('9101')!.id;

    const exam = await makeExam(c.admin, [c.assigned]);
    ids.exam = exam.id;
    const leaves = exam.questions.filter((q) => q.isLeaf).map((q) => q.id);
    ids.graded = await makeCopy(env, exam.id);
    ids.unidentified = await makeCopy(env, exam.id);
    await c.admin.req('POST', `/api/v1/copies/${ids.graded}/identify`, { studentId: ids.ownerStudent });
    await c.admin.req('PUT', `/api/v1/copies/${ids.graded}/assignee`, { userId: c.assigned.user.id });
    await gradeCopy(env, ids.graded, exam.id, c.assigned.user.id, { [leaves[0]!]: 100 });
    await c.admin.req('POST', `/api/v1/exams/${exam.id}/release`);
    const reqFor = async (questionId: string) =>
      (await c.owner.req('POST', `/api/v1/copies/${ids.graded}/regrade-requests`, { questionId, message: 'Pourquoi ?' })).body.regradeRequest.id;
    ids.requestForAdmin = await reqFor(leaves[0]!);
    ids.requestForAssigned = await reqFor(leaves[1]!);
    ids.freeQuestion = leaves[2]!;

    // a GRADED copy of the owner in an exam that is NOT released, which "assigned" does not correct
    const hidden = await makeExam(c.admin);
    ids.unreleasedCopy = await makeCopy(env, hidden.id);
    await c.admin.req('POST', `/api/v1/copies/${ids.unreleasedCopy}/identify`, { studentId: ids.ownerStudent });
    await gradeCopy(env, ids.unreleasedCopy, hidden.id, c.admin.user.id, {});
    ids.otherExam = (await makeExam(c.admin)).id;
  });
  afterAll(() => env.close());

  const cases = (): Case[] => [
    { route: 'POST /students/import', method: 'POST', url: '/api/v1/students/import', body: Buffer.from('numero;nom;prenom\n9199;Neuf;Nina\n'), headers: csvHeaders, expect: [200, 403, 403, 403, 403, 401] },
    { route: 'GET /students', method: 'GET', url: '/api/v1/students?q=owner', expect: [200, 403, 403, 403, 403, 401] },
    { route: 'POST /students/provision', method: 'POST', url: '/api/v1/students/provision', body: { studentIds: [ids.ownerStudent] }, expect: [200, 403, 403, 403, 403, 401] },
    { route: 'GET /exams/:id/identification', method: 'GET', url: `/api/v1/exams/${ids.exam}/identification`, expect: [200, 403, 404, 403, 403, 401] },
    { route: 'POST /copies/:id/identify', method: 'POST', url: `/api/v1/copies/${ids.graded}/identify`, body: { studentId: ids.ownerStudent }, expect: [200, 403, 404, 403, 403, 401] },
    { route: 'DELETE /copies/:id/identify', method: 'DELETE', url: `/api/v1/copies/${ids.unidentified}/identify`, expect: [200, 403, 404, 403, 403, 401] },
    { route: 'POST /exams/:id/dispatch', method: 'POST', url: `/api/v1/exams/${ids.exam}/dispatch`, body: { rebalance: false }, expect: [200, 403, 404, 403, 403, 401] },
    { route: 'PUT /copies/:id/assignee', method: 'PUT', url: `/api/v1/copies/${ids.graded}/assignee`, body: { userId: c.assigned.user.id }, expect: [200, 403, 404, 403, 403, 401] },
    { route: 'POST /exams/:id/release', method: 'POST', url: `/api/v1/exams/${ids.exam}/release`, expect: [200, 403, 404, 403, 403, 401] },
    { route: 'POST /exams/:id/unrelease', method: 'POST', url: `/api/v1/exams/${ids.otherExam}/unrelease`, expect: [200, 404, 404, 403, 403, 401] },
    { route: 'GET /exams/:id/stats', method: 'GET', url: `/api/v1/exams/${ids.exam}/stats`, expect: [200, 200, 404, 403, 403, 401] },
    { route: 'GET /exams/:id/export.csv', method: 'GET', url: `/api/v1/exams/${ids.exam}/export.csv?format=pronote`, expect: [200, 403, 404, 403, 403, 401] },
    { route: 'GET /exams/:id/export.zip', method: 'GET', url: `/api/v1/exams/${ids.exam}/export.zip`, expect: [200, 403, 404, 403, 403, 401] },
    { route: 'GET /me/copies', method: 'GET', url: '/api/v1/me/copies', expect: [403, 403, 403, 200, 200, 401] },
    { route: 'POST /copies/:id/regrade-requests', method: 'POST', url: `/api/v1/copies/${ids.graded}/regrade-requests`, body: { questionId: ids.freeQuestion, message: 'Et ici ?' }, expect: [403, 403, 403, 201, 404, 401] },
    { route: 'GET /exams/:id/regrade-requests', method: 'GET', url: `/api/v1/exams/${ids.exam}/regrade-requests`, expect: [200, 200, 404, 403, 403, 401] },
    {
      route: 'POST /regrade-requests/:id/answer',
      method: 'POST',
      url: (who) => `/api/v1/regrade-requests/${who === 'assigned' ? ids.requestForAssigned : ids.requestForAdmin}/answer`,
      body: { message: 'Réponse' },
      expect: [200, 200, 404, 403, 403, 401],
    },
    { route: 'GET /copies/:id (released, GRADED)', method: 'GET', url: `/api/v1/copies/${ids.graded}`, expect: [200, 200, 404, 200, 404, 401] },
    { route: 'GET /copies/:id/final.pdf (released)', method: 'GET', url: `/api/v1/copies/${ids.graded}/final.pdf`, expect: [200, 200, 404, 200, 404, 401] },
    { route: 'GET /copies/:id/final.pdf (not released)', method: 'GET', url: `/api/v1/copies/${ids.unreleasedCopy}/final.pdf`, expect: [200, 404, 404, 404, 404, 401] },
    { route: 'GET /copies/:id (not released)', method: 'GET', url: `/api/v1/copies/${ids.unreleasedCopy}`, expect: [200, 404, 404, 404, 404, 401] },
    { route: 'GET /exams/:id/copies', method: 'GET', url: `/api/v1/exams/${ids.exam}/copies`, expect: [200, 200, 404, 403, 403, 401] },
  ];

  it('answers every route with the expected status for each kind of caller', async () => {
    const actual: Record<string, Record<Who, number>> = {};
    const expected: Record<string, Record<Who, number>> = {};
    // the denied callers first: a successful call (an answer, a regrade request) must not mask a later check
    const order: Who[] = ['anonymous', 'otherStudent', 'otherTeacher', 'owner', 'assigned', 'admin'];
    for (const k of cases()) {
      actual[k.route] = {} as Record<Who, number>;
      expected[k.route] = Object.fromEntries(WHO.map((w, i) => [w, k.expect[i]])) as Record<Who, number>;
      for (const who of order) {
        const url = typeof k.url === 'function' ? k.url(who) : k.url;
        const res = await c[who].req(k.method, url, k.body, k.headers);
        actual[k.route]![who] = res.status;
        if (res.status >= 400) expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      }
    }
    expect(actual).toEqual(expected);
  });
});
