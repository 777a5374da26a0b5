import type { AppContext } from '../context.ts';
import { recoverStuck } from '../services/recovery.service.ts';

/** `korrigo recover-stuck`: one recovery pass (the same one `serve` runs every minute), with what it did. */
export async function recoverStuckCommand(ctx: AppContext): Promise<void> {
  const r = await recoverStuck(ctx);
  console.log(
    `Recovery: ${r.expiredLeases.length} expired leases removed, ${r.requeuedJobs.length} jobs re-queued, ` +
      `${r.failedJobs.length} jobs failed (no attempt left), ${r.failedCopies.length} copies marked GRADING_FAILED.`,
  );
  for (const j of r.requeuedJobs) console.log(`  re-queued ${j.kind} job ${j.id}${j.refId ? ` (${j.refId})` : ''} after attempt ${j.attempts}`);
  for (const j of r.failedJobs) console.log(`  failed ${j.kind} job ${j.id}${j.refId ? ` (${j.refId})` : ''}`);
  for (const c of r.failedCopies) console.log(`  copy ${c.copyId} → GRADING_FAILED (its rendering job was lost; retry finalize)`);
}
