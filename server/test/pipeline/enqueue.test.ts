/**
 * jobs/enqueue.ts (issue 18): a job is inserted in the caller's transaction and this process's runner is woken only
 * after that transaction commits; a rolled-back change leaves neither job nor wake-up; a transaction opened without
 * db/transaction.ts is refused (it could not wake the runner after commit).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, type TestEnv } from '../helpers/harness.ts';
import { transaction } from '../../src/db/transaction.ts';
import { enqueueJob, jobSignals } from '../../src/jobs/enqueue.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { newId } from '../../src/ids.ts';

describe(`enqueueJob [${engine}]`, () => {
  let env: TestEnv;
  let wakes = 0;
  const onWake = () => wakes++;
  beforeAll(async () => {
    env = await createTestEnv();
    jobSignals.on('enqueued', onWake);
  });
  afterAll(async () => {
    jobSignals.off('enqueued', onWake);
    await env.close();
  });

  const now = () => env.clock.now().toISOString();
  const jobOf = (refId: string) => env.ctx.db.selectFrom('jobs').selectAll().where('ref_id', '=', refId).execute();
  const maskJob = (copyId: string) => ({ kind: 'MASK_HEADER' as const, refId: copyId, payload: { copyId }, now: now() });

  it('inserts in the transaction and wakes the runner after the commit, not before', async () => {
    const ref = newId();
    const before = wakes;
    let wakesInside = -1;
    const id = await transaction(env.ctx.db, async (tx) => {
      const jobId = await enqueueJob(tx, maskJob(ref));
      expect(await tx.selectFrom('jobs').select('id').where('ref_id', '=', ref).execute()).toHaveLength(1);
      wakesInside = wakes - before;
      return jobId;
    });
    expect(wakesInside).toBe(0);
    expect(wakes - before).toBe(1);
    expect((await jobOf(ref)).map((j) => [j.id, j.kind, j.status, JSON.parse(j.payload)])).toEqual([[id, 'MASK_HEADER', 'QUEUED', { copyId: ref }]]);
  });

  it('a transaction that rolls back leaves no job and wakes no one', async () => {
    const ref = newId();
    const before = wakes;
    await expect(
      transaction(env.ctx.db, async (tx) => {
        await enqueueJob(tx, maskJob(ref));
        throw new Error('the change that needed the job failed');
      }),
    ).rejects.toThrow(/needed the job failed/);
    expect(wakes - before).toBe(0);
    expect(await jobOf(ref)).toHaveLength(0);
  });

  it('refuses a transaction not opened with transaction() (it could not wake after commit); no job is left', async () => {
    const ref = newId();
    await expect(env.ctx.db.transaction().execute((tx) => enqueueJob(tx, maskJob(ref)))).rejects.toThrow(/transaction\(\) from db\/transaction.ts/);
    expect(await jobOf(ref)).toHaveLength(0);
  });

  it('outside a transaction the insert commits by itself and the runner is woken at once', async () => {
    const ref = newId();
    const before = wakes;
    await enqueueJob(env.ctx.db, maskJob(ref));
    expect(wakes - before).toBe(1);
    expect(await jobOf(ref)).toHaveLength(1);
  });

  it('a sleeping runner (next poll in 10 minutes) runs a job as soon as its transaction commits', async () => {
    const runner = new JobRunner(env.ctx, jobHandlers, { pollMs: 600_000, concurrency: 1 });
    runner.start();
    try {
      // let the runner find nothing due and go to sleep
      for (let i = 0; i < 50 && (await env.ctx.db.selectFrom('jobs').select('id').where('status', '=', 'QUEUED').execute()).length > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 200));
      const ref = newId(); // no such copy: the MASK_HEADER handler has nothing to do and the job ends DONE
      await transaction(env.ctx.db, (tx) => enqueueJob(tx, maskJob(ref)));
      let status: string | undefined;
      for (let i = 0; i < 300 && status !== 'DONE'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await jobOf(ref))[0]?.status;
      }
      expect(status).toBe('DONE');
    } finally {
      await runner.stop();
    }
  });
});
