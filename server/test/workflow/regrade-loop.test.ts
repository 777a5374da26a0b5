/**
 * The regrade loop (issue 16), over HTTP: a student's request goes to the copy's corrector, who accepts (the copy
 * reopens to them) or rejects with a reason; the admin sees everything and reassigns; a per-exam deadline closes
 * requests. While a released copy is regraded its student keeps the released result, marked under review (it
 * used to vanish: "Page not found."), then sees the new one and what changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { gradeCopy, makeStudents, studentClients } from './helpers.ts';

const a = '/api/v1';

describe(`regrade loop [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let corrector: Client;
  let colleague: Client;
  let foreign: Client;
  let owner: Client;
  let exam: Awaited<ReturnType<typeof makeExam>>;
  let ownerStudentId: string;
  const q = (label: string) => exam.questions.find((x) => x.label === label)!.id;
  const drain = () => new JobRunner(env.ctx, jobHandlers, { backoffBaseMs: 10 }).drain();

  /** Scores every question through the desk's routes (lease, scores) and finalizes; returns the copy as graded. */
  async function gradeOverHttp(teacher: Client, copyId: string, points: Record<string, number>) {
    const lock = await teacher.req('POST', `${a}/copies/${copyId}/lock`);
    expect(lock.status).toBe(200);
    const h = { 'x-lock-token': lock.body.token };
    const current = (await teacher.req('GET', `${a}/copies/${copyId}`)).body.scores as { questionId: string; version: number }[];
    for (const [qid, p] of Object.entries(points)) {
      const version = current.find((s) => s.questionId === qid)?.version;
      const s = await teacher.req('PUT', `${a}/copies/${copyId}/scores/${qid}`, { points: p, ...(version ? { version } : {}) }, h);
      expect(s.status, JSON.stringify(s.body)).toBe(200);
    }
    const fin = await teacher.req('POST', `${a}/copies/${copyId}/finalize`, undefined, h);
    expect(fin.status, JSON.stringify(fin.body)).toBe(202);
    expect(await drain()).toBe(1);
    const copy = await teacher.req('GET', `${a}/copies/${copyId}`);
    expect(copy.body.status).toBe('GRADED');
    return copy.body;
  }

  /** A copy of the owner's, assigned to `teacher`, graded over HTTP: 1a 2, 1b 6, Exercice 2 5 (total 13). */
  async function ownersGradedCopy(teacher: Client, e = exam) {
    const id = await makeCopy(env, e.id);
    expect((await admin.req('POST', `${a}/copies/${id}/identify`, { studentId: ownerStudentId })).status).toBe(200);
    expect((await admin.req('PUT', `${a}/copies/${id}/assignee`, { userId: teacher.user.id })).status).toBe(200);
    const lbl = (l: string) => e.questions.find((x) => x.label === l)!.id;
    await gradeOverHttp(teacher, id, { [lbl('1a')]: 200, [lbl('1b')]: 600, [lbl('Exercice 2')]: 500 });
    return id;
  }
  const mine = async (copyId: string) => {
    const r = await owner.req('GET', `${a}/me/copies`);
    expect(r.status).toBe(200);
    return r.body.items.find((i: { id: string }) => i.id === copyId);
  };
  const ask = (copyId: string, questionId: string, message = 'Pourriez-vous revoir cette question ?') =>
    owner.req('POST', `${a}/copies/${copyId}/regrade-requests`, { questionId, message });
  const eventsOf = async (copyId: string) =>
    (await admin.req('GET', `${a}/copies/${copyId}/events`)).body.items as { action: string; createdAt: string; metadata: Record<string, unknown> }[];
  /** A new exam (every exam is separate from the others' tests: each one needs its own copy of the owner). */
  const freshExam = async (correctors: Client[]) => {
    const e = await makeExam(admin, correctors, { title: `Exam ${Math.random().toString(36).slice(2, 7)}` });
    return e;
  };

  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    corrector = await makeUser(env, 'TEACHER', 'Mme Corrige');
    colleague = await makeUser(env, 'TEACHER', 'M. Collegue');
    foreign = await makeUser(env, 'TEACHER', 'M. Ailleurs');
    const students = await makeStudents(admin, [['8101', 'Moreau', 'Inès', '4C']]);
    ownerStudentId = students.get('8101')!.id;
    [owner] = (await studentClients(env, admin, [ownerStudentId])) as [Client];
    exam = await makeExam(admin, [corrector, colleague]);
    await makeExam(admin, [foreign]);
  });
  afterAll(() => env?.close());

  it('accept: the copy reopens to its corrector; the student keeps the released result "under review", then sees the new one and what changed', async () => {
    const copyId = await ownersGradedCopy(corrector);
    expect((await admin.req('POST', `${a}/exams/${exam.id}/release`)).status).toBe(200);
    const released = await mine(copyId);
    expect(released).toMatchObject({ status: 'GRADED', total: 1300, review: null, canRequestRegrade: true, regradeDeadline: null });
    const oldPdf = await owner.req('GET', `${a}/copies/${copyId}/final.pdf`);
    expect(oldPdf.status).toBe(200);

    const asked = await ask(copyId, q('1a'), 'Mon calcul du 1a est juste, je crois');
    expect(asked.status).toBe(201);
    expect(asked.body.regradeRequest).toMatchObject({ status: 'OPEN', decision: null, corrector: { id: corrector.user.id }, student: null });
    const requestId = asked.body.regradeRequest.id;

    // the corrector finds it in their list (anonymous: the code, no name); the colleague of the exam does not
    const forCorrector = await corrector.req('GET', `${a}/exams/${exam.id}/regrade-requests?status=OPEN`);
    expect(forCorrector.body.items.map((r: { id: string; anonymousCode: string; student: unknown }) => [r.id, r.anonymousCode.length > 0, r.student])).toEqual([[requestId, true, null]]);
    expect((await colleague.req('GET', `${a}/exams/${exam.id}/regrade-requests`)).body.items).toEqual([]);
    // the admin sees the code AND the student, in separate fields
    const forAdmin = (await admin.req('GET', `${a}/exams/${exam.id}/regrade-requests`)).body.items.find((r: { id: string }) => r.id === requestId);
    expect(forAdmin.anonymousCode).toMatch(/^C\d{4}-/);
    expect(forAdmin.student).toMatchObject({ studentNumber: '8101', lastName: 'Moreau' });
    // beside the copy, in the desk
    const desk = await corrector.req('GET', `${a}/copies/${copyId}/regrade-requests`);
    expect(desk.status).toBe(200);
    expect(desk.body).toMatchObject({ items: [{ id: requestId, message: 'Mon calcul du 1a est juste, je crois' }], review: null });

    // another corrector of the exam and a teacher of another exam cannot answer; nothing changes
    expect((await colleague.req('POST', `${a}/regrade-requests/${requestId}/answer`, { message: 'no', decision: 'REJECTED' })).status).toBe(404);
    expect((await foreign.req('POST', `${a}/regrade-requests/${requestId}/answer`, { message: 'no', decision: 'REJECTED' })).status).toBe(404);
    expect((await colleague.req('GET', `${a}/copies/${copyId}/regrade-requests`)).status).toBe(404);

    const accepted = await corrector.req('POST', `${a}/regrade-requests/${requestId}/answer`, { message: 'Vous avez raison, je reprends la copie', decision: 'ACCEPTED' });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ copyStatus: 'READY', regradeRequest: { status: 'ANSWERED', decision: 'ACCEPTED', answeredBy: { id: corrector.user.id } } });
    const evs = await eventsOf(copyId);
    const reopened = evs.find((e) => e.action === 'REOPENED')!;
    const answered = evs.find((e) => e.action === 'REGRADE_ANSWERED')!;
    expect(reopened.metadata).toMatchObject({ regradeRequestId: requestId });
    expect(answered.metadata).toMatchObject({ requestId, decision: 'ACCEPTED', reopened: true });
    expect(answered.createdAt).toBe(reopened.createdAt); // one transaction
    expect(evs.filter((e) => e.action === 'REGRADE_REQUESTED')).toHaveLength(1);

    // the desk pins the accepted request: the copy is being regraded since the review began
    const pinned = await corrector.req('GET', `${a}/copies/${copyId}/regrade-requests`);
    expect(pinned.body.review).toMatchObject({ previousTotal: 1300 });
    expect(pinned.body.items[0]).toMatchObject({ id: requestId, decision: 'ACCEPTED' });
    expect(pinned.body.items[0].answeredAt >= pinned.body.review.reopenedAt).toBe(true);

    // the student's page: the released result, under review — not "Page not found."
    const during = await mine(copyId);
    expect(during).toMatchObject({ status: 'GRADED', total: 1300, canRequestRegrade: false, review: { status: 'UNDER_REVIEW', previousTotal: 1300, changes: [] } });
    expect(during.questions.find((x: { id: string }) => x.id === q('1a')).points).toBe(200);
    const pdfDuring = await owner.req('GET', `${a}/copies/${copyId}/final.pdf`);
    expect(pdfDuring.status).toBe(200);
    expect(pdfDuring.raw.equals(oldPdf.raw)).toBe(true);
    const twice = await ask(copyId, q('1b'));
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('INVALID_STATE');

    // the corrector regrades: the student still sees the released points while scores change underneath
    const lock = await corrector.req('POST', `${a}/copies/${copyId}/lock`);
    const version = (await corrector.req('GET', `${a}/copies/${copyId}`)).body.scores.find((s: { questionId: string }) => s.questionId === q('1a')).version;
    expect((await corrector.req('PUT', `${a}/copies/${copyId}/scores/${q('1a')}`, { points: 350, version }, { 'x-lock-token': lock.body.token })).status).toBe(200);
    expect((await mine(copyId)).total).toBe(1300);
    await corrector.req('DELETE', `${a}/copies/${copyId}/lock`, undefined, { 'x-lock-token': lock.body.token });
    await gradeOverHttp(corrector, copyId, {});

    // then the new result and what changed
    const after = await mine(copyId);
    expect(after).toMatchObject({ status: 'GRADED', total: 1450, canRequestRegrade: true, review: { status: 'REVIEWED', previousTotal: 1300 } });
    expect(after.review.changes).toEqual([
      { questionId: q('Exercice 1'), label: 'Exercice 1', before: 800, after: 950 },
      { questionId: q('1a'), label: '1a', before: 200, after: 350 },
    ]);
    const newPdf = await owner.req('GET', `${a}/copies/${copyId}/final.pdf`);
    expect(newPdf.status).toBe(200);
    expect(newPdf.raw.equals(oldPdf.raw)).toBe(false);
    expect((await corrector.req('GET', `${a}/copies/${copyId}/regrade-requests`)).body.review).toBeNull();
  });

  it('under review the student keeps the released "not scored" questions; once regraded, the new ones', async () => {
    const e = await freshExam([corrector]);
    const lbl = (l: string) => e.questions.find((x) => x.label === l)!.id;
    const copyId = await makeCopy(env, e.id);
    expect((await admin.req('POST', `${a}/copies/${copyId}/identify`, { studentId: ownerStudentId })).status).toBe(200);
    expect((await admin.req('PUT', `${a}/copies/${copyId}/assignee`, { userId: corrector.user.id })).status).toBe(200);
    // 1b left "not scored" on purpose
    const lock = await corrector.req('POST', `${a}/copies/${copyId}/lock`);
    const h = { 'x-lock-token': lock.body.token };
    for (const [qid, p] of [[lbl('1a'), 200], [lbl('Exercice 2'), 500]] as const) expect((await corrector.req('PUT', `${a}/copies/${copyId}/scores/${qid}`, { points: p }, h)).status).toBe(200);
    expect((await corrector.req('POST', `${a}/copies/${copyId}/finalize`, { allowUnscored: true }, h)).status).toBe(202);
    expect(await drain()).toBe(1);
    expect((await admin.req('POST', `${a}/exams/${e.id}/release`)).status).toBe(200);
    const released = await mine(copyId);
    expect(released).toMatchObject({ total: 700, notScored: ['1b'], review: null });
    expect(released.questions.find((x: { id: string }) => x.id === lbl('1b'))).toMatchObject({ notScored: true, points: 0 });

    const asked = await ask(copyId, lbl('1b'), 'Le 1b a été oublié');
    expect((await corrector.req('POST', `${a}/regrade-requests/${asked.body.regradeRequest.id}/answer`, { message: 'Je le corrige', decision: 'ACCEPTED' })).status).toBe(200);
    // the corrector scores 1b (its mark goes): the student still sees the released result, 1b not scored
    const relock = await corrector.req('POST', `${a}/copies/${copyId}/lock`);
    expect((await corrector.req('PUT', `${a}/copies/${copyId}/scores/${lbl('1b')}`, { points: 400 }, { 'x-lock-token': relock.body.token })).status).toBe(200);
    const during = await mine(copyId);
    expect(during).toMatchObject({ total: 700, notScored: ['1b'], review: { status: 'UNDER_REVIEW' } });
    expect(during.questions.find((x: { id: string }) => x.id === lbl('1b'))).toMatchObject({ notScored: true, points: 0 });
    await corrector.req('DELETE', `${a}/copies/${copyId}/lock`, undefined, { 'x-lock-token': relock.body.token });
    await gradeOverHttp(corrector, copyId, {});

    const after = await mine(copyId);
    expect(after).toMatchObject({ total: 1100, notScored: [], review: { status: 'REVIEWED', previousTotal: 700 } });
    expect(after.questions.find((x: { id: string }) => x.id === lbl('1b'))).toMatchObject({ notScored: false, points: 400 });
    expect(after.review.changes).toContainEqual({ questionId: lbl('1b'), label: '1b', before: 0, after: 400 });
  });

  it('reject with a reason: the mark stands and the student reads why; an empty reason is refused', async () => {
    const e = await freshExam([corrector, colleague]);
    const copyId = await ownersGradedCopy(corrector, e);
    await admin.req('POST', `${a}/exams/${e.id}/release`);
    const qid = e.questions.find((x) => x.label === 'Exercice 2')!.id;
    const requestId = (await ask(copyId, qid)).body.regradeRequest.id;
    expect((await corrector.req('POST', `${a}/regrade-requests/${requestId}/answer`, { message: '  ', decision: 'REJECTED' })).status).toBe(400);
    const bad = await corrector.req('POST', `${a}/regrade-requests/${requestId}/answer`, { message: 'x', decision: 'REJECTED', reopen: true });
    expect(bad.status).toBe(400);
    const rejected = await corrector.req('POST', `${a}/regrade-requests/${requestId}/answer`, { message: 'La méthode attendue était la récurrence', decision: 'REJECTED' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ copyStatus: 'GRADED', regradeRequest: { decision: 'REJECTED', answer: 'La méthode attendue était la récurrence' } });
    expect((await corrector.req('POST', `${a}/regrade-requests/${requestId}/answer`, { message: 'bis', decision: 'ACCEPTED' })).status).toBe(409);
    const seen = await mine(copyId);
    expect(seen).toMatchObject({ total: 1300, review: null, canRequestRegrade: true });
    expect(seen.regradeRequests).toMatchObject([{ id: requestId, decision: 'REJECTED', answer: 'La méthode attendue était la récurrence' }]);
    const evs = await eventsOf(copyId);
    expect(evs.filter((x) => x.action === 'REOPENED')).toEqual([]);
    expect(evs.at(-1)).toMatchObject({ action: 'REGRADE_ANSWERED', metadata: { requestId, decision: 'REJECTED', reopened: false } });
  });

  it('deadline: after the exam\'s deadline a request is refused with 409 REGRADE_DEADLINE_PASSED and nothing is written', async () => {
    const e = await freshExam([corrector]);
    const copyId = await ownersGradedCopy(corrector, e);
    await admin.req('POST', `${a}/exams/${e.id}/release`);
    const qid = e.questions.find((x) => x.label === '1b')!.id;
    const deadline = new Date(env.clock.now().getTime() + 3600_000).toISOString();

    expect((await corrector.req('PUT', `${a}/exams/${e.id}/regrade-deadline`, { deadline })).status).toBe(403);
    expect((await admin.req('PUT', `${a}/exams/${e.id}/regrade-deadline`, { deadline: 'next friday' })).status).toBe(400);
    const set = await admin.req('PUT', `${a}/exams/${e.id}/regrade-deadline`, { deadline });
    expect(set.status).toBe(200);
    expect(new Date(set.body.regradeDeadline).getTime()).toBe(new Date(deadline).getTime());
    expect((await admin.req('GET', `${a}/exams/${e.id}/regrade-requests`)).body.regradeDeadline).toBe(set.body.regradeDeadline);
    expect(await mine(copyId)).toMatchObject({ regradeDeadline: set.body.regradeDeadline, canRequestRegrade: true });

    // the deadline passes (set one minute ago: sessions would expire if the clock jumped hours)
    const passed = (await admin.req('PUT', `${a}/exams/${e.id}/regrade-deadline`, { deadline: new Date(env.clock.now().getTime() - 60_000).toISOString() })).body.regradeDeadline;
    const late = await ask(copyId, qid);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'REGRADE_DEADLINE_PASSED', deadline: passed });
    expect(late.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await env.ctx.db.selectFrom('regrade_requests').select('id').where('copy_id', '=', copyId).execute()).toEqual([]);
    expect((await eventsOf(copyId)).filter((x) => x.action === 'REGRADE_REQUESTED')).toEqual([]);
    expect(await mine(copyId)).toMatchObject({ canRequestRegrade: false });
    // lifting the deadline opens requests again
    expect((await admin.req('PUT', `${a}/exams/${e.id}/regrade-deadline`, { deadline: null })).body.regradeDeadline).toBeNull();
    expect((await ask(copyId, qid)).status).toBe(201);
  });

  it('reassign: the admin hands a request, with its copy, to another corrector of the exam, who alone may answer it', async () => {
    const e = await freshExam([corrector, colleague]);
    const copyId = await ownersGradedCopy(corrector, e);
    await admin.req('POST', `${a}/exams/${e.id}/release`);
    const [r1, r2] = [
      (await ask(copyId, e.questions.find((x) => x.label === '1a')!.id)).body.regradeRequest.id,
      (await ask(copyId, e.questions.find((x) => x.label === '1b')!.id)).body.regradeRequest.id,
    ];
    expect((await corrector.req('POST', `${a}/regrade-requests/${r1}/reassign`, { userId: colleague.user.id })).status).toBe(403);
    const notCorrector = await admin.req('POST', `${a}/regrade-requests/${r1}/reassign`, { userId: foreign.user.id });
    expect(notCorrector.status).toBe(400);
    expect(notCorrector.body.code).toBe('VALIDATION_FAILED');

    const moved = await admin.req('POST', `${a}/regrade-requests/${r1}/reassign`, { userId: colleague.user.id });
    expect(moved.status).toBe(200);
    expect(moved.body.regradeRequest.corrector).toEqual({ id: colleague.user.id, displayName: 'M. Collegue' });
    // the copy's other open request went along: one corrector reviews one copy
    const colleagueList = (await colleague.req('GET', `${a}/exams/${e.id}/regrade-requests`)).body.items.map((r: { id: string }) => r.id);
    expect(colleagueList.sort()).toEqual([r1, r2].sort());
    expect((await corrector.req('GET', `${a}/exams/${e.id}/regrade-requests`)).body.items).toEqual([]);
    expect((await eventsOf(copyId)).at(-1)).toMatchObject({ action: 'REGRADE_REASSIGNED', metadata: { requestId: r1, from: corrector.user.id, to: colleague.user.id } });

    // the former corrector cannot answer any more; the new one accepts, and the copy reopens to them
    expect((await corrector.req('POST', `${a}/regrade-requests/${r1}/answer`, { message: 'x', decision: 'REJECTED' })).status).toBe(404);
    const ok = await colleague.req('POST', `${a}/regrade-requests/${r1}/answer`, { message: 'Je regarde', decision: 'ACCEPTED' });
    expect(ok.body.copyStatus).toBe('READY');
    expect((await admin.req('GET', `${a}/copies/${copyId}`)).body.assignedTo).toMatchObject({ id: colleague.user.id });

    // while the new corrector holds the copy's lease, it cannot be taken from them; answered requests stay put
    const lease = await colleague.req('POST', `${a}/copies/${copyId}/lock`);
    expect(lease.status).toBe(200);
    const busy = await admin.req('POST', `${a}/regrade-requests/${r2}/reassign`, { userId: corrector.user.id });
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ code: 'LOCKED_BY_OTHER', owner: { id: colleague.user.id } });
    expect((await admin.req('POST', `${a}/regrade-requests/${r1}/reassign`, { userId: corrector.user.id })).status).toBe(409);

    // a second accepted request joins the review in progress (no second reopening)
    expect((await colleague.req('POST', `${a}/regrade-requests/${r2}/answer`, { message: 'Aussi', decision: 'ACCEPTED' })).body.copyStatus).toBe('READY');
    expect((await eventsOf(copyId)).filter((x) => x.action === 'REOPENED')).toHaveLength(1);
    await colleague.req('DELETE', `${a}/copies/${copyId}/lock`, undefined, { 'x-lock-token': lease.body.token });
  });

  it('routing: a copy graded from the shared pool goes to whoever finalized it; one graded by an admin waits for the admin', async () => {
    const e = await freshExam([corrector, colleague]);
    await admin.req('POST', `${a}/exams/${e.id}/release`);
    const qid = e.questions.find((x) => x.label === '1a')!.id;
    const pool = await makeCopy(env, e.id);
    await admin.req('POST', `${a}/copies/${pool}/identify`, { studentId: ownerStudentId });
    await gradeOverHttp(colleague, pool, Object.fromEntries(e.questions.filter((x) => x.isLeaf).map((x) => [x.id, 100])));
    const r = await ask(pool, qid);
    expect(r.body.regradeRequest.corrector).toMatchObject({ id: colleague.user.id });
    expect((await eventsOf(pool)).find((x) => x.action === 'ASSIGNED')).toMatchObject({ metadata: { from: null, to: colleague.user.id, via: 'regrade' } });
    expect((await corrector.req('POST', `${a}/regrade-requests/${r.body.regradeRequest.id}/answer`, { message: 'x', decision: 'REJECTED' })).status).toBe(404);

    // graded by an admin alone: nobody's to answer but an admin's; a corrector of the exam who sees it is refused
    const byAdmin = await makeCopy(env, e.id);
    const students = await makeStudents(admin, [['8199', 'Petit', 'Noé', '4C']]);
    await admin.req('POST', `${a}/copies/${byAdmin}/identify`, { studentId: students.get('8199')!.id });
    const [noe] = (await studentClients(env, admin, [students.get('8199')!.id])) as [Client];
    await gradeCopy(env, byAdmin, e.id, admin.user.id, Object.fromEntries(e.questions.filter((x) => x.isLeaf).map((x) => [x.id, 100])));
    const r2 = await noe.req('POST', `${a}/copies/${byAdmin}/regrade-requests`, { questionId: qid, message: 'Pourquoi ?' });
    expect(r2.status).toBe(201);
    expect(r2.body.regradeRequest.corrector).toBeNull();
    const refused = await corrector.req('POST', `${a}/regrade-requests/${r2.body.regradeRequest.id}/answer`, { message: 'x', decision: 'REJECTED' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    expect((await admin.req('POST', `${a}/regrade-requests/${r2.body.regradeRequest.id}/answer`, { message: 'Vu', decision: 'REJECTED' })).status).toBe(200);
  });

  it('parallel answers: one answer per request wins, and two requests accepted at once reopen the copy once', async () => {
    const e = await freshExam([corrector]);
    const copyId = await ownersGradedCopy(corrector, e);
    await admin.req('POST', `${a}/exams/${e.id}/release`);
    const ids = [];
    for (const l of ['1a', '1b', 'Exercice 2']) ids.push((await ask(copyId, e.questions.find((x) => x.label === l)!.id)).body.regradeRequest.id as string);
    const [r1, r2, r3] = ids as [string, string, string];
    // the corrector and an admin answer r1 at the same moment, differently; r2 and r3 are accepted together
    const results = await Promise.all([
      corrector.req('POST', `${a}/regrade-requests/${r1}/answer`, { message: 'accept', decision: 'ACCEPTED' }),
      admin.req('POST', `${a}/regrade-requests/${r1}/answer`, { message: 'reject', decision: 'REJECTED' }),
      corrector.req('POST', `${a}/regrade-requests/${r2}/answer`, { message: 'ok 2', decision: 'ACCEPTED' }),
      admin.req('POST', `${a}/regrade-requests/${r3}/answer`, { message: 'ok 3', decision: 'ACCEPTED' }),
    ]);
    expect(results.slice(0, 2).map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.slice(2).map((r) => r.status)).toEqual([200, 200]);
    const winner = results[0]!.status === 200 ? 'ACCEPTED' : 'REJECTED';
    const rows = await env.ctx.db.selectFrom('regrade_requests').select(['id', 'status', 'decision']).where('copy_id', '=', copyId).execute();
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.status, r.decision]]))).toEqual({ [r1]: ['ANSWERED', winner], [r2]: ['ANSWERED', 'ACCEPTED'], [r3]: ['ANSWERED', 'ACCEPTED'] });
    // whatever the order: one reopening, one review row holding the released result, one answer event per request
    const evs = await eventsOf(copyId);
    expect(evs.filter((x) => x.action === 'REOPENED')).toHaveLength(1);
    expect(evs.filter((x) => x.action === 'REGRADE_ANSWERED').map((x) => x.metadata.requestId).sort()).toEqual([r1, r2, r3].sort());
    const reviews = await env.ctx.db.selectFrom('copy_reviews').select(['previous_score', 'released']).where('copy_id', '=', copyId).execute();
    expect(reviews).toEqual([{ previous_score: 1300, released: 1 }]);
    expect((await env.ctx.db.selectFrom('copies').select('status').where('id', '=', copyId).executeTakeFirstOrThrow()).status).toBe('READY');
  });

  it('accepting while the reopened copy is being finalized is refused and the answer is not kept; the admin\'s own reopen also keeps the student\'s result', async () => {
    const e = await freshExam([corrector]);
    const copyId = await ownersGradedCopy(corrector, e);
    await admin.req('POST', `${a}/exams/${e.id}/release`);
    const r2 = (await ask(copyId, e.questions.find((x) => x.label === '1b')!.id)).body.regradeRequest.id;
    // the exam office reopens the copy by hand: same review, same student view
    expect((await admin.req('POST', `${a}/copies/${copyId}/reopen`)).status).toBe(200);
    expect(await mine(copyId)).toMatchObject({ total: 1300, review: { status: 'UNDER_REVIEW' } });
    const lock = await corrector.req('POST', `${a}/copies/${copyId}/lock`);
    expect((await corrector.req('POST', `${a}/copies/${copyId}/submit`, undefined, { 'x-lock-token': lock.body.token })).status).toBe(200);
    const late = await corrector.req('POST', `${a}/regrade-requests/${r2}/answer`, { message: 'ok', decision: 'ACCEPTED' });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'LOCKED' });
    expect((await corrector.req('GET', `${a}/copies/${copyId}/regrade-requests`)).body.items[0]).toMatchObject({ id: r2, status: 'OPEN', decision: null });
    expect((await eventsOf(copyId)).filter((x) => x.action === 'REGRADE_ANSWERED')).toEqual([]);
  });
});
