import type { Insertable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { AuditLogTable } from '../db/schema.ts';

/** One audit entry, written in the transaction of the action it records. */
export const insertAuditEntry = (ex: Executor, row: Insertable<AuditLogTable>) => ex.insertInto('audit_log').values(row).execute();

/** Newest first, by keyset (created_at, id) so paging stays stable while new entries arrive. */
export const listAuditLog = (ex: Executor, opts: { limit: number; before?: { at: string; id: string }; action?: string }) => {
  let q = ex
    .selectFrom('audit_log')
    .leftJoin('users', 'users.id', 'audit_log.actor_id')
    .select([
      'audit_log.id',
      'audit_log.action',
      'audit_log.actor_id',
      'users.display_name as actor_name',
      'audit_log.target_type',
      'audit_log.target_id',
      'audit_log.metadata',
      'audit_log.ip',
      'audit_log.created_at',
    ])
    .orderBy('audit_log.created_at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .limit(opts.limit + 1);
  if (opts.action) q = q.where('audit_log.action', '=', opts.action);
  const before = opts.before;
  if (before) {
    q = q.where((eb) =>
      eb.or([eb('audit_log.created_at', '<', before.at), eb.and([eb('audit_log.created_at', '=', before.at), eb('audit_log.id', '<', before.id)])]),
    );
  }
  return q.execute();
};
