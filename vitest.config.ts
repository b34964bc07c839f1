import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // test/cluster/ needs the provisioned Temporal server and PostgreSQL: `npm run test:cluster`.
    include: ['test/**/*.test.ts'], exclude: ['**/node_modules/**', 'test/cluster/**'],
    // Native Temporal workers segfault under worker threads; each file gets its own process.
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/setup/temporal-server.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
