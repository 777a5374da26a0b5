import type { Executor } from '../db/database.ts';

export const findDraft = (ex: Executor, copyId: string, ownerId: string) =>
  ex.selectFrom('draft_states').selectAll().where('copy_id', '=', copyId).where('owner_id', '=', ownerId).executeTakeFirst();

/** First save: insert or nothing (someone else's first save won). */
export const insertDraftIfAbsent = (
  ex: Executor,
  d: { copyId: string; ownerId: string; payload: string; clientId: string | null; now: string },
) =>
  ex
    .insertInto('draft_states')
    .values({ copy_id: d.copyId, owner_id: d.ownerId, payload: d.payload, version: 1, client_id: d.clientId, updated_at: d.now })
    .onConflict((oc) => oc.columns(['copy_id', 'owner_id']).doNothing())
    .returning('version')
    .executeTakeFirst();

/** Later saves: conditional on the version the client read. */
export const updateDraftIfVersion = (
  ex: Executor,
  d: { copyId: string; ownerId: string; payload: string; clientId: string | null; now: string; baseVersion: number },
) =>
  ex
    .updateTable('draft_states')
    .set((eb) => ({ payload: d.payload, client_id: d.clientId, updated_at: d.now, version: eb('version', '+', 1) }))
    .where('copy_id', '=', d.copyId)
    .where('owner_id', '=', d.ownerId)
    .where('version', '=', d.baseVersion)
    .returning('version')
    .executeTakeFirst();

export const deleteDrafts = (ex: Executor, copyId: string) => ex.deleteFrom('draft_states').where('copy_id', '=', copyId).execute();
