import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * A scanned page's image is the JPEG the scanner embedded in the scan, byte for byte (DESIGN.md §5). It is served
 * from the stored scan itself, as the byte range `image_offset` … `image_offset + image_length - 1` of the page's
 * `image_blob_id` (the upload's scan blob), rather than copied into a file of its own: ingest then writes and
 * fsyncs nothing per page, and the page images cost no disk beyond the scan. Both null: the blob is the image
 * (a page that had to be rendered). The blob stays immutable and referenced, so §4 holds unchanged.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  await db.schema.alterTable('pages').addColumn('image_offset', 'bigint', (c) => c.check(sql`image_offset >= 0`)).execute();
  if (pg) {
    await db.schema.alterTable('pages').addColumn('image_length', 'bigint').execute();
    await sql`ALTER TABLE pages ADD CONSTRAINT pages_image_range CHECK (
      (image_offset IS NULL AND image_length IS NULL) OR (image_offset IS NOT NULL AND image_length > 0))`.execute(db);
  } else {
    // SQLite adds a table constraint only by rebuilding the table; a column check may name the other column
    await db.schema
      .alterTable('pages')
      .addColumn('image_length', 'bigint', (c) =>
        c.check(sql`(image_offset IS NULL AND image_length IS NULL) OR (image_offset IS NOT NULL AND image_length > 0)`),
      )
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') await sql`ALTER TABLE pages DROP CONSTRAINT pages_image_range`.execute(db);
  await db.schema.alterTable('pages').dropColumn('image_length').execute();
  await db.schema.alterTable('pages').dropColumn('image_offset').execute();
}
