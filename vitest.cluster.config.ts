// `npm run test:cluster`: the cluster shape (the real Temporal server's services on PostgreSQL,
// two gateways, two workers) started by each test file itself, since its tests kill and restart
// its parts. One file at a time: a cluster is most of what 2 cores can run.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
