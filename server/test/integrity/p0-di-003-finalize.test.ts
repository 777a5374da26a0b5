import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, listen, makeCopy, makeExam, makeUser, overHttp, parallel, type Client, type TestEnv } from '../helpers/harness.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { defaultRenderer, withRenderer } from '../../src/pdf/engine.ts';
import type { CopyRenderer } from '../../src/pdf/types.ts';
import { transition } from '../../src/services/copy-state-machine.ts';

const ROUNDS = 20;

describe(`P0-DI-003 double finalize idempotency [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let exam: Awaited<ReturnType<typeof makeExam>>;
  beforeAll(async () => {
    env = await createTestEnv();
    const base = await listen(env);
    const a = await makeUser(env, 'ADMIN');
    const t = await makeUser(env, 'TEACHER');
    exam = await makeExam(a, [t]);
    admin = overHttp(base, a);
    teacher = overHttp(base, t);
  });
  afterAll(() => env.close());

  const countBlobs = async () => Number((await env.ctx.db.selectFrom('blobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  async function submittedCopy() {
    const copyId = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    await teacher.req('PUT', `/api/v1/copies/${copyId}/scores/${leafIds(exam)[0]}`, { points: 250 }, h);
    expect((await teacher.req('POST', `/api/v1/copies/${copyId}/submit`, { allowUnscored: true }, h)).status).toBe(200);
    return copyId;
  }

  it(`parallel finalize calls → one job, one PDF blob, one FINALIZE_OK (${ROUNDS} rounds, two workers)`, async () => {
    const runners = [0, 1].map((i) => new JobRunner(env.ctx, jobHandlers, { owner: `worker-${i}`, backoffBaseMs: 10 }));
    for (let round = 0; round < ROUNDS; round++) {
      const copyId = await submittedCopy();
      const calls = await parallel(12, (i) => (i % 2 ? admin : teacher).req('POST', `/api/v1/copies/${copyId}/finalize`));
      expect(calls.every((c) => c.status === 202)).toBe(true);
      expect(new Set(calls.map((c) => c.body.jobId)).size).toBe(1);
      const jobs = await env.ctx.db.selectFrom('jobs').selectAll().where('ref_id', '=', copyId).execute();
      expect(jobs).toHaveLength(1);

      // two workers race for the job while more finalize calls arrive
      const [, , late] = await Promise.all([runners[0]!.drain(), runners[1]!.drain(), parallel(4, () => admin.req('POST', `/api/v1/copies/${copyId}/finalize`))]);
      for (const c of late) {
        expect([200, 202]).toContain(c.status);
        if (c.status === 202) expect(c.body.jobId).toBe(calls[0]!.body.jobId);
      }
      const after = await parallel(6, () => teacher.req('POST', `/api/v1/copies/${copyId}/finalize`));
      expect(after.every((c) => c.status === 200 && c.body.status === 'GRADED')).toBe(true);

      const copy = await env.ctx.db.selectFrom('copies').selectAll().where('id', '=', copyId).executeTakeFirstOrThrow();
      expect(copy.status).toBe('GRADED');
      expect(copy.final_score).toBe(250);
      const pdfs = await env.ctx.db.selectFrom('final_pdfs').selectAll().where('copy_id', '=', copyId).execute();
      expect(pdfs).toHaveLength(1);
      expect(pdfs[0]!.blob_id).toBe(copy.final_blob_id);
      const ok = await env.ctx.db.selectFrom('grading_events').select('id').where('copy_id', '=', copyId).where('action', '=', 'FINALIZE_OK').execute();
      expect(ok).toHaveLength(1);
      const job = await env.ctx.db.selectFrom('jobs').selectAll().where('ref_id', '=', copyId).executeTakeFirstOrThrow();
      expect(job).toMatchObject({ status: 'DONE', attempts: 1 });
    }
  });

  it('a stalled worker whose job was re-claimed finishes late: still one final PDF, one FINALIZE_OK, one blob', async () => {
    const copyId = await submittedCopy();
    expect((await teacher.req('POST', `/api/v1/copies/${copyId}/finalize`)).status).toBe(202);
    // the first render stalls (a worker frozen by GC, a slow disk…) until released; later renders are normal
    let stalled!: () => void;
    const inRender = new Promise<void>((entered) => {
      const gated: CopyRenderer = {
        render: async (input) => {
          env.ctx.pdf = withRenderer(env.ctx.pdf, defaultRenderer);
          entered();
          await new Promise<void>((release) => (stalled = release));
          return defaultRenderer.render(input);
        },
      };
      env.ctx.pdf = withRenderer(env.ctx.pdf, gated);
    });
    const blobsBefore = await countBlobs();
    const slow = new JobRunner(env.ctx, jobHandlers, { owner: 'stalled-worker', leaseMs: 60_000 });
    const late = slow.runOnce();
    await inRender;
    env.clock.advance(61_000); // its job lease runs out: another worker re-claims the job and finishes it
    expect(await new JobRunner(env.ctx, jobHandlers, { owner: 'second-worker' }).runOnce()).toBe(true);
    expect((await env.ctx.db.selectFrom('copies').select('status').where('id', '=', copyId).executeTakeFirstOrThrow()).status).toBe('GRADED');
    stalled();
    await late; // the stalled run resumes on a copy that is already GRADED

    const copy = await env.ctx.db.selectFrom('copies').selectAll().where('id', '=', copyId).executeTakeFirstOrThrow();
    expect(copy.status).toBe('GRADED');
    const pdfs = await env.ctx.db.selectFrom('final_pdfs').selectAll().where('copy_id', '=', copyId).execute();
    expect(pdfs).toHaveLength(1);
    expect(pdfs[0]!.blob_id).toBe(copy.final_blob_id);
    const ok = await env.ctx.db.selectFrom('grading_events').select('id').where('copy_id', '=', copyId).where('action', '=', 'FINALIZE_OK').execute();
    expect(ok).toHaveLength(1);
    expect(await countBlobs()).toBe(blobsBefore + 1); // the loser's PDF is at most an orphan file, never a row
    const job = await env.ctx.db.selectFrom('jobs').selectAll().where('ref_id', '=', copyId).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'DONE', attempts: 2 });
  });

  it('a stalled worker resuming after its copy was reopened, rescored and finalized again does not grade it with its stale PDF', async () => {
    const copyId = await submittedCopy(); // 250 points
    expect((await teacher.req('POST', `/api/v1/copies/${copyId}/finalize`)).status).toBe(202);
    let stalled!: () => void;
    const inRender = new Promise<void>((entered) => {
      env.ctx.pdf = withRenderer(env.ctx.pdf, {
        render: async (input) => {
          env.ctx.pdf = withRenderer(env.ctx.pdf, defaultRenderer);
          entered();
          await new Promise<void>((release) => (stalled = release));
          return defaultRenderer.render(input);
        },
      });
    });
    const late = new JobRunner(env.ctx, jobHandlers, { owner: 'stalled-worker', leaseMs: 60_000 }).runOnce();
    await inRender; // it has read the copy at 250 points
    env.clock.advance(61_000);
    expect(await new JobRunner(env.ctx, jobHandlers, { owner: 'second-worker' }).runOnce()).toBe(true); // GRADED at 250
    // the exam office reopens it, the score is corrected to 300, and it is finalized again (a new job, not yet run)
    expect((await admin.req('POST', `/api/v1/copies/${copyId}/reopen`)).status).toBe(200);
    const h = { 'x-lock-token': (await admin.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    expect((await admin.req('PUT', `/api/v1/copies/${copyId}/scores/${leafIds(exam)[0]}`, { points: 300, version: 1 }, h)).status).toBe(200);
    expect((await admin.req('POST', `/api/v1/copies/${copyId}/finalize`, { allowUnscored: true }, h)).status).toBe(202);
    stalled();
    await late; // the first job's stalled run resumes with what it read at 250 points
    await new JobRunner(env.ctx, jobHandlers).drain();

    const copy = await env.ctx.db.selectFrom('copies').selectAll().where('id', '=', copyId).executeTakeFirstOrThrow();
    expect(copy.status).toBe('GRADED');
    expect(copy.final_score).toBe(300);
    const pdfs = await env.ctx.db.selectFrom('final_pdfs').select(['blob_id', 'final_score']).where('copy_id', '=', copyId).orderBy('created_at').execute();
    expect(pdfs.map((p) => p.final_score)).toEqual([250, 300]); // one per finalize request, the last one is the copy's
    expect(pdfs[1]!.blob_id).toBe(copy.final_blob_id);
  });

  it('finalizeOk is refused on a copy that is not in progress (GRADED, READY)', async () => {
    const graded = await submittedCopy();
    await admin.req('POST', `/api/v1/copies/${graded}/finalize`);
    await new JobRunner(env.ctx, jobHandlers).drain();
    const ready = await makeCopy(env, exam.id);
    const blob = (await env.ctx.db.selectFrom('copies').select('final_blob_id').where('id', '=', graded).executeTakeFirstOrThrow()).final_blob_id!;
    for (const [copyId, status] of [[graded, 'GRADED'], [ready, 'READY']] as const) {
      const before = await env.ctx.db.selectFrom('copies').selectAll().where('id', '=', copyId).executeTakeFirstOrThrow();
      await expect(
        env.ctx.db.transaction().execute((tx) => transition(tx, 'finalizeOk', copyId, { actorId: null, now: new Date().toISOString() }, { blobId: blob, finalScore: 1 })),
      ).rejects.toMatchObject({ code: 'INVALID_STATE', extra: { currentStatus: status } });
      expect(await env.ctx.db.selectFrom('copies').selectAll().where('id', '=', copyId).executeTakeFirstOrThrow()).toEqual(before);
    }
  });

  it('the lease holder finalizing from READY while other tabs still write: one job, the late writes are refused cleanly', async () => {
    for (let round = 0; round < 5; round++) {
      const copyId = await makeCopy(env, exam.id);
      const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
      const [fins, writes] = await Promise.all([
        parallel(6, () => teacher.req('POST', `/api/v1/copies/${copyId}/finalize`, { allowUnscored: true }, h)),
        parallel(6, (i) => teacher.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 0, x: i / 10, y: 0, w: 0.05, h: 0.05, type: 'TICK' }, h)),
      ]);
      expect(fins.every((f) => f.status === 202)).toBe(true);
      expect(new Set(fins.map((f) => f.body.jobId)).size).toBe(1);
      for (const w of writes) expect([201, 409]).toContain(w.status);
      // what was accepted before the finalize committed is exactly what the copy holds
      const kept = await env.ctx.db.selectFrom('annotations').select('id').where('copy_id', '=', copyId).execute();
      expect(kept).toHaveLength(writes.filter((w) => w.status === 201).length);
    }
  });

  it('the same copy rendered twice gives byte-identical PDFs (reopen then finalize again)', async () => {
    const copyId = await submittedCopy();
    const runner = new JobRunner(env.ctx, jobHandlers);
    await admin.req('POST', `/api/v1/copies/${copyId}/finalize`);
    await runner.drain();
    const first = await admin.req('GET', `/api/v1/copies/${copyId}/final.pdf`);
    expect((await admin.req('POST', `/api/v1/copies/${copyId}/reopen`)).body.status).toBe('READY');
    expect((await admin.req('GET', `/api/v1/copies/${copyId}/final.pdf`)).status).toBe(404);
    await admin.req('POST', `/api/v1/copies/${copyId}/finalize`);
    await runner.drain();
    const second = await admin.req('GET', `/api/v1/copies/${copyId}/final.pdf`);
    expect(Buffer.compare(first.raw, second.raw)).toBe(0);
    // the reopened copy's first PDF stays in the history (and is never swept)
    expect(await env.ctx.db.selectFrom('final_pdfs').select('id').where('copy_id', '=', copyId).execute()).toHaveLength(2);
  });

  it('finalize needs the right person and state', async () => {
    const other = await makeUser(env, 'TEACHER');
    await admin.req('PUT', `/api/v1/exams/${exam.id}/correctors`, { userIds: [teacher.user.id, other.user.id] });
    const copyId = await makeCopy(env, exam.id);
    const r = await other.req('POST', `/api/v1/copies/${copyId}/finalize`);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('LOCK_REQUIRED');
    const staging = await makeCopy(env, exam.id, { status: 'STAGING' });
    const s = await admin.req('POST', `/api/v1/copies/${staging}/finalize`);
    expect(s.status).toBe(409);
    expect(s.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'STAGING' });
  });
});
