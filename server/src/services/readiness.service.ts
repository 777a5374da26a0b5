import type { AppContext } from '../context.ts';
import { pingDatabase } from '../repositories/ops.repository.ts';

/** /readyz: the database answers and the blob storage is writable; each check says "ok" or why not. */
export async function readiness(ctx: AppContext): Promise<{ ready: boolean; checks: Record<'database' | 'storage', string> }> {
  const check = (work: () => Promise<void>) => work().then(
    () => 'ok',
    (err: unknown) => `error: ${(err as Error).message}`,
  );
  const [database, storage] = await Promise.all([check(() => pingDatabase(ctx.db)), check(() => ctx.blobs.probeWritable())]);
  return { ready: database === 'ok' && storage === 'ok', checks: { database, storage } };
}
