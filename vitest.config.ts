import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['src/test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // tfjs keeps one global engine per process: isolate files so tensor counts are per-file.
    pool: 'forks',
  },
});
