import type { Executor } from '../db/database.ts';
import type { StoredFile } from '../storage/blob-store.ts';

export const insertBlob = (ex: Executor, f: StoredFile, createdAt: string) =>
  ex
    .insertInto('blobs')
    .values({ id: f.id, sha256: f.sha256, size: f.size, content_type: f.contentType, storage_key: f.storageKey, created_at: createdAt })
    .execute();

export const findBlob = (ex: Executor, id: string) => ex.selectFrom('blobs').selectAll().where('id', '=', id).executeTakeFirst();

export const blobKeysIn = async (ex: Executor, keys: string[]): Promise<Set<string>> => {
  if (keys.length === 0) return new Set();
  const rows = await ex.selectFrom('blobs').select('storage_key').where('storage_key', 'in', keys).execute();
  return new Set(rows.map((r) => r.storage_key));
};

/** Blob rows that nothing references, created before `before`. Every referencing column is listed here. */
export const unreferencedBlobs = (ex: Executor, before: string) =>
  ex
    .selectFrom('blobs as b')
    .select(['b.id', 'b.storage_key', 'b.size'])
    .where('b.created_at', '<', before)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('pages').select('pages.id').whereRef('pages.image_blob_id', '=', 'b.id')
            .union(selectFrom('copies').select('copies.id').whereRef('copies.final_blob_id', '=', 'b.id'))
            .union(selectFrom('final_pdfs').select('final_pdfs.id').whereRef('final_pdfs.blob_id', '=', 'b.id'))
            .union(selectFrom('uploads').select('uploads.id').whereRef('uploads.source_blob_id', '=', 'b.id'))
            .union(selectFrom('copy_reviews').select('copy_reviews.id').whereRef('copy_reviews.previous_blob_id', '=', 'b.id'))
            .union(selectFrom('masked_pages').select('masked_pages.page_id as id').whereRef('masked_pages.blob_id', '=', 'b.id'))
            .union(selectFrom('masked_final_pdfs').select('masked_final_pdfs.final_blob_id as id').whereRef('masked_final_pdfs.blob_id', '=', 'b.id')),
        ),
      ),
    )
    .execute();

/** Deletes a blob row only if it is still unreferenced (the FKs RESTRICT refuse it otherwise). */
export const deleteBlobRow = (ex: Executor, id: string) => ex.deleteFrom('blobs').where('id', '=', id).execute();
