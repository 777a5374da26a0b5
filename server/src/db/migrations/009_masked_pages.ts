import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * Anonymity on the image (DESIGN.md §9). A corrector of an anonymous exam is served a masked derivative of the page
 * that holds the identification header, and of the final PDF: immutable blobs, made once and referenced from here.
 * Tables rather than columns: a derivative belongs to exactly one page (or final PDF blob), is created after it,
 * and SQLite cannot drop a column that carries a foreign key. A derivative is pure derived data of its source, so
 * it goes with it (CASCADE); its own blob is RESTRICT like every other blob reference (cleanup-orphans frees it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const ts = dialectOf(db) === 'postgres' ? 'timestamptz' : 'text';
  await db.schema
    .createTable('masked_pages')
    .addColumn('page_id', 'text', (c) => c.primaryKey().references('pages.id').onDelete('cascade'))
    .addColumn('blob_id', 'text', (c) => c.notNull().unique().references('blobs.id').onDelete('restrict'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('masked_final_pdfs')
    .addColumn('final_blob_id', 'text', (c) => c.primaryKey().references('blobs.id').onDelete('cascade'))
    .addColumn('blob_id', 'text', (c) => c.notNull().unique().references('blobs.id').onDelete('restrict'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('masked_final_pdfs').execute();
  await db.schema.dropTable('masked_pages').execute();
}
