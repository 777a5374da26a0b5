/** A worker process that claims the FLATTEN_COPY job, announces it is rendering, and hangs until killed. */
import { loadConfig } from '../../src/config.ts';
import { createContext } from '../../src/context.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';

const offset = Number(process.env.CHILD_CLOCK_OFFSET_MS ?? 0); // the parent test's clock may have been moved
const config = loadConfig({ KORRIGO_DATA_DIR: process.env.CHILD_DATA_DIR }, { databaseUrl: process.env.CHILD_DATABASE_URL! });
const ctx = await createContext(config, {
  clock: { now: () => new Date(Date.now() + offset) },
  renderer: {
    render: () => {
      process.stdout.write('RENDERING\n');
      setInterval(() => {}, 1000); // stay alive, mid-render, until SIGKILL
      return new Promise<Uint8Array>(() => {});
    },
  },
});
const runner = new JobRunner(ctx, jobHandlers, { owner: `dying-child-${process.pid}`, leaseMs: Number(process.env.CHILD_LEASE_MS) });
while (!(await runner.runOnce())) await new Promise((r) => setTimeout(r, 50));
