/**
 * Repairing a scanned stack over HTTP (DESIGN.md §9 "Pages are conserved"): rotate, reorder, move, split, remove
 * to the bin and restore; version conflicts between two admins; and, over random operation sequences, the
 * invariant that every page of an upload is in exactly one copy or in the bin, matching a model of the stack.
 */
import fc from 'fast-check';
import { Migrator } from 'kysely';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, listen, makeExam, makeUser, overHttp, type Client, type TestEnv } from '../helpers/harness.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';
import { closePdfPool } from '../../src/pdf/pool.ts';
import { migrateToLatest } from '../../src/db/database.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { distinctJpegs, ingest, pageImages, runJobs, sha256 } from './helpers.ts';

const a = '/api/v1';

interface ReviewPage {
  id: string;
  sourcePage: number;
  position: number | null;
  rotation: number;
  flags: string[];
  imageUrl: string;
  widthPx: number;
  heightPx: number;
  inkCoverage: number | null;
}
interface ReviewCopy {
  id: string;
  status: string;
  rowVersion: number;
  flags: string[];
  flagged: string | null;
  editable: boolean;
  pages: ReviewPage[];
}
interface Review {
  copies: ReviewCopy[];
  bin: ReviewPage[];
}

describe(`page repair (rotate, move, split, remove, restore) [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let admin2: Client;
  let teacher: Client;
  let jpegs: Uint8Array[];
  let pdf: Uint8Array;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    admin2 = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
    jpegs = await distinctJpegs(7);
    pdf = await fx.scanPdfFrom(jpegs, 7);
  });
  afterAll(async () => {
    await env.close();
    await closePdfPool();
  });

  /** A fresh exam with 4 STAGING copies from a 7-page scan: source pages [0,1] [2,3] [4,5] [6]. */
  async function stack() {
    const exam = await makeExam(admin, [teacher], { pagesPerCopy: 2 });
    const done = await ingest(env, admin, exam.id, pdf);
    expect(done.copyIds).toHaveLength(4);
    return { examId: exam.id, uploadId: done.id, ids: done.copyIds as [string, string, string, string] };
  }

  const review = async (uploadId: string, as = admin): Promise<Review> => {
    const res = await as.req('GET', `${a}/uploads/${uploadId}/review`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const copyOf = (r: Review, id: string) => r.copies.find((c) => c.id === id)!;
  const version = async (uploadId: string, id: string) => copyOf(await review(uploadId), id).rowVersion;

  /** Source pages of a copy in position order, each checked against the bytes the scan holds. */
  const sourcePages = async (copyId: string) =>
    (await pageImages(env, [copyId])).sort((x, y) => x.position - y.position).map((p) => {
      expect(p.sha256).toBe(sha256(jpegs[p.source_page]!));
      return p.source_page;
    });

  /** The conservation invariant, straight from the table: every source page once, in one copy (0..n-1) or the bin. */
  async function expectConserved(uploadId: string, pageCount: number) {
    const rows = await env.ctx.db.selectFrom('pages').selectAll().where('upload_id', '=', uploadId).execute();
    expect(rows.map((r) => r.source_page).sort((x, y) => x - y)).toEqual(Array.from({ length: pageCount }, (_, i) => i));
    const byCopy = new Map<string, number[]>();
    for (const r of rows) {
      if (r.copy_id === null) {
        expect(r.position).toBeNull();
        expect(r.removed_at).not.toBeNull();
        continue;
      }
      byCopy.set(r.copy_id, [...(byCopy.get(r.copy_id) ?? []), r.position!]);
    }
    for (const positions of byCopy.values()) expect(positions.sort((x, y) => x - y)).toEqual(positions.map((_, i) => i));
  }

  it('rotates a page losslessly: the served JPEG carries an orientation tag, the scan data is untouched', async () => {
    const { uploadId, ids } = await stack();
    const before = await admin.req('GET', `${a}/copies/${ids[0]}/pages/1/image`);
    const res = await admin.req('POST', `${a}/copies/${ids[0]}/pages/1/rotate`, { version: 1, by: 90 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const page = res.body.copies[0].pages[1];
    expect(page).toMatchObject({ rotation: 90, sourcePage: 1 });
    // a quarter turn swaps the displayed size
    expect([page.widthPx, page.heightPx]).toEqual([86, 61]);
    const detail = (await admin.req('GET', `${a}/copies/${ids[0]}`)).body;
    expect(detail.pages[1]).toMatchObject({ widthPx: 86, heightPx: 61 });
    expect(detail.pages[1].imageUrl).toContain('r=90');
    expect(detail.rowVersion).toBe(2);

    const after = await admin.req('GET', detail.pages[1].imageUrl);
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const original = Buffer.from(jpegs[1]!);
    // SOI, then our 36-byte APP1 Exif segment with Orientation 6 (90° clockwise), then the scanner's bytes
    expect(after.raw.subarray(0, 2)).toEqual(original.subarray(0, 2));
    expect(after.raw.subarray(6, 12).toString('latin1')).toBe('Exif\0\0');
    expect(after.raw.readUInt16BE(2 + 4 + 6 + 8 + 2 + 8)).toBe(6);
    expect(Buffer.compare(after.raw.subarray(2 + 36), original.subarray(2))).toBe(0);
    // the same through the upload's page route (the review's thumbnails), and a full turn back is the scan again
    const viaUpload = await admin.req('GET', `${a}/uploads/${uploadId}/pages/1/image?r=90`);
    expect(Buffer.compare(viaUpload.raw, after.raw)).toBe(0);
    for (const v of [2, 3, 4]) expect((await admin.req('POST', `${a}/copies/${ids[0]}/pages/1/rotate`, { version: v, by: 90 })).status).toBe(200);
    const back = await admin.req('GET', `${a}/copies/${ids[0]}/pages/1/image`);
    expect(Buffer.compare(back.raw, original)).toBe(0);

    const events = (await admin.req('GET', `${a}/copies/${ids[0]}/events`)).body.items.filter((e: { action: string }) => e.action === 'PAGE_ROTATED');
    expect(events).toHaveLength(4);
    expect(events[0].metadata).toMatchObject({ position: 1, sourcePage: 1, by: 90, rotation: 90 });
  });

  it('the final PDF shows a turned page turned, with the scan JPEG embedded byte for byte', async () => {
    const { ids } = await stack();
    expect((await admin.req('POST', `${a}/copies/${ids[0]}/pages/0/rotate`, { version: 1, by: 90 })).status).toBe(200);
    expect((await admin.req('POST', `${a}/copies/${ids[0]}/validate`)).status).toBe(200);
    const lease = (await teacher.req('POST', `${a}/copies/${ids[0]}/lock`)).body;
    const fin = await teacher.req('POST', `${a}/copies/${ids[0]}/finalize`, { allowUnscored: true }, { 'x-lock-token': lease.token });
    expect(fin.status, JSON.stringify(fin.body)).toBe(202);
    await runJobs(env);
    const pdfRes = await admin.req('GET', `${a}/copies/${ids[0]}/final.pdf`);
    expect(pdfRes.status).toBe(200);
    const doc = await PDFDocument.load(pdfRes.raw);
    const [turned, upright] = [doc.getPage(0).getSize(), doc.getPage(1).getSize()];
    expect(turned.width).toBeGreaterThan(turned.height);
    expect(upright.width).toBeLessThan(upright.height);
    expect(pdfRes.raw.indexOf(Buffer.from(jpegs[0]!))).toBeGreaterThan(0);
  });

  it('migration 008 gives the pages of existing uploads their identity (upload, source page)', async () => {
    const own = await createTestEnv();
    try {
      const boss = await makeUser(own, 'ADMIN');
      const exam = await makeExam(boss, [], { pagesPerCopy: 2 });
      const done = await ingest(own, boss, exam.id, pdf);
      const migrator = new Migrator({ db: own.ctx.db, provider: { getMigrations: async () => migrations } });
      const down = await migrator.migrateTo('003_scan_page_ranges');
      expect(down.error).toBeUndefined();
      await migrateToLatest(own.ctx.db);
      const rows = await own.ctx.db.selectFrom('pages').select(['upload_id', 'source_page', 'rotation', 'removed_at']).execute();
      expect(rows).toHaveLength(7);
      expect(rows.every((r) => r.upload_id === done.id && r.rotation === 0 && r.removed_at === null)).toBe(true);
      expect(rows.map((r) => r.source_page).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    } finally {
      await own.close();
    }
  });

  it('reorders within a copy and moves a page to another copy, numbering both 0..n-1', async () => {
    const { uploadId, ids } = await stack();
    const [c0, c1, , rest] = ids;
    let res = await admin.req('POST', `${a}/copies/${c0}/pages/1/move`, { version: 1, toPosition: 0 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await sourcePages(c0)).toEqual([1, 0]);
    // the remainder's page 6 belongs at the end of copy 1
    res = await admin.req('POST', `${a}/copies/${c1}/pages/0/move`, { version: 1, toCopyId: rest, toVersion: 1, toPosition: 0 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await sourcePages(c1)).toEqual([3]);
    expect(await sourcePages(rest)).toEqual([2, 6]);
    const r = await review(uploadId);
    expect(copyOf(r, c1).flags).toContain('INCOMPLETE');
    expect(copyOf(r, c1).flagged).toBe('incomplete: 1 of 2 pages');
    expect(copyOf(r, rest).flags).not.toContain('INCOMPLETE');
    expect(copyOf(r, rest).flagged).toBeNull();
    for (const id of [c1, rest]) {
      const moved = (await admin.req('GET', `${a}/copies/${id}/events`)).body.items.filter((e: { action: string }) => e.action === 'PAGE_MOVED');
      expect(moved).toHaveLength(1);
      expect(moved[0].metadata).toMatchObject({ sourcePage: 2, from: { copyId: c1, position: 0 }, to: { copyId: rest, position: 0 } });
    }
    // the image URL of a position names its page: a browser cache never shows the page that was there before
    const detail = (await admin.req('GET', `${a}/copies/${rest}`)).body;
    const img = await admin.req('GET', detail.pages[0].imageUrl);
    expect(Buffer.compare(img.raw, Buffer.from(jpegs[2]!))).toBe(0);
    await expectConserved(uploadId, 7);
  });

  it('splits a copy at a page into a new STAGING copy', async () => {
    const { uploadId, ids } = await stack();
    await admin.req('POST', `${a}/copies/${ids[1]}/pages/0/move`, { version: 1, toCopyId: ids[0], toVersion: 1 });
    const res = await admin.req('POST', `${a}/copies/${ids[0]}/split`, { version: 2, atPosition: 2 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const [kept, made] = res.body.copies;
    expect(kept.id).toBe(ids[0]);
    expect(made).toMatchObject({ status: 'STAGING', rowVersion: 1, flagged: 'incomplete: 1 of 2 pages' });
    expect(await sourcePages(ids[0])).toEqual([0, 1]);
    expect(await sourcePages(made.id)).toEqual([2]);
    const created = (await admin.req('GET', `${a}/copies/${made.id}/events`)).body.items;
    expect(created[0]).toMatchObject({ action: 'CREATED', metadata: { splitFrom: ids[0], atPosition: 2 } });
    expect((await admin.req('POST', `${a}/copies/${made.id}/split`, { version: 1, atPosition: 1 })).body.code).toBe('VALIDATION_FAILED');
    await expectConserved(uploadId, 7);
  });

  it('removes a page to the bin and restores it (undo); a copy never loses its last page', async () => {
    const { uploadId, ids } = await stack();
    let res = await admin.req('POST', `${a}/copies/${ids[0]}/pages/0/remove`, { version: 1 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await sourcePages(ids[0])).toEqual([1]);
    let r = await review(uploadId);
    expect(r.bin.map((p) => p.sourcePage)).toEqual([0]);
    expect(r.bin[0]).toMatchObject({ position: null, removedFromCopyId: ids[0] });
    // the binned page still has its image, for the admin only
    const img = await admin.req('GET', r.bin[0]!.imageUrl);
    expect(Buffer.compare(img.raw, Buffer.from(jpegs[0]!))).toBe(0);
    expect((await teacher.req('GET', r.bin[0]!.imageUrl)).status).toBe(403);
    await expectConserved(uploadId, 7);

    const last = await admin.req('POST', `${a}/copies/${ids[3]}/pages/0/remove`, { version: 1 });
    expect(last.status).toBe(409);
    expect(last.body.code).toBe('CONFLICT');

    res = await admin.req('POST', `${a}/uploads/${uploadId}/bin/0/restore`, { toCopyId: ids[0], toVersion: 2, toPosition: 0 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await sourcePages(ids[0])).toEqual([0, 1]);
    r = await review(uploadId);
    expect(r.bin).toEqual([]);
    const again = await admin.req('POST', `${a}/uploads/${uploadId}/bin/0/restore`, { toCopyId: ids[0], toVersion: 3 });
    expect(again.status).toBe(404);
    const actions = (await admin.req('GET', `${a}/copies/${ids[0]}/events`)).body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['PAGE_REMOVED', 'PAGE_RESTORED']));
    await expectConserved(uploadId, 7);
  });

  it('refuses a stale version with VERSION_CONFLICT and the current state, and changes nothing', async () => {
    const { uploadId, ids } = await stack();
    expect((await admin.req('POST', `${a}/copies/${ids[0]}/pages/0/rotate`, { version: 1, by: 180 })).status).toBe(200);
    for (const [path, body] of [
      [`copies/${ids[0]}/pages/0/rotate`, { version: 1, by: 90 }],
      [`copies/${ids[0]}/pages/0/move`, { version: 1, toPosition: 1 }],
      [`copies/${ids[0]}/pages/0/move`, { version: 2, toCopyId: ids[1], toVersion: 5 }],
      [`copies/${ids[0]}/split`, { version: 1, atPosition: 1 }],
      [`copies/${ids[0]}/pages/0/remove`, { version: 1 }],
    ] as const) {
      const res = await admin2.req('POST', `${a}/${path}`, body);
      expect(res.status, path).toBe(409);
      expect(res.body.code).toBe('VERSION_CONFLICT');
      expect(res.body.current).toMatchObject({ status: 'STAGING' });
    }
    expect(await sourcePages(ids[0])).toEqual([0, 1]);
    expect(await sourcePages(ids[1])).toEqual([2, 3]);
    const r = await review(uploadId);
    expect(copyOf(r, ids[0])).toMatchObject({ rowVersion: 2 });
    expect(copyOf(r, ids[0]).pages[0]!.rotation).toBe(180);
    await expectConserved(uploadId, 7);
  });

  it('READY copies: structure only before grading; rotation until finalize, the annotations turning with the page', async () => {
    const { uploadId, ids } = await stack();
    const [c0, c1] = ids;
    for (const id of [c0, c1]) expect((await admin.req('POST', `${a}/copies/${id}/validate`)).status).toBe(200);
    // READY, no grading yet: a page may still move
    let res = await admin.req('POST', `${a}/copies/${c1}/pages/1/move`, { version: 2, toPosition: 0 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // a teacher starts grading c0
    const lease = (await teacher.req('POST', `${a}/copies/${c0}/lock`)).body;
    const token = { 'x-lock-token': lease.token };
    const ann = await teacher.req('POST', `${a}/copies/${c0}/annotations`, { pagePosition: 1, x: 0.1, y: 0.2, w: 0.3, h: 0.1, type: 'HIGHLIGHT' }, token);
    expect(ann.status, JSON.stringify(ann.body)).toBe(201);
    const v = await version(uploadId, c0);
    // the teacher has the copy open: nobody turns the page under them
    res = await admin.req('POST', `${a}/copies/${c0}/pages/1/rotate`, { version: v, by: 90 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('LOCKED_BY_OTHER');
    expect((await teacher.req('DELETE', `${a}/copies/${c0}/lock`, undefined, token)).status).toBe(204);

    res = await admin.req('POST', `${a}/copies/${c0}/pages/0/move`, { version: v, toPosition: 1 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('INVALID_STATE');
    res = await admin.req('POST', `${a}/copies/${c0}/pages/1/rotate`, { version: v, by: 90 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const turned = (await admin.req('GET', `${a}/copies/${c0}`)).body.annotations[0];
    // a quarter turn clockwise: (x, y, w, h) → (1 - y - h, x, h, w)
    expect(turned).toMatchObject({ pagePosition: 1, version: 2 });
    expect([turned.x, turned.y, turned.w, turned.h].map((n: number) => Math.round(n * 1000) / 1000)).toEqual([0.7, 0.1, 0.1, 0.3]);

    // submitted: rotation still allowed, structure not
    const lease2 = (await teacher.req('POST', `${a}/copies/${c0}/lock`)).body;
    const sub = await teacher.req('POST', `${a}/copies/${c0}/submit`, { allowUnscored: true }, { 'x-lock-token': lease2.token });
    expect(sub.status, JSON.stringify(sub.body)).toBe(200);
    await teacher.req('DELETE', `${a}/copies/${c0}/lock`, undefined, { 'x-lock-token': lease2.token });
    const v2 = await version(uploadId, c0);
    expect((await admin.req('POST', `${a}/copies/${c0}/pages/0/rotate`, { version: v2, by: 270 })).status).toBe(200);
    res = await admin.req('POST', `${a}/copies/${c0}/pages/0/remove`, { version: v2 + 1 });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'LOCKED' });
    await expectConserved(uploadId, 7);
  });

  it("only admins and the exam's owner repair pages; its correctors, other teachers and students are refused", async () => {
    const { examId, uploadId, ids } = await stack();
    const student = await makeUser(env, 'STUDENT');
    const owner = await makeUser(env, 'TEACHER');
    expect((await admin.req('PATCH', `${a}/exams/${examId}`, { ownerId: owner.user.id })).status).toBe(200);
    expect((await student.req('POST', `${a}/copies/${ids[0]}/pages/0/rotate`, { version: 1, by: 90 })).status).toBe(403);
    expect((await student.req('GET', `${a}/uploads/${uploadId}/review`)).status).toBe(403);
    // the corrector cannot see a STAGING copy (404) and may not run the exam's scans (403)
    expect((await teacher.req('POST', `${a}/copies/${ids[0]}/pages/0/rotate`, { version: 1, by: 90 })).status).toBe(404);
    expect((await teacher.req('GET', `${a}/uploads/${uploadId}/review`)).status).toBe(403);
    expect((await owner.req('GET', `${a}/uploads/${uploadId}/review`)).status).toBe(200);
    expect((await owner.req('POST', `${a}/copies/${ids[0]}/pages/0/rotate`, { version: 1, by: 90 })).status).toBe(200);
    expect((await admin.req('POST', `${a}/copies/${ids[0]}/pages/9/rotate`, { version: 2, by: 90 })).status).toBe(404);
    expect((await admin.req('POST', `${a}/copies/${ids[0]}/pages/0/rotate`, { version: 2, by: 45 })).status).toBe(400);
  });

  it('two admins at once: of conflicting operations on the same copies exactly one wins, the others get 409', async () => {
    const { uploadId, ids } = await stack();
    const base = await listen(env);
    const [h1, h2] = [overHttp(base, admin), overHttp(base, admin2)];
    // both admins fire moves between copies 0 and 1 in both directions, all read at version 1
    const attempts = Array.from({ length: 12 }, (_, i) => {
      const who = i % 2 ? h2 : h1;
      const [from, to] = i % 3 ? [ids[0], ids[1]] : [ids[1], ids[0]];
      return who.req('POST', `${a}/copies/${from}/pages/${i % 2}/move`, { version: 1, toCopyId: to, toVersion: 1 });
    });
    const results = await Promise.all(attempts);
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.code).toBe('VERSION_CONFLICT');
    const r = await review(uploadId);
    expect(copyOf(r, ids[0]).rowVersion).toBe(2);
    expect(copyOf(r, ids[1]).rowVersion).toBe(2);
    // removals racing restores on one page: the page ends in exactly one place
    const v = copyOf(r, ids[2]).rowVersion;
    const race = await Promise.all([
      h1.req('POST', `${a}/copies/${ids[2]}/pages/0/remove`, { version: v }),
      h2.req('POST', `${a}/copies/${ids[2]}/pages/0/remove`, { version: v }),
      h2.req('POST', `${a}/copies/${ids[2]}/split`, { version: v, atPosition: 1 }),
    ]);
    expect(race.filter((x) => x.status === 200 || x.status === 201)).toHaveLength(1);
    await expectConserved(uploadId, 7);
  });

  it('the review flags probably blank and probably sideways pages, incomplete and unidentified copies', async () => {
    const colour = await fx.plainJpeg(60, 85, '#345');
    const white = await fx.plainJpeg(60, 85, '#fff');
    const sideways = await fx.plainJpeg(85, 60, '#345');
    const scan = await fx.scanPdfFrom([colour, white, colour, sideways, colour], 5);
    const exam = await makeExam(admin, [], { pagesPerCopy: 2 });
    const done = await ingest(env, admin, exam.id, scan);
    const r = await review(done.id);
    const pages = r.copies.flatMap((c) => c.pages);
    expect(pages.map((p) => p.flags)).toEqual([[], ['BLANK'], [], ['ROTATED'], []]);
    expect(pages[0]!.inkCoverage).toBeGreaterThan(0.5);
    expect(r.copies.map((c) => c.flags)).toEqual([['UNIDENTIFIED'], ['UNIDENTIFIED'], ['INCOMPLETE', 'UNIDENTIFIED']]);
    // measured once and stored
    const stored = await env.ctx.db.selectFrom('pages').select('ink_coverage').where('upload_id', '=', done.id).execute();
    expect(stored.every((p) => p.ink_coverage !== null)).toBe(true);
    // turning the sideways page upright clears its flag
    const c = r.copies[1]!;
    const res = await admin.req('POST', `${a}/copies/${c.id}/pages/1/rotate`, { version: c.rowVersion, by: 90 });
    expect(res.status).toBe(200);
    expect((await review(done.id)).copies[1]!.pages[1]!.flags).toEqual([]);
  });

  it('P0 conservation: random sequences of operations by two admins keep every page in one copy or the bin, as the model says', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('rotate' as const), c: fc.nat(9), p: fc.nat(9), by: fc.constantFrom(90, 180, 270), stale: fc.nat(3).map((n) => n === 0) }),
      fc.record({ kind: fc.constant('move' as const), c: fc.nat(9), p: fc.nat(9), to: fc.nat(9), at: fc.nat(9), stale: fc.nat(3).map((n) => n === 0) }),
      fc.record({ kind: fc.constant('split' as const), c: fc.nat(9), p: fc.nat(9), stale: fc.nat(3).map((n) => n === 0) }),
      fc.record({ kind: fc.constant('remove' as const), c: fc.nat(9), p: fc.nat(9), stale: fc.nat(3).map((n) => n === 0) }),
      fc.record({ kind: fc.constant('restore' as const), b: fc.nat(9), to: fc.nat(9), at: fc.nat(9), stale: fc.nat(3).map((n) => n === 0) }),
    );
    const outcomes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 14 }), async (ops) => {
        const { uploadId } = await stack();
        // the model: source pages per copy in order, and the bin
        let r = await review(uploadId);
        const model = new Map(r.copies.map((c) => [c.id, c.pages.map((p) => p.sourcePage)]));
        const bin = new Set<number>();
        for (const [i, o] of ops.entries()) {
          const who = i % 2 ? admin2 : admin;
          const copies = [...model.keys()];
          const cid = copies[('c' in o ? o.c : o.to) % copies.length]!;
          const c = copyOf(r, cid);
          const ver = o.stale ? c.rowVersion + 7 : c.rowVersion;
          const pages = model.get(cid)!;
          const p = 'p' in o ? o.p % pages.length : 0;
          let res;
          let expected: number;
          let apply = () => {};
          if (o.kind === 'rotate') {
            res = await who.req('POST', `${a}/copies/${cid}/pages/${p}/rotate`, { version: ver, by: o.by });
            expected = 200;
          } else if (o.kind === 'move') {
            const to = copies[o.to % copies.length]!;
            const same = to === cid;
            const target = model.get(to)!;
            const at = o.at % (target.length + 1);
            res = await who.req('POST', `${a}/copies/${cid}/pages/${p}/move`, same ? { version: ver, toPosition: at } : { version: ver, toCopyId: to, toVersion: copyOf(r, to).rowVersion, toPosition: at });
            expected = !same && pages.length === 1 ? 409 : 200;
            apply = () => {
              const [moved] = pages.splice(p, 1);
              (same ? pages : target).splice(Math.min(at, (same ? pages : target).length), 0, moved!);
            };
          } else if (o.kind === 'split') {
            const at = 1 + (p % Math.max(1, pages.length - 1));
            res = await who.req('POST', `${a}/copies/${cid}/split`, { version: ver, atPosition: at });
            expected = pages.length < 2 ? 400 : 201;
            apply = () => model.set(res!.body.copies[1].id, pages.splice(at));
          } else if (o.kind === 'remove') {
            res = await who.req('POST', `${a}/copies/${cid}/pages/${p}/remove`, { version: ver });
            expected = pages.length === 1 ? 409 : 200;
            apply = () => bin.add(pages.splice(p, 1)[0]!);
          } else {
            if (bin.size === 0) continue;
            const page = [...bin][o.b % bin.size]!;
            const at = o.at % (pages.length + 1);
            res = await who.req('POST', `${a}/uploads/${uploadId}/bin/${page}/restore`, { toCopyId: cid, toVersion: ver, toPosition: at });
            expected = 200;
            apply = () => {
              bin.delete(page);
              pages.splice(at, 0, page);
            };
          }
          // a stale version loses before anything else is looked at
          if (o.stale) expected = 409;
          expect(res.status, `${o.kind} ${JSON.stringify(res.body)}`).toBe(expected);
          if (o.stale) expect(res.body.code).toBe('VERSION_CONFLICT');
          outcomes.set(res.status, (outcomes.get(res.status) ?? 0) + 1);
          if (res.status < 300) apply();
          r = await review(uploadId);
          expect(new Map(r.copies.map((x) => [x.id, x.pages.map((pg) => pg.sourcePage)]))).toEqual(new Map([...model].filter(([, v]) => v.length > 0)));
          expect(r.bin.map((x) => x.sourcePage).sort()).toEqual([...bin].sort());
        }
        await expectConserved(uploadId, 7);
      }),
      { numRuns: 8 },
    );
    // the sequences did exercise the operations, and the refusals
    expect((outcomes.get(200) ?? 0) + (outcomes.get(201) ?? 0)).toBeGreaterThan(10);
    expect(outcomes.get(409) ?? 0).toBeGreaterThan(3);
  });
});
