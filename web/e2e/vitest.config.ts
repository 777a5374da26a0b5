import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Browser tests: each file starts the real server (which serves web/dist — build it first: `npm run build -w web`)
 * and drives Debian Chromium through playwright-core. Run: `npx vitest run --config web/e2e/vitest.config.ts`.
 */
export default defineConfig({
  root: path.dirname(fileURLToPath(import.meta.url)),
  test: {
    include: ['**/*.e2e.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // one retry, a stop-gap: desk-scores "confirmed with click, keep theirs" failed once in a clean-clone CI run
    // (no conflict dialog within 15 s) and passed on re-run on the same code; a failure on the retry still fails
    retry: 1,
    sequence: { concurrent: false },
  },
});
