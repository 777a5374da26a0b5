import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { AppContext } from '../context.ts';
import { createDb, migrateToLatest } from '../db/database.ts';
import { migrations } from '../db/migrations/index.ts';
import * as repo from '../repositories/backup.repository.ts';
import { readTarEntry, readTarIndex, tarEntryStream, TarWriter, type TarEntry } from '../storage/tar.ts';

/**
 * `korrigo backup <file>` / `korrigo restore <file> [--force]`: one tar archive holding
 *   database.sqlite (SQLite online backup) or database.sql (pg_dump of the public schema),
 *   blobs/<storage key> for every blob row of that database snapshot,
 *   manifest.json (last): engine, migrations, row count of every table, sha256 and size of every blob.
 * Blobs are immutable and written before the row that names them, so copying the files after taking the database
 * snapshot always finds every file the snapshot refers to.
 */

export const BACKUP_FORMAT = 'korrigo-backup';
const VERSION = 1;
const STORAGE_KEY = /^[0-9a-f]{2}\/[0-9a-f-]{36}$/;

export interface Manifest {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  engine: 'sqlite' | 'postgres';
  database: 'database.sqlite' | 'database.sql';
  migrations: string[];
  tables: Record<string, number>;
  blobs: [storageKey: string, sha256: string, size: number][];
  /** blob rows whose file was already missing (or different) at backup time: reported, never hidden */
  damagedBlobs: { storageKey: string; problem: string }[];
}

export class BackupError extends Error {}

export interface BackupReport {
  file: string;
  bytes: number;
  tables: Record<string, number>;
  blobs: number;
  blobBytes: number;
  damagedBlobs: Manifest['damagedBlobs'];
}

export async function backup(ctx: AppContext, file: string): Promise<BackupReport> {
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new BackupError(`${target} already exists: choose a new file name`);
  const work = await fsp.mkdtemp(path.join(path.dirname(target), '.korrigo-backup-'));
  const partial = path.join(work, 'archive.tar');
  const tar = await TarWriter.create(partial);
  try {
    let tables: Record<string, number>;
    let blobs: Awaited<ReturnType<typeof repo.listBlobFiles>>;
    let database: Manifest['database'];
    if (ctx.dialect === 'sqlite') {
      database = 'database.sqlite';
      const snapshot = path.join(work, database);
      await repo.sqliteBackupFile(ctx.config.databaseUrl, snapshot);
      await tar.addFile(database, snapshot);
      // read counts and the blob list from the snapshot itself, not from the live database
      const snap = createDb({ url: snapshot });
      try {
        tables = await countAll(snap);
        blobs = await repo.listBlobFiles(snap);
      } finally {
        await snap.destroy();
      }
    } else {
      database = 'database.sql';
      const dump = path.join(work, database);
      // one REPEATABLE READ snapshot shared with pg_dump: the counts, the blob list and the dump agree exactly
      ({ tables, blobs } = await ctx.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (tx) => {
          const snapshotId = await repo.exportSnapshot(tx);
          const counts = await countAll(tx);
          const list = await repo.listBlobFiles(tx);
          await run('pg_dump', ['--format=plain', '--no-owner', '--no-privileges', '--schema=public', `--snapshot=${snapshotId}`, `--file=${dump}`], pgEnv(ctx.config.databaseUrl));
          return { tables: counts, blobs: list };
        }));
      await tar.addFile(database, dump);
    }

    const manifestBlobs: Manifest['blobs'] = [];
    const damagedBlobs: Manifest['damagedBlobs'] = [];
    let blobBytes = 0;
    for (const b of blobs) {
      if (!STORAGE_KEY.test(b.storage_key)) {
        damagedBlobs.push({ storageKey: b.storage_key, problem: 'not a storage key of this instance' });
        continue;
      }
      const src = path.join(ctx.blobs.root, b.storage_key);
      if (!fs.existsSync(src)) {
        damagedBlobs.push({ storageKey: b.storage_key, problem: 'file missing' });
        continue;
      }
      const written = await tar.addFile(`blobs/${b.storage_key}`, src);
      if (written.sha256 !== b.sha256 || written.size !== Number(b.size)) {
        damagedBlobs.push({ storageKey: b.storage_key, problem: `content differs from its blobs row (sha256 ${written.sha256})` });
      }
      manifestBlobs.push([b.storage_key, written.sha256, written.size]);
      blobBytes += written.size;
    }
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      version: VERSION,
      createdAt: ctx.clock.now().toISOString(),
      engine: ctx.dialect,
      database,
      migrations: Object.keys(migrations),
      tables,
      blobs: manifestBlobs,
      damagedBlobs,
    };
    await tar.addBuffer('manifest.json', Buffer.from(JSON.stringify(manifest)));
    await tar.finish();
    await fsp.rename(partial, target);
    const bytes = (await fsp.stat(target)).size;
    for (const d of damagedBlobs) ctx.log.error(d, 'backup: damaged blob');
    ctx.log.info({ file: target, bytes, blobs: manifestBlobs.length }, 'backup written');
    return { file: target, bytes, tables, blobs: manifestBlobs.length, blobBytes, damagedBlobs };
  } catch (err) {
    await tar.abort();
    throw err;
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}

export interface RestoreReport {
  tables: Record<string, number>;
  blobs: number;
  blobBytes: number;
  replacedNonEmpty: boolean;
}

/**
 * Restores an archive into this instance. Refuses (without changing anything) when the instance is not empty,
 * unless `force`. Files go first (without their rows they are inert), then the database in one step, then the
 * migrations of this version run and every table's row count is checked against the manifest.
 */
export async function restore(ctx: AppContext, file: string, opts: { force?: boolean } = {}): Promise<RestoreReport> {
  const archive = path.resolve(file);
  if (!fs.existsSync(archive)) throw new BackupError(`${archive} does not exist`);
  const entries = new Map<string, TarEntry>();
  for (const e of await readTarIndex(archive)) entries.set(e.name, e);
  const manifestEntry = entries.get('manifest.json');
  if (!manifestEntry) throw new BackupError('not a Korrigo backup: manifest.json is missing');
  const manifest = JSON.parse((await readTarEntry(archive, manifestEntry)).toString('utf8')) as Manifest;
  if (manifest.format !== BACKUP_FORMAT || manifest.version !== VERSION) throw new BackupError('not a Korrigo backup of a known version');
  if (manifest.engine !== ctx.dialect) {
    throw new BackupError(`this backup is of a ${manifest.engine} instance; restore it into a ${manifest.engine} instance (this one is ${ctx.dialect})`);
  }
  const dbEntry = entries.get(manifest.database);
  if (!dbEntry) throw new BackupError(`the archive has no ${manifest.database}`);
  for (const [key] of manifest.blobs) {
    if (!STORAGE_KEY.test(key) || !entries.has(`blobs/${key}`)) throw new BackupError(`the archive lacks the file of blob ${key}`);
  }

  const occupied = await whatIsThere(ctx);
  if (occupied.length && !opts.force) {
    throw new BackupError(`this instance is not empty (${occupied.join(', ')}): restore refuses to replace it without --force`);
  }

  let blobBytes = 0;
  for (const [key, sha256, size] of manifest.blobs) {
    await writeBlobFile(ctx.blobs.root, key, tarEntryStream(archive, entries.get(`blobs/${key}`)!), sha256, size);
    blobBytes += size;
  }

  const work = await fsp.mkdtemp(path.join(ctx.config.dataDir, '.korrigo-restore-'));
  try {
    const dbFile = path.join(work, manifest.database);
    await fsp.writeFile(dbFile, tarEntryStream(archive, dbEntry));
    if (ctx.dialect === 'sqlite') {
      await repo.sqliteRestoreFile(dbFile, ctx.config.databaseUrl);
    } else {
      // one transaction: the schema is replaced by the dump's (a dump of `--schema=public` creates it) or stays as it was
      const sqlArgs = ['-c', 'SET client_min_messages TO warning', '-c', 'DROP SCHEMA IF EXISTS public CASCADE', '-f', dbFile];
      await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', ...sqlArgs], pgEnv(ctx.config.databaseUrl));
    }
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }

  const tables = await countAll(ctx.db);
  const wrong = Object.entries(manifest.tables).filter(([t, n]) => tables[t] !== n);
  if (wrong.length) {
    throw new BackupError(`restored row counts differ from the backup: ${wrong.map(([t, n]) => `${t} ${tables[t]} ≠ ${n}`).join(', ')}`);
  }
  await migrateToLatest(ctx.db);
  // logged, not written to audit_log: the restored database must be exactly the one that was backed up
  ctx.log.warn({ file: archive, createdAt: manifest.createdAt, replacedNonEmpty: occupied.length > 0 }, 'backup restored');
  return { tables, blobs: manifest.blobs.length, blobBytes, replacedNonEmpty: occupied.length > 0 };
}

async function countAll(ex: Parameters<typeof repo.listTables>[0]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of await repo.listTables(ex)) counts[t] = await repo.countRows(ex, t);
  return counts;
}

/** What makes this instance non-empty: tables with rows, stored files. */
async function whatIsThere(ctx: AppContext): Promise<string[]> {
  const found: string[] = [];
  for (const t of await repo.listTables(ctx.db)) if (await repo.hasAnyRow(ctx.db, t)) found.push(`rows in ${t}`);
  for await (const f of ctx.blobs.list()) {
    found.push(`files under ${ctx.blobs.root} (e.g. ${f.storageKey})`);
    break;
  }
  return found;
}

/** temp → hash check → fsync → rename, like every blob write (DESIGN §4); a mismatch leaves nothing behind. */
async function writeBlobFile(root: string, key: string, source: AsyncIterable<Buffer>, sha256: string, size: number) {
  const dest = path.join(root, key);
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  const fh = await fsp.open(tmp, 'w');
  const hash = crypto.createHash('sha256');
  let n = 0;
  try {
    for await (const chunk of source) {
      hash.update(chunk);
      n += chunk.byteLength;
      await fh.write(chunk);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (n !== size || hash.digest('hex') !== sha256) {
    await fsp.rm(tmp, { force: true });
    throw new BackupError(`the archive's copy of blob ${key} is damaged (size or sha256 differ from the manifest)`);
  }
  await fsp.rename(tmp, dest);
}

/** libpq settings from a postgres:// URL, passed by environment so the password never shows in `ps`. */
function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env, PGHOST: u.hostname, PGPORT: u.port || '5432', PGDATABASE: decodeURIComponent(u.pathname.slice(1)) };
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('error', (err) => reject(new BackupError(`${cmd} could not be started (${err.message}); install the PostgreSQL client tools`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BackupError(`${cmd} failed (exit ${code}): ${stderr.trim()}`))));
  });
}
