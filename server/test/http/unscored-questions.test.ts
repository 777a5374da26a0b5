import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEnv,
  engine,
  leafIds,
  listen,
  makeCopy,
  makeExam,
  makeUser,
  overHttp,
  parallel,
  type Client,
  type TestEnv,
} from '../helpers/harness.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { pdfPageText } from '../pdf/pixels.ts';
import { jobHandlers } from '../../src/jobs/index.ts';

/**
 * Issue 11, "complete before final": submit and finalize refuse a copy with unscored leaf questions (409
 * INCOMPLETE_SCORES naming them) unless the body says {"allowUnscored": true}, which records each one as "not
 * scored" with an event, in the transaction of the transition.
 */
describe(`unscored questions on submit and finalize [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let other: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
    other = await makeUser(env, 'TEACHER');
  });
  afterAll(() => env.close());

  const db = () => env.ctx.db;
  const marksOf = async (copyId: string) =>
    (await db().selectFrom('unscored_questions').select('question_id').where('copy_id', '=', copyId).execute()).map((r) => r.question_id).sort();
  const eventsOf = async (copyId: string, action: string) =>
    (await db().selectFrom('grading_events').selectAll().where('copy_id', '=', copyId).where('action', '=', action).execute()).map(
      (e) => JSON.parse(e.metadata) as Record<string, unknown>,
    );
  const statusOf = async (copyId: string) => (await db().selectFrom('copies').select('status').where('id', '=', copyId).executeTakeFirstOrThrow()).status;

  /** A READY copy of a fresh exam (1a /4, 1b /6 under "Exercice 1"; "Exercice 2" /10), its lease held by `teacher`. */
  async function openCopy() {
    const exam = await makeExam(admin, [teacher, other]);
    const copyId = await makeCopy(env, exam.id);
    const lock = await teacher.req('POST', `/api/v1/copies/${copyId}/lock`);
    expect(lock.status).toBe(200);
    const [q1a, q1b, q2] = leafIds(exam) as [string, string, string];
    return { exam, copyId, h: { 'x-lock-token': lock.body.token as string }, q1a, q1b, q2 };
  }
  const score = (c: Awaited<ReturnType<typeof openCopy>>, q: string, points: number, version?: number) =>
    teacher.req('PUT', `/api/v1/copies/${c.copyId}/scores/${q}`, { points, ...(version ? { version } : {}) }, c.h);

  it('submit refuses a copy with unscored questions: 409 INCOMPLETE_SCORES naming them, nothing changed', async () => {
    const c = await openCopy();
    expect((await score(c, c.q1a, 200)).status).toBe(200);
    for (const body of [undefined, {}, { allowUnscored: false }]) {
      const res = await teacher.req('POST', `/api/v1/copies/${c.copyId}/submit`, body, c.h);
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('INCOMPLETE_SCORES');
      expect(res.body.unscored).toEqual([c.q1b, c.q2]);
      expect(res.body.detail).toContain('1b');
      expect(res.body.detail).toContain('Exercice 2');
      expect(res.body.detail).not.toContain('1a');
    }
    expect(await statusOf(c.copyId)).toBe('READY');
    expect(await marksOf(c.copyId)).toEqual([]);
    expect(await eventsOf(c.copyId, 'SUBMITTED')).toEqual([]);
    // the lease survived the refusal: the teacher goes on scoring, then submits without a body
    expect((await score(c, c.q1b, 600)).status).toBe(200);
    expect((await score(c, c.q2, 0)).status).toBe(200);
    const ok = await teacher.req('POST', `/api/v1/copies/${c.copyId}/submit`, undefined, c.h);
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('LOCKED');
  });

  it('a wrong state wins over missing scores; a malformed body is a 400', async () => {
    const c = await openCopy();
    const bad = await teacher.req('POST', `/api/v1/copies/${c.copyId}/submit`, { allowUnscored: 'yes' }, c.h);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((await teacher.req('POST', `/api/v1/copies/${c.copyId}/submit`, { allowUnscored: true }, c.h)).status).toBe(200);
    const again = await admin.req('POST', `/api/v1/copies/${c.copyId}/submit`, {}, c.h);
    expect(again.status).toBe(409);
    expect(again.body.code).not.toBe('INCOMPLETE_SCORES');
  });

  it('submit with allowUnscored marks each unscored question once, with one event each, in the transition', async () => {
    const c = await openCopy();
    expect((await score(c, c.q1b, 300)).status).toBe(200);
    const res = await teacher.req('POST', `/api/v1/copies/${c.copyId}/submit`, { allowUnscored: true }, c.h);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('LOCKED');
    expect(await marksOf(c.copyId)).toEqual([c.q1a, c.q2].sort());
    const events = await eventsOf(c.copyId, 'QUESTION_NOT_SCORED');
    expect(events.map((e) => [e.questionId, e.label, e.during])).toEqual([
      [c.q1a, '1a', 'SUBMIT'],
      [c.q2, 'Exercice 2', 'SUBMIT'],
    ]);
    const copy = await teacher.req('GET', `/api/v1/copies/${c.copyId}`);
    expect([...copy.body.notScored].sort()).toEqual([c.q1a, c.q2].sort());
    expect(copy.body.total).toBe(300);

    // the marks settle the questions: finalize needs no flag and marks nothing more
    const fin = await teacher.req('POST', `/api/v1/copies/${c.copyId}/finalize`);
    expect(fin.status).toBe(202);
    expect(await eventsOf(c.copyId, 'QUESTION_NOT_SCORED')).toHaveLength(2);
  });

  it('finalize refuses unscored questions from READY (lease holder) and from LOCKED (submitter, admin), unless allowed', async () => {
    const c = await openCopy();
    expect((await score(c, c.q2, 1000)).status).toBe(200);
    const refused = await teacher.req('POST', `/api/v1/copies/${c.copyId}/finalize`, {}, c.h);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('INCOMPLETE_SCORES');
    expect(refused.body.unscored).toEqual([c.q1a, c.q1b]);
    expect(await statusOf(c.copyId)).toBe('READY');
    expect(await db().selectFrom('jobs').select('id').where('ref_id', '=', c.copyId).execute()).toEqual([]);
    expect(await marksOf(c.copyId)).toEqual([]);

    const ok = await teacher.req('POST', `/api/v1/copies/${c.copyId}/finalize`, { allowUnscored: true }, c.h);
    expect(ok.status).toBe(202);
    expect(ok.body.status).toBe('GRADING_IN_PROGRESS');
    expect(await marksOf(c.copyId)).toEqual([c.q1a, c.q1b].sort());
    expect((await eventsOf(c.copyId, 'QUESTION_NOT_SCORED')).map((e) => [e.questionId, e.during])).toEqual([
      [c.q1a, 'FINALIZE'],
      [c.q1b, 'FINALIZE'],
    ]);

    // LOCKED with a question the scale gained after the submit
    const d = await openCopy();
    for (const q of [d.q1a, d.q1b, d.q2]) expect((await score(d, q, 100)).status).toBe(200);
    expect((await teacher.req('POST', `/api/v1/copies/${d.copyId}/submit`, undefined, d.h)).status).toBe(200);
    const questions = [
      { id: leafParent(d.exam), label: 'Exercice 1', children: [{ id: d.q1a, label: '1a', maxPoints: 400 }, { id: d.q1b, label: '1b', maxPoints: 600 }] },
      { id: d.q2, label: 'Exercice 2', maxPoints: 1000 },
      { label: 'Bonus', maxPoints: 200 },
    ];
    const patched = await admin.req('PATCH', `/api/v1/exams/${d.exam.id}`, { questions });
    expect(patched.status).toBe(200);
    const bonus = (patched.body.exam.questions as { id: string; label: string }[]).find((q) => q.label === 'Bonus')!.id;
    for (const who of [teacher, admin]) {
      const r = await who.req('POST', `/api/v1/copies/${d.copyId}/finalize`);
      expect(r.status).toBe(409);
      expect(r.body.unscored).toEqual([bonus]);
    }
    expect(await statusOf(d.copyId)).toBe('LOCKED');
    const fin = await admin.req('POST', `/api/v1/copies/${d.copyId}/finalize`, { allowUnscored: true });
    expect(fin.status).toBe(202);
    expect(await marksOf(d.copyId)).toEqual([bonus]);
  });

  it('a teacher takes back their own submit; another corrector cannot; scoring a "not scored" question removes the mark', async () => {
    const c = await openCopy();
    expect((await score(c, c.q1a, 100)).status).toBe(200);
    expect((await teacher.req('POST', `/api/v1/copies/${c.copyId}/submit`, { allowUnscored: true }, c.h)).status).toBe(200);

    const refused = await other.req('POST', `/api/v1/copies/${c.copyId}/unlock`);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    expect(await statusOf(c.copyId)).toBe('LOCKED');

    const back = await teacher.req('POST', `/api/v1/copies/${c.copyId}/unlock`);
    expect(back.status).toBe(200);
    expect(back.body.status).toBe('READY');
    expect((await eventsOf(c.copyId, 'UNLOCKED')).length).toBe(1);
    // the decision survives the unlock until the question is scored
    expect(await marksOf(c.copyId)).toEqual([c.q1b, c.q2].sort());

    const lock = await teacher.req('POST', `/api/v1/copies/${c.copyId}/lock`);
    const h = { 'x-lock-token': lock.body.token as string };
    expect((await teacher.req('PUT', `/api/v1/copies/${c.copyId}/scores/${c.q2}`, { points: 500 }, h)).status).toBe(200);
    expect(await marksOf(c.copyId)).toEqual([c.q1b]);
    const set = (await eventsOf(c.copyId, 'SCORE_SET')).filter((e) => e.questionId === c.q2);
    expect(set).toEqual([expect.objectContaining({ points: 500, wasNotScored: true })]);
    const copy = await teacher.req('GET', `/api/v1/copies/${c.copyId}`);
    expect(copy.body.notScored).toEqual([c.q1b]);
    // 1b stays "not scored": submitting again needs no confirmation
    expect((await teacher.req('POST', `/api/v1/copies/${c.copyId}/submit`, undefined, h)).status).toBe(200);
  });

  it('reopen keeps the marks consistent: they stay until a score replaces them, and clearing a score reopens the question', async () => {
    const c = await openCopy();
    expect((await score(c, c.q1a, 400)).status).toBe(200);
    expect((await score(c, c.q1b, 600)).status).toBe(200);
    expect((await teacher.req('POST', `/api/v1/copies/${c.copyId}/finalize`, { allowUnscored: true }, c.h)).status).toBe(202);
    await new JobRunner(env.ctx, jobHandlers, { backoffBaseMs: 10 }).drain();
    expect(await statusOf(c.copyId)).toBe('GRADED');
    expect((await admin.req('POST', `/api/v1/copies/${c.copyId}/reopen`)).status).toBe(200);
    expect(await marksOf(c.copyId)).toEqual([c.q2]);

    const lock = await teacher.req('POST', `/api/v1/copies/${c.copyId}/lock`);
    const h = { 'x-lock-token': lock.body.token as string };
    expect((await teacher.req('PUT', `/api/v1/copies/${c.copyId}/scores/${c.q2}`, { points: 700 }, h)).status).toBe(200);
    expect(await marksOf(c.copyId)).toEqual([]);
    // clearing a score leaves the question open (not "not scored"): finalize asks again
    expect((await teacher.req('DELETE', `/api/v1/copies/${c.copyId}/scores/${c.q1a}?version=1`, undefined, h)).status).toBe(204);
    const refused = await teacher.req('POST', `/api/v1/copies/${c.copyId}/finalize`, undefined, h);
    expect(refused.status).toBe(409);
    expect(refused.body.unscored).toEqual([c.q1a]);
  });

  it('the final PDF says "non noté" for the questions left unscored, with exercise subtotals and the total over the rest', async () => {
    const c = await openCopy();
    expect((await score(c, c.q1a, 350)).status).toBe(200);
    expect((await score(c, c.q2, 800)).status).toBe(200);
    expect((await teacher.req('POST', `/api/v1/copies/${c.copyId}/finalize`, { allowUnscored: true }, c.h)).status).toBe(202);
    await new JobRunner(env.ctx, jobHandlers, { backoffBaseMs: 10 }).drain();
    const pdf = await teacher.req('GET', `/api/v1/copies/${c.copyId}/final.pdf`);
    expect(pdf.status).toBe(200);
    const summary = (await pdfPageText(new Uint8Array(pdf.raw), 2)).replace(/\s+/g, ' ');
    for (const expected of ['Exercice 1 3,5 / 10', '1a 3,5 / 4', '1b non noté / 6', 'Exercice 2 8 / 10', 'Total 11,5 / 20', '1 question non notée : 1b']) {
      expect(summary).toContain(expected);
    }
    expect((await teacher.req('GET', `/api/v1/copies/${c.copyId}`)).body.finalScore).toBe(1150);

    // every question scored: the exercise shows its subtotal (defect 5), and nothing is said about unscored ones
    const d = await openCopy();
    for (const [q, p] of [[d.q1a, 400], [d.q1b, 300], [d.q2, 0]] as const) expect((await score(d, q, p)).status).toBe(200);
    expect((await teacher.req('POST', `/api/v1/copies/${d.copyId}/finalize`, undefined, d.h)).status).toBe(202);
    await new JobRunner(env.ctx, jobHandlers, { backoffBaseMs: 10 }).drain();
    const full = (await pdfPageText(new Uint8Array((await teacher.req('GET', `/api/v1/copies/${d.copyId}/final.pdf`)).raw), 2)).replace(/\s+/g, ' ');
    for (const expected of ['Exercice 1 7 / 10', 'Exercice 2 0 / 10', 'Total 7 / 20']) expect(full).toContain(expected);
    expect(full).not.toContain('— /');
    expect(full).not.toContain('non not');
  });

  it('parallel finalize with and without allowUnscored (real HTTP) makes one job, one set of marks, one PDF', async () => {
    const base = await listen(env);
    const t = overHttp(base, teacher);
    const a = overHttp(base, admin);

    // nobody allows: every request is refused, nothing is enqueued
    const none = await openCopy();
    const refused = await parallel(8, () => t.req('POST', `/api/v1/copies/${none.copyId}/finalize`, {}, none.h));
    expect(refused.map((r) => r.body.code)).toEqual(Array(8).fill('INCOMPLETE_SCORES'));
    expect(await statusOf(none.copyId)).toBe('READY');

    const copies = [none, await openCopy()];
    for (const c of copies) {
      expect((await score(c, c.q1a, 150)).status).toBe(200);
      const results = await parallel(12, (i) => {
        const who = i % 3 === 2 ? a : t;
        const body = i % 2 === 0 ? { allowUnscored: true } : i % 4 === 1 ? undefined : {};
        return who.req('POST', `/api/v1/copies/${c.copyId}/finalize`, body, who === t ? c.h : {});
      });
      const accepted = results.filter((r) => r.status === 202);
      const others = results.filter((r) => r.status !== 202);
      // a request without the flag that ran before the first flagged one is refused; after it, it sees the same job
      expect(others.every((r) => r.status === 409 && r.body.code === 'INCOMPLETE_SCORES')).toBe(true);
      expect(accepted.length).toBeGreaterThanOrEqual(6);
      const jobs = await db().selectFrom('jobs').select('id').where('ref_id', '=', c.copyId).execute();
      expect(jobs).toHaveLength(1);
      expect(new Set(accepted.map((r) => r.body.jobId))).toEqual(new Set([jobs[0]!.id]));
      expect(await marksOf(c.copyId)).toEqual([c.q1b, c.q2].sort());
      expect(await eventsOf(c.copyId, 'QUESTION_NOT_SCORED')).toHaveLength(2);
      expect(await eventsOf(c.copyId, 'FINALIZE_REQUESTED')).toHaveLength(1);
    }
    await new JobRunner(env.ctx, jobHandlers, { backoffBaseMs: 10 }).drain();
    for (const c of copies) {
      expect(await statusOf(c.copyId)).toBe('GRADED');
      expect(await db().selectFrom('final_pdfs').select('id').where('copy_id', '=', c.copyId).execute()).toHaveLength(1);
    }

    // a complete copy: parallel finalize without any body still makes exactly one job and one PDF
    const full = await openCopy();
    for (const q of [full.q1a, full.q1b, full.q2]) expect((await score(full, q, 0)).status).toBe(200);
    const results = await parallel(10, (i) => (i % 2 ? a.req('POST', `/api/v1/copies/${full.copyId}/finalize`) : t.req('POST', `/api/v1/copies/${full.copyId}/finalize`, undefined, full.h)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(202));
    expect(new Set(results.map((r) => r.body.jobId)).size).toBe(1);
    await new JobRunner(env.ctx, jobHandlers, { backoffBaseMs: 10 }).drain();
    expect(await statusOf(full.copyId)).toBe('GRADED');
    expect(await db().selectFrom('final_pdfs').select('id').where('copy_id', '=', full.copyId).execute()).toHaveLength(1);
    expect(await marksOf(full.copyId)).toEqual([]);
  });
});

function leafParent(exam: { questions: { id: string; label: string }[] }) {
  return exam.questions.find((q) => q.label === 'Exercice 1')!.id;
}
