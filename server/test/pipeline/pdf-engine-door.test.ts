/**
 * Ingest reaches the PDF engine only through `ctx.pdf` and the scan only through the blob store's StoredBlob (issue
 * 18): an engine swapped in the context sees every call, and a store that has no local file (as an object store
 * would) still ingests, its bytes read through the store instead of a worker opening a path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';
import { defaultPdfEngine, type PdfEngine } from '../../src/pdf/engine.ts';
import { closePdfPool } from '../../src/pdf/pool.ts';
import type { StoredBlob } from '../../src/storage/blob-store.ts';
import { distinctJpegs, ingest, pageImages, runJobs, sha256, upload } from './helpers.ts';

describe(`ingest through the PDF-engine interface [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  const calls: string[] = [];
  const storedReads: string[] = [];
  /** The scan as an object store would hand it over: no local file, bytes on request. */
  const remote = (scan: StoredBlob): StoredBlob => ({
    storageKey: scan.storageKey,
    localFile: () => null,
    read: (range) => (storedReads.push(scan.storageKey), scan.read(range)),
  });
  const counting: PdfEngine = {
    ...defaultPdfEngine,
    inspectUpload: (bytes, caps) => (calls.push('inspectUpload'), defaultPdfEngine.inspectUpload(bytes, caps)),
    inspectStored: (scan, caps) => (calls.push('inspectStored'), defaultPdfEngine.inspectStored(remote(scan), caps)),
    renderPages: (scan, pages, lane) => (calls.push(`renderPages:${pages.join(',')}:${lane}`), defaultPdfEngine.renderPages(remote(scan), pages, lane)),
  };

  beforeAll(async () => {
    env = await createTestEnv({ pdf: counting });
    admin = await makeUser(env, 'ADMIN');
  });
  afterAll(async () => {
    await env.close();
    await closePdfPool();
  });

  it('upload check and page renders go through ctx.pdf; a scan without a local file is read through the store', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 4 });
    const jpegs = await distinctJpegs(2);
    // 2 scanned pages served from the scan, then 2 typed pages the engine must render
    const done = await ingest(env, admin, exam.id, await fx.withTypedPages(await fx.scanPdfFrom(jpegs, 2), 2));
    expect(done).toMatchObject({ status: 'DONE', pageCount: 4, pagesDone: 4, error: null });
    expect(calls[0]).toBe('inspectUpload');
    // the job carries the upload's page map: the stored scan is not inspected again, only its typed pages rendered
    expect(calls.filter((c) => c === 'inspectStored')).toHaveLength(0);
    const renders = calls.filter((c) => c.startsWith('renderPages:'));
    expect(renders.length).toBeGreaterThan(0);
    expect(renders.every((c) => c.endsWith(':quick'))).toBe(true);
    expect(renders.flatMap((c) => c.split(':')[1]!.split(',').map(Number)).sort()).toEqual([2, 3]);
    expect(storedReads.length).toBe(renders.length);

    const pages = await pageImages(env, done.copyIds);
    expect(pages.map((p) => p.scanned)).toEqual([true, true, false, false]);
    expect(pages.slice(0, 2).map((p) => p.sha256)).toEqual(jpegs.map(sha256));
    for (const p of pages.slice(2)) {
      expect(p.content_type).toBe('image/jpeg');
      expect(p.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    }
  });

  it('a job without the page map (queued by an older version) inspects the stored scan through ctx.pdf, read through the store', async () => {
    const exam = await makeExam(admin, [], { pagesPerCopy: 2 });
    const jpegs = await distinctJpegs(2);
    const res = await upload(admin, exam.id, await fx.scanPdfFrom(jpegs, 2));
    expect(res.status).toBe(202);
    await env.ctx.db.updateTable('jobs').set({ payload: JSON.stringify({ uploadId: res.body.upload.id }) }).where('ref_id', '=', res.body.upload.id).execute();
    calls.length = 0;
    storedReads.length = 0;
    await runJobs(env);
    expect(calls).toEqual(['inspectStored']);
    expect(storedReads).toHaveLength(1);
    const done = (await admin.req('GET', `/api/v1/uploads/${res.body.upload.id}`)).body;
    expect(done).toMatchObject({ status: 'DONE', pageCount: 2, error: null });
    expect((await pageImages(env, done.copyIds)).map((p) => p.sha256)).toEqual(jpegs.map(sha256));
  });
});
