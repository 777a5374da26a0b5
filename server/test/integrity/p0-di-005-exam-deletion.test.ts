import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, parallel, type Client, type TestEnv } from '../helpers/harness.ts';
import { insertBlob } from '../../src/repositories/blob.repository.ts';
import { newId } from '../../src/ids.ts';

describe(`P0-DI-005 exam deletion prevented with copies [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
  });
  afterAll(() => env.close());

  /** Rows of `table` that belong to the exam (directly or through its copies). */
  const count = async (table: 'exams' | 'questions' | 'copies' | 'pages' | 'annotations' | 'grading_events' | 'exam_correctors', examId: string) => {
    const where =
      table === 'exams'
        ? sql`id = ${examId}`
        : ['pages', 'annotations', 'grading_events'].includes(table)
          ? sql`copy_id IN (SELECT id FROM copies WHERE exam_id = ${examId})`
          : sql`exam_id = ${examId}`;
    const r = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(table)} WHERE ${where}`.execute(env.ctx.db);
    return Number(r.rows[0]!.n);
  };

  it('the API refuses with 409 EXAM_HAS_COPIES and deletes nothing, even under parallel attempts', async () => {
    const exam = await makeExam(admin, [teacher]);
    const copyId = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    await teacher.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 0, x: 0, y: 0, w: 0.5, h: 0.5, type: 'HIGHLIGHT' }, h);
    const before = await Promise.all((['exams', 'questions', 'copies', 'pages', 'annotations', 'grading_events', 'exam_correctors'] as const).map((t) => count(t, exam.id)));
    const results = await parallel(8, () => admin.req('DELETE', `/api/v1/exams/${exam.id}`));
    for (const r of results) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('EXAM_HAS_COPIES');
    }
    const after = await Promise.all((['exams', 'questions', 'copies', 'pages', 'annotations', 'grading_events', 'exam_correctors'] as const).map((t) => count(t, exam.id)));
    expect(after).toEqual(before);
    expect((await admin.req('GET', `/api/v1/exams/${exam.id}`)).status).toBe(200);
    // archiving is the way out, and it is reversible
    expect((await admin.req('POST', `/api/v1/exams/${exam.id}/archive`)).body.exam.archivedAt).toBeTruthy();
    expect((await admin.req('GET', '/api/v1/exams')).body.items.map((e: { id: string }) => e.id)).not.toContain(exam.id);
    expect((await admin.req('POST', `/api/v1/exams/${exam.id}/unarchive`)).body.exam.archivedAt).toBeNull();
  });

  it('an exam with a scan still being processed and no copy yet: 409 EXAM_HAS_COPIES, nothing deleted', async () => {
    const exam = await makeExam(admin, [teacher]);
    const now = env.ctx.clock.now().toISOString();
    const scan = await env.ctx.blobs.put(new TextEncoder().encode('%PDF-1.7 scan being split'), 'application/pdf');
    await insertBlob(env.ctx.db, scan, now);
    const uploadId = newId();
    await env.ctx.db
      .insertInto('uploads')
      .values({ id: uploadId, exam_id: exam.id, source_blob_id: scan.id, mode: 'BATCH', status: 'PROCESSING', page_count: 40, pages_done: 3, error: null, created_by: admin.user.id, created_at: now, updated_at: now })
      .execute();
    expect(await count('copies', exam.id)).toBe(0);
    const tables = ['exams', 'questions', 'exam_correctors'] as const;
    const before = await Promise.all(tables.map((t) => count(t, exam.id)));
    const results = await parallel(3, () => admin.req('DELETE', `/api/v1/exams/${exam.id}`));
    for (const r of results) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('EXAM_HAS_COPIES');
    }
    expect(await Promise.all(tables.map((t) => count(t, exam.id)))).toEqual(before);
    expect(await env.ctx.db.selectFrom('uploads').select('status').where('id', '=', uploadId).executeTakeFirstOrThrow()).toEqual({ status: 'PROCESSING' });
  });

  it('an exam without copies is deleted once (parallel deletes: one 204, the rest 404); teachers cannot delete', async () => {
    const exam = await makeExam(admin, [teacher]);
    expect((await teacher.req('DELETE', `/api/v1/exams/${exam.id}`)).status).toBe(403);
    const results = await parallel(6, () => admin.req('DELETE', `/api/v1/exams/${exam.id}`));
    expect(results.filter((r) => r.status === 204)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 204).every((r) => r.status === 404)).toBe(true);
    expect(await count('questions', exam.id)).toBe(0);
  });

  it('the database itself refuses cascading deletes (ON DELETE RESTRICT)', async () => {
    const exam = await makeExam(admin, [teacher]);
    const copyId = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    await teacher.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 0, x: 0, y: 0, w: 0.5, h: 0.5, type: 'TICK' }, h);
    const db = env.ctx.db;
    const attempts: [string, () => Promise<unknown>][] = [
      ['exam → copies', () => sql`DELETE FROM exams WHERE id = ${exam.id}`.execute(db)],
      ['copy → pages/annotations/events', () => sql`DELETE FROM copies WHERE id = ${copyId}`.execute(db)],
      ['user → annotations/events', () => sql`DELETE FROM users WHERE id = ${teacher.user.id}`.execute(db)],
      ['question → its exam', () => sql`DELETE FROM exams WHERE id = ${exam.id}`.execute(db)],
      ['blob → pages', () => sql`DELETE FROM blobs WHERE id IN (SELECT image_blob_id FROM pages WHERE copy_id = ${copyId})`.execute(db)],
    ];
    for (const [what, run] of attempts) {
      await expect(run(), what).rejects.toThrow(/foreign key|FOREIGN KEY/i);
    }
    // copy → events alone (pages and annotations removed first) is still refused
    await sql`DELETE FROM annotations WHERE copy_id = ${copyId}`.execute(db);
    await sql`DELETE FROM copy_locks WHERE copy_id = ${copyId}`.execute(db);
    await sql`DELETE FROM pages WHERE copy_id = ${copyId}`.execute(db);
    await expect(sql`DELETE FROM copies WHERE id = ${copyId}`.execute(db)).rejects.toThrow(/foreign key/i);
    expect(await count('exams', exam.id)).toBe(1);
  });

  it('the catalog: every foreign key RESTRICTs deletes except the few whose child is pure derived data', async () => {
    // DESIGN.md §2: only a lease or a draft of a copy, and a session of a user, go with their parent
    const mayCascade = [
      'copy_locks.copy_id → copies',
      'draft_states.copy_id → copies',
      // the masked copy of a final PDF is recomputed from that PDF's blob (migration 009)
      'masked_final_pdfs.final_blob_id → blobs',
      // a masked header image is recomputed from its page: it means nothing once the page is gone (migration 009)
      'masked_pages.page_id → pages',
      // a question lease is an edit lease, like copy_locks: it means nothing once its copy or question is gone (migration 010)
      'question_locks.copy_id → copies',
      'question_locks.question_id → questions',
      'sessions.user_id → users',
    ];
    const rows =
      engine === 'postgres'
        ? await sql<{ tbl: string; col: string; ref: string; del: string }>`
            SELECT c.conrelid::regclass::text AS tbl, a.attname AS col, c.confrelid::regclass::text AS ref,
              CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END AS del
            FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
            WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace`.execute(env.ctx.db)
        : await sql<{ tbl: string; col: string; ref: string; del: string }>`
            SELECT m.name AS tbl, f."from" AS col, f."table" AS ref, f.on_delete AS del
            FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'`.execute(env.ctx.db);
    const fks = rows.rows.map((r) => ({ fk: `${r.tbl}.${r.col} → ${r.ref}`, del: r.del.toUpperCase() }));
    // the catalog query really sees the schema: the keys that guard an exam's grading are all there
    for (const fk of ['copies.exam_id → exams', 'uploads.exam_id → exams', 'questions.exam_id → exams', 'pages.copy_id → copies', 'annotations.copy_id → copies', 'scores.copy_id → copies', 'grading_events.copy_id → copies', 'copies.final_blob_id → blobs', 'pages.image_blob_id → blobs']) {
      expect(fks.find((f) => f.fk === fk), fk).toMatchObject({ del: 'RESTRICT' });
    }
    expect(fks.filter((f) => f.del === 'CASCADE').map((f) => f.fk).sort()).toEqual(mayCascade);
    const others = fks.filter((f) => f.del !== 'CASCADE');
    expect(others.filter((f) => f.del !== 'RESTRICT' && f.del !== 'NO ACTION')).toEqual([]);
    expect(others.length).toBeGreaterThan(30);
  });
});
