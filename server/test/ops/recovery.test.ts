import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, parallel, type Client, type TestEnv } from '../helpers/harness.ts';
import { recoverStuck, startMaintenance, LOST_RENDER_MESSAGE } from '../../src/services/recovery.service.ts';
import { claimJob, completeJob, findJob } from '../../src/repositories/job.repository.ts';
import { countEvents } from '../../src/repositories/event.repository.ts';
import { findCopy } from '../../src/repositories/copy.repository.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { iso } from '../../src/ids.ts';
import { metrics, registry } from '../../src/observability/metrics.ts';

describe(`recover-stuck [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let examId: string;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
    examId = (await makeExam(admin, [teacher])).id;
  });
  afterAll(() => env.close());

  /** finalize by the admin → the copy is GRADING_IN_PROGRESS with one QUEUED FLATTEN_COPY job */
  async function finalizing() {
    const copyId = await makeCopy(env, examId);
    const r = await admin.req('POST', `/api/v1/copies/${copyId}/finalize`, { allowUnscored: true });
    expect(r.status).toBe(202);
    return { copyId, jobId: r.body.jobId as string };
  }
  /** a worker claims the job and dies: the job stays RUNNING with a lease that runs out */
  const claimByDeadWorker = (leaseMs = 1000) =>
    claimJob(env.ctx.db, { owner: 'dead-worker', now: iso(env.clock), leaseUntil: iso(env.clock, leaseMs), kinds: ['FLATTEN_COPY'] });
  const drainAll = () => new JobRunner(env.ctx, jobHandlers, { backoffBaseMs: 10 }).drain();

  it('deletes expired edit leases (LEASE_EXPIRED event) and leaves live ones alone', async () => {
    const stale = await makeCopy(env, examId);
    const live = await makeCopy(env, examId);
    expect((await teacher.req('POST', `/api/v1/copies/${stale}/lock`)).status).toBe(200);
    env.clock.advance(env.ctx.config.leaseTtlMs + 1000);
    const liveLock = await teacher.req('POST', `/api/v1/copies/${live}/lock`);
    expect(liveLock.status).toBe(200);

    const report = await recoverStuck(env.ctx);
    expect(report.expiredLeases).toEqual([{ copyId: stale, ownerId: teacher.user.id }]);
    const leases = await env.ctx.db.selectFrom('copy_locks').select('copy_id').execute();
    expect(leases.map((l) => l.copy_id)).toEqual([live]);
    expect(await countEvents(env.ctx.db, stale, 'LEASE_EXPIRED')).toBe(1);
    expect(await countEvents(env.ctx.db, live, 'LEASE_EXPIRED')).toBe(0);
    expect((await teacher.req('DELETE', `/api/v1/copies/${live}/lock`, undefined, { 'x-lock-token': liveLock.body.token })).status).toBe(204);
  });

  it('re-queues a RUNNING job whose worker died, and the copy then finalizes once; the dead worker cannot complete it', async () => {
    const { copyId, jobId } = await finalizing();
    const claimed = await claimByDeadWorker();
    expect(claimed?.id).toBe(jobId);
    env.clock.advance(2000);

    const report = await recoverStuck(env.ctx);
    expect(report.requeuedJobs).toEqual([{ id: jobId, kind: 'FLATTEN_COPY', refId: copyId, attempts: 1 }]);
    expect(report.failedCopies).toEqual([]);
    const job = await findJob(env.ctx.db, jobId);
    expect(job).toMatchObject({ status: 'QUEUED', lease_owner: null, attempts: 1 });
    expect(job!.last_error).toMatch(/lease expired/);
    expect(await countEvents(env.ctx.db, copyId, 'FINALIZE_JOB_REQUEUED')).toBe(1);
    expect(await completeJob(env.ctx.db, jobId, 'dead-worker', iso(env.clock))).toBe(0);

    expect(await drainAll()).toBe(1);
    expect((await findCopy(env.ctx.db, copyId))!.status).toBe('GRADED');
    expect((await findJob(env.ctx.db, jobId))!.status).toBe('DONE');
    expect(await countEvents(env.ctx.db, copyId, 'FINALIZE_OK')).toBe(1);
  });

  it('fails a dead job with no attempt left: the copy goes GRADING_FAILED through its handler, and retry works', async () => {
    const { copyId, jobId } = await finalizing();
    await env.ctx.db.updateTable('jobs').set({ attempts: 2 }).where('id', '=', jobId).execute(); // two earlier attempts failed
    const claimed = await claimByDeadWorker();
    expect(claimed).toMatchObject({ id: jobId, attempts: 3, max_attempts: 3 });
    env.clock.advance(2000);
    const failuresBefore = (await metrics.finalizeFailures.get()).values[0]?.value ?? 0;

    const report = await recoverStuck(env.ctx);
    expect(report.failedJobs).toEqual([{ id: jobId, kind: 'FLATTEN_COPY', refId: copyId }]);
    expect(report.requeuedJobs).toEqual([]);
    expect((await findJob(env.ctx.db, jobId))!.status).toBe('FAILED');
    const copy = (await findCopy(env.ctx.db, copyId))!;
    expect(copy.status).toBe('GRADING_FAILED');
    expect(copy.grading_error).toBe(LOST_RENDER_MESSAGE);
    expect(await countEvents(env.ctx.db, copyId, 'FINALIZE_FAILED')).toBe(1);
    expect((await metrics.finalizeFailures.get()).values[0]!.value).toBe(failuresBefore + 1);

    const retry = await admin.req('POST', `/api/v1/copies/${copyId}/finalize`, { allowUnscored: true });
    expect(retry.status).toBe(202);
    expect(retry.body.jobId).not.toBe(jobId);
    await drainAll();
    expect((await findCopy(env.ctx.db, copyId))!.status).toBe('GRADED');
  });

  it('marks GRADING_FAILED (with a message and an event) a copy in progress whose job is gone, and touches no copy with a live job', async () => {
    const lost = await finalizing();
    const queued = await finalizing();
    const running = await finalizing();
    // the lost one's job ended without finishing the copy (e.g. a crash between the two)
    await env.ctx.db.updateTable('jobs').set({ status: 'DONE' }).where('id', '=', lost.jobId).execute();
    // a healthy worker holds `running` with a live lease
    await env.ctx.db.updateTable('jobs').set({ run_after: iso(env.clock, 3_600_000) }).where('id', '=', queued.jobId).execute();
    expect((await claimJob(env.ctx.db, { owner: 'alive', now: iso(env.clock), leaseUntil: iso(env.clock, 60_000), kinds: ['FLATTEN_COPY'] }))?.id).toBe(running.jobId);

    const report = await recoverStuck(env.ctx);
    expect(report.failedCopies).toEqual([{ copyId: lost.copyId, examId }]);
    expect(report.requeuedJobs).toEqual([]);
    const failed = (await findCopy(env.ctx.db, lost.copyId))!;
    expect(failed.status).toBe('GRADING_FAILED');
    expect(failed.grading_error).toBe(LOST_RENDER_MESSAGE);
    const ev = await env.ctx.db.selectFrom('grading_events').select(['metadata', 'actor_id']).where('copy_id', '=', lost.copyId).where('action', '=', 'FINALIZE_FAILED').execute();
    expect(ev).toHaveLength(1);
    expect(JSON.parse(ev[0]!.metadata)).toMatchObject({ recovered: true, to: 'GRADING_FAILED' });
    for (const c of [queued, running]) expect((await findCopy(env.ctx.db, c.copyId))!.status).toBe('GRADING_IN_PROGRESS');
    expect((await findJob(env.ctx.db, running.jobId))!).toMatchObject({ status: 'RUNNING', lease_owner: 'alive' });

    const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'metadata']).where('action', '=', 'RECOVERY').execute();
    expect(audit.length).toBeGreaterThan(0);
    expect((await recoverStuck(env.ctx)).failedCopies).toEqual([]); // idempotent

    // clean up for the next tests: let the healthy work finish
    await env.ctx.db.updateTable('jobs').set({ run_after: iso(env.clock) }).where('id', '=', queued.jobId).execute();
    await env.ctx.db.updateTable('jobs').set({ lease_expires_at: iso(env.clock, -1) }).where('id', '=', running.jobId).execute();
    await drainAll();
    for (const c of [queued, running]) expect((await findCopy(env.ctx.db, c.copyId))!.status).toBe('GRADED');
  });

  it('parallel recovery passes (several processes) repair each thing exactly once', async () => {
    const lease = await makeCopy(env, examId);
    expect((await teacher.req('POST', `/api/v1/copies/${lease}/lock`)).status).toBe(200);
    const requeue = await finalizing();
    await claimByDeadWorker();
    const lost = await finalizing();
    await env.ctx.db.updateTable('jobs').set({ status: 'FAILED', last_error: 'x' }).where('id', '=', lost.jobId).execute();
    env.clock.advance(env.ctx.config.leaseTtlMs + 1000);

    const reports = await parallel(4, () => recoverStuck(env.ctx));
    expect(reports.flatMap((r) => r.expiredLeases.map((l) => l.copyId))).toEqual([lease]);
    expect(reports.flatMap((r) => r.requeuedJobs.map((j) => j.id))).toEqual([requeue.jobId]);
    expect(reports.flatMap((r) => r.failedCopies.map((c) => c.copyId))).toEqual([lost.copyId]);
    expect(await countEvents(env.ctx.db, lease, 'LEASE_EXPIRED')).toBe(1);
    expect(await countEvents(env.ctx.db, requeue.copyId, 'FINALIZE_JOB_REQUEUED')).toBe(1);
    expect(await countEvents(env.ctx.db, lost.copyId, 'FINALIZE_FAILED')).toBe(1);
    await drainAll();
    expect((await findCopy(env.ctx.db, requeue.copyId))!.status).toBe('GRADED');
  });

  it('the in-process maintenance loop runs recovery and the orphan sweep on its own, and stops cleanly', async () => {
    const copyId = await makeCopy(env, examId);
    expect((await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).status).toBe(200);
    env.clock.advance(env.ctx.config.leaseTtlMs + 1000);
    const orphan = await env.ctx.blobs.put(new Uint8Array(4321), 'application/octet-stream');

    const m = startMaintenance(env.ctx, { recoveryEveryMs: 20, orphanSweepEveryMs: 3_600_000, orphanGraceMs: 0, initialDelayMs: 10 });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await countEvents(env.ctx.db, copyId, 'LEASE_EXPIRED')) === 0) await new Promise((r) => setTimeout(r, 50));
    while (Date.now() < deadline && (await metrics.orphanSweepTimestamp.get()).values[0]?.value === 0) await new Promise((r) => setTimeout(r, 50));
    await m.stop();

    expect(await countEvents(env.ctx.db, copyId, 'LEASE_EXPIRED')).toBe(1);
    await expect(env.ctx.blobs.read(orphan.storageKey)).rejects.toThrow();
    const text = await registry.metrics();
    expect(text).toMatch(/^korrigo_orphan_sweep_timestamp_seconds [1-9]/m);
    expect(text).toMatch(/^korrigo_orphan_bytes \d+/m);
    // the one sweep of the hour found (and removed) at least our orphan
    expect((await metrics.orphanBytes.get()).values[0]!.value).toBeGreaterThanOrEqual(4321);
  });
});
