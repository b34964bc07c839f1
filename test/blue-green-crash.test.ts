// A worker process dies (SIGKILL) in the middle of a Blue-Green change, after the switch, while
// the EM holds the coordination of a blue VNFC; a new worker process finishes the change from
// the recorded history: the load balancer is not switched again, no VNFC is coordinated twice,
// and the client traffic through the load balancer never fails.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordHistory } from './support/histories.ts';
import { addressesOf, startLoadBalancer, Traffic, type TestLoadBalancer } from './support/load-balancer.ts';
import { changeRequest, getOpOcc, opIdOf, postChange, startSystem, TEST_SCRIPT_SANDBOX, waitForState, type TestSystem } from './support/system.ts';
import { eventually } from './support/wait.ts';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.ts';

const SCRIPT = './Scripts/coordinate_vnf.py';
let system: TestSystem;
let lb: TestLoadBalancer;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  system = await startSystem('bgcrash', { withoutWorker: true, vimGuestPort: 0 });
  lb = await startLoadBalancer(system);
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await lb?.simulator.close();
  await system?.close();
});

function worker(): WorkerProcess {
  const started = startWorkerProcess(system, { VNFM_SCRIPT_SANDBOX: TEST_SCRIPT_SANDBOX.mode, VNFM_SCRIPT_USER: TEST_SCRIPT_SANDBOX.user });
  workers.push(started);
  return started;
}

it('completes a Blue-Green change on a new worker after the worker is SIGKILLed while blue is being coordinated', async () => {
  const { instance } = system;
  await lb.frontInstance(instance);
  // Blue is coordinated newest first: the EM holds the first blue VNFC until the test ends it.
  const firstBlue = instance.vnfcResourceInfo.at(-1)!;
  system.em.behaviours.set({ rules: [{ match: { vnfcInstanceId: firstBlue.id }, mode: 'async', never: true, retryAfter: 1 }] });
  const first = worker();
  await first.ready;
  const before = await lb.stats();
  const traffic = new Traffic(lb.simulator.url);

  const rolling = changeRequest(system, system.packages[1]!.vnfd.vnfdId);
  const { status, location } = await postChange(system, {
    ...rolling,
    additionalParams: {
      ...(rolling.additionalParams as Record<string, unknown>),
      upgrade_type: 'BlueGreen', 'lcm-operation-coordinate-new-vnf': SCRIPT, 'lcm-operation-coordinate-old-vnf': SCRIPT, external_lb_param: lb.param,
    },
  });
  expect(status).toBe(202);
  const opId = opIdOf(location);
  // 4 green coordinations and the held blue one recorded: the switch is behind, the workflow only polls.
  await eventually('the first blue VNFC in coordination', async () => (await getOpOcc(system, opId)).lcmCoordinations?.length === 5);
  await first.kill('SIGKILL');
  const switchesAtKill = (await lb.stats()).switches;

  const next = worker();
  await next.ready;
  expect(system.em.finishHeld('CONTINUE', { vnfcInstanceId: firstBlue.id })).toBe(1);
  const op = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP'], 90_000);
  await traffic.stop();
  await recordHistory(system.client, opId, 'blue-green-worker-crash');

  expect(op.operationState, op.error?.detail).toBe('COMPLETED');
  const after = await lb.stats();
  expect(switchesAtKill - before.switches).toBe(1);
  expect(after.switches).toBe(switchesAtKill); // the new worker did not switch again
  const posted = system.em.requests.entries().filter((e) => e.method === 'POST').map((e) => e.vnfcInstanceId);
  expect(posted).toHaveLength(8);
  expect(new Set(posted).size).toBe(8); // no VNFC was coordinated twice
  expect(traffic.failed).toEqual([]);
  expect(after.failed - before.failed).toBe(0);
  const green = await addressesOf(system, instance);
  expect(new Set((await lb.pool()).map((m) => m.address))).toEqual(new Set(green.values()));
});
