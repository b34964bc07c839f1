// Reads and admission that never wait for a worker busy with operations: the gateway admits an
// operation through the instance's entity, which runs on its own task queue, and answers GET op
// occ from the view the operation keeps in its memo on the Temporal server. Here no worker runs
// the operations at all (then one does, and is killed): admission and reads go on regardless.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureSampleInstance } from '../src/inventory/sample.ts';
import type { vnfInstanceLcm } from '../src/workflows/vnf-instance-lcm.ts';
import { instanceTaskQueue, operationQuery, vnfInstanceWorkflowId } from '../src/workflows/messages.ts';
import { changeRequest, getOpOcc, opIdOf, postChange, startSystem, waitForState, type TestSystem } from './support/system.ts';
import { recordHistory } from './support/histories.ts';
import { eventually } from './support/wait.ts';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.ts';

let system: TestSystem;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  // Only the admission worker runs: nothing polls the operations' task queue.
  system = await startSystem('reads', { withoutOperationsWorker: true });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await system?.close();
});

it('admits an operation while no worker runs operations, and answers its GET from the memo: STARTING, then the last state its worker published after that worker is gone', async () => {
  system.em.behaviours.set({ default: { mode: 'async', never: true, retryAfter: 1 } });
  const target = system.packages[1]!;

  const { status, location } = await postChange(system, changeRequest(system, target.vnfd.vnfdId));
  expect(status).toBe(202);
  const opId = opIdOf(location);
  const starting = await getOpOcc(system, opId);
  expect(starting).toMatchObject({ id: opId, operationState: 'STARTING', vnfInstanceId: system.instance.id, operation: 'CHANGE_VNFPKG', isCancelPending: false });
  expect(starting.stateEnteredTime).toBe(starting.startTime);

  const worker = startWorkerProcess(system);
  workers.push(worker);
  await worker.ready;
  const waiting = await eventually('the first VNFC in coordination', async () => {
    const op = await getOpOcc(system, opId);
    return op.lcmCoordinations?.length === 1 && op;
  });
  // The workflow started from the state its entity published: same start, same request.
  const state = await system.client.workflow.getHandle(opId).query(operationQuery);
  expect(state.startTime).toBe(starting.startTime);
  expect(waiting.startTime).toBe(starting.startTime);
  expect(waiting.operationParams).toEqual(starting.operationParams);

  await worker.kill('SIGKILL');
  const withoutWorker = await getOpOcc(system, opId);
  expect(withoutWorker).toEqual(await getOpOcc(system, opId));
  expect(withoutWorker.operationState).toBe('PROCESSING');
  expect(withoutWorker.lcmCoordinations).toEqual(waiting.lcmCoordinations);
  expect(withoutWorker.resourceChanges?.affectedVnfcs).toEqual(waiting.resourceChanges?.affectedVnfcs);

  const next = startWorkerProcess(system);
  workers.push(next);
  await next.ready;
  system.em.behaviours.set({ default: { mode: 'sync' } });
  expect(system.em.finishHeld('CONTINUE')).toBe(1);
  const done = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP'], 90_000);
  expect(done.operationState, done.error?.detail).toBe('COMPLETED');
  await next.kill('SIGTERM');
});

it('moves an instance entity that ran beside the operations onto the admission queue once it has admitted an operation', async () => {
  const instance = await ensureSampleInstance(system.inventory, system.vim.url, system.packages[0]!, { instanceId: randomUUID() });
  // The entity as an earlier version started it: on the VNFM's own task queue.
  const entity = await system.client.workflow.start<typeof vnfInstanceLcm>('vnfInstanceLcm', {
    workflowId: vnfInstanceWorkflowId(instance.id), taskQueue: system.taskQueue, args: [{ vnfInstanceId: instance.id, operationsStarted: 0 }],
  });
  const worker = startWorkerProcess(system);
  workers.push(worker);
  await worker.ready;
  system.em.behaviours.set({ default: { mode: 'sync' } });

  const { status, location } = await postChange(system, changeRequest(system, system.packages[1]!.vnfd.vnfdId), instance.id);
  expect(status).toBe(202);
  const done = await waitForState(system, opIdOf(location), ['COMPLETED', 'FAILED_TEMP'], 90_000);
  expect(done.operationState, done.error?.detail).toBe('COMPLETED');

  const moved = await eventually('the entity on the admission queue', async () => {
    const description = await system.client.workflow.getHandle(entity.workflowId).describe();
    return description.taskQueue === instanceTaskQueue(system.taskQueue) && description;
  });
  expect(moved.status.name).toBe('RUNNING');
  expect(moved.runId).not.toBe(entity.firstExecutionRunId);
  await recordHistory(system.client, entity.workflowId, 'vnf-instance-entity-moved', entity.firstExecutionRunId);
});
