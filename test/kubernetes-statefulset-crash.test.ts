// A worker process dies (SIGKILL) while a change of a StatefulSet VDU waits for the EM about a
// replaced pod; the rollout stays where it is (the partition is the VNFM's to lower, so the
// controller replaces no further pod), and a new worker process finishes the change from the
// recorded history, coordinating no pod twice.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TYPES } from '../src/kubernetes-simulator/cluster.ts';
import { recordHistory } from './support/histories.ts';
import { cluster, cnfChangeRequest, instantiateCnf } from './support/kubernetes.ts';
import { getOpOcc, opIdOf, postChange, startSystem, waitForState, type TestSystem } from './support/system.ts';
import { eventually } from './support/wait.ts';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.ts';

let system: TestSystem;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  system = await startSystem('k8s-sts-crash', { withoutWorker: true, kubernetes: { statefulSetSamples: true } });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await system?.close();
});

it('completes a coordinated StatefulSet change on a new worker after the worker is SIGKILLed while the EM holds a pod', async () => {
  const first = startWorkerProcess(system);
  workers.push(first);
  await first.ready;
  const { instanceId, namespace } = await instantiateCnf(system, { sample: 'statefulset' });
  const sim = cluster(system).simulator.cluster;
  const uidOf = (name: string) => sim.store.get(TYPES.pods, namespace, name)?.metadata.uid;
  const untouched = uidOf('vdu1-0');
  system.em.requests.clear();
  system.em.behaviours.set({ default: { mode: 'async', never: true, retryAfter: 0 } });
  const posts = () => system.em.requests.entries().filter((e) => e.method === 'POST').map((e) => e.vnfcInstanceId);

  const { status, location } = await postChange(system, cnfChangeRequest(system, cluster(system).packages[3]!.vnfd.vnfdId, { sample: 'statefulset' }), instanceId);
  expect(status).toBe(202);
  const opId = opIdOf(location);
  await eventually('vdu1-2 in coordination', () => posts().length === 1);
  expect(system.em.finishHeld('CONTINUE')).toBe(1);
  // Kill once vdu1-1's POST was answered and recorded: the workflow only polls it now.
  await eventually('vdu1-1 in coordination', async () => (await getOpOcc(system, opId)).lcmCoordinations?.length === 2);
  await first.kill('SIGKILL');
  const postsAtKill = posts();

  const next = startWorkerProcess(system);
  workers.push(next);
  await next.ready;
  // Nothing moved while no worker ran: the partition still stands at 1, vdu1-0 is the pod it was.
  sim.reconcile();
  expect(uidOf('vdu1-0')).toBe(untouched);
  system.em.behaviours.set({ default: { mode: 'async', polls: 1, retryAfter: 0 } });
  expect(system.em.finishHeld('CONTINUE')).toBe(1);
  const op = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP'], 90_000);

  expect(op.operationState, op.error?.detail).toBe('COMPLETED');
  expect(postsAtKill).toEqual(['vdu1-2', 'vdu1-1']);
  expect(posts()).toEqual(['vdu1-2', 'vdu1-1', 'vdu1-0']); // no pod was coordinated twice
  expect(uidOf('vdu1-0')).not.toBe(untouched);
  expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(Array(3).fill('CONTINUE'));
  await recordHistory(system.client, opId, 'kubernetes-statefulset-worker-crash');
});
