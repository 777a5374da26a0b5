import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';
import { closePdfPool } from '../../src/pdf/pool.ts';
import { ingestUpload } from '../../src/services/upload.service.ts';
import { cleanupOrphans } from '../../src/services/cleanup.service.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { distinctJpegs, filesOnDisk, ingest, pageImages, rowCount, runJobs, sha256, upload } from './helpers.ts';

describe(`scan ingest [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
  });
  afterAll(async () => {
    await env.close();
    await closePdfPool();
  });

  const pagesOf = (copyId: string) =>
    env.ctx.db
      .selectFrom('pages')
      .innerJoin('blobs', 'blobs.id', 'pages.image_blob_id')
      .select(['pages.position', 'pages.source_page', 'pages.width_px', 'pages.height_px', 'blobs.sha256', 'blobs.content_type'])
      .where('pages.copy_id', '=', copyId)
      .orderBy('pages.position')
      .execute();

  it('BATCH: 7 scanned pages, 2 per copy → 3 copies + 1 flagged remainder; page images are the scanner JPEGs, byte for byte', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 2 });
    const jpegs = await distinctJpegs(7);
    const pdf = await fx.scanPdfFrom(jpegs, 7);
    const [blobsBefore, filesBefore] = [await rowCount(env, 'blobs'), (await filesOnDisk(env)).length];
    const done = await ingest(env, admin, exam.id, pdf);
    // the scanned pages are served from the stored scan itself: one file and one blob row, nothing per page
    expect([await rowCount(env, 'blobs'), (await filesOnDisk(env)).length]).toEqual([blobsBefore + 1, filesBefore + 1]);
    expect(done).toMatchObject({ status: 'DONE', pageCount: 7, pagesDone: 7, error: null });
    expect(done.copyIds).toHaveLength(4);

    const copies = await Promise.all(done.copyIds.map(async (id) => (await admin.req('GET', `/api/v1/copies/${id}`)).body));
    expect(copies.map((c) => c.status)).toEqual(['STAGING', 'STAGING', 'STAGING', 'STAGING']);
    expect(copies.map((c) => c.pageCount)).toEqual([2, 2, 2, 1]);
    expect(copies.map((c) => c.flagged)).toEqual([null, null, null, 'incomplete: 1 of 2 pages']);
    const codes = copies.map((c) => c.anonymousCode as string);
    expect(new Set(codes).size).toBe(4);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{6}$/);

    // every page, in scan order, is served as exactly the JPEG the scanner embedded
    let source = 0;
    const etags = new Set<string>();
    for (const copy of copies) {
      for (const page of await pageImages(env, [copy.id])) {
        expect(page.source_page).toBe(source);
        expect(page.scanned).toBe(true);
        expect(page.sha256).toBe(sha256(jpegs[source]!));
        expect([page.width_px, page.height_px]).toEqual([60 + source, 85 + source]);
        const img = await admin.req('GET', `/api/v1/copies/${copy.id}/pages/${page.position}/image`);
        expect(img.status).toBe(200);
        expect(img.headers['content-type']).toBe('image/jpeg');
        expect(Number(img.headers['content-length'])).toBe(jpegs[source]!.length);
        expect(Buffer.compare(img.raw, Buffer.from(jpegs[source]!))).toBe(0);
        expect(img.headers.etag).toMatch(/^"[0-9a-f]{64}-\d+"$/);
        etags.add(img.headers.etag);
        expect(img.headers['cache-control']).toMatch(/private/);
        const again = await admin.req('GET', `/api/v1/copies/${copy.id}/pages/${page.position}/image`, undefined, { 'if-none-match': img.headers.etag });
        expect(again.status).toBe(304);
        source++;
      }
    }
    expect(source).toBe(7);
    expect(etags.size).toBe(7); // one validator per page, though they share the scan

    const events = await env.ctx.db.selectFrom('grading_events').select(['copy_id', 'action']).where('copy_id', 'in', done.copyIds).execute();
    expect(events.filter((e) => e.action === 'CREATED')).toHaveLength(4);
    const booklets = await env.ctx.db.selectFrom('booklets').select(['start_page', 'end_page']).where('upload_id', '=', done.id).orderBy('start_page').execute();
    expect(booklets).toEqual([
      { start_page: 0, end_page: 1 },
      { start_page: 2, end_page: 3 },
      { start_page: 4, end_page: 5 },
      { start_page: 6, end_page: 6 },
    ]);
  });

  it('SINGLE: the whole file is one copy; vector pages are rendered at 150 dpi, rotation respected', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 2 });
    const two = await ingest(env, admin, exam.id, await fx.vectorText(), 'SINGLE');
    expect(two).toMatchObject({ status: 'DONE', pageCount: 2, pagesDone: 2 });
    expect(two.copyIds).toHaveLength(1);
    const pages = await pagesOf(two.copyIds[0]!);
    expect(pages.map((p) => p.content_type)).toEqual(['image/jpeg', 'image/jpeg']);
    expect([pages[0]!.width_px, pages[0]!.height_px]).toEqual([1240, 1754]); // A4 at 150 dpi
    const img = await admin.req('GET', `/api/v1/copies/${two.copyIds[0]}/pages/1/image`);
    expect([...img.raw.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);

    // a one-page SINGLE upload of a 2-page exam is kept and flagged; the /Rotate 90 page comes out landscape
    const one = await ingest(env, admin, exam.id, await fx.rotated(), 'SINGLE');
    const copy = (await admin.req('GET', `/api/v1/copies/${one.copyIds[0]}`)).body;
    expect(copy).toMatchObject({ pageCount: 1, flagged: 'incomplete: 1 of 2 pages' });
    expect(copy.pages[0].widthPx).toBeGreaterThan(copy.pages[0].heightPx);
  });

  it('re-running the ingest of a finished upload changes nothing', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 2 });
    const done = await ingest(env, admin, exam.id, await fx.scan4());
    const before = { copies: await rowCount(env, 'copies'), pages: await rowCount(env, 'pages'), blobs: await rowCount(env, 'blobs'), booklets: await rowCount(env, 'booklets') };
    await ingestUpload(env.ctx, done.id);
    await ingestUpload(env.ctx, done.id);
    expect({ copies: await rowCount(env, 'copies'), pages: await rowCount(env, 'pages'), blobs: await rowCount(env, 'blobs'), booklets: await rowCount(env, 'booklets') }).toEqual(before);
    expect((await admin.req('GET', `/api/v1/uploads/${done.id}`)).body.copyIds).toEqual(done.copyIds);
  });

  it('two runs of one ingest at once (a lease lost to a slow worker) commit one set of copies; the loser leaves only orphans', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 2 });
    // 4 scanned pages and 2 typed ones, which each run renders and stores
    const res = await upload(admin, exam.id, await fx.withTypedPages(await fx.scanPdfFrom(await distinctJpegs(4), 4), 2));
    expect(res.status).toBe(202);
    const id = res.body.upload.id as string;
    const copiesBefore = await rowCount(env, 'copies');
    await Promise.all([ingestUpload(env.ctx, id), ingestUpload(env.ctx, id)]);
    await runJobs(env); // the queued job itself finds the upload DONE
    expect((await rowCount(env, 'copies')) - copiesBefore).toBe(3);
    const pages = await env.ctx.db
      .selectFrom('pages')
      .innerJoin('booklets', 'booklets.id', 'pages.booklet_id')
      .select('pages.source_page')
      .where('booklets.upload_id', '=', id)
      .orderBy('pages.source_page')
      .execute();
    expect(pages.map((p) => p.source_page)).toEqual([0, 1, 2, 3, 4, 5]);

    const report = await cleanupOrphans(env.ctx, { dryRun: false, graceMs: 0 });
    expect(report.orphanFiles).toHaveLength(2); // the losing run's rendered images
    const info = (await admin.req('GET', `/api/v1/uploads/${id}`)).body;
    for (const copyId of info.copyIds) {
      for (const position of [0, 1]) expect((await admin.req('GET', `/api/v1/copies/${copyId}/pages/${position}/image`)).status).toBe(200);
    }
  });

  it('a failure mid-ingest leaves the upload FAILED with a message and no copy, page or booklet', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 2 });
    const counts = async () => ({ copies: await rowCount(env, 'copies'), pages: await rowCount(env, 'pages'), booklets: await rowCount(env, 'booklets') });
    const before = await counts();
    const blobs = env.ctx.blobs;
    const realPut = blobs.put.bind(blobs);
    let puts = 0;
    blobs.put = async (bytes, type) => {
      if (++puts > 1) throw new Error('disk full (injected)');
      return realPut(bytes, type);
    };
    try {
      // one scanned page, then three typed pages whose rendered images are stored while the job runs
      const done = await ingest(env, admin, exam.id, await fx.withTypedPages(await fx.scanPdfFrom(await distinctJpegs(1), 1), 3));
      expect(done.status).toBe('FAILED');
      expect(done.error).toMatch(/disk full \(injected\)/);
      expect(done.copyIds).toEqual([]);
    } finally {
      blobs.put = realPut;
    }
    expect(puts).toBeGreaterThan(1); // an image was stored before the failure
    expect(await counts()).toEqual(before);
    const job = await env.ctx.db.selectFrom('jobs').selectAll().where('kind', '=', 'INGEST_UPLOAD').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'FAILED', attempts: 3 });
    // the stored page images were never referenced: the sweeper takes them, nothing else
    const referenced = (await env.ctx.db.selectFrom('blobs').select('storage_key').execute()).map((b) => b.storage_key).sort();
    await cleanupOrphans(env.ctx, { dryRun: false, graceMs: 0 });
    expect((await filesOnDisk(env)).sort()).toEqual(referenced);
  });

  it('a 300-page batch (and 4 typed pages to render) ingests completely, reporting progress on the way', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 4 });
    const pdf = await fx.withTypedPages(await fx.batch300(), 4);
    const res = await upload(admin, exam.id, pdf);
    expect(res.status).toBe(202);
    const id = res.body.upload.id as string;
    const seen: number[] = [];
    const started = performance.now();
    const running = new JobRunner(env.ctx, jobHandlers).drain();
    let finished = false;
    void running.finally(() => (finished = true));
    while (!finished) {
      const s = (await admin.req('GET', `/api/v1/uploads/${id}`)).body;
      seen.push(s.pagesDone);
      await new Promise((r) => setTimeout(r, 15));
    }
    await running;
    const ms = performance.now() - started;
    const done = (await admin.req('GET', `/api/v1/uploads/${id}`)).body;
    expect(done).toMatchObject({ status: 'DONE', pageCount: 304, pagesDone: 304 });
    expect(done.copyIds).toHaveLength(76);
    const pages = await env.ctx.db.selectFrom('pages').select((eb) => eb.fn.countAll().as('n')).where('copy_id', 'in', done.copyIds).executeTakeFirstOrThrow();
    expect(Number(pages.n)).toBe(304);
    expect(await env.ctx.db.selectFrom('copies').select('id').where('exam_id', '=', exam.id).where('flagged', 'is not', null).execute()).toHaveLength(0);
    // progress moved through intermediate values (the scanned pages at once, then the rendered ones) and never backwards
    expect(seen.some((v) => v > 0 && v < 304)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    console.log(`[${engine}] 304-page batch (${(pdf.length / 1e6).toFixed(1)} MB): ${ms.toFixed(0)} ms, ${((304 / ms) * 1000).toFixed(0)} pages/s`);
  });

  it('only admins upload and read uploads; an unknown exam is 404', async () => {
    const exam = await makeExam(admin, [teacher], { pagesPerCopy: 2 });
    const pdf = await fx.scan4();
    const t = await upload(teacher, exam.id, pdf);
    expect(t.status).toBe(403);
    expect((await upload(admin, 'no-such-exam', pdf)).status).toBe(404);
    const ok = await upload(admin, exam.id, pdf);
    expect((await teacher.req('GET', `/api/v1/uploads/${ok.body.upload.id}`)).status).toBe(403);
    expect((await admin.req('GET', '/api/v1/uploads/nope')).status).toBe(404);
    const list = await admin.req('GET', `/api/v1/exams/${exam.id}/uploads`);
    expect(list.body.items.map((u: { id: string }) => u.id)).toEqual([ok.body.upload.id]);
    await runJobs(env);
  });
});
