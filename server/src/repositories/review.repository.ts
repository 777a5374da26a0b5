import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { CopyReviewsTable } from '../db/schema.ts';

export type CopyReviewRow = Selectable<CopyReviewsTable>;

export const insertReview = (ex: Executor, row: Insertable<CopyReviewsTable>) => ex.insertInto('copy_reviews').values(row).execute();

/** The latest reopening of each copy (at most one row per copy). */
export async function latestReviews(ex: Executor, copyIds: string[]): Promise<Map<string, CopyReviewRow>> {
  const out = new Map<string, CopyReviewRow>();
  if (copyIds.length === 0) return out;
  const rows = await ex
    .selectFrom('copy_reviews')
    .selectAll()
    .where('copy_id', 'in', copyIds)
    .orderBy('reopened_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  for (const r of rows) if (!out.has(r.copy_id)) out.set(r.copy_id, r);
  return out;
}

export const latestReviewOf = async (ex: Executor, copyId: string) => (await latestReviews(ex, [copyId])).get(copyId) ?? null;
