/** What the figures were measured on: they mean little without it. */
import os from 'node:os';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';

export const PG_ADMIN_URL =
  process.env.KORRIGO_BENCH_PG_URL ?? process.env.KORRIGO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresVersion(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const r = await client.query<{ server_version: string }>('SHOW server_version');
    return r.rows[0]?.server_version ?? null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function describeMachine(): Promise<string[]> {
  const sqlite = new SqliteDatabase(':memory:');
  const sqliteVersion = (sqlite.prepare('select sqlite_version() as v').get() as { v: string }).v;
  sqlite.close();
  const cpus = os.cpus();
  const pgVersion = await postgresVersion();
  return [
    `cores: ${os.availableParallelism()} (CPU: ${cpus[0]?.model.trim() ?? 'unknown'})`,
    `memory: ${Math.round(os.totalmem() / 2 ** 30)} GiB · load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `Node ${process.version} · SQLite ${sqliteVersion} · PostgreSQL ${pgVersion ?? 'not reachable'} · ${os.type()} ${os.release()}`,
  ];
}
