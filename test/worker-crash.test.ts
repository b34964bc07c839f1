// A worker process dies (SIGKILL) while an operation waits on an asynchronous EM; a new
// worker process finishes the operation from the recorded history, without coordinating a
// VNFC twice.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { changeRequest, getOpOcc, opIdOf, postChange, startSystem, waitForState, type TestSystem } from './support/system.ts';
import { eventually } from './support/wait.ts';
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

it('completes the operation on a new worker after the worker is SIGKILLed during an EM wait', async () => {
  // The EM holds the second VNFC (in rolling order) in coordination until the test ends it.
  const second = system.instance.vnfcResourceInfo.at(-2)!;
  system.em.behaviours.set({
    rules: [{ match: { vnfcInstanceId: second.id }, mode: 'async', never: true, retryAfter: 1 }],
    default: { mode: 'async', polls: 1, retryAfter: 1 },
  });
  const first = startWorkerProcess(system);
  workers.push(first);
  await first.ready;
  const target = system.packages[1]!;

  const { status, location } = await postChange(system, changeRequest(system, target.vnfd.vnfdId));
  expect(status).toBe(202);
  const opId = opIdOf(location);
  // Kill once the second VNFC's POST has been answered and recorded by the workflow: while the EM
  // holds it, the workflow only polls (a read) or waits in a timer, so no POST is in flight.
  const posts = () => system.em.requests.entries().filter((e) => e.method === 'POST');
  await eventually('the second VNFC in coordination', async () => (await getOpOcc(system, opId)).lcmCoordinations?.length === 2);
  await first.kill('SIGKILL');
  const postsAtKill = posts().length;

  const next = startWorkerProcess(system);
  workers.push(next);
  await next.ready;
  expect(system.em.finishHeld('CONTINUE', { vnfcInstanceId: second.id })).toBe(1);
  const op = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP'], 90_000);

  expect(op.operationState, op.error?.detail).toBe('COMPLETED');
  expect(postsAtKill).toBe(2);
  const postedVnfcs = posts().map((e) => e.vnfcInstanceId);
  expect(postedVnfcs).toHaveLength(4);
  expect(new Set(postedVnfcs).size).toBe(4); // no VNFC was coordinated twice
  expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(['CONTINUE', 'CONTINUE', 'CONTINUE', 'CONTINUE']);
});
