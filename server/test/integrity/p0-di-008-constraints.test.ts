import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, listen, makeCopy, makeExam, makeUser, overHttp, parallel, type Client, type TestEnv } from '../helpers/harness.ts';
import { transition, transitions } from '../../src/services/copy-state-machine.ts';
import type { CopyStatus } from '../../src/db/schema.ts';
import { newId } from '../../src/ids.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { migrateToLatest } from '../../src/db/database.ts';

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

  it('each CHECK refuses its own violation: merged target on a live copy, a negative final score, a page byte range without a length', async () => {
    const db = env.ctx.db;
    const id = await makeCopy(env, exam.id);
    const other = await makeCopy(env, exam.id);
    const page = await db.selectFrom('pages').select(['id', 'image_blob_id']).where('copy_id', '=', id).where('position', '=', 0).executeTakeFirstOrThrow();
    const refused: [RegExp, ReturnType<typeof sql>][] = [
      // the target only goes with MERGED, in both directions
      [/copies_merged_target/, sql`UPDATE copies SET merged_into_id = ${other} WHERE id = ${id}`],
      [/copies_score/, sql`UPDATE copies SET final_score = -1 WHERE id = ${id}`],
      [/pages_image_range/, sql`UPDATE pages SET image_offset = 0, image_length = 0 WHERE id = ${page.id}`],
      [/pages_image_range/, sql`UPDATE pages SET image_offset = 0 WHERE id = ${page.id}`], // NULL length: the 003 bug
      [/pages_image_range/, sql`UPDATE pages SET image_length = 100 WHERE id = ${page.id}`],
      [/pages_image_range/, sql`INSERT INTO pages (id, copy_id, position, source_page, image_blob_id, width_px, height_px, image_offset, image_length)
        VALUES (${newId()}, ${id}, 7, 7, ${page.image_blob_id}, 10, 10, 12, NULL)`],
    ];
    for (const [constraint, stmt] of refused) await expect(stmt.execute(db), String(constraint)).rejects.toThrow(constraint);
    expect(await db.selectFrom('copies').select(['merged_into_id', 'final_score']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ merged_into_id: null, final_score: null });
    expect(await db.selectFrom('pages').select(['image_offset', 'image_length']).where('id', '=', page.id).executeTakeFirstOrThrow()).toEqual({ image_offset: null, image_length: null });
    // what is allowed stays allowed: a whole range, a zero score
    await sql`UPDATE pages SET image_offset = 0, image_length = 1 WHERE id = ${page.id}`.execute(db);
    await sql`UPDATE copies SET final_score = 0 WHERE id = ${id}`.execute(db);
    await sql`UPDATE copies SET status = 'STAGING', final_score = NULL WHERE id = ${id}`.execute(db);
    await sql`UPDATE copies SET status = 'MERGED', merged_into_id = ${other} WHERE id = ${id}`.execute(db);
    expect(await db.selectFrom('pages').select(['image_offset', 'image_length']).where('id', '=', page.id).executeTakeFirstOrThrow()).toMatchObject({ image_offset: 0 });
  });

  it('migration 004 keeps every other constraint of pages and every row, down to 003 and up again', async () => {
    const own = await createTestEnv();
    try {
      const db = own.ctx.db;
      const a = await makeUser(own, 'ADMIN');
      const e = await makeExam(a);
      const id = await makeCopy(own, e.id, { pages: 3 });
      await sql`UPDATE pages SET image_offset = 128, image_length = 4096 WHERE copy_id = ${id} AND position = 1`.execute(db);
      const pagesOf = () => db.selectFrom('pages').select(['id', 'copy_id', 'position', 'booklet_id', 'source_page', 'image_blob_id', 'width_px', 'height_px', 'image_offset', 'image_length']).orderBy('id').execute();
      const before = await pagesOf();
      const names = Object.keys(migrations);
      const to003 = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateTo('003_scan_page_ranges');
      expect(to003.error).toBeUndefined();
      expect(to003.results?.map((r) => r.migrationName)).toEqual(names.slice(names.indexOf('004_pages_image_range_check')).reverse());
      expect(await pagesOf()).toEqual(before);
      const whole = before.find((x) => x.image_offset === null)!; // a page whose blob is its image
      await sql`UPDATE pages SET image_offset = 0 WHERE id = ${whole.id}`.execute(db); // 003's hole, as it was
      await sql`UPDATE pages SET image_offset = NULL WHERE id = ${whole.id}`.execute(db);
      await migrateToLatest(db);
      expect(await pagesOf()).toEqual(before);

      const p = before[0]!;
      const insert = (over: Record<string, unknown>) => {
        const v = { id: newId(), copy_id: id, position: 9, booklet_id: null, source_page: 9, image_blob_id: p.image_blob_id, width_px: 10, height_px: 10, image_offset: null, image_length: null, ...over };
        return db.insertInto('pages').values(v as never).execute();
      };
      await expect(insert({ position: -1 }), 'pages_position').rejects.toThrow(/pages_position/);
      await expect(insert({ width_px: 0 }), 'pages_dims').rejects.toThrow(/pages_dims/);
      await expect(insert({ image_offset: -1, image_length: 5 }), 'image_offset >= 0').rejects.toThrow(REFUSED);
      await expect(insert({ position: 1 }), 'unique (copy_id, position)').rejects.toThrow(REFUSED);
      await expect(insert({ copy_id: 'no-such-copy' }), 'copy FK').rejects.toThrow(/foreign key/i);
      await expect(insert({ image_blob_id: 'no-such-blob' }), 'blob FK').rejects.toThrow(/foreign key/i);
      await expect(insert({ booklet_id: 'no-such-booklet' }), 'booklet FK').rejects.toThrow(/foreign key/i);
      await expect(insert({ image_offset: 0 }), 'range').rejects.toThrow(/pages_image_range/);
      await insert({ image_offset: 0, image_length: 10 });
      await expect(sql`DELETE FROM copies WHERE id = ${id}`.execute(db)).rejects.toThrow(/foreign key/i);
      await expect(sql`DELETE FROM blobs WHERE id = ${p.image_blob_id}`.execute(db)).rejects.toThrow(/foreign key/i);
    } finally {
      await own.close();
    }
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

  /** DESIGN.md §3, written out independently of the state machine's own table. */
  const allowed: Record<keyof typeof transitions, { from: CopyStatus[]; to: CopyStatus; event: string }> = {
    validate: { from: ['STAGING'], to: 'READY', event: 'VALIDATED' },
    submit: { from: ['READY'], to: 'LOCKED', event: 'SUBMITTED' },
    unlock: { from: ['LOCKED'], to: 'READY', event: 'UNLOCKED' },
    finalize: { from: ['READY', 'LOCKED', 'GRADING_FAILED'], to: 'GRADING_IN_PROGRESS', event: 'FINALIZE_REQUESTED' },
    finalizeOk: { from: ['GRADING_IN_PROGRESS'], to: 'GRADED', event: 'FINALIZE_OK' },
    finalizeFailed: { from: ['GRADING_IN_PROGRESS'], to: 'GRADING_FAILED', event: 'FINALIZE_FAILED' },
    reopen: { from: ['GRADED'], to: 'READY', event: 'REOPENED' },
    merge: { from: ['STAGING'], to: 'MERGED', event: 'MERGED' },
  };
  const STATUSES: CopyStatus[] = ['STAGING', 'READY', 'LOCKED', 'GRADING_IN_PROGRESS', 'GRADED', 'GRADING_FAILED', 'MERGED'];

  /** A copy with pages put straight into `status`, with the columns its CHECKs require. */
  async function copyIn(status: CopyStatus) {
    const db = env.ctx.db;
    const id = await makeCopy(env, exam.id, { pages: 1, status: status === 'STAGING' || status === 'MERGED' ? 'STAGING' : 'READY' });
    const blob = (await db.selectFrom('pages').select('image_blob_id').where('copy_id', '=', id).executeTakeFirstOrThrow()).image_blob_id;
    const now = new Date().toISOString();
    const set: Record<CopyStatus, ReturnType<typeof sql> | null> = {
      STAGING: null,
      READY: null,
      LOCKED: sql`status = 'LOCKED', locked_by = ${teacher.user.id}, locked_at = ${now}`,
      GRADING_IN_PROGRESS: sql`status = 'GRADING_IN_PROGRESS'`,
      GRADED: sql`status = 'GRADED', final_blob_id = ${blob}, graded_at = ${now}, final_score = 1200`,
      GRADING_FAILED: sql`status = 'GRADING_FAILED', grading_error = 'renderer crashed'`,
      MERGED: sql`status = 'MERGED', merged_into_id = ${await makeCopy(env, exam.id, { pages: 1, status: 'STAGING' })}`,
    };
    if (set[status]) await sql`UPDATE copies SET ${set[status]} WHERE id = ${id}`.execute(db);
    return { id, blob };
  }

  it('every transition from every status, straight against the state machine, matches the allowed table', async () => {
    expect(Object.keys(transitions).sort()).toEqual(Object.keys(allowed).sort());
    const db = env.ctx.db;
    const outcomes: string[] = [];
    for (const name of Object.keys(allowed) as (keyof typeof transitions)[]) {
      for (const status of STATUSES) {
        const { id, blob } = await copyIn(status);
        const into = await makeCopy(env, exam.id, { pages: 1, status: 'STAGING' });
        const events = async () => (await db.selectFrom('grading_events').select('action').where('copy_id', '=', id).orderBy('created_at').execute()).map((e) => e.action);
        const params = { finalizeOk: { blobId: blob, finalScore: 900 }, finalizeFailed: { error: 'font missing' }, merge: { into }, unlock: {} }[name as string];
        const before = await db.selectFrom('copies').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        const eventsBefore = await events();
        const now = new Date().toISOString();
        const run = () =>
          db.transaction().execute((tx) => (transition as any)(tx, name, id, { actorId: teacher.user.id, now, metadata: { case: `${name}:${status}` } }, ...(params ? [params] : [])));
        const after = async () => db.selectFrom('copies').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        if (allowed[name].from.includes(status)) {
          await run();
          expect((await after()).status, `${name} from ${status}`).toBe(allowed[name].to);
          expect(await events(), `${name} from ${status}`).toEqual([...eventsBefore, allowed[name].event]);
          const ev = await db.selectFrom('grading_events').select(['metadata', 'actor_id']).where('copy_id', '=', id).where('action', '=', allowed[name].event).executeTakeFirstOrThrow();
          const meta = JSON.parse(ev.metadata as string);
          expect({ ...meta, from: [...meta.from].sort() }).toEqual({ from: [...allowed[name].from].sort(), to: allowed[name].to, case: `${name}:${status}` });
          expect(ev.actor_id).toBe(teacher.user.id);
          outcomes.push(`${name}:${status}`);
        } else {
          await expect(run(), `${name} from ${status}`).rejects.toMatchObject({ code: 'INVALID_STATE', message: `Not allowed while the copy is ${status}`, extra: { currentStatus: status } });
          expect(await after(), `${name} from ${status} leaves the copy as it was`).toEqual(before);
          expect(await events(), `${name} from ${status} writes no event`).toEqual(eventsBefore);
        }
      }
    }
    expect(outcomes).toHaveLength(Object.values(allowed).reduce((n, t) => n + t.from.length, 0));
  });

  it('the state machine says why a transition was refused: no such copy, no pages, not the submitter', async () => {
    const db = env.ctx.db;
    const now = new Date().toISOString();
    const run = (name: string, id: string, ...params: unknown[]) => db.transaction().execute((tx) => (transition as any)(tx, name, id, { actorId: admin.user.id, now }, ...params));
    await expect(run('reopen', newId())).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });

    const empty = newId();
    await db.insertInto('copies').values({ id: empty, exam_id: exam.id, anonymous_code: `NOPAGES-${empty.slice(0, 6)}`, status: 'STAGING', created_at: now, updated_at: now, student_id: null, assigned_to: null, locked_by: null, locked_at: null, graded_at: null, final_blob_id: null, final_score: null, grading_error: null, flagged: null, merged_into_id: null }).execute();
    await expect(run('validate', empty)).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'The copy has no pages', extra: { currentStatus: 'STAGING' } });
    await sql`UPDATE copies SET status = 'READY' WHERE id = ${empty}`.execute(db);
    for (const name of ['submit', 'finalize']) {
      await expect(run(name, empty), name).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'The copy has no pages', extra: { currentStatus: 'READY' } });
    }

    const locked = await copyIn('LOCKED'); // submitted by `teacher`
    await expect(run('unlock', locked.id, { submitterOnly: admin.user.id })).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'Only the teacher who submitted the copy (or an admin) can do this',
      extra: { currentStatus: 'LOCKED' },
    });
    expect(((await run('unlock', locked.id, { submitterOnly: teacher.user.id })) as { status: string }).status).toBe('READY');
  });

  it('reopen: a READY copy is refused with 409 INVALID_STATE; six parallel reopens of a GRADED copy → one 200 and one REOPENED', async () => {
    const base = await listen(env);
    const http = overHttp(base, admin);
    const ready = await copyIn('READY');
    const r = await http.req('POST', `/api/v1/copies/${ready.id}/reopen`);
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'READY' });
    for (const status of ['GRADING_FAILED', 'LOCKED'] as const) {
      const c = await copyIn(status);
      expect((await http.req('POST', `/api/v1/copies/${c.id}/reopen`)).body).toMatchObject({ code: 'INVALID_STATE', currentStatus: status });
    }

    for (let round = 0; round < 5; round++) {
      const graded = await copyIn('GRADED');
      const results = await parallel(6, () => http.req('POST', `/api/v1/copies/${graded.id}/reopen`));
      expect(results.filter((x) => x.status === 200)).toHaveLength(1);
      for (const x of results.filter((y) => y.status !== 200)) expect(x.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'READY' });
      const reopened = await env.ctx.db.selectFrom('grading_events').select('id').where('copy_id', '=', graded.id).where('action', '=', 'REOPENED').execute();
      expect(reopened).toHaveLength(1);
      expect(await env.ctx.db.selectFrom('copies').select(['status', 'final_blob_id']).where('id', '=', graded.id).executeTakeFirstOrThrow()).toEqual({ status: 'READY', final_blob_id: null });
    }
  });
});
