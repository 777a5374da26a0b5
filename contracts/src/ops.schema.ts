import { z } from 'zod';

/** GET /healthz: the process answers. */
export const Health = z.object({ status: z.literal('ok') });
export type Health = z.infer<typeof Health>;

/** GET /readyz: 200 `ready` when the database answers and the storage is writable, else 503 `not ready`. */
export const Readiness = z.object({
  status: z.enum(['ready', 'not ready']),
  /** per dependency: `ok`, or `error: <message>` */
  checks: z.record(z.string(), z.string()),
});
export type Readiness = z.infer<typeof Readiness>;
