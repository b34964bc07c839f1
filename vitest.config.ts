import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'], exclude: ['**/node_modules/**'],
    // Native Temporal workers segfault under worker threads; each file gets its own process.
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/setup/temporal-server.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
