import type { Executor } from '../db/database.ts';

/** Sets or clears the release time only if it changes (one conditional statement); true when it did. */
export async function setReleased(ex: Executor, examId: string, releasedAt: string | null, now: string): Promise<boolean> {
  const q = ex.updateTable('exams').set({ results_released_at: releasedAt, updated_at: now }).where('id', '=', examId);
  const r = await (releasedAt === null ? q.where('results_released_at', 'is not', null) : q.where('results_released_at', 'is', null)).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
