/**
 * Hostile PDFs (issue 14, DESIGN.md §9 "Bounded PDF work"): three few-kilobyte-to-one-megabyte files that once took
 * 13.6 GB and 30 minutes. Sent together with a normal scan, over real HTTP, with the job runner running: each bomb
 * is refused or FAILED quickly with a message naming the page, the process's resident memory (API and PDF threads
 * together) stays bounded and comes back down, and the normal scan is DONE meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestEnv, engine, listen, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';
import { closePdfPool, getPdfPool } from '../../src/pdf/pool.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';

const GB = 1024 ** 3;

describe(`hostile PDFs are bounded while normal scans go on [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let base: string;
  let runner: JobRunner;
  beforeAll(async () => {
    // a short deadline for the quick lane, so that the render that outlives it is seen failing within the test
    getPdfPool('quick', { taskTimeoutMs: 4000 });
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    base = await listen(env);
    runner = new JobRunner(env.ctx, jobHandlers, { pollMs: 50, backoffBaseMs: 10 });
    runner.start();
  });
  afterAll(async () => {
    await runner.stop();
    await env.close();
    await closePdfPool();
  });

  const post = async (examId: string, pdf: Uint8Array) => {
    const res = await fetch(`${base}/api/v1/exams/${examId}/uploads?mode=BATCH`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/pdf' },
      body: Buffer.from(pdf),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  async function settled(uploadId: string, withinMs: number) {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const u = (await admin.req('GET', `/api/v1/uploads/${uploadId}`)).body;
      if (u.status === "DONE" || u.status === "FAILED" || Date.now() > deadline) return u as Record<string, any>;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('three bombs are refused with the page named, a normal 4-page scan sent alongside is DONE, memory stays bounded', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 2 });
    const bombs = { nested: fx.nestedFormsBomb(), inflate: fx.contentInflateBomb(), image: fx.hugeImageBomb() };
    expect(bombs.nested.length).toBeLessThan(8 * 1024);
    expect(bombs.inflate.length).toBeLessThan(1.1 * 1024 * 1024);
    const normal = await fx.scan4();
    // the threads of both lanes are up before the idle baseline is taken, as on a server that has seen an upload
    expect((await post(exam.id, normal)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    const idle = process.memoryUsage().rss;
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const started = Date.now();
      const sent = await Promise.all([
        ...Object.entries(bombs).map(async ([name, pdf]) => ({ name, ...(await post(exam.id, pdf)), ms: Date.now() - started })),
        (async () => {
          const res = await post(exam.id, normal);
          expect(res.status).toBe(202);
          const u = await settled(res.body.upload.id, 30_000);
          return { name: 'normal', status: res.status, body: u, ms: Date.now() - started };
        })(),
      ]);
      for (const r of sent.filter((s) => s.name !== 'normal')) {
        expect(r.status, `${r.name}: ${JSON.stringify(r.body)}`).toBe(422);
        expect(r.body.code).toBe('INVALID_PDF');
        expect(r.body.detail).toMatch(/^Page 1 /);
        expect(r.body.page).toBe(1);
        expect(r.ms, r.name).toBeLessThan(60_000);
      }
      const detail = Object.fromEntries(sent.map((s) => [s.name, s.body.detail as string]));
      expect(detail.nested).toMatch(/nests forms|draws images or forms/);
      expect(detail.inflate).toMatch(/drawing instructions/);
      expect(detail.image).toMatch(/20000 × 20000 pixels/);
      const normalRun = sent.find((s) => s.name === 'normal')!;
      expect(normalRun.body.status).toBe('DONE');
      expect(normalRun.ms).toBeLessThan(30_000);
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBeLessThan(1.5 * GB);
    await new Promise((r) => setTimeout(r, 200));
    expect(process.memoryUsage().rss - idle).toBeLessThan(300 * 1024 * 1024);
  });

  it('a page that passes the checks but outlives its deadline: upload FAILED naming the page, not retried, logged at warn', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 1 });
    const warn = vi.spyOn(env.ctx.log, 'warn');
    const started = Date.now();
    const res = await post(exam.id, fx.slowDrawsPdf(3000, 100));
    expect(res.status).toBe(202);
    const u = await settled(res.body.upload.id, 60_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(u.status).toBe('FAILED');
    expect(u.error).toMatch(/Page 1 took longer than 4 s/);
    const job = await env.ctx.db.selectFrom('jobs').select(['status', 'attempts']).where('ref_id', '=', res.body.upload.id).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ uploadId: res.body.upload.id, page: 1 }), expect.stringMatching(/budget/));
    // the lane's thread was replaced: the next scan goes through
    const next = await post(exam.id, await fx.scan4());
    expect((await settled(next.body.upload.id, 30_000)).status).toBe('DONE');
  });
});
