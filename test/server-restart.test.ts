// The Temporal server itself goes away in the middle of an operation: a dev server of this test's
// own (SQLite file) is stopped with SIGTERM while the operation waits on an asynchronous EM, and
// started again on the same file and port. The worker process and the gateway stay up, reconnect
// on their own, and the operation completes without coordinating a VNFC twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureSampleInstance } from '../src/inventory/sample.ts';
import type { VnfPackageRecord } from '../src/inventory/store.ts';
import { historyFacts, postsAfterResult, sleep, until } from './support/faults.ts';
import { changeRequest, opIdOf, postChange, startSystem, VNFLCM_HEADERS, waitForState, type TestSystem } from './support/system.ts';
import { startDevServer, type DevServer } from './support/temporal-dev-server.ts';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.ts';

const DOWN_MS = 3_000;

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
  await server?.stop('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('completes an operation across a stop and start of the Temporal server on the same SQLite file', async () => {
  const instance = await ensureSampleInstance(system.inventory, system.vim.url, system.packages[0] as VnfPackageRecord, {
    instanceId: crypto.randomUUID(), layout: { VDU1: 1, VDU2: 1 },
  });
  system.em.behaviours.set({ default: { mode: 'async', polls: 8, retryAfter: 1 } });
  const res = await postChange(system, changeRequest(system, system.packages[1]!.vnfd.vnfdId, { timeout: 300 }), instance.id);
  expect(res.status, res.body).toBe(202);
  const opId = opIdOf(res.location);

  // The first VNFC's coordination is being polled: the operation sits in a workflow timer.
  await until(() => system.em.requests.entries().some((e) => e.method === 'GET' && e.status === 202), 60_000, 'the first poll of the EM');
  await sleep(300);
  const stopped = await server.stop('SIGTERM');
  const stoppedAt = Date.now();
  // A client reads the operation while the server is down; the gateway holds or refuses it, it does not fall over.
  const probe = request(`${system.gatewayUrl}/vnflcm/v2/vnf_lcm_op_occs/${opId}`, { headers: VNFLCM_HEADERS })
    .then(async (r) => ({ status: r.statusCode, body: await r.body.text(), ms: Date.now() - stoppedAt }));
  await sleep(DOWN_MS);
  const emRequestsWhileDown = system.em.requests.entries().length;
  await server.start();
  const restartedAt = Date.now();
  const outageAnswer = await probe;

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
  // The read made during the outage got an answer: the operation (held until the server was back) or a problem.
  if (outageAnswer.status !== 200) expect(JSON.parse(outageAnswer.body)).toMatchObject({ status: outageAnswer.status });
  // Each VNFC was posted once; the first one's polls resumed after the restart.
  const entries = system.em.requests.entries();
  for (const vnfc of instance.vnfcResourceInfo) {
    expect(entries.filter((e) => e.vnfcInstanceId === vnfc.id && e.method === 'POST'), vnfc.id).toHaveLength(1);
  }
  expect([...postsAfterResult(entries).values()]).toEqual([0, 0]);
  expect(entries.length).toBeGreaterThan(emRequestsWhileDown);
  expect((await historyFacts(system.client, opId)).failed).toBe(0);
}, 180_000);
