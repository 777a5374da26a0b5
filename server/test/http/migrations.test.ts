import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestEnv, engine } from '../helpers/harness.ts';
import { migrateDown, migrateToLatest } from '../../src/db/database.ts';
import { migrations } from '../../src/db/migrations/index.ts';

describe(`migrations run up, down and up again [${engine}]`, () => {
  it('every migration has a working down', async () => {
    const env = await createTestEnv();
    try {
      for (let i = 0; i < Object.keys(migrations).length; i++) await migrateDown(env.ctx.db);
      const tables =
        engine === 'postgres'
          ? await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely_%'`.execute(env.ctx.db)
          : await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'kysely_%' AND name NOT LIKE 'sqlite_%'`.execute(env.ctx.db);
      expect(tables.rows).toEqual([]);
      await migrateToLatest(env.ctx.db);
      const users = await env.ctx.db.selectFrom('users').select('id').execute();
      expect(users).toEqual([]);
    } finally {
      await env.close();
    }
  });
});
