import { sql, type RawBuilder } from 'kysely';
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

/**
 * A later save in ONE statement (the autosave hot path): applied only at the version the client read AND while
 * every condition in `guards` holds (the live lease, the right to grade the copy), each an uncorrelated EXISTS.
 * No row back means one of them failed; the caller finds out which on its slow path.
 */
export const updateDraftIfVersionAnd = (
  ex: Executor,
  d: { copyId: string; ownerId: string; payload: string; clientId: string | null; now: string; baseVersion: number },
  guards: RawBuilder<boolean>[],
) =>
  sql<{ version: number }>`UPDATE draft_states SET payload = ${d.payload}, client_id = ${d.clientId}, updated_at = ${d.now}, version = version + 1
    WHERE copy_id = ${d.copyId} AND owner_id = ${d.ownerId} AND version = ${d.baseVersion}${sql.join(guards.map((g) => sql` AND ${g}`), sql``)}
    RETURNING version`
    .execute(ex)
    .then((r) => r.rows[0]);
