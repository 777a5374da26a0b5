/**
 * A worker process that claims the INGEST_UPLOAD job, stores CHILD_HANG_AFTER page images, announces it, and hangs
 * mid-ingest until the parent test SIGKILLs it.
 */
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createContext } from '../../src/context.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { BlobStore } from '../../src/storage/blob-store.ts';

const hangAfter = Number(process.env.CHILD_HANG_AFTER);
const offset = Number(process.env.CHILD_CLOCK_OFFSET_MS ?? 0); // the parent test's clock may have been moved
const config = loadConfig({ KORRIGO_DATA_DIR: process.env.CHILD_DATA_DIR }, { databaseUrl: process.env.CHILD_DATABASE_URL! });
const ctx = await createContext(config, { clock: { now: () => new Date(Date.now() + offset) } });

class HangingStore extends BlobStore {
  puts = 0;
  override async put(bytes: Uint8Array, contentType: string) {
    if (++this.puts > hangAfter) {
      process.stdout.write(`HANGING after ${hangAfter}\n`);
      setInterval(() => {}, 1000); // stay alive, mid-ingest, until SIGKILL
      return new Promise<never>(() => {});
    }
    return super.put(bytes, contentType);
  }
}
ctx.blobs = new HangingStore(path.join(config.dataDir, 'blobs'));

const runner = new JobRunner(ctx, jobHandlers, { owner: `dying-child-${process.pid}`, leaseMs: Number(process.env.CHILD_LEASE_MS) });
while (!(await runner.runOnce())) await new Promise((r) => setTimeout(r, 50));
