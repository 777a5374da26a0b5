import type { Executor } from '../db/database.ts';
import { newId } from '../ids.ts';

/** Append-only audit of a copy; always called inside the transaction of the change it records. */
export const insertEvent = (
  ex: Executor,
  e: { copyId: string; action: string; actorId: string | null; metadata?: Record<string, unknown>; at: string },
) =>
  ex
    .insertInto('grading_events')
    .values({ id: newId(), copy_id: e.copyId, action: e.action, actor_id: e.actorId, metadata: JSON.stringify(e.metadata ?? {}), created_at: e.at })
    .execute();

export const listEvents = (ex: Executor, copyId: string) =>
  ex
    .selectFrom('grading_events')
    .leftJoin('users', 'users.id', 'grading_events.actor_id')
    .select([
      'grading_events.id',
      'grading_events.action',
      'grading_events.actor_id',
      'users.display_name as actor_name',
      'users.role as actor_role',
      'grading_events.metadata',
      'grading_events.created_at',
    ])
    .where('grading_events.copy_id', '=', copyId)
    .orderBy('grading_events.created_at')
    .orderBy('grading_events.id')
    .execute();

export const countEvents = async (ex: Executor, copyId: string, action: string) =>
  Number(
    (
      await ex
        .selectFrom('grading_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('copy_id', '=', copyId)
        .where('action', '=', action)
        .executeTakeFirstOrThrow()
    ).n,
  );
