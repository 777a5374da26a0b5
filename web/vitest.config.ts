import { defineConfig } from 'vitest/config';

/** Unit tests of the pure modules (annotations, points, tools). Browser tests live in e2e/ with their own config. */
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
