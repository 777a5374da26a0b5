/**
 * Issue 14: about a third of page-image GETs logged "stream closed prematurely" — a desk that moves on before an
 * image has arrived (a page turned, a thumbnail scrolled away) cancels its request, which is normal and no event
 * for the operator. Page images are read whole and sent as one buffer, so an abandoned read leaves no log line.
 */
import http from 'node:http';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { buildApp } from '../../src/http/app.ts';
import { insertBlob } from '../../src/repositories/blob.repository.ts';

describe(`page image reads leave no log noise [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
  });
  afterAll(() => env.close());

  it('12 page reads, half of them abandoned after the headers: nothing logged above the request lines', async () => {
    const exam = await makeExam(admin, []);
    const copyId = await makeCopy(env, exam.id, { pages: 2 });
    // a page image of a size a 300 dpi colour scan has, so that an abandoned read is abandoned mid-body
    const file = await env.ctx.blobs.put(new Uint8Array(3 * 1024 * 1024).fill(0xd8), 'image/jpeg');
    await insertBlob(env.ctx.db, file, env.clock.now().toISOString());
    await env.ctx.db.updateTable('pages').set({ image_blob_id: file.id }).where('copy_id', '=', copyId).execute();

    const lines: string[] = [];
    const logs = new PassThrough();
    logs.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    const app = await buildApp(env.ctx, { logger: logs });
    try {
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      for (let i = 0; i < 12; i++) {
        // one connection per read, dropped by the client mid-body for every other one
        const { status, bytes } = await new Promise<{ status: number; bytes: number }>((resolve, reject) => {
          const req = http.get(`${base}/api/v1/copies/${copyId}/pages/${i % 2}/image`, { headers: { cookie: admin.cookie }, agent: false }, (res) => {
            let bytes = 0;
            res.on('data', (d: Buffer) => (bytes += d.length));
            if (i % 2) {
              res.once('data', () => {
                req.destroy();
                resolve({ status: res.statusCode ?? 0, bytes: -1 });
              });
            } else res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
          });
          req.on('error', (err) => (i % 2 ? null : reject(err)));
        });
        expect(status).toBe(200);
        if (bytes >= 0) expect(bytes).toBe(file.size);
      }
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await app.close();
    }
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages.filter((m) => m === 'request completed').length).toBeGreaterThanOrEqual(6);
    expect(messages.filter((m) => m !== 'incoming request' && m !== 'request completed' && !m.startsWith('Server listening'))).toEqual([]);
  });
});
