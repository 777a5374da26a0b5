import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { BlobStore } from '../../src/storage/blob-store.ts';

/**
 * The finalize job stores the PDF file first and only then commits the rows that reference it (DESIGN.md §4).
 * A failed or interrupted file write must therefore leave at most an orphan file — never a GRADED copy or a
 * `blobs` row pointing at a file that does not exist.
 */
describe(`P0-DI-006 the final PDF is written before the commit that references it [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let exam: Awaited<ReturnType<typeof makeExam>>;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
    exam = await makeExam(admin, [teacher]);
  });
  afterEach(() => {
    // back to the class's own put
    delete (env.ctx.blobs as Partial<BlobStore>).put;
  });
  afterAll(() => env.close());

  async function finalizingCopy() {
    const copyId = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    await teacher.req('PUT', `/api/v1/copies/${copyId}/scores/${leafIds(exam)[0]}`, { points: 300 }, h);
    expect((await teacher.req('POST', `/api/v1/copies/${copyId}/finalize`, { allowUnscored: true }, h)).status).toBe(202);
    return copyId;
  }

  /** Replaces the store's put for PDFs only (page images are written by the factories as usual). */
  function injectPdfWrite(behaviour: () => Promise<never>) {
    const real = BlobStore.prototype.put.bind(env.ctx.blobs);
    let calls = 0;
    env.ctx.blobs.put = (bytes, contentType) => (contentType === 'application/pdf' ? (calls++, behaviour()) : real(bytes, contentType));
    return { calls: () => calls };
  }

  /** Every `blobs` row and every GRADED copy's PDF has its file on disk. */
  async function expectNoDanglingReference() {
    const db = env.ctx.db;
    const rows = await db.selectFrom('blobs').select(['id', 'storage_key']).execute();
    for (const r of rows) expect(fs.existsSync(env.ctx.blobs.open(r.storage_key).localFile()!), `blob ${r.id}`).toBe(true);
    const graded = await db
      .selectFrom('copies')
      .innerJoin('blobs', 'blobs.id', 'copies.final_blob_id')
      .select(['copies.id', 'blobs.storage_key'])
      .where('copies.status', '=', 'GRADED')
      .execute();
    for (const g of graded) expect(fs.existsSync(env.ctx.blobs.open(g.storage_key).localFile()!), `final PDF of ${g.id}`).toBe(true);
  }

  const copyRow = (id: string) => env.ctx.db.selectFrom('copies').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('the PDF write fails on every attempt → GRADING_FAILED, nothing references a missing file; the retry then succeeds', async () => {
    const copyId = await finalizingCopy();
    const blobsBefore = (await env.ctx.db.selectFrom('blobs').select('id').execute()).length;
    const pdfWrites = injectPdfWrite(() => Promise.reject(new Error('ENOSPC: no space left on device (injected)')));
    const runner = new JobRunner(env.ctx, jobHandlers, { backoffBaseMs: 1000 });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await runner.runOnce()).toBe(true);
      await expectNoDanglingReference();
      expect((await copyRow(copyId)).status).not.toBe('GRADED');
      env.clock.advance(60_000);
    }
    expect(pdfWrites.calls()).toBe(3);
    const failed = await copyRow(copyId);
    expect(failed).toMatchObject({ status: 'GRADING_FAILED', final_blob_id: null });
    expect(failed.grading_error).toContain('no space left');
    expect(await env.ctx.db.selectFrom('final_pdfs').select('id').where('copy_id', '=', copyId).execute()).toHaveLength(0);
    expect((await env.ctx.db.selectFrom('blobs').select('id').execute()).length).toBe(blobsBefore);

    delete (env.ctx.blobs as Partial<BlobStore>).put; // the disk has room again
    admin = await makeUser(env, 'ADMIN'); // the clock moved: a fresh session
    expect((await admin.req('POST', `/api/v1/copies/${copyId}/finalize`)).status).toBe(202);
    await runner.drain();
    expect((await copyRow(copyId)).status).toBe('GRADED');
    await expectNoDanglingReference();
    const pdf = await admin.req('GET', `/api/v1/copies/${copyId}/final.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.raw.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('a worker that dies during the PDF write: nothing references a missing file, and the re-claimed job grades the copy once', async () => {
    const copyId = await finalizingCopy();
    // the first PDF write never returns: its worker is gone (killed, host lost) from that point on
    let writeStarted!: () => void;
    const started = new Promise<void>((r) => (writeStarted = r));
    injectPdfWrite(() => {
      writeStarted();
      return new Promise<never>(() => {});
    });
    const dying = new JobRunner(env.ctx, jobHandlers, { owner: 'dying-worker', leaseMs: 60_000 });
    void dying.runOnce();
    await started;
    await expectNoDanglingReference();
    expect(await copyRow(copyId)).toMatchObject({ status: 'GRADING_IN_PROGRESS', final_blob_id: null });

    delete (env.ctx.blobs as Partial<BlobStore>).put;
    env.clock.advance(61_000); // the dead worker's job lease expires; another worker takes the job over
    expect(await new JobRunner(env.ctx, jobHandlers, { owner: 'survivor' }).runOnce()).toBe(true);
    expect((await copyRow(copyId)).status).toBe('GRADED');
    await expectNoDanglingReference();
    expect(await env.ctx.db.selectFrom('final_pdfs').select('id').where('copy_id', '=', copyId).execute()).toHaveLength(1);
    expect(
      await env.ctx.db.selectFrom('grading_events').select('id').where('copy_id', '=', copyId).where('action', '=', 'FINALIZE_OK').execute(),
    ).toHaveLength(1);
  });
});
