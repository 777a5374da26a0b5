/**
 * One paper's pages in two uploads ingested at the same time: both ingests read the paper, exactly one makes its
 * copy (papers.copy_id is claimed by one conditional UPDATE), the other joins it. Real parallel actors, then the
 * invariants: one copy per paper holding all its pages, no empty copy left behind, every page somewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { runJobs, upload } from '../pipeline/helpers.ts';
import { closePdfPool } from '../../src/pdf/pool.ts';
import { extractPageImages } from '../../src/pdf/page-image.ts';
import { jpegsToScanPdf, scanLike } from '../../src/pdf/scan-like.ts';
import { ingestUpload } from '../../src/services/upload.service.ts';

describe(`printed papers: parallel ingests of one paper [${engine}]`, () => {
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

  it('two uploads of one paper at once make one copy with both pages, three times over', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 1 });
    const printed = await admin.req('GET', `/api/v1/exams/${exam.id}/papers.pdf?count=3`);
    expect(printed.status).toBe(200);
    const images = await extractPageImages(new Uint8Array(printed.raw));
    expect(images).toHaveLength(6); // 3 × (cover + 1 page)
    const scans = await Promise.all(images.map((img, i) => scanLike(img.bytes, { skewDeg: 1, noise: 20, seed: i + 1 })));

    for (let paper = 1; paper <= 3; paper++) {
      const [cover, page] = [scans[(paper - 1) * 2]!, scans[(paper - 1) * 2 + 1]!];
      const a = await upload(admin, exam.id, await jpegsToScanPdf([cover]));
      const b = await upload(admin, exam.id, await jpegsToScanPdf([page]));
      expect([a.status, b.status]).toEqual([202, 202]);
      // the two ingests side by side, not through the job queue (which takes one at a time)
      await Promise.all([ingestUpload(env.ctx, a.body.upload.id), ingestUpload(env.ctx, b.body.upload.id)]);
      await runJobs(env);
      const row = await env.ctx.db.selectFrom('papers').select('copy_id').where('exam_id', '=', exam.id).where('number', '=', paper).executeTakeFirstOrThrow();
      const pages = await env.ctx.db.selectFrom('pages').select(['copy_id', 'paper_page', 'position']).where('upload_id', 'in', [a.body.upload.id, b.body.upload.id]).execute();
      expect(pages.map((p) => p.copy_id)).toEqual([row.copy_id, row.copy_id]);
      expect(pages.sort((x, y) => x.position! - y.position!).map((p) => p.paper_page)).toEqual([0, 1]);
    }
    const copies = await env.ctx.db.selectFrom('copies').select(['id', 'flagged']).where('exam_id', '=', exam.id).execute();
    expect(copies).toHaveLength(3);
    expect(copies.map((c) => c.flagged)).toEqual([null, null, null]);
  }, 900_000);
});
