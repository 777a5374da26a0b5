import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine, type Client } from '../helpers/harness.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { pdfPageText } from '../pdf/pixels.ts';
import { makeStudents, studentClients } from '../workflow/helpers.ts';
import { apply, item, lock, makeCopy, rubricWorld, type World } from './helpers.ts';

/**
 * Question mode end to end: two correctors grade different questions of the same copies at the same time, go
 * "next" on their question, respect the dispatch by question and quotas; progress per question and corrector; the
 * admin's batch finalize; the final PDF, the student's page and the CSV export agree with the totals.
 */
describe(`question-by-question grading [${engine}]`, () => {
  let w: World;
  let t0: Client, t1: Client, t2: Client;
  let copies: string[];
  beforeAll(async () => {
    w = await rubricWorld(3);
    [t0, t1, t2] = w.teachers as [Client, Client, Client];
    copies = [];
    for (let i = 0; i < 3; i++) copies.push(await makeCopy(w.env, w.exam.id));
  });
  afterAll(() => w.env.close());

  const next = (c: Client, q: string, after?: string) => c.req('GET', `/api/v1/exams/${w.exam.id}/questions/${q}/next${after ? `?after=${after}` : ''}`);

  it('region and dispatch by question are set by the admin; a corrector not given a question cannot take it', async () => {
    const region = { pagePosition: 1, x: 0.1, y: 0.2, w: 0.8, h: 0.3 };
    const r = await w.admin.req('PUT', `/api/v1/exams/${w.exam.id}/questions/${w.q2}/region`, { region });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ questionId: w.q2, mode: 'FREE', region });
    expect((await t0.req('PUT', `/api/v1/exams/${w.exam.id}/questions/${w.q2}/region`, { region })).status).toBe(403); // a corrector
    const bad = await w.admin.req('PUT', `/api/v1/exams/${w.exam.id}/questions/${w.q2}/region`, { region: { ...region, pagePosition: 5 } });
    expect(bad.status).toBe(400);
    // q2 goes to t1 (quota 2); the 1a/1b questions to anyone
    const d = await w.admin.req('PUT', `/api/v1/exams/${w.exam.id}/questions/${w.q2}/correctors`, { assignments: [{ userId: t1.user.id, quota: 2 }] });
    expect(d.status).toBe(200);
    expect(d.body.questions.find((q: { questionId: string }) => q.questionId === w.q2).assignments).toEqual([
      { user: { id: t1.user.id, displayName: t1.user.displayName }, quota: 2 },
    ]);
    const refused = await lock(t0, copies[0]!, w.q2);
    expect(refused.status).toBe(403);
    expect((await next(t0, w.q2)).status).toBe(204);
    const n = await next(t1, w.q2);
    expect(n.status).toBe(200);
    expect(n.body).toMatchObject({ copy: { id: copies[0] }, questionId: w.q2, region, remaining: 3 });
  });

  it('two correctors grade different questions of the same copies at once, with rubric keys, and "next" moves on', async () => {
    await w.admin.req('PUT', `/api/v1/exams/${w.exam.id}/questions/${w.q2}/scoring-mode`, { mode: 'SUBTRACTIVE' });
    await w.admin.req('PUT', `/api/v1/exams/${w.exam.id}/questions/${w.q1a}/scoring-mode`, { mode: 'ADDITIVE' });
    const sign = await item(t1, w.exam.id, { questionId: w.q2, label: 'Sign error', comment: 'Check the sign of the derivative', points: -250 });
    const good = await item(t0, w.exam.id, { questionId: w.q1a, label: 'Correct', comment: 'Well done', points: 400, kind: 'ABSOLUTE' });
    const half = await item(t0, w.exam.id, { questionId: w.q1b, label: 'Half', comment: 'Half the answer', points: 300, kind: 'ABSOLUTE' });

    // t1 takes q2 copy after copy while t0 takes 1a and 1b on the same copies
    const seen: string[] = [];
    for (let k = 0; k < 2; k++) {
      const n = await next(t1, w.q2);
      expect(n.status).toBe(200);
      const copyId = n.body.copy.id as string;
      seen.push(copyId);
      const l1 = await lock(t1, copyId, w.q2);
      expect(l1.status).toBe(200);
      const l0 = await lock(t0, copyId, w.q1a);
      expect(l0.status).toBe(200); // another question of the same copy, at the same time
      const [r1, r0] = await Promise.all([
        apply(t1, copyId, w.q2, l1.body.token, { version: 0, applied: [{ itemId: sign.id, pagePosition: 1, x: 0.4, y: 0.3 }] }),
        apply(t0, copyId, w.q1a, l0.body.token, { version: 0, applied: [{ itemId: good.id }] }),
      ]);
      expect(r1.body.score.points).toBe(750);
      expect(r0.body.score.points).toBe(400);
      // t0's 1a lease does not write 1b; a lease on 1b does
      expect((await apply(t0, copyId, w.q1b, l0.body.token, { version: 0, applied: [{ itemId: half.id }] })).body.code).toBe('LOCK_REQUIRED');
      const lb = await lock(t0, copyId, w.q1b);
      expect((await apply(t0, copyId, w.q1b, lb.body.token, { version: 0, applied: [{ itemId: half.id }] })).body.score.points).toBe(300);
      for (const [c, t] of [[t1, l1], [t0, l0], [t0, lb]] as const) {
        expect((await c.req('DELETE', `/api/v1/copies/${copyId}/lock`, undefined, { 'x-lock-token': t.body.token })).status).toBe(204);
      }
    }
    expect(new Set(seen).size).toBe(2);
    // t1's quota on q2 (2 copies) is reached: nothing more for them
    expect((await next(t1, w.q2)).status).toBe(204);

    const p = await w.admin.req('GET', `/api/v1/exams/${w.exam.id}/question-progress`);
    expect(p.status).toBe(200);
    const q2 = p.body.questions.find((q: { questionId: string }) => q.questionId === w.q2);
    expect(q2).toMatchObject({ copies: 3, scored: 2 });
    expect(q2.byCorrector).toEqual([{ user: { id: t1.user.id, displayName: t1.user.displayName }, scored: 2, quota: 2, assigned: true }]);
    expect(p.body.correctors.find((c: { user: { id: string } }) => c.user.id === t0.user.id).scored).toBe(4);
    expect(p.body.complete).toBe(2);
    void t2;
  });

  it('the admin\'s batch finalize takes the complete copies; the final PDF, the student\'s page and the CSV agree', async () => {
    const students = await makeStudents(w.adminInject, [['9101', 'Martin', 'Léa', '4B']]);
    const [student] = await studentClients(w.env, w.adminInject, [students.get('9101')!.id]);
    const done = (await w.env.ctx.db.selectFrom('scores').select('copy_id').where('question_id', '=', w.q2).execute()).map((s) => s.copy_id);
    const mine = done[0]!;
    expect((await w.admin.req('POST', `/api/v1/copies/${mine}/identify`, { studentId: students.get('9101')!.id })).status).toBe(200);
    // a copy someone is editing is skipped, so is an incomplete one
    const other = done[1]!;
    const held = await lock(t0, other, w.q1a);
    const fin = await w.admin.req('POST', `/api/v1/exams/${w.exam.id}/finalize-complete`);
    expect(fin.status).toBe(200);
    expect(fin.body.finalized.map((f: { copyId: string }) => f.copyId)).toEqual([mine]);
    expect(fin.body.skipped).toEqual(expect.arrayContaining([{ copyId: other, reason: 'LEASED' }]));
    expect(fin.body.skipped.filter((s: { reason: string }) => s.reason === 'INCOMPLETE')).toHaveLength(1);
    expect((await t0.req('GET', `/api/v1/exams/${w.exam.id}/question-progress`)).status).toBe(200);
    expect((await t0.req('POST', `/api/v1/exams/${w.exam.id}/finalize-complete`)).status).toBe(403); // correctors do not
    await t0.req('DELETE', `/api/v1/copies/${other}/lock`, undefined, { 'x-lock-token': held.body.token });

    const runner = new JobRunner(w.env.ctx, jobHandlers, { backoffBaseMs: 10 });
    expect(await runner.drain()).toBe(1);
    const copy = await w.admin.req('GET', `/api/v1/copies/${mine}`);
    expect(copy.body.status).toBe('GRADED');
    expect(copy.body.finalScore).toBe(1450); // 4 + 3 + 7.5
    const pdf = await w.admin.req('GET', `/api/v1/copies/${mine}/final.pdf`);
    expect(pdf.status).toBe(200);
    const summary = await pdfPageText(new Uint8Array(pdf.raw), 2);
    for (const text of ['Sign error', 'Check the sign of the derivative', 'Correct', 'Well done', 'Half the answer']) expect(summary).toContain(text);

    await w.admin.req('POST', `/api/v1/exams/${w.exam.id}/release`);
    const me = await student!.req('GET', '/api/v1/me/copies');
    expect(me.status).toBe(200);
    const q2 = me.body.items[0].questions.find((q: { id: string }) => q.id === w.q2);
    expect(q2.points).toBe(750);
    expect(q2.rubric).toEqual([{ label: 'Sign error', comment: 'Check the sign of the derivative', points: -250, kind: 'DELTA' }]);
    expect(me.body.items[0].total).toBe(1450);

    const csv = await w.admin.req('GET', `/api/v1/exams/${w.exam.id}/export.csv?format=plain`);
    expect(csv.status).toBe(200);
    const row = String(csv.raw ?? csv.body).split(/\r?\n/).find((l) => l.includes('9101'));
    expect(row).toBeDefined();
    expect(row!.split(/[;,]/)).toContain('14.5');
  });
});
