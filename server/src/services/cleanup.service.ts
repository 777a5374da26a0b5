import type { AppContext } from '../context.ts';
import { blobKeysIn, deleteBlobRow, unreferencedBlobs } from '../repositories/blob.repository.ts';

export interface CleanupReport {
  dryRun: boolean;
  orphanFiles: { storageKey: string; size: number }[];
  orphanRows: { id: string; storageKey: string; size: number }[];
  bytes: number;
}

/**
 * P0-DI-006: removes files that have no `blobs` row and `blobs` rows that nothing references, both older than
 * the grace period (a file younger than that may belong to a transaction still in flight). A referenced blob is
 * never touched: the row delete is refused by the foreign keys even if a reference appeared meanwhile.
 */
export async function cleanupOrphans(ctx: AppContext, opts: { dryRun: boolean; graceMs: number }): Promise<CleanupReport> {
  const cutoffMs = ctx.clock.now().getTime() - opts.graceMs;
  const cutoff = new Date(cutoffMs).toISOString();
  const report: CleanupReport = { dryRun: opts.dryRun, orphanFiles: [], orphanRows: [], bytes: 0 };

  const batch: { storageKey: string; size: number; temp: boolean }[] = [];
  const flush = async () => {
    const known = await blobKeysIn(ctx.db, batch.filter((f) => !f.temp).map((f) => f.storageKey));
    for (const f of batch) {
      if (!f.temp && known.has(f.storageKey)) continue;
      report.orphanFiles.push({ storageKey: f.storageKey, size: f.size });
      report.bytes += f.size;
      if (!opts.dryRun) await ctx.blobs.removeRaw(f.storageKey);
    }
    batch.length = 0;
  };
  for await (const f of ctx.blobs.list()) {
    if (f.mtimeMs >= cutoffMs) continue;
    batch.push(f);
    if (batch.length >= 500) await flush();
  }
  await flush();

  for (const row of await unreferencedBlobs(ctx.db, cutoff)) {
    if (!opts.dryRun) {
      try {
        await ctx.db.transaction().execute(async (tx) => {
          await deleteBlobRow(tx, row.id);
        });
      } catch {
        continue; // became referenced meanwhile: the RESTRICT foreign key refused the delete
      }
      await ctx.blobs.remove(row.storage_key);
    }
    report.orphanRows.push({ id: row.id, storageKey: row.storage_key, size: Number(row.size) });
    report.bytes += Number(row.size);
  }
  ctx.log.info({ files: report.orphanFiles.length, rows: report.orphanRows.length, bytes: report.bytes, dryRun: opts.dryRun }, 'orphan cleanup');
  return report;
}

/** "1h", "30m", "10s", "2d", or milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new Error(`Not a duration: ${s} (use e.g. 1h, 30m, 10s)`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return n * unit;
}
