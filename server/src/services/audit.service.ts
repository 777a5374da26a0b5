import type { Actor, AppContext } from '../context.ts';
import type { AuditPage } from '@korrigo/contracts';
import type { Executor } from '../db/database.ts';
import { newId } from '../ids.ts';
import { validation } from '../errors.ts';
import { insertAuditEntry, listAuditLog } from '../repositories/audit.repository.ts';
import { requireRole } from './access.ts';

/** Admin actions land in the audit log, in the transaction of the action. */
export const audit = (
  ex: Executor,
  actor: Actor | null,
  action: string,
  targetType: string | null,
  targetId: string | null,
  metadata: Record<string, unknown>,
  at: string,
) =>
  insertAuditEntry(ex, {
    id: newId(),
    actor_id: actor?.id ?? null,
    action,
    target_type: targetType,
    target_id: targetId,
    metadata: JSON.stringify(metadata),
    ip: actor?.ip ?? null,
    created_at: at,
  });

/** The audit log for admins, newest first; the cursor is opaque (the last entry's time and id). */
export async function listAudit(ctx: AppContext, actor: Actor, q: { limit: number; cursor?: string; action?: string }): Promise<AuditPage> {
  requireRole(actor, 'ADMIN');
  const rows = await listAuditLog(ctx.db, { limit: q.limit, action: q.action, before: q.cursor ? decodeCursor(q.cursor) : undefined });
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return {
    items: items.map((r) => ({
      id: r.id,
      action: r.action,
      actor: r.actor_id ? { id: r.actor_id, displayName: r.actor_name ?? '' } : null,
      targetType: r.target_type,
      targetId: r.target_id,
      metadata: JSON.parse(r.metadata) as Record<string, unknown>,
      ip: r.ip,
      createdAt: r.created_at,
    })),
    nextCursor: rows.length > q.limit && last ? Buffer.from(JSON.stringify([last.created_at, last.id])).toString('base64url') : null,
  };
}

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(at))) return { at, id };
  } catch {
    // fall through: any malformed cursor is the same client error
  }
  throw validation('Invalid cursor', { field: 'cursor' });
}
