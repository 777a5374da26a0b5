import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, makeCopy, makeExam, makeUser, parallel, login, type Client, type TestEnv } from '../helpers/harness.ts';
import { backup, restore, BackupError } from '../../src/services/backup.service.ts';
import { listTables } from '../../src/repositories/backup.repository.ts';
import { readTarIndex, readTarEntry, TarWriter } from '../../src/storage/tar.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import type { Executor } from '../../src/db/database.ts';

const serverDir = path.resolve(import.meta.dirname, '../..');
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

/** Every row of every table, canonically ordered: two instances hold the same data iff these are equal. */
async function snapshot(ex: Executor) {
  const out: Record<string, string[]> = {};
  for (const t of await listTables(ex)) {
    const rows = await ex.selectFrom(t as 'users').selectAll().execute();
    out[t] = rows.map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)))).sort();
  }
  return out;
}
const counts = (s: Record<string, string[]>) => Object.fromEntries(Object.entries(s).map(([t, rows]) => [t, rows.length]));

/** sha256 of every blob file, read from disk, by storage key; and the rows' own sha256 for comparison. */
async function blobHashes(env: TestEnv) {
  const rows = await env.ctx.db.selectFrom('blobs').select(['storage_key', 'sha256']).execute();
  const files: Record<string, string> = {};
  for (const r of rows) files[r.storage_key] = sha(await env.ctx.blobs.read(r.storage_key));
  return { files, rows: Object.fromEntries(rows.map((r) => [r.storage_key, r.sha256])) };
}

function cli(env: TestEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: serverDir,
    env: { ...process.env, KORRIGO_DATA_DIR: env.dataDir, DATABASE_URL: env.databaseUrl, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe(`backup and restore round trip [${engine}]`, () => {
  let src: TestEnv;
  let admin: Client;
  let teacher: Client;
  let tmp: string;
  let archive: string;
  let gradedCopy: string;
  let teacherEmail: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'korrigo-backup-test-'));
    src = await createTestEnv();
    admin = await makeUser(src, 'ADMIN');
    teacher = await makeUser(src, 'TEACHER');
    teacherEmail = teacher.user.email;
    const exam = await makeExam(admin, [teacher]);
    for (let i = 0; i < 3; i++) await makeCopy(src, exam.id);
    await makeCopy(src, exam.id, { status: 'STAGING', pages: 3 });
    // one copy graded end to end: annotations, scores, events, a job, a final PDF blob
    gradedCopy = await makeCopy(src, exam.id);
    const lock = await teacher.req('POST', `/api/v1/copies/${gradedCopy}/lock`);
    const h = { 'x-lock-token': lock.body.token };
    await teacher.req('POST', `/api/v1/copies/${gradedCopy}/annotations`, { pagePosition: 1, x: 0.2, y: 0.2, w: 0.3, h: 0.1, type: 'COMMENT', content: 'Très bien — ½ point ✓' }, h);
    for (const q of leafIds(exam)) expect((await teacher.req('PUT', `/api/v1/copies/${gradedCopy}/scores/${q}`, { points: 300 }, h)).status).toBe(200);
    await teacher.req('PUT', `/api/v1/copies/${gradedCopy}/draft`, { payload: { note: 'brouillon' }, baseVersion: 0, clientId: 'tab-1' }, h);
    expect((await teacher.req('POST', `/api/v1/copies/${gradedCopy}/submit`, undefined, h)).status).toBe(200);
    expect((await teacher.req('POST', `/api/v1/copies/${gradedCopy}/finalize`)).status).toBe(202);
    await new JobRunner(src.ctx, jobHandlers).drain();
    expect((await teacher.req('GET', `/api/v1/copies/${gradedCopy}`)).body.status).toBe('GRADED');
    // the corrector's masked header page and final PDF (anonymous exam) are stored on first read: made before the
    // backup, they are part of what it must carry, and later reads change nothing
    expect((await teacher.req('GET', `/api/v1/copies/${gradedCopy}/pages/0/image`)).status).toBe(200);
    expect((await teacher.req('GET', `/api/v1/copies/${gradedCopy}/final.pdf`)).status).toBe(200);
    expect(await src.ctx.db.selectFrom('masked_final_pdfs').selectAll().execute()).toHaveLength(1);
  });
  afterAll(async () => {
    await src.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('backup writes one tar archive (readable by tar) with the database, every blob and a manifest', async () => {
    archive = path.join(tmp, 'korrigo.tar');
    const report = await backup(src.ctx, archive);
    const blobRows = await src.ctx.db.selectFrom('blobs').select('storage_key').execute();
    expect(report.blobs).toBe(blobRows.length);
    expect(report.blobs).toBeGreaterThanOrEqual(12);
    expect(report.damagedBlobs).toEqual([]);
    expect(report.tables).toEqual(counts(await snapshot(src.ctx.db)));

    const names = (await readTarIndex(archive)).map((e) => e.name);
    expect(names).toContain(engine === 'sqlite' ? 'database.sqlite' : 'database.sql');
    expect(names).toContain('manifest.json');
    for (const r of blobRows) expect(names).toContain(`blobs/${r.storage_key}`);
    const listed = spawnSync('tar', ['-tf', archive], { encoding: 'utf8' });
    expect(listed.status).toBe(0);
    expect(listed.stdout.trim().split('\n').sort()).toEqual([...names].sort());
    // refuses to overwrite an existing file
    await expect(backup(src.ctx, archive)).rejects.toThrow(/already exists/);
  });

  it('restore into a fresh instance: every table has the same rows (counts and content) and every blob the same sha256', async () => {
    const dst = await createTestEnv();
    try {
      const report = await restore(dst.ctx, archive);
      expect(report.replacedNonEmpty).toBe(false);
      const [a, b] = [await snapshot(src.ctx.db), await snapshot(dst.ctx.db)];
      expect(counts(b)).toEqual(counts(a));
      expect(b).toEqual(a);
      const [ha, hb] = [await blobHashes(src), await blobHashes(dst)];
      expect(hb.files).toEqual(ha.files);
      expect(hb.files).toEqual(hb.rows);

      // and it is a working instance: the teacher logs in with the same password and downloads the same PDF
      const t = await login(dst.app, teacherEmail, 'correct horse battery');
      const pdfA = await teacher.req('GET', `/api/v1/copies/${gradedCopy}/final.pdf`);
      const pdfB = await t.req('GET', `/api/v1/copies/${gradedCopy}/final.pdf`);
      expect(pdfB.status).toBe(200);
      expect(sha(pdfB.raw)).toBe(sha(pdfA.raw));
    } finally {
      await dst.close();
    }
  });

  it('restore refuses a non-empty instance without --force (changing nothing), and replaces it with --force', async () => {
    const dst = await createTestEnv();
    try {
      const squatter = await makeUser(dst, 'ADMIN');
      const before = await snapshot(dst.ctx.db);
      await expect(restore(dst.ctx, archive)).rejects.toThrow(BackupError);
      await expect(restore(dst.ctx, archive)).rejects.toThrow(/not empty.*--force/);
      expect(await snapshot(dst.ctx.db)).toEqual(before);
      expect(fs.readdirSync(dst.ctx.blobs.root)).toEqual([]);

      const report = await restore(dst.ctx, archive, { force: true });
      expect(report.replacedNonEmpty).toBe(true);
      expect(await snapshot(dst.ctx.db)).toEqual(await snapshot(src.ctx.db));
      expect(await dst.ctx.db.selectFrom('users').select('id').where('id', '=', squatter.user.id).executeTakeFirst()).toBeUndefined();
    } finally {
      await dst.close();
    }
  });

  it('a damaged archive is refused before the database is touched: no rows, no half-restored instance', async () => {
    const bad = path.join(tmp, 'damaged.tar');
    await fsp.copyFile(archive, bad);
    const entry = (await readTarIndex(bad)).find((e) => e.name.startsWith('blobs/'))!;
    const fh = await fsp.open(bad, 'r+');
    await fh.write(Buffer.from([0xff ^ (await readTarEntry(bad, entry))[10]!]), 0, 1, entry.offset + 10);
    await fh.close();

    const wrongEngine = path.join(tmp, 'other-engine.tar');
    const w = await TarWriter.create(wrongEngine);
    const manifest = JSON.parse((await readTarEntry(archive, (await readTarIndex(archive)).find((e) => e.name === 'manifest.json')!)).toString());
    await w.addBuffer('manifest.json', Buffer.from(JSON.stringify({ ...manifest, engine: engine === 'sqlite' ? 'postgres' : 'sqlite' })));
    await w.finish();

    const dst = await createTestEnv();
    try {
      await expect(restore(dst.ctx, bad)).rejects.toThrow(/damaged/);
      await expect(restore(dst.ctx, wrongEngine)).rejects.toThrow(/restore it into a/);
      await expect(restore(dst.ctx, path.join(tmp, 'missing.tar'))).rejects.toThrow(/does not exist/);
      const empty = await snapshot(dst.ctx.db);
      for (const [t, rows] of Object.entries(empty)) expect(rows, t).toEqual([]);
    } finally {
      await dst.close();
    }
  });

  it('a backup taken while copies are being written is consistent: every row it holds has its file, counts match', async () => {
    const exam = await makeExam(admin, [teacher]);
    const during = path.join(tmp, 'during.tar');
    const [, report] = await Promise.all([parallel(8, () => makeCopy(src, exam.id, { pages: 3 })), backup(src.ctx, during)]);
    expect(report.damagedBlobs).toEqual([]);
    const dst = await createTestEnv();
    try {
      await restore(dst.ctx, during);
      const b = await snapshot(dst.ctx.db);
      expect(counts(b)).toEqual(report.tables);
      const hb = await blobHashes(dst);
      expect(hb.files).toEqual(hb.rows);
      const pages = await dst.ctx.db.selectFrom('pages').innerJoin('blobs', 'blobs.id', 'pages.image_blob_id').select('blobs.storage_key').execute();
      for (const p of pages) expect(hb.files[p.storage_key]).toBeDefined();
    } finally {
      await dst.close();
    }
  });

  it('the korrigo backup / restore / recover-stuck commands work end to end', async () => {
    const viaCli = path.join(tmp, 'cli.tar');
    const b = cli(src, 'backup', viaCli);
    expect(b.err).toBe('');
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/^Backup written to .*cli\.tar/m);

    const dst = await createTestEnv();
    try {
      const r = cli(dst, 'restore', viaCli);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^Restored \d+ rows and \d+ files/m);
      expect(await snapshot(dst.ctx.db)).toEqual(await snapshot(src.ctx.db));
      const again = cli(dst, 'restore', viaCli);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/not empty/);
      const rec = cli(dst, 'recover-stuck');
      expect(rec.code, rec.err).toBe(0);
      expect(rec.out).toMatch(/^Recovery: \d+ expired leases removed, 0 jobs re-queued/m);
    } finally {
      await dst.close();
    }
  });
});
