import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { defaultRenderer } from '../../src/pdf/engine.ts';
import type { CopyRenderer } from '../../src/pdf/types.ts';
import { registry } from '../../src/observability/metrics.ts';

/** A renderer that fails while `failures` > 0, then renders for real. */
class FlakyRenderer implements CopyRenderer {
  failures = 0;
  calls = 0;
  async render(input: Parameters<CopyRenderer['render']>[0]) {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('font subsetting crashed (injected)');
    }
    return defaultRenderer.render(input);
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));

describe(`P0-DI-004 finalize failure recovery [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let exam: Awaited<ReturnType<typeof makeExam>>;
  const renderer = new FlakyRenderer();
  beforeAll(async () => {
    env = await createTestEnv({ renderer });
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
    exam = await makeExam(admin, [teacher]);
  });
  afterAll(() => env.close());

  async function submittedCopy() {
    const copyId = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    await teacher.req('PUT', `/api/v1/copies/${copyId}/scores/${leafIds(exam)[1]}`, { points: 575 }, h);
    await teacher.req('POST', `/api/v1/copies/${copyId}/submit`, { allowUnscored: true }, h);
    return copyId;
  }

  const failures = async () => Number(/korrigo_finalize_failures_total (\d+)/.exec(await registry.metrics())?.[1] ?? 0);

  it('renderer fails → retried with backoff → GRADING_FAILED with the message; retry succeeds once', async () => {
    const copyId = await submittedCopy();
    renderer.failures = 3;
    const before = await failures();
    const runner = new JobRunner(env.ctx, jobHandlers, { backoffBaseMs: 1000 });
    expect((await teacher.req('POST', `/api/v1/copies/${copyId}/finalize`)).status).toBe(202);

    expect(await runner.runOnce()).toBe(true); // attempt 1 fails
    let job = await env.ctx.db.selectFrom('jobs').selectAll().where('ref_id', '=', copyId).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'QUEUED', attempts: 1, last_error: 'font subsetting crashed (injected)' });
    expect(await runner.runOnce()).toBe(false); // backoff: not due yet
    env.clock.advance(1_100);
    expect(await runner.runOnce()).toBe(true); // attempt 2 fails, next delay 4 s
    env.clock.advance(1_100);
    expect(await runner.runOnce()).toBe(false);
    env.clock.advance(3_000);
    expect(await runner.runOnce()).toBe(true); // attempt 3 fails: give up
    job = await env.ctx.db.selectFrom('jobs').selectAll().where('ref_id', '=', copyId).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'FAILED', attempts: 3 });

    const failed = await teacher.req('GET', `/api/v1/copies/${copyId}`);
    expect(failed.body.status).toBe('GRADING_FAILED');
    expect(failed.body.gradingError).toContain('font subsetting crashed');
    expect(failed.body.job).toMatchObject({ status: 'FAILED', lastError: 'font subsetting crashed (injected)' });
    expect(await failures()).toBe(before + 1);

    // the submitter retries; the renderer works again
    const retry = await teacher.req('POST', `/api/v1/copies/${copyId}/finalize`);
    expect(retry.status).toBe(202);
    expect(retry.body.jobId).not.toBe(job.id);
    await runner.drain();
    const done = await teacher.req('GET', `/api/v1/copies/${copyId}`);
    expect(done.body).toMatchObject({ status: 'GRADED', gradingError: null, finalScore: 575 });
    const actions = (await admin.req('GET', `/api/v1/copies/${copyId}/events`)).body.items.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'FINALIZE_FAILED')).toHaveLength(1);
    expect(actions.filter((a: string) => a === 'FINALIZE_OK')).toHaveLength(1);
  });

  it('a worker process killed mid-job: the job is re-claimed after its lease and the copy ends GRADED once', async () => {
    const copyId = await submittedCopy();
    const fin = await admin.req('POST', `/api/v1/copies/${copyId}/finalize`);
    expect(fin.status).toBe(202);

    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'finalize-child.ts')], {
      env: { ...process.env, CHILD_DATABASE_URL: env.databaseUrl, CHILD_DATA_DIR: env.dataDir, CHILD_LEASE_MS: '1500', CHILD_CLOCK_OFFSET_MS: String(env.clock.offsetMs) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += String(d);
        if (out.includes('RENDERING')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${out}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    let job = await env.ctx.db.selectFrom('jobs').selectAll().where('id', '=', fin.body.jobId).executeTakeFirstOrThrow();
    expect(job.status).toBe('RUNNING');
    expect(job.lease_owner).toMatch(/^dying-child/);

    const runner = new JobRunner(env.ctx, jobHandlers, { owner: 'survivor' });
    expect(await runner.runOnce()).toBe(false); // the dead worker's lease is still live
    env.clock.advance(2_000);
    expect(await runner.runOnce()).toBe(true);
    job = await env.ctx.db.selectFrom('jobs').selectAll().where('id', '=', fin.body.jobId).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'DONE', attempts: 2 });
    const copy = await env.ctx.db.selectFrom('copies').selectAll().where('id', '=', copyId).executeTakeFirstOrThrow();
    expect(copy.status).toBe('GRADED');
    expect(await env.ctx.db.selectFrom('final_pdfs').select('id').where('copy_id', '=', copyId).execute()).toHaveLength(1);
    expect(
      await env.ctx.db.selectFrom('grading_events').select('id').where('copy_id', '=', copyId).where('action', '=', 'FINALIZE_OK').execute(),
    ).toHaveLength(1);
  });
});
