import net from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, listen, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';
import { closePdfPool } from '../../src/pdf/pool.ts';
import { cleanupOrphans } from '../../src/services/cleanup.service.ts';
import { filesOnDisk, rowCount, upload } from './helpers.ts';

/** Every bad file is refused with its code before anything is created: no upload, copy, page, blob row or job. */
describe(`bad uploads are refused with a clear 4xx and leave nothing behind [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let examId: string;
  beforeAll(async () => {
    env = await createTestEnv({ config: { maxUploadPages: 50, maxUploadBytes: 4 * 1024 * 1024 } });
    admin = await makeUser(env, 'ADMIN');
    examId = (await makeExam(admin, [], { pagesPerCopy: 2 })).id;
  });
  afterAll(async () => {
    await env.close();
    await closePdfPool();
  });

  async function expectNothingStored() {
    for (const table of ['uploads', 'copies', 'pages', 'booklets', 'blobs', 'jobs'] as const) expect(await rowCount(env, table), table).toBe(0);
    // the rejected file was removed at once; the sweeper has nothing left to find
    expect(await filesOnDisk(env)).toEqual([]);
    const report = await cleanupOrphans(env.ctx, { dryRun: false, graceMs: 0 });
    expect(report.orphanFiles).toEqual([]);
  }

  it.each([
    { name: 'zero bytes', make: async () => new Uint8Array(), detail: /empty/ },
    { name: 'a text file', make: async () => fx.notAPdf(), detail: /not a PDF/ },
    { name: 'a JPEG renamed .pdf', make: fx.jpegRenamed, detail: /JPEG image, not a PDF/ },
    { name: 'a truncated PDF', make: fx.truncated, detail: /incomplete/ },
    { name: 'a corrupt cross-reference table', make: fx.corruptXref, detail: /damaged/ },
    { name: 'an encrypted PDF', make: async () => fx.encrypted(), detail: /password-protected/ },
    { name: 'a PDF with 0 pages', make: async () => fx.zeroPages(), detail: /no pages/ },
    { name: '51 pages over a 50-page cap', make: async () => fx.scanPdfFrom([await fx.plainJpeg(20, 28)], 51), detail: /51 pages; the limit is 50/ },
  ])('$name → 422 INVALID_PDF', async ({ make, detail }) => {
    const res = await upload(admin, examId, await make());
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('INVALID_PDF');
    expect(res.body.detail).toMatch(detail);
    await expectNothingStored();
  });

  it('over the size cap, announced by Content-Length → 413 before the body is read', async () => {
    const res = await upload(admin, examId, new Uint8Array(4 * 1024 * 1024 + 1).fill(0x25));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.body.detail).toMatch(/4\.0 MB/);
    await expectNothingStored();
  });

  it('a multipart body without a file part is refused; an unknown mode is a validation error', async () => {
    const pdf = Buffer.from(await fx.scan4());
    const form = await admin.req('POST', `/api/v1/exams/${examId}/uploads`, pdf, { 'content-type': 'multipart/form-data; boundary=x' });
    expect(form.status).toBe(400);
    expect(form.body.detail).toMatch(/no file/);
    const mode = await upload(admin, examId, pdf, 'STACK' as 'BATCH');
    expect(mode.status).toBe(400);
    expect(mode.body.code).toBe('VALIDATION_FAILED');
    await expectNothingStored();
  });

  it('over real HTTP: a valid scan streams in (202), an oversized one gets its 413', async () => {
    const base = await listen(env);
    const pdf = await fx.scan4();
    const ok = await fetch(`${base}/api/v1/exams/${examId}/uploads?mode=BATCH`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/pdf' },
      body: Readable.toWeb(Readable.from([pdf.subarray(0, 1000), pdf.subarray(1000)])) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(ok.status).toBe(202);
    const id = ((await ok.json()) as { upload: { id: string } }).upload.id;
    const stored = (await admin.req('GET', `/api/v1/uploads/${id}`)).body;
    expect(stored).toMatchObject({ status: 'PENDING', pageCount: 4, pagesDone: 0 });

    // streamed without a Content-Length: refused once the limit is crossed, the partial file removed
    const chunk = new Uint8Array(256 * 1024).fill(0x25);
    const big = await fetch(`${base}/api/v1/exams/${examId}/uploads?mode=BATCH`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/pdf' },
      body: Readable.toWeb(Readable.from(Array.from({ length: 20 }, () => chunk))) as ReadableStream, // 5 MB
      duplex: 'half',
    } as RequestInit);
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await rowCount(env, 'uploads')).toBe(1);
    const referenced = (await env.ctx.db.selectFrom('blobs').select('storage_key').execute()).map((b) => b.storage_key);
    expect(await filesOnDisk(env)).toEqual(referenced);

    // a client that disconnects mid-upload leaves no upload and no partial file
    const { port } = new URL(base);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `POST /api/v1/exams/${examId}/uploads?mode=BATCH HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${admin.cookie}\r\n` +
        'Content-Type: application/pdf\r\nContent-Length: 1000000\r\n\r\n',
    );
    socket.write(Buffer.from(pdf.subarray(0, 300_000)));
    for (let i = 0; i < 80 && (await filesOnDisk(env)).length === referenced.length; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await filesOnDisk(env)).length).toBe(referenced.length + 1); // the partial upload, being written
    socket.destroy();
    for (let i = 0; i < 40 && (await filesOnDisk(env)).length > referenced.length; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await filesOnDisk(env)).toEqual(referenced);
    expect(await rowCount(env, 'uploads')).toBe(1);
  });
});
