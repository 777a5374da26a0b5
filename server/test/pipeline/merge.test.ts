import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeExam, makeUser, parallel, type Client, type TestEnv } from '../helpers/harness.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';
import { closePdfPool } from '../../src/pdf/pool.ts';
import { distinctJpegs, ingest, pageImages, sha256 } from './helpers.ts';

describe(`staple copies (POST /exams/:id/copies/merge) [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let jpegs: Uint8Array[];
  let pdf: Uint8Array;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
    jpegs = await distinctJpegs(7);
    pdf = await fx.scanPdfFrom(jpegs, 7);
  });
  afterAll(async () => {
    await env.close();
    await closePdfPool();
  });

  /** A fresh exam with 4 STAGING copies from a 7-page scan (pages 0-1, 2-3, 4-5 and the remainder 6). */
  async function fourCopies() {
    const exam = await makeExam(admin, [teacher], { pagesPerCopy: 2 });
    const done = await ingest(env, admin, exam.id, pdf);
    expect(done.copyIds).toHaveLength(4);
    return { examId: exam.id, uploadId: done.id, ids: done.copyIds };
  }

  const sourcePages = async (copyId: string) =>
    (await pageImages(env, [copyId])).sort((a, b) => a.position - b.position).map((p) => {
      expect(p.sha256).toBe(sha256(jpegs[p.source_page]!));
      return p.source_page;
    });

  it('the first copy keeps its id and gets every page in the given order; the others become MERGED', async () => {
    const { examId, uploadId, ids } = await fourCopies();
    const [a, b, c, rest] = ids as [string, string, string, string];
    // the flagged one-page remainder first, then copy b: positions 0..2 = source pages 6, 2, 3
    const res = await admin.req('POST', `/api/v1/exams/${examId}/copies/merge`, { copyIds: [rest, b] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.copy).toMatchObject({ id: rest, status: 'STAGING', pageCount: 3, flagged: null });
    expect(res.body.copy.pages.map((p: { position: number }) => p.position)).toEqual([0, 1, 2]);
    expect(await sourcePages(rest)).toEqual([6, 2, 3]);
    expect(await sourcePages(b)).toEqual([]);
    const merged = (await admin.req('GET', `/api/v1/copies/${b}`)).body;
    expect(merged).toMatchObject({ status: 'MERGED', pageCount: 0 });
    const row = await env.ctx.db.selectFrom('copies').select('merged_into_id').where('id', '=', b).executeTakeFirstOrThrow();
    expect(row.merged_into_id).toBe(rest);
    const img = await admin.req('GET', `/api/v1/copies/${rest}/pages/0/image`);
    expect(Buffer.compare(img.raw, Buffer.from(jpegs[6]!))).toBe(0);

    for (const id of [rest, b]) {
      const events = (await admin.req('GET', `/api/v1/copies/${id}/events`)).body.items.map((e: { action: string }) => e.action);
      expect(events.filter((e: string) => e === 'MERGED')).toHaveLength(1);
    }
    // the upload now reports the live copies only
    expect((await admin.req('GET', `/api/v1/uploads/${uploadId}`)).body.copyIds.sort()).toEqual([a, c, rest].sort());
    // a merged copy cannot be validated; the stapled one can
    expect((await admin.req('POST', `/api/v1/copies/${b}/validate`)).status).toBe(409);
    expect((await admin.req('POST', `/api/v1/copies/${rest}/validate`)).status).toBe(200);
  });

  it('409 INVALID_STATE when a copy is not in staging, and nothing moves', async () => {
    const { examId, ids } = await fourCopies();
    const [a, b, c] = ids as [string, string, string];
    expect((await admin.req('POST', `/api/v1/copies/${b}/validate`)).status).toBe(200);
    const before = { a: await sourcePages(a), b: await sourcePages(b), c: await sourcePages(c) };
    const res = await admin.req('POST', `/api/v1/exams/${examId}/copies/merge`, { copyIds: [a, c, b] });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'READY' });
    expect({ a: await sourcePages(a), b: await sourcePages(b), c: await sourcePages(c) }).toEqual(before);
    const statuses = await env.ctx.db.selectFrom('copies').select(['id', 'status']).where('id', 'in', [a, b, c]).execute();
    expect(Object.fromEntries(statuses.map((s) => [s.id, s.status]))).toEqual({ [a]: 'STAGING', [b]: 'READY', [c]: 'STAGING' });

    // a copy already merged is not in staging either
    expect((await admin.req('POST', `/api/v1/exams/${examId}/copies/merge`, { copyIds: [a, c] })).status).toBe(200);
    const again = await admin.req('POST', `/api/v1/exams/${examId}/copies/merge`, { copyIds: [ids[3], c] });
    expect(again.status).toBe(409);
    expect(again.body.currentStatus).toBe('MERGED');
  });

  it('bad requests: one copy, a duplicate, another exam, an unknown copy, a teacher', async () => {
    const one = await fourCopies();
    const other = await fourCopies();
    const url = `/api/v1/exams/${one.examId}/copies/merge`;
    expect((await admin.req('POST', url, { copyIds: [one.ids[0]] })).status).toBe(400);
    expect((await admin.req('POST', url, { copyIds: [one.ids[0], one.ids[0]] })).status).toBe(400);
    const foreign = await admin.req('POST', url, { copyIds: [one.ids[0], other.ids[0]] });
    expect(foreign.status).toBe(400);
    expect(foreign.body.detail).toMatch(/another exam/);
    expect((await admin.req('POST', url, { copyIds: [one.ids[0], 'nope'] })).status).toBe(404);
    expect((await teacher.req('POST', url, { copyIds: [one.ids[0], one.ids[1]] })).status).toBe(403);
    const untouched = await env.ctx.db.selectFrom('copies').select('status').where('exam_id', 'in', [one.examId, other.examId]).execute();
    expect(untouched.every((c) => c.status === 'STAGING')).toBe(true);
  });

  it('parallel merges that share copies: each copy ends in exactly one place, pages numbered 0..n-1', async () => {
    for (let round = 0; round < 5; round++) {
      const { examId, ids } = await fourCopies();
      const [a, b, c, d] = ids as [string, string, string, string];
      // overlapping and crossed requests, including a target that is another request's source
      const requests = [[a, b], [b, a], [c, b], [b, c, d], [d, a]];
      const results = await parallel(requests.length, (i) => admin.req('POST', `/api/v1/exams/${examId}/copies/merge`, { copyIds: requests[i] }));
      for (const r of results) expect([200, 409], JSON.stringify(r.body)).toContain(r.status);
      expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);

      const copies = await env.ctx.db.selectFrom('copies').selectAll().where('exam_id', '=', examId).execute();
      const pages = await env.ctx.db.selectFrom('pages').select(['copy_id', 'position', 'source_page']).where('copy_id', 'in', ids).execute();
      // all 7 scanned pages still there, once each, never on a MERGED copy
      expect(pages.map((p) => p.source_page).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
      for (const copy of copies) {
        const mine = pages.filter((p) => p.copy_id === copy.id).map((p) => p.position!).sort((x, y) => x - y);
        if (copy.status === 'MERGED') {
          expect(mine).toEqual([]);
          const into = copies.find((x) => x.id === copy.merged_into_id)!;
          expect(into.status === 'STAGING' || into.status === 'MERGED').toBe(true);
        } else {
          expect(copy.status).toBe('STAGING');
          expect(mine).toEqual(mine.map((_, i) => i));
        }
      }
    }
  });
});
