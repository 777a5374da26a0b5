import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, login, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { closePdfPool } from '../../src/pdf/pool.ts';
import { DEMO_TEACHER_EMAIL, DEMO_TITLE, runDemo } from '../../src/cli/demo.ts';
import { rowCount } from './helpers.ts';

describe(`korrigo demo [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
  });
  afterAll(async () => {
    await env.close();
    await closePdfPool();
  });

  it('creates a gradable exam through the real pipeline, then refuses politely the second time', async () => {
    const out: string[] = [];
    const demo = await runDemo(env.ctx, (l) => out.push(l));
    expect(demo.created).toBe(true);
    expect(demo.copyIds).toHaveLength(28);
    expect(out.join('\n')).toContain(DEMO_TEACHER_EMAIL);
    expect(out.join('\n')).toContain(demo.teacher.password!);

    const exam = (await admin.req('GET', `/api/v1/exams/${demo.examId}`)).body.exam;
    expect(exam).toMatchObject({ title: DEMO_TITLE, pagesPerCopy: 2, maxTotal: 2000, counts: { READY: 28 } });
    expect(exam.correctors.map((c: { displayName: string }) => c.displayName)).toEqual(['Claire Martin (démo)']);
    const students = (await admin.req('GET', '/api/v1/students?q=elodie')).body;
    expect(JSON.stringify(students)).toContain('Élodie');
    const upload = await env.ctx.db.selectFrom('uploads').selectAll().where('exam_id', '=', demo.examId).executeTakeFirstOrThrow();
    expect(upload).toMatchObject({ status: 'DONE', page_count: 56, pages_done: 56 });

    // the corrector logs in with the printed one-time password and sees the copies to grade
    const teacher = await login(env.app, DEMO_TEACHER_EMAIL, demo.teacher.password!);
    expect((await teacher.req('POST', '/api/v1/auth/change-password', { currentPassword: demo.teacher.password, newPassword: 'a much longer passphrase 42' })).status).toBe(204);
    const list = await teacher.req('GET', `/api/v1/exams/${demo.examId}/copies`);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(28);
    const copy = (await teacher.req('GET', `/api/v1/copies/${demo.copyIds[0]}`)).body;
    expect(copy.pages).toHaveLength(2);
    expect((await teacher.req('GET', copy.pages[0].imageUrl)).status).toBe(200);
    // the demo's rubric keys (issue 13): the teacher grades question 1b of a copy with them, in question mode
    const rubric = await teacher.req('GET', `/api/v1/exams/${demo.examId}/rubric-items`);
    expect(rubric.status).toBe(200);
    expect(rubric.body.items).toHaveLength(14);
    const q1b = rubric.body.items.find((i: { label: string }) => i.label === 'Erreur de signe').questionId;
    expect(rubric.body.questions.find((q: { questionId: string }) => q.questionId === q1b).mode).toBe('SUBTRACTIVE');
    const next = await teacher.req('GET', `/api/v1/exams/${demo.examId}/questions/${q1b}/next`);
    expect(next.status).toBe(200);
    const lease = await teacher.req('POST', `/api/v1/copies/${next.body.copy.id}/lock`, { questionId: q1b });
    const graded = await teacher.req('PUT', `/api/v1/copies/${next.body.copy.id}/questions/${q1b}/rubric`, {
      version: 0, applied: [{ itemId: rubric.body.items.find((i: { label: string }) => i.label === 'Erreur de signe').id }],
    }, { 'x-lock-token': lease.body.token });
    expect(graded.body.score.points).toBe(350); // 4.5 − 1

    const before = { copies: await rowCount(env, 'copies'), uploads: await rowCount(env, 'uploads') };
    const again: string[] = [];
    const second = await runDemo(env.ctx, (l) => again.push(l));
    expect(second).toMatchObject({ created: false, examId: demo.examId });
    expect(again.join('\n')).toMatch(/already exists/);
    expect({ copies: await rowCount(env, 'copies'), uploads: await rowCount(env, 'uploads') }).toEqual(before);
  });
});
