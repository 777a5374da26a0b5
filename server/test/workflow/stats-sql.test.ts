/**
 * The exam statistics are SQL aggregates (stats.repository.ts). This test computes them the way they were
 * computed before, copy by copy in JavaScript from `loadResults` (the rows the exports use), and requires the
 * same answer on a randomized exam: nested questions, scores, "not scored" marks, copies with every leaf left
 * unscored, several correctors and none, copies in every status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, type TestEnv } from '../helpers/harness.ts';
import { distribution, examStats } from '../../src/services/stats.service.ts';
import { loadResults } from '../../src/services/export.service.ts';
import type { Actor } from '../../src/context.ts';
import { insertBlob } from '../../src/repositories/blob.repository.ts';

/** The statistics as they were computed before issue 15: JavaScript over every copy's row. */
async function referenceStats(env: TestEnv, examId: string, bins: number) {
  const { results, questions, maxTotal } = await loadResults(env.ctx.db, examId);
  const graded = results.filter((r) => r.total !== null);
  const parents = new Set(questions.map((q) => q.parent_id).filter(Boolean));
  const valueOf = (qid: string, r: (typeof graded)[number]) => {
    const res = r.byQuestion.get(qid);
    return !res || res.notScored > 0 ? null : (res.points ?? 0);
  };
  const withTotal = graded.filter((r) => !(r.notScored.length > 0 && r.points.size === 0));
  const byCorrector = new Map<string | null, { user: { id: string; displayName: string } | null; totals: number[] }>();
  for (const r of withTotal) {
    const key = r.corrector_id ?? null;
    const e = byCorrector.get(key) ?? { user: key ? { id: key, displayName: r.corrector_name ?? '' } : null, totals: [] };
    e.totals.push(r.total!);
    byCorrector.set(key, e);
  }
  return {
    maxTotal,
    copies: results.length,
    graded: graded.length,
    total: distribution(withTotal.map((r) => r.total!), maxTotal, bins),
    notScoredCopies: graded.filter((r) => r.notScored.length > 0).length,
    questions: questions.map((q) => {
      const values = graded.map((r) => valueOf(q.id, r));
      const scored = values.filter((v): v is number => v !== null);
      return { id: q.id, isLeaf: !parents.has(q.id), notScored: values.length - scored.length, ...distribution(scored, q.max_points, bins) };
    }),
    correctors: [...byCorrector.values()]
      .sort((a, b) => (a.user?.displayName ?? '\uffff').localeCompare(b.user?.displayName ?? '\uffff'))
      .map((c) => ({ user: c.user, ...distribution(c.totals, maxTotal, bins) })),
  };
}

describe(`exam statistics in SQL equal the per-copy computation [${engine}]`, () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(() => env.close());

  it('on a randomized exam (60 copies, nested scale, marks, every status)', async () => {
    const admin = await makeUser(env, 'ADMIN');
    const t1 = await makeUser(env, 'TEACHER', 'Zoé');
    const t2 = await makeUser(env, 'TEACHER', 'Adam');
    const exam = await makeExam(admin, [t1, t2], {
      questions: [
        { label: 'Ex 1', children: [{ label: '1a', maxPoints: 400 }, { label: '1b', children: [{ label: '1b-i', maxPoints: 150 }, { label: '1b-ii', maxPoints: 250 }] }] },
        { label: 'Ex 2', maxPoints: 1000 },
        { label: 'Ex 3', children: [{ label: '3a', maxPoints: 300 }, { label: '3b', maxPoints: 300 }] },
      ],
    });
    const db = env.ctx.db;
    const questions = await db.selectFrom('questions').selectAll().where('exam_id', '=', exam.id).execute();
    const parents = new Set(questions.map((q) => q.parent_id));
    const leaves = questions.filter((q) => !parents.has(q.id));
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const now = env.ctx.clock.now().toISOString();
    const statuses = ['READY', 'GRADED', 'GRADED', 'GRADED', 'LOCKED', 'STAGING', 'MERGED'] as const;
    let first: string | undefined;
    for (let i = 0; i < 60; i++) {
      const copyId = await makeCopy(env, exam.id);
      const status = statuses[i % statuses.length]!;
      const assigned = [t1.user.id, t2.user.id, null][i % 3]!;
      first ??= copyId;
      const submitted = status === 'GRADED' || status === 'LOCKED';
      // a GRADED copy unassigned is credited to whoever submitted it (or to nobody)
      const lockedBy = status === 'LOCKED' || (submitted && assigned === null && i % 2) ? t2.user.id : null;
      let finalBlob: string | null = null;
      if (status === 'GRADED') {
        const f = await env.ctx.blobs.put(new TextEncoder().encode(`%PDF ${i}`), 'application/pdf');
        await insertBlob(db, f, now);
        finalBlob = f.id;
      }
      await db
        .updateTable('copies')
        .set({
          status,
          assigned_to: assigned,
          locked_by: lockedBy,
          locked_at: lockedBy ? now : null,
          final_blob_id: finalBlob,
          final_score: finalBlob ? 0 : null,
          graded_at: finalBlob ? now : null,
          merged_into_id: status === 'MERGED' ? first : null,
        })
        .where('id', '=', copyId)
        .execute();
      const allUnscored = i % 11 === 1;
      for (const leaf of leaves) {
        const r = rand();
        if (allUnscored || (r < 0.15 && status === 'GRADED')) {
          await db.insertInto('unscored_questions').values({ copy_id: copyId, question_id: leaf.id, marked_by: admin.user.id, marked_at: now }).execute();
        } else if (r < 0.85) {
          const points = Math.round((leaf.max_points * Math.floor(rand() * 5)) / 4);
          await db.insertInto('scores').values({ copy_id: copyId, question_id: leaf.id, max_points: leaf.max_points, points, comment: null, updated_by: admin.user.id, version: 1, updated_at: now }).execute();
        }
      }
    }
    const actor: Actor = { id: admin.user.id, role: 'ADMIN', displayName: 'admin' };
    for (const bins of [4, 10]) {
      const got = await examStats(env.ctx, actor, exam.id, { bins });
      const want = await referenceStats(env, exam.id, bins);
      expect(want.graded).toBeGreaterThan(20);
      expect(want.notScoredCopies).toBeGreaterThan(3);
      expect({
        maxTotal: got.maxTotal,
        copies: got.copies,
        graded: got.graded,
        total: got.total,
        notScoredCopies: got.notScoredCopies,
        questions: got.questions.map(({ id, isLeaf, notScored, count, mean, median, sd, min, max, histogram }) => ({ id, isLeaf, notScored, count, mean, median, sd, min, max, histogram })),
        correctors: got.correctors,
      }).toEqual(want);
    }
  });
});
