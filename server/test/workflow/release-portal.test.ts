import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { gradeCopy, makeStudents, studentClients } from './helpers.ts';

describe(`release, students' portal and regrade requests [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let colleague: Client;
  let owner: Client;
  let other: Client;
  let exam: Awaited<ReturnType<typeof makeExam>>;
  let graded: string;
  let ungraded: string;
  let pdf: Buffer;
  const q = (label: string) => exam.questions.find((x) => x.label === label)!.id;

  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
    colleague = await makeUser(env, 'TEACHER');
    const students = await makeStudents(admin, [
      ['8001', 'Lambert', 'Rose', '5A'],
      ['8002', 'Girard', 'Tom', '5A'],
    ]);
    const clients = await studentClients(env, admin, [students.get('8001')!.id, students.get('8002')!.id]);
    owner = clients[0]!;
    other = clients[1]!;
    exam = await makeExam(admin, [teacher, colleague], { title: 'Histoire — DS 2', examDate: '2026-03-12' });
    graded = await makeCopy(env, exam.id);
    ungraded = await makeCopy(env, exam.id);
    await admin.req('POST', `/api/v1/copies/${graded}/identify`, { studentId: students.get('8001')!.id });
    await admin.req('POST', `/api/v1/copies/${ungraded}/identify`, { studentId: students.get('8002')!.id });
    await admin.req('PUT', `/api/v1/copies/${graded}/assignee`, { userId: teacher.user.id });
    await admin.req('PUT', `/api/v1/copies/${ungraded}/assignee`, { userId: teacher.user.id });
    ({ pdf } = await gradeCopy(env, graded, exam.id, teacher.user.id, { [q('1a')]: 350, [q('1b')]: 600, [q('Exercice 2')]: 725 }, { [q('Exercice 2')]: 'Bonne analyse ✓' }));
  });
  afterAll(() => env.close());

  it('shows students nothing before release: every copy is 404, the portal is empty', async () => {
    for (const s of [owner, other]) {
      expect((await s.req('GET', '/api/v1/me/copies')).body).toEqual({ items: [] });
      for (const id of [graded, ungraded]) {
        expect((await s.req('GET', `/api/v1/copies/${id}`)).status).toBe(404);
        expect((await s.req('GET', `/api/v1/copies/${id}/final.pdf`)).status).toBe(404);
      }
    }
    const early = await owner.req('POST', `/api/v1/copies/${graded}/regrade-requests`, { questionId: q('1a'), message: 'Please' });
    expect(early.status).toBe(404);
  });

  it('after release, the owner sees their GRADED copy: total, per-question points, comments, final PDF; nobody else does', async () => {
    const rel = await admin.req('POST', `/api/v1/exams/${exam.id}/release`);
    expect(rel.status).toBe(200);
    const releasedAt = rel.body.exam.resultsReleasedAt;
    expect(releasedAt).toBeTruthy();
    // releasing again keeps the first release time
    expect((await admin.req('POST', `/api/v1/exams/${exam.id}/release`)).body.exam.resultsReleasedAt).toBe(releasedAt);

    const mine = await owner.req('GET', '/api/v1/me/copies');
    expect(mine.status).toBe(200);
    expect(mine.body.items).toHaveLength(1);
    const item = mine.body.items[0];
    expect(item).toMatchObject({
      id: graded,
      exam: { id: exam.id, title: 'Histoire — DS 2', examDate: '2026-03-12' },
      status: 'GRADED',
      total: 1675,
      maxTotal: 2000,
      releasedAt,
      finalPdfUrl: `/api/v1/copies/${graded}/final.pdf`,
      regradeRequests: [],
    });
    const byLabel = Object.fromEntries(item.questions.map((x: { label: string }) => [x.label, x]));
    expect(byLabel['Exercice 1']).toMatchObject({ isLeaf: false, points: 950, maxPoints: 1000 });
    expect(byLabel['1a']).toMatchObject({ isLeaf: true, points: 350, maxPoints: 400 });
    expect(byLabel['Exercice 2']).toMatchObject({ points: 725, comment: 'Bonne analyse ✓' });

    const file = await owner.req('GET', item.finalPdfUrl);
    expect(file.status).toBe(200);
    expect(file.raw.equals(pdf)).toBe(true);
    const page = await owner.req('GET', `/api/v1/copies/${graded}`);
    expect(page.status).toBe(200);
    expect(page.body.job).toBeNull();

    // the other student: their own copy is not GRADED, the owner's copy is not theirs
    expect((await other.req('GET', '/api/v1/me/copies')).body.items).toEqual([]);
    for (const id of [graded, ungraded]) {
      expect((await other.req('GET', `/api/v1/copies/${id}`)).status).toBe(404);
      expect((await other.req('GET', `/api/v1/copies/${id}/final.pdf`)).status).toBe(404);
    }
    expect((await owner.req('GET', `/api/v1/copies/${ungraded}`)).status).toBe(404);
  });

  it('unrelease hides everything again', async () => {
    expect((await admin.req('POST', `/api/v1/exams/${exam.id}/unrelease`)).body.exam.resultsReleasedAt).toBeNull();
    expect((await owner.req('GET', '/api/v1/me/copies')).body.items).toEqual([]);
    expect((await owner.req('GET', `/api/v1/copies/${graded}/final.pdf`)).status).toBe(404);
    const audit = await env.ctx.db.selectFrom('audit_log').select('action').where('target_id', '=', exam.id).where('action', 'like', 'RESULTS_%').execute();
    expect(audit.map((x) => x.action)).toEqual(['RESULTS_RELEASED', 'RESULTS_UNRELEASED']);
    await admin.req('POST', `/api/v1/exams/${exam.id}/release`);
  });

  it('regrade: the owner asks, the corrector answers and reopens through the state machine, the student sees the answer', async () => {
    const r1 = await owner.req('POST', `/api/v1/copies/${graded}/regrade-requests`, { questionId: q('Exercice 2'), message: "J'ai cité deux sources" });
    expect(r1.status).toBe(201);
    expect(r1.body.regradeRequest).toMatchObject({ status: 'OPEN', question: { label: 'Exercice 2' }, student: null });
    const twice = await owner.req('POST', `/api/v1/copies/${graded}/regrade-requests`, { questionId: q('Exercice 2'), message: 'again' });
    expect(twice.status).toBe(409);
    const r2 = await owner.req('POST', `/api/v1/copies/${graded}/regrade-requests`, { questionId: q('1a'), message: 'Calcul juste ?' });
    expect(r2.status).toBe(201);
    expect((await other.req('POST', `/api/v1/copies/${graded}/regrade-requests`, { questionId: q('1a'), message: 'x' })).status).toBe(404);
    const foreignQuestion = (await makeExam(admin)).questions[0]!.id;
    expect((await owner.req('POST', `/api/v1/copies/${graded}/regrade-requests`, { questionId: foreignQuestion, message: 'x' })).status).toBe(400);
    expect((await owner.req('POST', `/api/v1/copies/${graded}/regrade-requests`, { questionId: q('1b'), message: '   ' })).status).toBe(400);

    // the corrector sees them without the student's identity (anonymous exam); the admin sees who asked
    const forTeacher = await teacher.req('GET', `/api/v1/exams/${exam.id}/regrade-requests?status=OPEN`);
    expect(forTeacher.body.items).toHaveLength(2);
    expect(forTeacher.body.items.every((i: { student: unknown }) => i.student === null)).toBe(true);
    const forAdmin = await admin.req('GET', `/api/v1/exams/${exam.id}/regrade-requests`);
    expect(forAdmin.body.items[0].student).toMatchObject({ studentNumber: '8001' });
    // a colleague correcting the same exam, but not this copy, sees and answers nothing
    expect((await colleague.req('GET', `/api/v1/exams/${exam.id}/regrade-requests`)).body.items).toEqual([]);
    expect((await colleague.req('POST', `/api/v1/regrade-requests/${r1.body.regradeRequest.id}/answer`, { message: 'no' })).status).toBe(404);

    const ans = await teacher.req('POST', `/api/v1/regrade-requests/${r1.body.regradeRequest.id}/answer`, { message: 'Vu, je reprends la copie', reopen: true });
    expect(ans.status).toBe(200);
    expect(ans.body.copyStatus).toBe('READY');
    expect(ans.body.regradeRequest).toMatchObject({ status: 'ANSWERED', answer: 'Vu, je reprends la copie', answeredBy: { id: teacher.user.id } });
    const again = await teacher.req('POST', `/api/v1/regrade-requests/${r1.body.regradeRequest.id}/answer`, { message: 'bis' });
    expect(again.status).toBe(409);
    const evs = (await admin.req('GET', `/api/v1/copies/${graded}/events`)).body.items.map((e: { action: string }) => e.action);
    expect(evs.slice(-2).sort()).toEqual(['REGRADE_ANSWERED', 'REOPENED']); // same transaction, same time
    expect(evs.filter((a: string) => a === 'REGRADE_REQUESTED')).toHaveLength(2);

    // while reopened the student keeps the released result, marked under review (regrade-loop.test.ts has the details)
    const during = (await owner.req('GET', '/api/v1/me/copies')).body.items;
    expect(during.map((i: { id: string; total: number; review: { status: string } }) => [i.id, i.total, i.review.status])).toEqual([[graded, 1675, 'UNDER_REVIEW']]);
    const still = await admin.req('GET', `/api/v1/exams/${exam.id}/regrade-requests?status=OPEN`);
    expect(still.body.items.map((i: { id: string }) => i.id)).toEqual([r2.body.regradeRequest.id]);

    await gradeCopy(env, graded, exam.id, teacher.user.id, {});
    expect((await admin.req('POST', `/api/v1/regrade-requests/${r2.body.regradeRequest.id}/answer`, { message: 'Le calcul est juste' })).status).toBe(200);
    const back = await owner.req('GET', '/api/v1/me/copies');
    expect(back.body.items[0].regradeRequests.map((r: { status: string; answer: string }) => [r.status, r.answer])).toEqual([
      ['ANSWERED', 'Vu, je reprends la copie'],
      ['ANSWERED', 'Le calcul est juste'],
    ]);
  });
});
