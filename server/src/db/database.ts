import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type Transaction,
} from 'kysely';
import { migrations } from './migrations/index.ts';
import type { Database } from './schema.ts';
import { dialectOf } from './dialect.ts';

export type Db = Kysely<Database>;
/** What repositories accept: the root handle or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

// int8 (counts, sums) as numbers; timestamptz as ISO strings so both engines return the same shapes.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1184, (v) => new Date(v).toISOString());

/**
 * SQLite transactions start with BEGIN IMMEDIATE: the write lock is taken at the start, so two connections
 * (threads or processes) never deadlock upgrading a read transaction; the busy timeout makes them queue.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (conn: DatabaseConnection) => {
      await conn.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

export interface DatabaseConfig {
  /** `postgres://…` or a path to the SQLite file. */
  url: string;
  poolSize?: number;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function openSqlite(file: string): SqliteDatabase.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('synchronous = NORMAL');
  return sqlite;
}

/**
 * Kysely prepares every statement anew; better-sqlite3 statements are reusable, and preparing was the largest
 * single cost of a draft save. The cache is keyed by SQL text (parameters are bound per run); one connection
 * and Kysely's connection mutex mean a statement is never used by two queries at once.
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let stmt = cache.get(sqlText);
      if (!stmt) {
        if (cache.size >= 1000) cache.clear();
        stmt = sqlite.prepare(sqlText);
        cache.set(sqlText, stmt);
      }
      return stmt;
    },
  };
}

export function createDb(config: DatabaseConfig): Db {
  if (isPostgresUrl(config.url)) {
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize ?? 20 });
    // an idle client error (server restart) must not crash the process; the pool replaces the client
    pool.on('error', () => {});
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  return new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(openSqlite(config.url)) }) });
}

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${String((error as Error)?.message ?? error)}`);
  }
}

export async function migrateDown(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateDown();
  if (error) throw error;
}

export { dialectOf };
