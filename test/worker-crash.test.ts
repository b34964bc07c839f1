// A worker process dies (SIGKILL) while an operation waits on an asynchronous EM; a new
// worker process finishes the operation from the recorded history, without coordinating a
// VNFC twice.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { changeRequest, opIdOf, postChange, startSystem, waitForState, type TestSystem } from './support/system.ts';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.ts';

let system: TestSystem;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  system = await startSystem('crash', { withoutWorker: true });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await system?.close();
});

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('completes the operation on a new worker after the worker is SIGKILLed during an EM wait', async () => {
  system.em.behaviours.set({ default: { mode: 'async', polls: 3, retryAfter: 1 } });
  const first = startWorkerProcess(system);
  workers.push(first);
  await first.ready;
  const target = system.packages[1]!;

  const { status, location } = await postChange(system, changeRequest(system, target.vnfd.vnfdId));
  expect(status).toBe(202);
  // Wait until the second VNFC's coordination is being polled, then kill mid-wait.
  const posts = () => system.em.requests.entries().filter((e) => e.method === 'POST');
  await until(() => posts().length >= 2 && system.em.requests.entries().at(-1)?.method === 'GET', 60_000, 'the second VNFC to be polled');
  await new Promise((r) => setTimeout(r, 300)); // inside the 1 s Retry-After: the workflow is in a timer
  await first.kill('SIGKILL');
  const postsAtKill = posts().length;

  const second = startWorkerProcess(system);
  workers.push(second);
  await second.ready;
  const op = await waitForState(system, opIdOf(location), ['COMPLETED', 'FAILED_TEMP'], 90_000);

  expect(op.operationState, op.error?.detail).toBe('COMPLETED');
  expect(postsAtKill).toBe(2);
  const postedVnfcs = posts().map((e) => e.vnfcInstanceId);
  expect(postedVnfcs).toHaveLength(4);
  expect(new Set(postedVnfcs).size).toBe(4); // no VNFC was coordinated twice
  expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(['CONTINUE', 'CONTINUE', 'CONTINUE', 'CONTINUE']);
});
