import { defineConfig } from 'vitest/config';

/**
 * `npm run mutation`: the integrity tests on SQLite, for StrykerJS (see stryker.config.json).
 * KORRIGO_MUTATION_TESTS (comma-separated paths) narrows them when one module is mutated at a time.
 */
export default defineConfig({
  test: {
    include: process.env.KORRIGO_MUTATION_TESTS?.split(',') ?? ['test/integrity/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { KORRIGO_TEST_DB: 'sqlite' },
  },
});
