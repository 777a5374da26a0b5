import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { newId } from '../../src/ids.ts';

const REFUSED = /CHECK constraint|violates check constraint|FOREIGN KEY|foreign key|UNIQUE|unique|duplicate key/i;

describe(`P0-DI-008 copy state constraints [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let exam: Awaited<ReturnType<typeof makeExam>>;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
    exam = await makeExam(admin, [teacher]);
  });
  afterAll(() => env.close());

  it('impossible copy states written directly in SQL are refused by the database', async () => {
    const db = env.ctx.db;
    const id = await makeCopy(env, exam.id);
    const blob = (await db.selectFrom('pages').select('image_blob_id').where('copy_id', '=', id).executeTakeFirstOrThrow()).image_blob_id;
    const now = new Date().toISOString();
    const impossible: [string, ReturnType<typeof sql>][] = [
      ['LOCKED without owner', sql`UPDATE copies SET status = 'LOCKED' WHERE id = ${id}`],
      ['LOCKED without locked_at', sql`UPDATE copies SET status = 'LOCKED', locked_by = ${teacher.user.id} WHERE id = ${id}`],
      ['READY with an owner', sql`UPDATE copies SET locked_by = ${teacher.user.id}, locked_at = ${now} WHERE id = ${id}`],
      ['GRADED without PDF', sql`UPDATE copies SET status = 'GRADED', graded_at = ${now}, final_score = 100 WHERE id = ${id}`],
      ['GRADED without score', sql`UPDATE copies SET status = 'GRADED', graded_at = ${now}, final_blob_id = ${blob} WHERE id = ${id}`],
      ['GRADING_FAILED without message', sql`UPDATE copies SET status = 'GRADING_FAILED' WHERE id = ${id}`],
      ['a PDF on a copy that is not GRADED', sql`UPDATE copies SET final_blob_id = ${blob} WHERE id = ${id}`],
      ['an unknown status', sql`UPDATE copies SET status = 'DONE' WHERE id = ${id}`],
      ['MERGED without target', sql`UPDATE copies SET status = 'MERGED' WHERE id = ${id}`],
      ['a second lease row for one copy', sql`INSERT INTO copy_locks (copy_id, owner_id, token, acquired_at, expires_at) VALUES (${id}, ${teacher.user.id}, 'a', ${now}, ${now}), (${id}, ${admin.user.id}, 'b', ${now}, ${now})`],
      ['a duplicate anonymous code in one exam', sql`UPDATE copies SET anonymous_code = (SELECT anonymous_code FROM copies c2 WHERE c2.exam_id = ${exam.id} AND c2.id <> ${id} LIMIT 1) WHERE id = ${id}`],
    ];
    await makeCopy(env, exam.id); // so the duplicate-code statement has another copy to collide with
    for (const [what, stmt] of impossible) {
      await expect(stmt.execute(db), what).rejects.toThrow(REFUSED);
    }
    const row = await db.selectFrom('copies').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'READY', locked_by: null, final_blob_id: null });
  });

  it('out-of-range geometry and points over the maximum are refused by the database', async () => {
    const db = env.ctx.db;
    const id = await makeCopy(env, exam.id);
    const now = new Date().toISOString();
    const q = exam.questions.find((x) => x.isLeaf)!;
    const ann = (x: number, y: number, w: number, h: number) =>
      sql`INSERT INTO annotations (id, copy_id, page_position, x, y, w, h, type, created_by, version, created_at, updated_at)
          VALUES (${newId()}, ${id}, 0, ${x}, ${y}, ${w}, ${h}, 'TICK', ${teacher.user.id}, 1, ${now}, ${now})`;
    for (const [x, y, w, h] of [[1.2, 0, 0.1, 0.1], [0.8, 0, 0.3, 0.1], [0, 0.95, 0.1, 0.1], [-0.1, 0, 0.1, 0.1], [0, 0, -0.1, 0.1]]) {
      await expect(ann(x!, y!, w!, h!).execute(db), `${x},${y},${w},${h}`).rejects.toThrow(REFUSED);
    }
    await expect(ann(0.7, 0.7, 0.3, 0.3).execute(db)).resolves.toBeTruthy(); // exactly at the edge is fine
    const score = (points: number, maxPoints: number) =>
      sql`INSERT INTO scores (copy_id, question_id, max_points, points, updated_by, version, updated_at)
          VALUES (${id}, ${q.id}, ${maxPoints}, ${points}, ${teacher.user.id}, 1, ${now})`;
    await expect(score(q.maxPoints + 1, q.maxPoints).execute(db)).rejects.toThrow(REFUSED);
    await expect(score(q.maxPoints + 1, q.maxPoints + 100).execute(db)).rejects.toThrow(REFUSED); // a max that is not the question's
    await expect(score(-1, q.maxPoints).execute(db)).rejects.toThrow(REFUSED);
    await expect(score(q.maxPoints, q.maxPoints).execute(db)).resolves.toBeTruthy();
    // lowering the question's max below a given score is refused too (the max travels with ON UPDATE CASCADE)
    await expect(sql`UPDATE questions SET max_points = ${q.maxPoints - 1} WHERE id = ${q.id}`.execute(db)).rejects.toThrow(REFUSED);
    const patch = await admin.req('PATCH', `/api/v1/exams/${exam.id}`, {
      questions: [{ id: exam.questions[0]!.id, label: 'Exercice 1', children: [{ id: leafIds(exam)[0], label: '1a', maxPoints: 1 }, { id: leafIds(exam)[1], label: '1b', maxPoints: 600 }] }, { id: leafIds(exam)[2], label: 'Exercice 2', maxPoints: 1000 }],
    });
    expect(patch.status).toBe(400);
    expect(patch.body.code).toBe('VALIDATION_FAILED');
  });

  it('READY and later require pages: validating a copy without pages is 409', async () => {
    const db = env.ctx.db;
    const id = newId();
    const now = new Date().toISOString();
    await db.insertInto('copies').values({ id, exam_id: exam.id, anonymous_code: `EMPTY-${id.slice(0, 6)}`, status: 'STAGING', created_at: now, updated_at: now, student_id: null, assigned_to: null, locked_by: null, locked_at: null, graded_at: null, final_blob_id: null, final_score: null, grading_error: null, flagged: null, merged_into_id: null }).execute();
    const r = await admin.req('POST', `/api/v1/copies/${id}/validate`);
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'STAGING' });
  });

  it('every transition is conditional: parallel submit/unlock/reopen races leave one consistent history', async () => {
    const id = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${id}/lock`)).body.token };
    const submits = await Promise.all(Array.from({ length: 6 }, () => teacher.req('POST', `/api/v1/copies/${id}/submit`, { allowUnscored: true }, h)));
    expect(submits.filter((s) => s.status === 200)).toHaveLength(1);
    expect(submits.filter((s) => s.status !== 200).every((s) => s.status === 409)).toBe(true);
    const unlocks = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? admin : teacher).req('POST', `/api/v1/copies/${id}/unlock`)));
    expect(unlocks.filter((s) => s.status === 200)).toHaveLength(1);
    for (const u of unlocks.filter((s) => s.status !== 200)) expect(u.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'READY' });
    const events = await env.ctx.db.selectFrom('grading_events').select('action').where('copy_id', '=', id).execute();
    expect(events.filter((e) => e.action === 'SUBMITTED')).toHaveLength(1);
    expect(events.filter((e) => e.action === 'UNLOCKED')).toHaveLength(1);
  });
});
