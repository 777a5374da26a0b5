import { sql, type Kysely, type RawBuilder } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * 003's `pages_image_range` let `image_offset = 0, image_length = NULL` through: `NULL > 0` is unknown, and a
 * CHECK only refuses what is false. A page must carry both ends of its byte range or neither.
 */
const FIXED = sql`(image_offset IS NULL AND image_length IS NULL) OR (image_offset IS NOT NULL AND image_length IS NOT NULL AND image_length > 0)`;
const OLD = sql`(image_offset IS NULL AND image_length IS NULL) OR (image_offset IS NOT NULL AND image_length > 0)`;

export async function up(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') await replacePgCheck(db, FIXED);
  else await rebuildSqlitePages(db, { tableCheck: FIXED });
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') await replacePgCheck(db, OLD);
  else await rebuildSqlitePages(db, { columnCheck: OLD });
}

async function replacePgCheck(db: Kysely<any>, check: RawBuilder<unknown>) {
  await sql`ALTER TABLE pages DROP CONSTRAINT pages_image_range`.execute(db);
  await sql`ALTER TABLE pages ADD CONSTRAINT pages_image_range CHECK (${check})`.execute(db);
}

/**
 * SQLite cannot alter a CHECK: the table is rebuilt with the schema of 001 + 003 and only the range check
 * changed (nothing references `pages`, so no other table is touched). Kysely runs SQLite migrations outside a
 * transaction; the rebuild opens its own so that a crash leaves either the old table or the new one.
 */
async function rebuildSqlitePages(db: Kysely<any>, range: { tableCheck: RawBuilder<unknown> } | { columnCheck: RawBuilder<unknown> }) {
  const columns = ['id', 'copy_id', 'position', 'booklet_id', 'source_page', 'image_blob_id', 'width_px', 'height_px', 'image_offset', 'image_length'];
  await db.transaction().execute(async (tx) => {
    let create = tx.schema
      .createTable('pages_rebuilt')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('restrict'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('booklet_id', 'text', (c) => c.references('booklets.id').onDelete('restrict'))
      .addColumn('source_page', 'integer', (c) => c.notNull())
      .addColumn('image_blob_id', 'text', (c) => c.notNull().references('blobs.id').onDelete('restrict'))
      .addColumn('width_px', 'integer', (c) => c.notNull())
      .addColumn('height_px', 'integer', (c) => c.notNull())
      .addColumn('image_offset', 'bigint', (c) => c.check(sql`image_offset >= 0`))
      .addColumn('image_length', 'bigint', (c) => ('columnCheck' in range ? c.check(range.columnCheck) : c))
      .addCheckConstraint('pages_position', sql`position >= 0`)
      .addCheckConstraint('pages_dims', sql`width_px > 0 AND height_px > 0`)
      .addUniqueConstraint('pages_copy_position', ['copy_id', 'position']);
    if ('tableCheck' in range) create = create.addCheckConstraint('pages_image_range', range.tableCheck);
    await create.execute();
    const list = sql.join(columns.map((c) => sql.ref(c)));
    await sql`INSERT INTO pages_rebuilt (${list}) SELECT ${list} FROM pages`.execute(tx);
    await tx.schema.dropTable('pages').execute();
    await tx.schema.alterTable('pages_rebuilt').renameTo('pages').execute();
  });
}
