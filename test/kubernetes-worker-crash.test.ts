// A worker process dies (SIGKILL) while a change on Kubernetes waits for the EM about a new pod;
// the rollout stays where it is (the pod is held out of service by its readiness gate, so the
// controller makes no next pod), and a new worker process finishes the change from the recorded
// history, coordinating no pod twice.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordHistory } from './support/histories.ts';
import { cluster, cnfChangeRequest, instantiateCnf, recordPodEvents, replicaSets } from './support/kubernetes.ts';
import { getOpOcc, opIdOf, postChange, startSystem, waitForState, type TestSystem } from './support/system.ts';
import { eventually } from './support/wait.ts';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.ts';

let system: TestSystem;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  system = await startSystem('k8s-crash', { withoutWorker: true, kubernetes: {} });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await system?.close();
});

it('completes a coordinated Kubernetes change on a new worker after the worker is SIGKILLed while the EM holds a pod', async () => {
  const first = startWorkerProcess(system);
  workers.push(first);
  await first.ready;
  const { instanceId, namespace } = await instantiateCnf(system);
  const rsBefore = replicaSets(system, namespace).map((rs) => rs.metadata.name);
  const pods = recordPodEvents(system, namespace);
  system.em.requests.clear();
  system.em.behaviours.set({ default: { mode: 'async', never: true, retryAfter: 0 } });
  const posts = () => system.em.requests.entries().filter((e) => e.method === 'POST').map((e) => e.vnfcInstanceId);

  const { status, location } = await postChange(system, cnfChangeRequest(system, cluster(system).packages[1]!.vnfd.vnfdId), instanceId);
  expect(status).toBe(202);
  const opId = opIdOf(location);
  await eventually('the first new pod in coordination', () => posts().length === 1);
  expect(system.em.finishHeld('CONTINUE')).toBe(1);
  // Kill once the second pod's POST was answered and recorded: the workflow only polls it now.
  await eventually('the second new pod in coordination', async () => (await getOpOcc(system, opId)).lcmCoordinations?.length === 2);
  await first.kill('SIGKILL');
  const postsAtKill = posts().length;

  const next = startWorkerProcess(system);
  workers.push(next);
  await next.ready;
  // Nothing moved while no worker ran: the held pod is not Ready, so no third pod was made.
  const newVdu1 = replicaSets(system, namespace).find((rs) => rs.metadata.name.startsWith('vdu1-') && !rsBefore.includes(rs.metadata.name))!;
  expect(pods.events.filter((e) => e.kind === 'created' && e.replicaSet === newVdu1.metadata.name)).toHaveLength(2);
  system.em.behaviours.set({ default: { mode: 'async', polls: 1, retryAfter: 0 } });
  expect(system.em.finishHeld('CONTINUE')).toBe(1);
  const op = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP'], 90_000);
  pods.stop();

  expect(op.operationState, op.error?.detail).toBe('COMPLETED');
  expect(postsAtKill).toBe(2);
  expect(posts()).toHaveLength(5);
  expect(new Set(posts()).size).toBe(5); // no pod was coordinated twice
  expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(Array(5).fill('CONTINUE'));
  expect(op.resourceChanges?.affectedVnfcs.filter((v) => v.changeType === 'ADDED').map((v) => v.id).sort()).toEqual([...posts()].sort());
  await recordHistory(system.client, opId, 'kubernetes-change-worker-crash');
});
