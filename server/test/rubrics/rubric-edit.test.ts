import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { engine, parallel, type Client } from '../helpers/harness.ts';
import { gradeCopy } from '../workflow/helpers.ts';
import { rubricScore } from '../../src/services/rubric/rubric-score.ts';
import { apply, item, lock, makeCopy, rubricWorld, type World } from './helpers.ts';

/** Every score computed from rubric items equals the formula over its applied items (as applied) and adjustment. */
async function expectScoresFollowItems(w: World) {
  const db = w.env.ctx.db;
  const scores = await db
    .selectFrom('scores')
    .innerJoin('questions', 'questions.id', 'scores.question_id')
    .select(['scores.copy_id', 'scores.question_id', 'scores.points', 'scores.rubric_adjustment', 'questions.scoring_mode', 'questions.max_points'])
    .where('scores.rubric_adjustment', 'is not', null)
    .execute();
  for (const s of scores) {
    const apps = await db.selectFrom('rubric_applications').selectAll().where('copy_id', '=', s.copy_id).where('question_id', '=', s.question_id).execute();
    const expected = rubricScore(s.scoring_mode, s.max_points, apps.map((a) => ({ id: a.item_id, points: a.points, kind: a.kind, group_name: null })), s.rubric_adjustment!);
    expect({ copy: s.copy_id, points: s.points }).toEqual({ copy: s.copy_id, points: expected });
  }
  return scores.length;
}

describe(`editing a rubric item changes every copy using it [${engine}]`, () => {
  let w: World;
  let t0: Client, t1: Client, t2: Client;
  beforeAll(async () => {
    w = await rubricWorld(3);
    [t0, t1, t2] = w.teachers as [Client, Client, Client];
    await w.admin.req('PUT', `/api/v1/exams/${w.exam.id}/questions/${w.q2}/scoring-mode`, { mode: 'ADDITIVE' });
  });
  afterAll(() => w.env.close());

  it('preview = apply: leased copies change (their holders see a new version), GRADED ones are listed and kept', async () => {
    const A = await item(t2, w.exam.id, { questionId: w.q2, label: 'Method', comment: 'Right method', points: 300 });
    const C = await item(t2, w.exam.id, { questionId: w.q2, label: 'Result', points: 400 });
    // c1: t0 holds the whole copy; c2: t1 holds question q2; c3: graded; c4 uses C only; c5 nothing
    const [c1, c2, c3, c4, c5] = await Promise.all([1, 2, 3, 4, 5].map(() => makeCopy(w.env, w.exam.id)));
    const l1 = await lock(t0, c1!);
    expect((await apply(t0, c1!, w.q2, l1.body.token, { version: 0, applied: [{ itemId: A.id, pagePosition: 0, x: 0.2, y: 0.3 }, { itemId: C.id }] })).body.score.points).toBe(700);
    const l2 = await lock(t1, c2!, w.q2);
    expect(l2.body.questionId).toBe(w.q2);
    expect((await apply(t1, c2!, w.q2, l2.body.token, { version: 0, applied: [{ itemId: A.id }] })).body.score.points).toBe(300);
    const l3 = await lock(t0, c3!);
    await apply(t0, c3!, w.q2, l3.body.token, { version: 0, applied: [{ itemId: A.id }], adjustment: 50 });
    await t0.req('DELETE', `/api/v1/copies/${c3}/lock`, undefined, { 'x-lock-token': l3.body.token });
    await gradeCopy(w.env, c3!, w.exam.id, t0.user.id, { [w.q1a]: 100 });
    const l4 = await lock(t0, c4!);
    await apply(t0, c4!, w.q2, l4.body.token, { version: 0, applied: [{ itemId: C.id }] });
    void c5;

    const change = { points: 500, comment: 'Right method, well explained' };
    const preview = await t2.req('POST', `/api/v1/rubric-items/${A.id}/preview`, change);
    expect(preview.status).toBe(200);
    expect(preview.body.usage).toBe(3);
    const byCopy = (xs: { copyId: string }[]) => Object.fromEntries(xs.map((x) => [x.copyId, x]));
    expect(byCopy(preview.body.copies)).toEqual({
      [c1!]: expect.objectContaining({ before: { points: 700, total: 700 }, after: { points: 900, total: 900 }, status: 'READY' }),
      [c2!]: expect.objectContaining({ before: { points: 300, total: 300 }, after: { points: 500, total: 500 } }),
    });
    expect(preview.body.graded).toEqual([expect.objectContaining({ copyId: c3, status: 'GRADED', before: { points: 350, total: 450 }, after: { points: 550, total: 650 } })]);
    expect(preview.body.leased.map((l: { copyId: string; owner: { id: string } }) => [l.copyId, l.owner.id]).sort()).toEqual([[c1, t0.user.id], [c2, t1.user.id]].sort());
    // the histogram moves two copies up; the preview changed nothing
    expect(preview.body.histogram.before.bins.reduce((a: number, b: number) => a + b, 0)).toBe(preview.body.histogram.after.bins.reduce((a: number, b: number) => a + b, 0));
    expect(preview.body.histogram.before).not.toEqual(preview.body.histogram.after);
    const itemRow = await w.env.ctx.db.selectFrom('rubric_items').select(['points', 'version']).where('id', '=', A.id).executeTakeFirstOrThrow();
    expect(itemRow).toEqual({ points: 300, version: 1 });
    const scoreC1 = await w.env.ctx.db.selectFrom('scores').select(['points', 'version']).where('copy_id', '=', c1!).where('question_id', '=', w.q2).executeTakeFirstOrThrow();
    expect(scoreC1).toEqual({ points: 700, version: 1 });

    const patch = await t2.req('PATCH', `/api/v1/rubric-items/${A.id}`, { version: 1, ...change });
    expect(patch.status).toBe(200);
    expect(patch.body.item).toMatchObject({ version: 2, points: 500, usage: 3 });
    const { item: _item, ...effect } = patch.body;
    expect(effect).toEqual(preview.body); // the preview is what the edit did

    const db = w.env.ctx.db;
    const score = async (c: string) => db.selectFrom('scores').select(['points', 'version']).where('copy_id', '=', c).where('question_id', '=', w.q2).executeTakeFirstOrThrow();
    expect(await score(c1!)).toEqual({ points: 900, version: 2 });
    expect(await score(c2!)).toEqual({ points: 500, version: 2 });
    expect(await score(c3!)).toEqual({ points: 350, version: 1 }); // GRADED: untouched
    expect(await score(c4!)).toEqual({ points: 400, version: 1 });
    const graded = await db.selectFrom('copies').select(['status', 'final_score']).where('id', '=', c3!).executeTakeFirstOrThrow();
    expect(graded).toEqual({ status: 'GRADED', final_score: 450 });
    const snap = await db.selectFrom('rubric_applications').select(['copy_id', 'points', 'comment']).where('item_id', '=', A.id).execute();
    expect(Object.fromEntries(snap.map((s) => [s.copy_id, s.points]))).toEqual({ [c1!]: 500, [c2!]: 500, [c3!]: 300 });
    const badge = await db.selectFrom('annotations').select(['score_delta', 'version']).where('copy_id', '=', c1!).where('rubric_item_id', '=', A.id).executeTakeFirstOrThrow();
    expect(badge).toEqual({ score_delta: 500, version: 2 });
    const events = await db.selectFrom('grading_events').select('copy_id').where('action', '=', 'RUBRIC_ITEM_EDITED').execute();
    expect(events.map((e) => e.copy_id).sort()).toEqual([c1, c2].sort());

    // the holders' desks had version 1: their next save conflicts and shows the new score
    const stale = await apply(t0, c1!, w.q2, l1.body.token, { version: 1, applied: [{ itemId: A.id }] });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('VERSION_CONFLICT');
    expect(stale.body.current.points).toBe(900);
    const fresh = await apply(t1, c2!, w.q2, l2.body.token, { version: 2, applied: [{ itemId: A.id }, { itemId: C.id }] });
    expect(fresh.body.score.points).toBe(900);
    // an edit pushing past the max is clamped: c1 = A + C = 800 + 400 → 1000
    const up = await t2.req('PATCH', `/api/v1/rubric-items/${A.id}`, { version: 2, points: 800 });
    expect(up.body.copies.find((c: { copyId: string }) => c.copyId === c1).after.points).toBe(1000);
    expect(await expectScoresFollowItems(w)).toBeGreaterThan(0);
    // a stale version → 409 with the current item
    const old = await t2.req('PATCH', `/api/v1/rubric-items/${A.id}`, { version: 2, points: 100 });
    expect(old.status).toBe(409);
    expect(old.body.code).toBe('VERSION_CONFLICT');
    expect(old.body.current.version).toBe(3);
  });

  it('an edit that would put two items of one group on a copy is refused; retiring keeps the copies as they are', async () => {
    const B = await item(t2, w.exam.id, { questionId: w.q1b, label: 'Graph', points: 100, group: 'g' });
    const D = await item(t2, w.exam.id, { questionId: w.q1b, label: 'Table', points: 200 });
    const c = await makeCopy(w.env, w.exam.id);
    const l = await lock(t0, c);
    await apply(t0, c, w.q1b, l.body.token, { version: 0, applied: [{ itemId: B.id }, { itemId: D.id }] });
    const r = await t2.req('PATCH', `/api/v1/rubric-items/${D.id}`, { version: 1, group: 'g' });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('RUBRIC_GROUP_CONFLICT');
    expect(r.body.copies).toEqual([c]);
    const retire = await t2.req('PATCH', `/api/v1/rubric-items/${D.id}`, { version: 1, retired: true });
    expect(retire.status).toBe(200);
    expect(retire.body.copies).toEqual([]);
    expect(retire.body.item.retiredAt).toBeTruthy();
    // a retired item stays on the copy that has it, and is not applied anew
    expect((await apply(t0, c, w.q1b, l.body.token, { version: 1, applied: [{ itemId: B.id }, { itemId: D.id }] })).status).toBe(200);
    const c2 = await makeCopy(w.env, w.exam.id);
    const l2 = await lock(t0, c2);
    const refused = await apply(t0, c2, w.q1b, l2.body.token, { version: 0, applied: [{ itemId: D.id }] });
    expect(refused.body.code).toBe('RUBRIC_ITEM_RETIRED');
  });

  it('one transaction: when one copy cannot be rewritten, nothing is (the item keeps its version, no copy changes)', async () => {
    const E = await item(t2, w.exam.id, { questionId: w.q1a, label: 'E', points: 100 });
    const copies = await Promise.all([1, 2, 3].map(() => makeCopy(w.env, w.exam.id)));
    for (const c of copies) {
      const l = await lock(t0, c);
      await apply(t0, c, w.q1a, l.body.token, { version: 0, applied: [{ itemId: E.id }] });
    }
    const db = w.env.ctx.db;
    const victim = copies[2]!;
    // a fault injected in the database: rewriting the last copy's score fails
    if (engine === 'postgres') {
      await sql`CREATE FUNCTION h13_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$`.execute(db);
      await sql`CREATE TRIGGER h13_fail BEFORE UPDATE ON scores FOR EACH ROW WHEN (NEW.copy_id = ${sql.lit(victim)}) EXECUTE FUNCTION h13_fail()`.execute(db);
    } else {
      await sql`CREATE TRIGGER h13_fail BEFORE UPDATE ON scores WHEN NEW.copy_id = ${sql.lit(victim)} BEGIN SELECT RAISE(ABORT, 'injected'); END`.execute(db);
    }
    try {
      const r = await t2.req('PATCH', `/api/v1/rubric-items/${E.id}`, { version: 1, points: 200 });
      expect(r.status).toBe(500);
    } finally {
      await sql`DROP TRIGGER h13_fail${sql.raw(engine === 'postgres' ? ' ON scores' : '')}`.execute(db);
      if (engine === 'postgres') await sql`DROP FUNCTION h13_fail()`.execute(db);
    }
    expect((await db.selectFrom('rubric_items').select(['version', 'points']).where('id', '=', E.id).executeTakeFirstOrThrow())).toEqual({ version: 1, points: 100 });
    const scores = await db.selectFrom('scores').select(['points', 'version']).where('copy_id', 'in', copies).where('question_id', '=', w.q1a).execute();
    expect(scores.every((s) => s.points === 100 && s.version === 1)).toBe(true);
    const apps = await db.selectFrom('rubric_applications').select('points').where('item_id', '=', E.id).execute();
    expect(apps.every((a) => a.points === 100)).toBe(true);
    expect(await db.selectFrom('grading_events').select('id').where('action', '=', 'RUBRIC_ITEM_EDITED').where('copy_id', 'in', copies).execute()).toHaveLength(0);
    // and without the fault the same edit goes through
    expect((await t2.req('PATCH', `/api/v1/rubric-items/${E.id}`, { version: 1, points: 200 })).status).toBe(200);
  });

  it('parallel edits of one item: exactly one wins, the others get VERSION_CONFLICT; parallel saves and edits keep every score = its items', async () => {
    const F = await item(t2, w.exam.id, { questionId: w.q1b, label: 'F', points: -100 });
    const G = await item(t2, w.exam.id, { questionId: w.q1b, label: 'G', points: 150 });
    const copies = await Promise.all([1, 2, 3, 4].map(() => makeCopy(w.env, w.exam.id)));
    const leases: string[] = [];
    for (const [i, c] of copies.entries()) {
      const l = await lock(w.teachers[i % 2]!, c, w.q1b);
      expect(l.status).toBe(200);
      leases.push(l.body.token as string);
      await apply(w.teachers[i % 2]!, c, w.q1b, l.body.token, { version: 0, applied: [{ itemId: F.id }] });
    }
    const editors = [t2, w.admin, t0, t1];
    const results = await parallel(8, (i) => editors[i % editors.length]!.req('PATCH', `/api/v1/rubric-items/${F.id}`, { version: 1, points: -(i + 2) * 10 }));
    const wins = results.filter((r) => r.status === 200);
    expect(wins).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('VERSION_CONFLICT');
    }
    const row = await w.env.ctx.db.selectFrom('rubric_items').select(['version', 'points']).where('id', '=', F.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ version: 2, points: wins[0]!.body.item.points });

    // saves of the copies (adding G) race with more edits of F and G
    const mixed = await parallel(12, async (i) => {
      if (i % 3 === 0) {
        const target = i % 2 ? F : G;
        const current = await w.env.ctx.db.selectFrom('rubric_items').select('version').where('id', '=', target.id).executeTakeFirstOrThrow();
        return t2.req('PATCH', `/api/v1/rubric-items/${target.id}`, { version: current.version, points: i * 10 });
      }
      const k = i % copies.length;
      const s = await w.env.ctx.db.selectFrom('scores').select('version').where('copy_id', '=', copies[k]!).where('question_id', '=', w.q1b).executeTakeFirstOrThrow();
      return apply(w.teachers[k % 2]!, copies[k]!, w.q1b, leases[k]!, { version: s.version, applied: [{ itemId: F.id }, { itemId: G.id }], adjustment: i });
    });
    for (const r of mixed) {
      expect([200, 409]).toContain(r.status);
      if (r.status === 409) expect(r.body.code).toBe('VERSION_CONFLICT');
    }
    expect(mixed.filter((r) => r.status === 200).length).toBeGreaterThan(0);
    await expectScoresFollowItems(w);
    // and the applied items carry the items' current values on every copy that is not final
    const apps = await w.env.ctx.db
      .selectFrom('rubric_applications')
      .innerJoin('rubric_items', 'rubric_items.id', 'rubric_applications.item_id')
      .select(['rubric_applications.points as applied', 'rubric_items.points as current'])
      .where('rubric_applications.copy_id', 'in', copies)
      .execute();
    for (const a of apps) expect(a.applied).toBe(a.current);
  });
});
