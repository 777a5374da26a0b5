import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, makeCopy, makeExam, makeUser, parallel, type Client, type TestEnv } from '../helpers/harness.ts';
import { insertBlob } from '../../src/repositories/blob.repository.ts';
import { cleanupOrphans, parseDuration } from '../../src/services/cleanup.service.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';

const HOUR = 3_600_000;

describe(`P0-DI-006 orphaned file cleanup [${engine}]`, () => {
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
  afterAll(() => env.close());

  const fileExists = (key: string) => fs.existsSync(path.join(env.ctx.blobs.root, key));
  const allBlobFiles = async () => {
    const keys: string[] = [];
    for await (const f of env.ctx.blobs.list()) keys.push(f.storageKey);
    return keys;
  };

  it('a transaction that fails after the file write leaves an orphan; dry-run reports it, the real run removes it, referenced blobs stay', async () => {
    // referenced: page images of a copy, and a final PDF (current and superseded after a reopen)
    const copyId = await makeCopy(env, exam.id);
    const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
    await teacher.req('PUT', `/api/v1/copies/${copyId}/scores/${leafIds(exam)[0]}`, { points: 100 }, h);
    await teacher.req('POST', `/api/v1/copies/${copyId}/finalize`, { allowUnscored: true }, h);
    const runner = new JobRunner(env.ctx, jobHandlers);
    await runner.drain();
    await admin.req('POST', `/api/v1/copies/${copyId}/reopen`);
    await admin.req('POST', `/api/v1/copies/${copyId}/finalize`);
    await runner.drain();
    const referenced = await allBlobFiles();

    // the failing transactions: the file is written, then the transaction that would reference it rolls back
    const orphans = await parallel(5, async (i) => {
      const file = await env.ctx.blobs.put(new TextEncoder().encode(`orphan ${i}`), 'application/pdf');
      await expect(
        env.ctx.db.transaction().execute(async (tx) => {
          await insertBlob(tx, file, env.ctx.clock.now().toISOString());
          throw new Error('the referencing insert failed');
        }),
      ).rejects.toThrow('the referencing insert failed');
      return file.storageKey;
    });
    // a committed blob row that nothing references (e.g. a crash between two transactions)
    const lonely = await env.ctx.blobs.put(new TextEncoder().encode('lonely'), 'image/jpeg');
    await insertBlob(env.ctx.db, lonely, env.ctx.clock.now().toISOString());

    // within the grace period nothing is touched: the writers may still be committing
    const early = await cleanupOrphans(env.ctx, { dryRun: false, graceMs: HOUR });
    expect(early.orphanFiles).toHaveLength(0);
    expect(early.orphanRows).toHaveLength(0);
    for (const k of orphans) expect(fileExists(k)).toBe(true);

    env.clock.advance(2 * HOUR);
    fs.utimesSync(env.ctx.blobs.root, new Date(), new Date());
    for (const k of [...orphans, lonely.storageKey, ...referenced]) {
      const old = new Date(Date.now() - 2 * HOUR);
      fs.utimesSync(path.join(env.ctx.blobs.root, k), old, old);
    }

    const dry = await cleanupOrphans(env.ctx, { dryRun: true, graceMs: HOUR });
    expect(dry.orphanFiles.map((f) => f.storageKey).sort()).toEqual([...orphans].sort());
    expect(dry.orphanRows.map((r) => r.storageKey)).toEqual([lonely.storageKey]);
    for (const k of [...orphans, lonely.storageKey]) expect(fileExists(k)).toBe(true);

    const real = await cleanupOrphans(env.ctx, { dryRun: false, graceMs: HOUR });
    expect(real.orphanFiles).toHaveLength(5);
    expect(real.orphanRows).toHaveLength(1);
    for (const k of [...orphans, lonely.storageKey]) expect(fileExists(k)).toBe(false);
    expect(await env.ctx.db.selectFrom('blobs').select('id').where('id', '=', lonely.id).execute()).toHaveLength(0);

    // every referenced file is intact and still served (a fresh session: the clock moved past the idle timeout)
    for (const k of referenced) expect(fileExists(k)).toBe(true);
    admin = await makeUser(env, 'ADMIN');
    expect((await admin.req('GET', `/api/v1/copies/${copyId}/pages/0/image`)).status).toBe(200);
    expect((await admin.req('GET', `/api/v1/copies/${copyId}/final.pdf`)).status).toBe(200);
    const again = await cleanupOrphans(env.ctx, { dryRun: false, graceMs: HOUR });
    expect(again.orphanFiles.length + again.orphanRows.length).toBe(0);
  });

  it('a sweep running in parallel with writers never removes a referenced blob', async () => {
    env.clock.offsetMs = 0; // file ages are read from the filesystem's real clock
    admin = await makeUser(env, 'ADMIN');
    const sweeps = (async () => {
      for (let i = 0; i < 10; i++) await cleanupOrphans(env.ctx, { dryRun: false, graceMs: 60_000 });
    })();
    const copies = await parallel(10, () => makeCopy(env, exam.id));
    await sweeps;
    await cleanupOrphans(env.ctx, { dryRun: false, graceMs: 60_000 });
    for (const id of copies) {
      for (const pos of [0, 1]) expect((await admin.req('GET', `/api/v1/copies/${id}/pages/${pos}/image`)).status).toBe(200);
    }
  });

  it('the CLI grace parser understands the documented units', () => {
    expect(parseDuration('1h')).toBe(HOUR);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('10s')).toBe(10_000);
    expect(() => parseDuration('soon')).toThrow(/Not a duration/);
  });
});
