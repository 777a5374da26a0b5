import type { Executor } from '../db/database.ts';
import { dialectOf } from '../db/dialect.ts';

// Above any real position: pages park here while a copy's pages are renumbered, so UNIQUE(copy_id, position)
// never sees two pages on one position in between.
const PARKING = 1_000_000;

/**
 * The copies, row-locked in id order on PostgreSQL so two merges sharing copies queue instead of deadlocking
 * (SQLite transactions are already serialized by BEGIN IMMEDIATE).
 */
export const lockCopies = (ex: Executor, ids: string[]) => {
  const q = ex.selectFrom('copies').selectAll().where('id', 'in', ids).orderBy('id');
  return dialectOf(ex) === 'postgres' ? q.forUpdate().execute() : q.execute();
};

/** Moves every page of `copyIds`, in the given order, to `targetId` as positions 0..n-1. Returns n. */
export async function restackPages(ex: Executor, targetId: string, copyIds: string[]): Promise<number> {
  const pages = await ex
    .selectFrom('pages')
    .select(['id', 'copy_id', 'position'])
    .where('copy_id', 'in', copyIds)
    .$narrowType<{ copy_id: string; position: number }>()
    .execute();
  const order = new Map(copyIds.map((id, i) => [id, i]));
  pages.sort((a, b) => order.get(a.copy_id)! - order.get(b.copy_id)! || a.position - b.position);
  for (const [i, p] of pages.entries()) {
    await ex.updateTable('pages').set({ copy_id: targetId, position: PARKING + i }).where('id', '=', p.id).execute();
  }
  await ex
    .updateTable('pages')
    .set((eb) => ({ position: eb('position', '-', PARKING) }))
    .where('copy_id', '=', targetId)
    .where('position', '>=', PARKING)
    .execute();
  return pages.length;
}
