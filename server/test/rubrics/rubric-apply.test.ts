import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine } from '../helpers/harness.ts';
import { apply, item, lock, makeCopy, rubricWorld, type World } from './helpers.ts';

describe(`rubric items applied to copies [${engine}]`, () => {
  let w: World;
  beforeAll(async () => {
    w = await rubricWorld(2);
  });
  afterAll(() => w.env.close());

  it('creates items (version 1, usage 0), lists them with the question settings', async () => {
    const [t] = w.teachers;
    const a = await item(t!, w.exam.id, { questionId: w.q2, label: 'Good method', comment: 'Well reasoned', points: 300 });
    expect(a.version).toBe(1);
    const r = await t!.req('GET', `/api/v1/exams/${w.exam.id}/rubric-items?questionId=${w.q2}`);
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: { id: string }) => i.id)).toContain(a.id);
    expect(r.body.items.find((i: { id: string }) => i.id === a.id).usage).toBe(0);
    expect(r.body.questions.find((q: { questionId: string }) => q.questionId === w.q2)).toEqual({ questionId: w.q2, mode: 'FREE', region: null });
    // an exercise (not a leaf) takes no items
    const parent = w.exam.questions.find((q) => !q.isLeaf)!;
    const bad = await t!.req('POST', `/api/v1/exams/${w.exam.id}/rubric-items`, { questionId: parent.id, label: 'x', points: 100 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it('the score follows the mode, is clamped, adds the adjustment; one version-checked write with an event', async () => {
    const [t] = w.teachers;
    const m = await w.admin.req('PUT', `/api/v1/exams/${w.exam.id}/questions/${w.q1b}/scoring-mode`, { mode: 'SUBTRACTIVE' });
    expect(m.status).toBe(200);
    const minus2 = await item(t!, w.exam.id, { questionId: w.q1b, label: 'Sign error', comment: 'Watch the sign', points: -200 });
    const minus5 = await item(t!, w.exam.id, { questionId: w.q1b, label: 'No units', points: -500 });
    const copyId = await makeCopy(w.env, w.exam.id);
    const l = await lock(t!, copyId);
    expect(l.status).toBe(200);
    const r1 = await apply(t!, copyId, w.q1b, l.body.token, { version: 0, applied: [{ itemId: minus2.id, pagePosition: 1, x: 0.5, y: 0.5 }] });
    expect(r1.status).toBe(200);
    expect(r1.body.score.points).toBe(400); // 6 − 2
    expect(r1.body.applied[0]).toMatchObject({ itemId: minus2.id, label: 'Sign error', comment: 'Watch the sign', pagePosition: 1 });
    expect(r1.body.badges).toHaveLength(1);
    expect(r1.body.badges[0]).toMatchObject({ type: 'SCORE', pagePosition: 1, questionId: w.q1b, scoreDelta: -200 });
    const r2 = await apply(t!, copyId, w.q1b, l.body.token, { version: 1, applied: [{ itemId: minus2.id }, { itemId: minus5.id }], adjustment: 50 });
    expect(r2.status).toBe(200);
    expect(r2.body.score.points).toBe(50); // clamp(6 − 7) = 0, + 0.5
    expect(r2.body.badges).toHaveLength(0); // the badge went with the re-application without a position
    const stale = await apply(t!, copyId, w.q1b, l.body.token, { version: 1, applied: [] });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('VERSION_CONFLICT');
    expect(stale.body.current.points).toBe(50);
    const events = await w.env.ctx.db.selectFrom('grading_events').select('action').where('copy_id', '=', copyId).where('action', '=', 'RUBRIC_APPLIED').execute();
    expect(events).toHaveLength(2);
    // a typed score over a rubric score is refused
    const typed = await t!.req('PUT', `/api/v1/copies/${copyId}/scores/${w.q1b}`, { points: 300, version: 2 }, { 'x-lock-token': l.body.token });
    expect(typed.status).toBe(409);
    expect(typed.body.code).toBe('RUBRIC_APPLIED');
    // the mode cannot change any more
    const m2 = await w.admin.req('PUT', `/api/v1/exams/${w.exam.id}/questions/${w.q1b}/scoring-mode`, { mode: 'ADDITIVE' });
    expect(m2.status).toBe(409);
    // an item in use is not deleted, it is retired
    const del = await t!.req('DELETE', `/api/v1/rubric-items/${minus5.id}?version=1`);
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('RUBRIC_ITEM_IN_USE');
  });

  it('pick-one groups and absolute items: two of a kind → 409 RUBRIC_GROUP_CONFLICT, nothing written', async () => {
    const [t] = w.teachers;
    const full = await item(t!, w.exam.id, { questionId: w.q1a, label: 'All right', points: 400, kind: 'ABSOLUTE' });
    const half = await item(t!, w.exam.id, { questionId: w.q1a, label: 'Half', points: 200, kind: 'ABSOLUTE' });
    const g1 = await item(t!, w.exam.id, { questionId: w.q1a, label: 'Graph A', points: 100, group: 'graph' });
    const g2 = await item(t!, w.exam.id, { questionId: w.q1a, label: 'Graph B', points: 50, group: 'graph' });
    const copyId = await makeCopy(w.env, w.exam.id);
    const l = await lock(t!, copyId);
    for (const applied of [[full, half], [g1, g2]]) {
      const r = await apply(t!, copyId, w.q1a, l.body.token, { version: 0, applied: applied.map((i) => ({ itemId: i.id })) });
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('RUBRIC_GROUP_CONFLICT');
    }
    expect(await w.env.ctx.db.selectFrom('scores').select('points').where('copy_id', '=', copyId).execute()).toHaveLength(0);
    const ok = await apply(t!, copyId, w.q1a, l.body.token, { version: 0, applied: [{ itemId: half.id }, { itemId: g1.id }] });
    expect(ok.status).toBe(200);
    expect(ok.body.score.points).toBe(300);
    // an item of another question → 400
    const other = await item(t!, w.exam.id, { questionId: w.q2, label: 'Elsewhere', points: 100 });
    const bad = await apply(t!, copyId, w.q1a, l.body.token, { version: 1, applied: [{ itemId: other.id }] });
    expect(bad.status).toBe(400);
  });

  it('without the lease, or with another teacher\'s token: LOCK_REQUIRED', async () => {
    const [a, b] = w.teachers;
    const it1 = await item(a!, w.exam.id, { questionId: w.q2, label: 'ok', points: 100 });
    const copyId = await makeCopy(w.env, w.exam.id);
    const l = await lock(a!, copyId);
    for (const token of ['forged', l.body.token]) {
      const r = await apply(b!, copyId, w.q2, token, { version: 0, applied: [{ itemId: it1.id }] });
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('LOCK_REQUIRED');
    }
  });
});
