import type { Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { newId } from '../ids.ts';

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
  ex
    .insertInto('audit_log')
    .values({
      id: newId(),
      actor_id: actor?.id ?? null,
      action,
      target_type: targetType,
      target_id: targetId,
      metadata: JSON.stringify(metadata),
      ip: actor?.ip ?? null,
      created_at: at,
    })
    .execute();
