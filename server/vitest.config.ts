import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // each file gets its own database; the report names the engine so a skipped engine is visible
    env: { KORRIGO_TEST_DB: process.env.KORRIGO_TEST_DB ?? 'sqlite' },
  },
});
