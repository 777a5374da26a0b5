/**
 * Intake defects of issue 14 (item 5), each as a school met it: a copier's owner-password PDF, `curl -F`, a PDF sent
 * with the wrong content type, curl's `Expect: 100-continue` on an oversized file, black-and-white 300 dpi scans.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, listen, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';
import { closePdfPool } from '../../src/pdf/pool.ts';
import { decodeJpeg, meanColour } from '../pdf/pixels.ts';
import { filesOnDisk, ingest, pageImages, rowCount, runJobs } from './helpers.ts';

const MAX = 4 * 1024 * 1024;

describe(`scan intake defects [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let examId: string;
  let base: string;
  beforeAll(async () => {
    env = await createTestEnv({ config: { maxUploadBytes: MAX } });
    admin = await makeUser(env, 'ADMIN');
    examId = (await makeExam(admin, [], { pagesPerCopy: 1 })).id;
    base = await listen(env);
  });
  afterAll(async () => {
    await env.close();
    await closePdfPool();
  });

  const url = () => `/api/v1/exams/${examId}/uploads?mode=BATCH`;

  it('a PDF with only an owner password (it opens without one) is accepted and its page rendered from the decrypted scan', async () => {
    const done = await ingest(env, admin, examId, await fx.ownerPasswordOnly());
    expect(done).toMatchObject({ status: 'DONE', pageCount: 1, error: null });
    const [page] = await pageImages(env, done.copyIds);
    expect(page).toMatchObject({ scanned: false, content_type: 'image/jpeg' });
    // the scanner's JPEG, decrypted: the same picture, not the noise an undecrypted stream would give
    const shown = meanColour(await decodeJpeg(page!.bytes), 0.05, 0.05, 0.9, 0.9);
    const original = meanColour(await decodeJpeg((await fx.scanJpegs())[0]!), 0.05, 0.05, 0.9, 0.9);
    shown.forEach((c, i) => expect(Math.abs(c - original[i]!)).toBeLessThan(12));
    // a file that does ask for a password is still refused
    const locked = await admin.req('POST', url(), Buffer.from(fx.encrypted()), { 'content-type': 'application/pdf' });
    expect(locked.status).toBe(422);
    expect(locked.body.detail).toMatch(/password-protected/);
  });

  /** A multipart/form-data body as curl -F builds it, cut into `pieces` chunks so boundaries straddle reads. */
  async function postForm(parts: Array<{ name: string; filename?: string; type?: string; data: Uint8Array }>, pieces = 7) {
    const boundary = `------------------------${crypto.randomBytes(8).toString('hex')}`;
    const chunks: Buffer[] = [];
    for (const p of parts) {
      const disposition = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`), Buffer.from(p.data), Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    const body = Buffer.concat(chunks);
    const size = Math.ceil(body.length / pieces);
    const stream = new ReadableStream({
      start(controller) {
        for (let at = 0; at < body.length; at += size) controller.enqueue(body.subarray(at, at + size));
        controller.close();
      },
    });
    const res = await fetch(base + url(), {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  it('multipart (curl -F file=@scan.pdf): the file part is stored byte for byte and ingested; a form without a file is a 400', async () => {
    const pdf = await fx.scan4();
    const res = await postForm([
      { name: 'note', data: Buffer.from('classe de 2nde B') },
      { name: 'file', filename: 'scan.pdf', type: 'application/pdf', data: pdf },
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await runJobs(env);
    const stored = (await admin.req('GET', `/api/v1/uploads/${res.body.upload.id}`)).body;
    expect(stored).toMatchObject({ status: 'DONE', pageCount: 4 });
    const blob = await env.ctx.db
      .selectFrom('uploads')
      .innerJoin('blobs', 'blobs.id', 'uploads.source_blob_id')
      .select('blobs.sha256')
      .where('uploads.id', '=', res.body.upload.id)
      .executeTakeFirstOrThrow();
    expect(blob.sha256).toBe(crypto.createHash('sha256').update(pdf).digest('hex'));

    const uploads = await rowCount(env, 'uploads');
    const files = (await filesOnDisk(env)).length;
    const empty = await postForm([{ name: 'note', data: Buffer.from('oubli') }]);
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringMatching(/no file/) });
    const two = await postForm([
      { name: 'file', filename: 'a.pdf', data: pdf },
      { name: 'file2', filename: 'b.pdf', data: pdf },
    ]);
    expect(two.status).toBe(400);
    expect(two.body.detail).toMatch(/one file per upload/);
    const big = await postForm([{ name: 'file', filename: 'big.pdf', data: new Uint8Array(MAX + 1).fill(0x25) }], 40);
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await rowCount(env, 'uploads')).toBe(uploads);
    expect((await filesOnDisk(env)).length).toBe(files);
  });

  it('a valid PDF sent as text/plain (or with no content type) gets a 415 saying the content type is wrong', async () => {
    const pdf = Buffer.from(await fx.scan4());
    for (const type of ['text/plain', 'application/json', 'image/jpeg']) {
      const res = await admin.req('POST', url(), pdf, { 'content-type': type });
      expect(res.status, type).toBe(415);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.detail).toContain(`"${type}"`);
      expect(res.body.detail).toMatch(/application\/pdf/);
    }
    const none = await fetch(base + url(), { method: 'POST', headers: { cookie: admin.cookie }, body: new Uint8Array(pdf) });
    expect(none.status).toBe(415);
    expect(((await none.json()) as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // the access check still comes first: a teacher with no part in the exam learns nothing of it (exam owners, issue 16)
    const teacher = await makeUser(env, 'TEACHER');
    expect((await teacher.req('POST', url(), pdf, { 'content-type': 'text/plain' })).status).toBe(404);
  });

  /** Sends the request head only, as curl does with `Expect: 100-continue`, and returns what the server says first. */
  async function firstAnswer(contentLength: number, type = 'application/pdf') {
    const { port } = new URL(base);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `POST ${url()} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${admin.cookie}\r\nContent-Type: ${type}\r\n` +
        `Content-Length: ${contentLength}\r\nExpect: 100-continue\r\n\r\n`,
    );
    let received = '';
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      socket.on('data', (d) => {
        received += d.toString('latin1');
        if (/\r\n\r\n/.test(received)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    socket.destroy();
    return received;
  }

  it('Expect: 100-continue: an oversized upload gets its 413 before any 100 Continue; a normal one gets the go-ahead', async () => {
    const big = await firstAnswer(MAX + 1);
    expect(big).toMatch(/^HTTP\/1\.1 413 /);
    expect(big).not.toMatch(/100 Continue/);
    const form = await firstAnswer(MAX + 64 * 1024, 'multipart/form-data; boundary=xyz');
    expect(form).toMatch(/^HTTP\/1\.1 413 /);
    expect(await firstAnswer(1000)).toMatch(/^HTTP\/1\.1 100 Continue\r\n/);
  });

  it.each([
    { name: 'CCITT G4', make: fx.g4Scan300 },
    { name: '1 bit per pixel', make: fx.bilevelFlate300 },
  ])('a black-and-white 300 dpi scan ($name) is rendered at its own resolution, not 150 dpi', async ({ make }) => {
    const done = await ingest(env, admin, examId, make());
    expect(done.status).toBe('DONE');
    const [page] = await pageImages(env, done.copyIds);
    expect(page).toMatchObject({ width_px: 2480, height_px: 3508 });
    const pixels = await decodeJpeg(page!.bytes);
    expect([pixels.width, pixels.height]).toEqual([2480, 3508]);
  });
});
