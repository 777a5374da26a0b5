/**
 * The server under test, in its own process so its CPU and memory are measured apart from the load generator:
 * what `LOG_LEVEL=warn korrigo serve` runs (buildApp + listen + the in-process job runner), on a free port.
 * It reports its port over IPC and stops on a "stop" message.
 */
import { loadConfig } from '../../src/config.ts';
import { createContext } from '../../src/context.ts';
import { migrateToLatest } from '../../src/db/database.ts';
import { buildApp } from '../../src/http/app.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { bootstrapAdmin } from '../../src/services/auth.service.ts';
import { closePdfPool, getPdfPool } from '../../src/pdf/pool.ts';

const send = (msg: unknown) => process.send!(msg);
if (!process.send) throw new Error('server-child.ts must be started with an IPC channel');

const config = loadConfig(process.env, { port: 0, runJobs: process.env.BENCH_JOBS !== '0', webDist: process.env.BENCH_WEB_DIST || null });
const ctx = await createContext(config);
await migrateToLatest(ctx.db);
await bootstrapAdmin(ctx);
const app = await buildApp(ctx, { logger: true });
const runner = config.runJobs ? new JobRunner(ctx, jobHandlers) : null;
await app.listen({ port: 0, host: '127.0.0.1' });
runner?.start();
const address = app.server.address();
send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });

process.on('message', async (msg: { type: string }) => {
  try {
    if (msg.type === 'warm-pool') {
      // Starts the PDF threads, as the first upload of a running server would have done, so that the memory
      // baseline taken afterwards includes them.
      for (const pool of [getPdfPool('quick'), getPdfPool('bulk')]) {
        await Promise.all(Array.from({ length: pool.size }, () => pool.inspectPdf(new Uint8Array(0), { maxBytes: 1, maxPages: 1 }).catch(() => null)));
      }
      send({ type: 'warm-pool:done' });
    } else if (msg.type === 'stop') {
      await runner?.stop();
      await app.close();
      await ctx.db.destroy();
      await closePdfPool();
      process.exit(0);
    }
  } catch (err) {
    send({ type: `${msg.type}:error`, error: (err as Error).stack ?? String(err) });
  }
});
