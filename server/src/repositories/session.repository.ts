import type { Executor } from '../db/database.ts';
import type { SessionsTable } from '../db/schema.ts';
import type { Insertable } from 'kysely';

export const insertSession = (ex: Executor, row: Insertable<SessionsTable>) => ex.insertInto('sessions').values(row).execute();

export const findSessionWithUser = (ex: Executor, id: string, now: string) =>
  ex
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as session_id',
      'sessions.expires_at',
      'sessions.created_at as session_created_at',
      'sessions.last_seen_at',
      'users.id',
      'users.email',
      'users.display_name',
      'users.role',
      'users.must_change_password',
      'users.is_active',
      'users.created_at',
    ])
    .where('sessions.id', '=', id)
    .where('sessions.expires_at', '>', now)
    .where('users.is_active', '=', 1)
    .executeTakeFirst();

export const touchSession = (ex: Executor, id: string, lastSeen: string, expiresAt: string) =>
  ex.updateTable('sessions').set({ last_seen_at: lastSeen, expires_at: expiresAt }).where('id', '=', id).execute();

export const deleteSession = (ex: Executor, id: string) => ex.deleteFrom('sessions').where('id', '=', id).execute();

export const deleteUserSessions = (ex: Executor, userId: string, exceptId?: string) => {
  let q = ex.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptId) q = q.where('id', '<>', exceptId);
  return q.execute();
};

export const deleteExpiredSessions = (ex: Executor, now: string) => ex.deleteFrom('sessions').where('expires_at', '<=', now).execute();
