import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, createTestEnv, engine, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';

describe(`exams, scale and copies over HTTP [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let outsider: Client;
  let student: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
    outsider = await makeUser(env, 'TEACHER');
    student = await makeUser(env, 'STUDENT');
  });
  afterAll(() => env.close());

  it('creates an exam with a nested scale in hundredths; exercise maxima are the sums of their questions', async () => {
    const exam = await makeExam(admin, [teacher]);
    expect(exam.maxTotal).toBe(2000);
    const labels = exam.questions.map((q) => [q.label, q.maxPoints, q.isLeaf]);
    expect(labels).toEqual([['Exercice 1', 1000, false], ['1a', 400, true], ['1b', 600, true], ['Exercice 2', 1000, true]]);
  });

  it('PATCH keeps question ids stable, adds new ones, and retires removed questions that have scores', async () => {
    const exam = await makeExam(admin, [teacher]);
    const [ex1, q1a, q1b, ex2] = exam.questions.map((q) => q.id);
    const copyId = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    expect((await teacher.req('PUT', `/api/v1/copies/${copyId}/scores/${q1b}`, { points: 300 }, h)).status).toBe(200);
    const r = await admin.req('PATCH', `/api/v1/exams/${exam.id}`, {
      title: 'Maths — contrôle 3 (v2)',
      questions: [
        { id: ex1, label: 'Exercice 1', children: [{ id: q1a, label: '1a bis', maxPoints: 500 }] },
        { id: ex2, label: 'Exercice 2', maxPoints: 800 },
        { label: 'Bonus', maxPoints: 150 },
      ],
    });
    expect(r.status).toBe(200);
    const after = r.body.exam;
    expect(after.title).toBe('Maths — contrôle 3 (v2)');
    expect(after.questions.map((q: { id: string }) => q.id).slice(0, 3)).toEqual([ex1, q1a, ex2]);
    expect(after.maxTotal).toBe(1450);
    // the removed 1b had a score: it is retired, not deleted, and no longer counts in the total
    const copy = await teacher.req('GET', `/api/v1/copies/${copyId}`);
    expect(copy.body.total).toBe(0);
    const bad = await admin.req('PATCH', `/api/v1/exams/${exam.id}`, { questions: [{ id: 'not-a-question', label: 'x', maxPoints: 1 }] });
    expect(bad.status).toBe(400);
    const leafless = await admin.req('PATCH', `/api/v1/exams/${exam.id}`, { questions: [{ label: 'no max' }] });
    expect(leafless.status).toBe(400);
  });

  it('teachers see only exams they correct (404 otherwise); students and anonymous see none', async () => {
    const exam = await makeExam(admin, [teacher]);
    expect((await teacher.req('GET', `/api/v1/exams/${exam.id}`)).status).toBe(200);
    expect((await outsider.req('GET', `/api/v1/exams/${exam.id}`)).status).toBe(404);
    expect((await outsider.req('GET', '/api/v1/exams')).body.items.map((e: { id: string }) => e.id)).not.toContain(exam.id);
    expect((await student.req('GET', `/api/v1/exams/${exam.id}`)).status).toBe(403);
    expect((await anonymous(env).req('GET', `/api/v1/exams/${exam.id}`)).status).toBe(401);
    expect((await student.req('POST', '/api/v1/exams', { title: 'x', pagesPerCopy: 1 })).status).toBe(403);
    // a corrector does not run the exam (a teacher creating one would own it: test/workflow/owners-attendance.test.ts)
    expect((await teacher.req('PATCH', `/api/v1/exams/${exam.id}`, { title: 'x' })).status).toBe(403);
    expect((await teacher.req('PUT', `/api/v1/exams/${exam.id}/correctors`, { userIds: [] })).status).toBe(403);
  });

  it('copies: lists with counts and filters; teachers never see STAGING copies nor student identity on anonymous exams', async () => {
    const exam = await makeExam(admin, [teacher]);
    const ready = await makeCopy(env, exam.id);
    const staging = await makeCopy(env, exam.id, { status: 'STAGING' });
    const all = await admin.req('GET', `/api/v1/exams/${exam.id}/copies`);
    expect(all.body.items.map((c: { id: string }) => c.id).sort()).toEqual([ready, staging].sort());
    expect((await admin.req('GET', `/api/v1/exams/${exam.id}`)).body.exam.counts).toEqual({ READY: 1, STAGING: 1 });
    const onlyStaging = await admin.req('GET', `/api/v1/exams/${exam.id}/copies?status=STAGING`);
    expect(onlyStaging.body.items.map((c: { id: string }) => c.id)).toEqual([staging]);
    const mine = await teacher.req('GET', `/api/v1/exams/${exam.id}/copies`);
    expect(mine.body.items.map((c: { id: string }) => c.id)).toEqual([ready]);
    expect((await teacher.req('GET', `/api/v1/copies/${staging}`)).status).toBe(404);
    expect((await teacher.req('GET', `/api/v1/copies/${staging}/pages/0/image`)).status).toBe(404);
    expect((await outsider.req('GET', `/api/v1/copies/${ready}`)).status).toBe(404);
    expect((await outsider.req('GET', `/api/v1/copies/${ready}/pages/0/image`)).status).toBe(404);
    expect((await student.req('GET', `/api/v1/copies/${ready}`)).status).toBe(404);
    const page = await teacher.req('GET', `/api/v1/copies/${ready}/pages/0/image`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('image/jpeg');
    const again = await teacher.req('GET', `/api/v1/copies/${ready}/pages/0/image`, undefined, { 'if-none-match': page.headers.etag });
    expect(again.status).toBe(304);
    const bad = await admin.req('GET', `/api/v1/exams/${exam.id}/copies?status=NOPE`);
    expect(bad.status).toBe(400);
    // paging: limit + cursor walk the whole list once
    const first = await admin.req('GET', `/api/v1/exams/${exam.id}/copies?limit=1`);
    const second = await admin.req('GET', `/api/v1/exams/${exam.id}/copies?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect([...first.body.items, ...second.body.items].map((c: { id: string }) => c.id).sort()).toEqual([ready, staging].sort());
    expect(second.body.nextCursor).toBeNull();
  });

  it('validate moves STAGING → READY once; repeating it is 409 with the current status', async () => {
    const exam = await makeExam(admin, [teacher]);
    const id = await makeCopy(env, exam.id, { status: 'STAGING' });
    // a STAGING copy does not exist for the exam's correctors
    expect((await teacher.req('POST', `/api/v1/copies/${id}/validate`)).status).toBe(404);
    expect((await admin.req('POST', `/api/v1/copies/${id}/validate`)).body.status).toBe('READY');
    const again = await admin.req('POST', `/api/v1/copies/${id}/validate`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'READY' });
  });
});
