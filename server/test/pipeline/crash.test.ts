import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';
import { closePdfPool } from '../../src/pdf/pool.ts';
import { cleanupOrphans } from '../../src/services/cleanup.service.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { distinctJpegs, filesOnDisk, pageImages, sha256, upload } from './helpers.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** scanned pages (served from the scan, nothing stored per page), then typed pages the job renders and stores */
const SCANNED = 24;
const TYPED = 16;
const PAGES = SCANNED + TYPED;
const HANG_AFTER = 8;

describe(`ingest survives a worker killed mid-scan [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
  });
  afterAll(async () => {
    await env.close();
    await closePdfPool();
  });

  it('SIGKILL after some pages → re-claimed after the lease → exactly the right copies and pages, once', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 4 });
    const jpegs = await distinctJpegs(SCANNED);
    const res = await upload(admin, exam.id, await fx.withTypedPages(await fx.scanPdfFrom(jpegs, SCANNED), TYPED));
    expect(res.status).toBe(202);
    const uploadId = res.body.upload.id as string;
    const uploadRow = () => env.ctx.db.selectFrom('uploads').selectAll().where('id', '=', uploadId).executeTakeFirstOrThrow();
    const jobRow = () => env.ctx.db.selectFrom('jobs').selectAll().where('ref_id', '=', uploadId).executeTakeFirstOrThrow();

    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'ingest-child.ts')], {
      env: {
        ...process.env,
        CHILD_DATABASE_URL: env.databaseUrl,
        CHILD_DATA_DIR: env.dataDir,
        CHILD_LEASE_MS: '1500',
        CHILD_HANG_AFTER: String(HANG_AFTER),
        CHILD_CLOCK_OFFSET_MS: String(env.clock.offsetMs),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += String(d);
        if (out.includes('HANGING')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${out}`)));
    });
    // progress was reported by the dying worker before it stopped
    // (the scanned pages count as done from the start; beyond them, a task's rendered images were stored)
    for (let i = 0; i < 200 && (await uploadRow()).pages_done <= SCANNED; i++) await new Promise((r) => setTimeout(r, 25));
    const midway = await uploadRow();
    expect(midway.status).toBe('PROCESSING');
    expect(midway.pages_done).toBeGreaterThan(SCANNED);
    expect(midway.pages_done).toBeLessThan(PAGES);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    // mid-ingest nothing was visible: no copy, page or booklet exists yet
    expect(await env.ctx.db.selectFrom('copies').select('id').where('exam_id', '=', exam.id).execute()).toHaveLength(0);
    expect(await env.ctx.db.selectFrom('booklets').select('id').where('upload_id', '=', uploadId).execute()).toHaveLength(0);
    expect(await jobRow()).toMatchObject({ status: 'RUNNING', attempts: 1 });
    expect((await jobRow()).lease_owner).toMatch(/^dying-child/);
    const filesOfDeadRun = (await filesOnDisk(env)).length - 1; // minus the uploaded scan

    const runner = new JobRunner(env.ctx, jobHandlers, { owner: 'survivor', leaseMs: 1500 });
    expect(await runner.runOnce()).toBe(false); // the dead worker's lease is still live
    env.clock.advance(2_000);
    expect(await runner.runOnce()).toBe(true);
    expect(await jobRow()).toMatchObject({ status: 'DONE', attempts: 2 });

    const done = (await admin.req('GET', `/api/v1/uploads/${uploadId}`)).body;
    expect(done).toMatchObject({ status: 'DONE', pageCount: PAGES, pagesDone: PAGES, error: null });
    expect(done.copyIds).toHaveLength(PAGES / 4);
    const pages = await pageImages(env, done.copyIds);
    expect(pages.map((p) => p.source_page)).toEqual(Array.from({ length: PAGES }, (_, i) => i));
    for (const p of pages) {
      if (p.source_page < SCANNED) expect(p.sha256).toBe(sha256(jpegs[p.source_page]!));
      else expect([p.scanned, [...p.bytes.subarray(0, 3)], p.width_px, p.height_px]).toEqual([false, [0xff, 0xd8, 0xff], 1240, 1754]);
      expect(p.copy_id).toBe(done.copyIds[Math.floor(p.source_page / 4)]);
      expect(p.position).toBe(p.source_page % 4);
    }
    const created = await env.ctx.db.selectFrom('grading_events').select('id').where('copy_id', 'in', done.copyIds).where('action', '=', 'CREATED').execute();
    expect(created).toHaveLength(PAGES / 4);

    // what the dead worker stored is unreferenced: the sweeper removes exactly that, every page stays viewable
    // (rendered images are written several at a time: the kill may land before some of the first HANG_AFTER finished)
    expect(filesOfDeadRun).toBeGreaterThan(0);
    expect(filesOfDeadRun).toBeLessThanOrEqual(HANG_AFTER);
    const report = await cleanupOrphans(env.ctx, { dryRun: false, graceMs: 0 });
    expect(report.orphanFiles).toHaveLength(filesOfDeadRun);
    expect((await filesOnDisk(env)).length).toBe(TYPED + 1); // the scan and one image per rendered page
    expect(report.orphanRows).toHaveLength(0);
    for (const copyId of done.copyIds) {
      for (let position = 0; position < 4; position++) {
        expect((await admin.req('GET', `/api/v1/copies/${copyId}/pages/${position}/image`)).status).toBe(200);
      }
    }
  });
});
