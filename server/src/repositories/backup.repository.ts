import { sql } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import type { Executor } from '../db/database.ts';

/** Every table of the application (the migrator's bookkeeping tables excluded), by name. */
export const listTables = async (ex: Executor): Promise<string[]> =>
  (await ex.introspection.getTables()).filter((t) => !t.isView).map((t) => t.name).sort();

export const countRows = async (ex: Executor, table: string): Promise<number> =>
  Number((await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(ex)).rows[0]!.n);

export const hasAnyRow = async (ex: Executor, table: string): Promise<boolean> =>
  (await sql`SELECT 1 AS one FROM ${sql.table(table)} LIMIT 1`.execute(ex)).rows.length > 0;

export const listBlobFiles = (ex: Executor) =>
  ex.selectFrom('blobs').select(['id', 'storage_key', 'sha256', 'size']).orderBy('storage_key').execute();

/** PostgreSQL: names the snapshot of the current REPEATABLE READ transaction, for `pg_dump --snapshot`. */
export const exportSnapshot = async (ex: Executor): Promise<string> =>
  (await sql<{ id: string }>`SELECT pg_export_snapshot() AS id`.execute(ex)).rows[0]!.id;

/**
 * SQLite online backup through a second connection to the live file: the whole database is copied in one step,
 * a consistent snapshot that never blocks the application's writers (WAL).
 */
export async function sqliteBackupFile(livePath: string, snapshotPath: string): Promise<void> {
  const src = new SqliteDatabase(livePath, { readonly: true, fileMustExist: true });
  try {
    await src.backup(snapshotPath, { progress: () => 0x7fffffff });
  } finally {
    src.close();
  }
}

/**
 * Replaces the content of the live SQLite database with a snapshot file, through the backup API: one write
 * transaction on the target, so other connections see either the old or the new database, never a mix.
 */
export async function sqliteRestoreFile(snapshotPath: string, livePath: string): Promise<void> {
  const src = new SqliteDatabase(snapshotPath, { readonly: true, fileMustExist: true });
  try {
    await src.backup(livePath, { progress: () => 0x7fffffff });
  } finally {
    src.close();
  }
}
