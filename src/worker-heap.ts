// The worker's heap bound, apart from src/worker.ts so that the launchers (src/start.ts) can
// read it without loading the worker's modules.
import type { Env } from './config.ts';

/**
 * V8 lets a heap fill with garbage up to a limit sized from the machine's memory (GiBs here)
 * before it collects hard; the worker's workflow thread produces garbage on every activation.
 * The bound: room for the cache (0.3 MiB per cached workflow, measured) twice over, plus the SDK.
 */
export function workerHeapMiB(config: Pick<Env, 'WORKER_MAX_CACHED_WORKFLOWS'>): number {
  return 256 + Math.ceil(config.WORKER_MAX_CACHED_WORKFLOWS * 0.5);
}

/**
 * How the launchers (`npm start`, the Dockerfile, docker-compose.yml) start the worker's Node:
 * with the heap bound on the command line, so that it bounds every thread of the process, the
 * main thread (activities, the SDK's bridge, the codec) as well as the workflow threads.
 * Measured (bench figure 9, 200 operations waiting at once, one worker, twice each, interleaved):
 * peak RSS 535–544 MiB with the bound set from inside (workflow threads only,
 * boundWorkflowThreadHeap), 444–456 MiB with the same bound on the command line; earlier, at 500
 * concurrent operations, 1,062 MiB without any bound and 911 MiB with the one set from inside.
 */
export function workerNodeArgs(config: Pick<Env, 'WORKER_MAX_CACHED_WORKFLOWS'>): string[] {
  return [`--max-old-space-size=${workerHeapMiB(config)}`];
}
