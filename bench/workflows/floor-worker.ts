// The engine floor's worker as its own process, beside the production worker of figure 3: the
// floor workflow (floor.ts) and one no-op activity, with the production worker's cache size and
// heap bound, so its CPU and memory are Temporal's own cost for the same work. Configured by its
// environment: TEMPORAL_ADDRESS, FLOOR_TASK_QUEUE, FLOOR_BUNDLE_FILE (the bundle the benchmark
// built), WORKER_MAX_CACHED_WORKFLOWS.
import { readFileSync } from 'node:fs';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config.ts';
import { boundWorkflowThreadHeap } from '../../src/worker.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const taskQueue = process.env.FLOOR_TASK_QUEUE ?? 'floor';
  const bundleFile = process.env.FLOOR_BUNDLE_FILE;
  if (!bundleFile) throw new Error('FLOOR_BUNDLE_FILE is not set');
  boundWorkflowThreadHeap(config);
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue,
    workflowBundle: { code: readFileSync(bundleFile, 'utf8') },
    activities: { noop: () => Promise.resolve() },
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  });
  console.log(`floor worker polling task queue ${taskQueue}`);
  await worker.run();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
