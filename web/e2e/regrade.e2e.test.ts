/**
 * The regrade loop in the browser: a student's request reaches the copy's corrector (a badge and a list in their
 * queue); the teacher reads the message beside the copy in the desk and accepts, and the copy reopens to them with
 * the request pinned; meanwhile the student sees the released result marked "under review", then — once the
 * copy is finalized again — the new result and what changed.
 */
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ApiClient, createUser, loginUi, newContext, type Server, shot, useE2eWorld, waitFor } from './harness';
import { seedExam, seedReadyCopies } from './seed';

let server: Server;
let browser: Browser;
let admin: ApiClient;
useE2eWorld((w) => ({ server, browser, admin: admin } = w));

const STUDENT_PASSWORD = 'student-new-password-1';

/** Takes the copy's lease as `teacher` (the same teacher gets the same token), sets points, finalizes, waits. */
async function scoreAndFinalize(teacher: ApiClient, copyId: string, points: Record<string, number>) {
  const { token } = await teacher.ok('POST', `/copies/${copyId}/lock`);
  const headers = { 'x-lock-token': token };
  const current: { questionId: string; version: number }[] = (await teacher.ok('GET', `/copies/${copyId}`)).scores;
  for (const [qid, p] of Object.entries(points)) {
    const version = current.find((s) => s.questionId === qid)?.version;
    await teacher.ok('PUT', `/copies/${copyId}/scores/${qid}`, { points: p, ...(version ? { version } : {}) }, { headers });
  }
  await teacher.ok('POST', `/copies/${copyId}/finalize`, undefined, { headers });
  await waitFor(async () => (await teacher.ok('GET', `/copies/${copyId}`)).status === 'GRADED', 60_000);
}

describe('regrade loop', () => {
  it('a teacher answers a regrade from the desk; the student sees "under review", then the new result', async () => {
    const teacherUser = await createUser(admin, 'TEACHER', 'Teacher Regrade');
    const exam = await seedExam(admin, 'Physics — regrade test');
    await admin.ok('PUT', `/exams/${exam.id}/correctors`, { userIds: [teacherUser.id] });
    const q = (label: string) => exam.questions.find((x) => x.label === label)!.id;
    const { ids } = await seedReadyCopies(server, admin, exam.id, ['Chloé Bernard']);
    const copyId = ids[0]!;
    await admin.ok('POST', '/students/import', undefined, {
      raw: { data: 'student_number;last_name;first_name;email;class_name\nR001;Bernard;Chloé;chloe.bernard@e2e.test;2B\n', type: 'text/csv' },
    });
    const student = (await admin.ok('GET', '/students?q=R001')).items[0];
    await admin.ok('POST', `/copies/${copyId}/identify`, { studentId: student.id });
    await admin.ok('PUT', `/copies/${copyId}/assignee`, { userId: teacherUser.id });
    const teacher = await ApiClient.login(server.base, teacherUser.email, teacherUser.password);
    // every question scored: 3 + 5 + 8 = 16
    await scoreAndFinalize(teacher, copyId, { [q('Q1')]: 300, [q('Q2')]: 500, [q('Q3')]: 800 });
    await admin.ok('POST', `/exams/${exam.id}/release`);

    // the student's account, and their request
    const provision = await fetch(`${server.base}/api/v1/students/provision`, {
      method: 'POST',
      headers: { cookie: admin.cookie, origin: server.base, 'content-type': 'application/json' },
      body: JSON.stringify({ studentIds: [student.id] }),
    });
    const [header, line] = (await provision.text()).trim().split(/\r?\n/).map((l) => l.split(';'));
    const email = line![header!.indexOf('email')];
    const oneTime = line![header!.indexOf('one_time_password')];
    const studentApi = await ApiClient.login(server.base, email!, oneTime!);
    await studentApi.ok('POST', '/auth/change-password', { currentPassword: oneTime, newPassword: STUDENT_PASSWORD });
    await studentApi.ok('POST', `/copies/${copyId}/regrade-requests`, { questionId: q('Q1'), message: 'Q1: my second method is also correct.' });

    const sctx = await newContext(browser, server.base);
    const s = await sctx.newPage();
    await loginUi(s, email!, STUDENT_PASSWORD);
    await s.getByRole('link', { name: 'Physics — regrade test' }).click();
    await expect.poll(() => s.getByTestId('student-total').textContent()).toBe('16');
    expect(await s.getByTestId('under-review').count()).toBe(0);

    // ---------------- teacher: the queue shows the request, the desk shows the message and the answer form
    const tctx = await newContext(browser, server.base);
    const t = await tctx.newPage();
    await loginUi(t, teacherUser.email, teacherUser.password);
    await t.goto(`/queue?exam=${exam.id}`);
    const inbox = t.getByTestId('queue-regrades');
    await expect.poll(() => inbox.getByTestId('regrade-badge').textContent()).toBe('1');
    await inbox.getByText('Q1: my second method is also correct.').waitFor();
    await shot(t, 'regrade-01-queue');
    await inbox.getByRole('link', { name: /Open copy/ }).click();
    const panel = t.getByTestId('regrade-panel');
    await panel.getByText('Q1: my second method is also correct.').waitFor();
    await panel.getByLabel('Your answer (the student reads it)').fill('Agreed, I am looking at Q1 again.');
    await panel.getByRole('button', { name: 'Accept and reopen the copy' }).click();
    // the copy reopens to the teacher, the request pinned above the scores
    await t.getByTestId('regrade-pinned').getByText('Q1: my second method is also correct.').waitFor();
    await t.getByTestId('lease').waitFor();
    await shot(t, 'regrade-02-desk-reopened');
    expect((await admin.ok('GET', `/copies/${copyId}`)).status).toBe('READY');

    // ---------------- student: the released result, under review (it used to be "Page not found.")
    await s.reload();
    await s.getByTestId('under-review').waitFor();
    await expect.poll(() => s.getByTestId('student-total').textContent()).toBe('16');
    expect(await s.getByText('Page not found').count()).toBe(0);
    const pdf = await s.request.get(`/api/v1/copies/${copyId}/final.pdf`);
    expect(pdf.status()).toBe(200);
    await shot(s, 'regrade-03-student-under-review');
    await s.getByRole('link', { name: '← My results' }).click();
    await s.getByRole('row', { name: /Physics — regrade test.*Under review/ }).waitFor();

    // ---------------- the teacher regrades (same teacher: the desk's lease) and finalizes again
    await scoreAndFinalize(teacher, copyId, { [q('Q1')]: 400 });
    await tctx.close();

    await s.getByRole('link', { name: 'Physics — regrade test' }).click();
    await expect.poll(() => s.getByTestId('student-total').textContent()).toBe('17');
    expect(await s.getByTestId('under-review').count()).toBe(0);
    const changes = s.getByTestId('review-changes');
    await changes.getByRole('row', { name: /Q1 3 4/ }).waitFor();
    await changes.getByRole('row', { name: /Total 16 17/ }).waitFor();
    await shot(s, 'regrade-04-student-changes');
    await sctx.close();
    // two finalizations and three browser sessions: more than the default budget on a busy machine
  }, 300_000);
});
