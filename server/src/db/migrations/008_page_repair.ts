import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * Pages are conserved (DESIGN.md §9). Every scanned page of an upload is one `pages` row for ever, identified by
 * (upload_id, source_page), UNIQUE. Repairing a scan moves the row (copy, position, rotation) or puts it in the
 * upload's bin, where `copy_id` and `position` are null and `removed_at` is set; the database refuses any other mix,
 * so a page is in exactly one copy or in the bin by construction. `rotation` (clockwise degrees) is applied when the
 * page is served and flattened: the scan's JPEG is never re-encoded. `ink_coverage` (share of dark pixels, measured
 * once on the image) flags probably blank pages.
 *
 * SQLite cannot drop NOT NULL from a column: the table is rebuilt from its own stored definition, so nothing else
 * of it changes. Nothing references `pages` yet, so the rebuild is safe with foreign keys on.
 */
const NEW_COLUMNS_SQLITE =
  ', "upload_id" text references "uploads" ("id") on delete restrict' +
  ', "rotation" integer not null default 0 check (rotation IN (0, 90, 180, 270))' +
  ', "removed_at" text' +
  ', "removed_from_copy_id" text references "copies" ("id") on delete restrict' +
  ', "ink_coverage" real check (ink_coverage >= 0 AND ink_coverage <= 1)';
const BIN_CHECK =
  '(removed_at IS NULL AND copy_id IS NOT NULL AND position IS NOT NULL) OR ' +
  '(removed_at IS NOT NULL AND copy_id IS NULL AND position IS NULL AND upload_id IS NOT NULL)';
const BIN_CONSTRAINT_SQLITE = `, constraint "pages_in_copy_or_bin" check (${BIN_CHECK})`;

const NOT_NULL_COPY = '"copy_id" text not null';
const NOT_NULL_POSITION = '"position" integer not null';

export async function up(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') {
    await sql`ALTER TABLE pages ALTER COLUMN copy_id DROP NOT NULL, ALTER COLUMN position DROP NOT NULL`.execute(db);
    await db.schema.alterTable('pages').addColumn('upload_id', 'text', (c) => c.references('uploads.id').onDelete('restrict')).execute();
    await db.schema
      .alterTable('pages')
      .addColumn('rotation', 'integer', (c) => c.notNull().defaultTo(0).check(sql`rotation IN (0, 90, 180, 270)`))
      .execute();
    await db.schema.alterTable('pages').addColumn('removed_at', 'timestamptz').execute();
    await db.schema.alterTable('pages').addColumn('removed_from_copy_id', 'text', (c) => c.references('copies.id').onDelete('restrict')).execute();
    await db.schema
      .alterTable('pages')
      .addColumn('ink_coverage', 'double precision', (c) => c.check(sql`ink_coverage >= 0 AND ink_coverage <= 1`))
      .execute();
    await sql`ALTER TABLE pages ADD CONSTRAINT pages_in_copy_or_bin CHECK (${sql.raw(BIN_CHECK)})`.execute(db);
  } else {
    await rebuildSqlitePages(db, (ddl) => {
      const constraints = ddl.indexOf(', constraint ');
      if (!ddl.includes(NOT_NULL_COPY) || !ddl.includes(NOT_NULL_POSITION) || constraints < 0) throw new Error('unexpected pages table definition');
      const end = ddl.lastIndexOf(')');
      // columns go before the table constraints
      return (
        ddl.slice(0, constraints).replace(NOT_NULL_COPY, '"copy_id" text').replace(NOT_NULL_POSITION, '"position" integer') +
        NEW_COLUMNS_SQLITE +
        ddl.slice(constraints, end) +
        BIN_CONSTRAINT_SQLITE +
        ddl.slice(end)
      );
    });
  }
  // the scan a page comes from, through the booklet ingest cut it into
  await sql`UPDATE pages SET upload_id = (SELECT booklets.upload_id FROM booklets WHERE booklets.id = pages.booklet_id)
    WHERE booklet_id IS NOT NULL`.execute(db);
  await db.schema.createIndex('pages_upload_source').on('pages').columns(['upload_id', 'source_page']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const binned = await sql<{ n: number }>`SELECT count(*) AS n FROM pages WHERE copy_id IS NULL`.execute(db);
  if (Number(binned.rows[0]?.n ?? 0) > 0) throw new Error('Pages are in a removed-pages bin: restore them to a copy before migrating down');
  await db.schema.dropIndex('pages_upload_source').execute();
  if (dialectOf(db) === 'postgres') {
    await sql`ALTER TABLE pages DROP CONSTRAINT pages_in_copy_or_bin`.execute(db);
    for (const c of ['ink_coverage', 'removed_from_copy_id', 'removed_at', 'rotation', 'upload_id']) await db.schema.alterTable('pages').dropColumn(c).execute();
    await sql`ALTER TABLE pages ALTER COLUMN copy_id SET NOT NULL, ALTER COLUMN position SET NOT NULL`.execute(db);
  } else {
    await rebuildSqlitePages(db, (ddl) =>
      ddl
        .replace(NEW_COLUMNS_SQLITE, '')
        .replace(BIN_CONSTRAINT_SQLITE, '')
        .replace('"copy_id" text references', `${NOT_NULL_COPY} references`)
        .replace('"position" integer,', `${NOT_NULL_POSITION},`),
    );
  }
}

/** Recreates `pages` from its stored CREATE TABLE as `change` rewrites it, keeping every row of the columns both share. */
async function rebuildSqlitePages(db: Kysely<any>, change: (ddl: string) => string) {
  const stored = await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'pages'`.execute(db);
  const ddl = stored.rows[0]?.sql;
  if (!ddl) throw new Error('no pages table');
  const next = change(ddl).replace(/^CREATE TABLE "pages"/, 'CREATE TABLE "pages_rebuilt"');
  const before = (await sql<{ name: string }>`SELECT name FROM pragma_table_info('pages')`.execute(db)).rows.map((r) => r.name);
  await sql.raw(next).execute(db);
  const after = new Set((await sql<{ name: string }>`SELECT name FROM pragma_table_info('pages_rebuilt')`.execute(db)).rows.map((r) => r.name));
  const cols = before.filter((c) => after.has(c)).map((c) => `"${c}"`).join(', ');
  await sql.raw(`INSERT INTO pages_rebuilt (${cols}) SELECT ${cols} FROM pages`).execute(db);
  await sql`DROP TABLE pages`.execute(db);
  await sql`ALTER TABLE pages_rebuilt RENAME TO pages`.execute(db);
}
