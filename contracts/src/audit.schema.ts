import { z } from 'zod';
import { Id, IsoTime, ListQuery, UserRef, page } from './common.schema.ts';

/** One admin action from the audit log (who did what to which object, from where). */
export const AuditEntry = z.object({
  id: Id,
  action: z.string(),
  actor: UserRef.nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
  createdAt: IsoTime,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditListQuery = ListQuery.extend({ action: z.string().max(100).optional() });
export const AuditPage = page(AuditEntry);
export type AuditPage = z.infer<typeof AuditPage>;
