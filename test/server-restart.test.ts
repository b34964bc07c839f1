// The Temporal server itself goes away in the middle of an operation: a dev server of this test's
// own (SQLite file) is stopped with SIGTERM while the operation waits on an asynchronous EM, and
// started again on the same file, behind the same address. The worker process and the gateway
// stay up, reconnect on their own, and the operation completes without coordinating a VNFC twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureSampleInstance } from '../src/inventory/sample.ts';
import type { VnfPackageRecord } from '../src/inventory/store.ts';
import { historyFacts, postsAfterResult } from './support/faults.ts';
import { changeRequest, getOpOcc, opIdOf, postChange, startSystem, VNFLCM_HEADERS, waitForState, type TestSystem } from './support/system.ts';
import { startDevServer, type DevServer } from './support/temporal-dev-server.ts';
import { eventually } from './support/wait.ts';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.ts';

let dir: string;
let server: DevServer;
let system: TestSystem;
let worker: WorkerProcess;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vnfm-server-restart-'));
  server = await startDevServer({ dbFile: join(dir, 't.sqlite') });
  system = await startSystem('server-restart', { withoutWorker: true, temporalAddress: server.address });
  worker = startWorkerProcess(system);
  await worker.ready;
});
afterAll(async () => {
  await worker?.kill('SIGKILL');
  await system?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('completes an operation across a stop and start of the Temporal server on the same SQLite file', async () => {
  const instance = await ensureSampleInstance(system.inventory, system.vim.url, system.packages[0] as VnfPackageRecord, {
    instanceId: crypto.randomUUID(), layout: { VDU1: 1, VDU2: 1 },
  });
  // The EM holds the first VNFC (in rolling order) in coordination until the server is back.
  const first = instance.vnfcResourceInfo.at(-1)!;
  system.em.behaviours.set({
    rules: [{ match: { vnfcInstanceId: first.id }, mode: 'async', never: true, retryAfter: 1 }],
    default: { mode: 'async', polls: 1, retryAfter: 1 },
  });
  const res = await postChange(system, changeRequest(system, system.packages[1]!.vnfd.vnfdId, { timeout: 300 }), instance.id);
  expect(res.status, res.body).toBe(202);
  const opId = opIdOf(res.location);

  // The first VNFC's coordination is recorded and polled: the operation sits in a workflow timer.
  await eventually('the first VNFC in coordination', async () => (await getOpOcc(system, opId)).lcmCoordinations?.length === 1);
  await eventually('a poll of the held coordination', () => system.em.requests.entries()
    .some((e) => e.method === 'GET' && e.vnfcInstanceId === first.id && e.status === 202));
  const stopped = await server.stop('SIGTERM');
  const stoppedAt = Date.now();
  // A client reads the operation while the server is down: the gateway answers a ProblemDetails, it does not fall over.
  const outage = await request(`${system.gatewayUrl}/vnflcm/v2/vnf_lcm_op_occs/${opId}`, { headers: VNFLCM_HEADERS });
  const outageAnswer = { status: outage.statusCode, retryAfter: outage.headers['retry-after'], body: await outage.body.text(), ms: Date.now() - stoppedAt };
  const emRequestsWhileDown = system.em.requests.entries().length;
  await server.start();
  const restartedAt = Date.now();
  expect(system.em.finishHeld('CONTINUE', { vnfcInstanceId: first.id })).toBe(1);

  const op = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP', 'FAILED'], 90_000);
  console.log(`[server-restart] ${JSON.stringify({
    sigtermExitMs: stopped.exitMs, exit: stopped.signal ?? stopped.code, downMs: restartedAt - stoppedAt,
    completedAfterRestartMs: Date.parse(op.stateEnteredTime) - restartedAt, gatewayReadDuringOutage: { status: outageAnswer.status, answeredAfterMs: outageAnswer.ms },
  })}`);

  expect(op.operationState, op.error?.detail).toBe('COMPLETED');
  expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(['CONTINUE', 'CONTINUE']);
  // The same worker process carried on: it reconnected rather than crashed.
  expect(worker.child.exitCode).toBeNull();
  expect(worker.child.signalCode).toBeNull();
  // The read made during the outage got a 503 with Retry-After: the engine is unreachable, try again later.
  expect(outageAnswer.status).toBe(503);
  expect(outageAnswer.retryAfter).toBe('5');
  expect(JSON.parse(outageAnswer.body)).toMatchObject({ status: 503, title: 'Service Unavailable' });
  // Each VNFC was posted once; the first one's polls resumed after the restart.
  const entries = system.em.requests.entries();
  for (const vnfc of instance.vnfcResourceInfo) {
    expect(entries.filter((e) => e.vnfcInstanceId === vnfc.id && e.method === 'POST'), vnfc.id).toHaveLength(1);
  }
  expect([...postsAfterResult(entries).values()]).toEqual([0, 0]);
  expect(entries.length).toBeGreaterThan(emRequestsWhileDown);
  expect((await historyFacts(system.client, opId)).failed).toBe(0);
}, 180_000);
