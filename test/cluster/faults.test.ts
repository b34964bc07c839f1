// Faults of the cluster in the middle of operations: twelve change operations, each held by an
// asynchronous EM in the coordination of its first VNFC, when a part of the cluster fails. The
// EM lets them go while the part is down or just after; every operation must then complete,
// none lost, and no VNFC coordinated again after the EM answered its CONTINUE. Each round
// writes its figures (time from the fault to the last completion, what the histories show) to
// test/.tmp/cluster-faults.json for RELIABILITY.md; nothing here asserts a duration.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceEm, type ReferenceEm } from '../../src/em/server.ts';
import { PROJECT_ROOT } from '../../src/project-root.ts';
import {
  api, changeRequest, idOf, instantiatedVnf, startTestCluster, uploadSamplePackage, waitForOpState, type TestCluster,
} from '../support/cluster.ts';
import { historyFacts, postsAfterResult } from '../support/faults.ts';
import { eventually } from '../support/wait.ts';

const OPERATIONS = 12;

let tc: TestCluster;
let em: ReferenceEm;
let client: Client;
let connection: Connection;
const packages: { id: string; vnfdId: string }[] = [];
const instances: { id: string; vnfdId: string }[] = [];
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  tc = await startTestCluster('faults');
  em = await startReferenceEm({ port: 0, log: () => undefined, auth: { methods: ['BASIC'] } });
  packages.push(await uploadSamplePackage(tc.cluster, 0, 'sample-vnf-v1'), await uploadSamplePackage(tc.cluster, 0, 'sample-vnf-v2'));
  const source = packages[0]!;
  const ids = await Promise.all(Array.from({ length: OPERATIONS }, () => instantiatedVnf(tc.cluster, source.vnfdId)));
  instances.push(...ids.map((id) => ({ id, vnfdId: source.vnfdId })));
  connection = await Connection.connect(tc.cluster.temporalConnection());
  client = new Client({ connection });
});

afterAll(async () => {
  const file = join(PROJECT_ROOT, 'test', '.tmp', 'cluster-faults.json');
  mkdirSync(join(PROJECT_ROOT, 'test', '.tmp'), { recursive: true });
  const earlier = (() => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  })();
  writeFileSync(file, JSON.stringify({ ...earlier, ...figures }, null, 2));
  await connection?.close();
  await em?.close();
  await tc?.close();
});

/**
 * One round: OPERATIONS changes (posted alternately through gateways A and B) held at the EM,
 * then `fault` breaks and repairs a part, calling `release` at the moment the EM should let the
 * coordinations go; then every operation is followed to its end.
 */
async function roundWith(name: string, fault: (release: () => void) => Promise<void>) {
  em.requests.clear();
  em.behaviours.set({ default: { mode: 'async', never: true, retryAfter: 1 } });
  const opIds: string[] = [];
  for (const [index, instance] of instances.entries()) {
    const target = packages.find((p) => p.vnfdId !== instance.vnfdId)!;
    const posted = await api(tc.cluster, index % 2, 'POST', `/vnflcm/v2/vnf_instances/${instance.id}/change_vnfpkg`, changeRequest(target.vnfdId, em.url));
    expect(posted.status, posted.body).toBe(202);
    opIds.push(idOf(posted.location));
    instance.vnfdId = target.vnfdId;
  }
  const held = () => new Set(em.requests.entries().filter((e) => e.method === 'POST' && e.status === 202).map((e) => e.vnfcInstanceId)).size;
  await eventually(`all ${OPERATIONS} operations waiting at the EM`, () => held() === OPERATIONS, 180_000);

  const faultAt = Date.now();
  let released = 0;
  await fault(() => {
    em.behaviours.set({ default: { mode: 'async', polls: 1, retryAfter: 1 } });
    released = em.finishHeld('CONTINUE');
  });
  const ops = await Promise.all(opIds.map((opId, index) => waitForOpState(tc.cluster, index % 2, opId, ['COMPLETED', 'FAILED_TEMP', 'FAILED'], 300_000)));
  const recoveredMs = Date.now() - faultAt;
  const facts = await Promise.all(opIds.map((opId) => historyFacts(client, opId)));
  const causes: Record<string, number> = {};
  for (const opId of opIds) {
    for (const event of (await client.workflow.getHandle(opId).fetchHistory()).events ?? []) {
      const failed = event.workflowTaskFailedEventAttributes;
      if (!failed) continue;
      const cause = proto.temporal.api.enums.v1.WorkflowTaskFailedCause[failed.cause ?? 0] ?? String(failed.cause);
      causes[cause] = (causes[cause] ?? 0) + 1;
    }
  }
  figures[name] = {
    operations: OPERATIONS,
    completed: ops.filter((op) => op.operationState === 'COMPLETED').length,
    secondsFromFaultToLastCompletion: Math.round(recoveredMs / 100) / 10,
    workflowTasksTimedOut: facts.reduce((sum, f) => sum + f.timedOut, 0),
    workflowTasksFailed: facts.reduce((sum, f) => sum + f.failed, 0),
    workflowTaskFailureCauses: causes,
    activitiesRetried: facts.reduce((sum, f) => sum + f.retriedActivities, 0),
    postsAfterContinue: [...postsAfterResult(em.requests.entries()).values()].reduce((sum, n) => sum + n, 0),
  };
  return { ops, released };
}

function expectEveryOperationCompletedOnce(result: { ops: Awaited<ReturnType<typeof waitForOpState>>[]; released: number }): void {
  expect(result.released).toBe(OPERATIONS);
  for (const op of result.ops) {
    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(['CONTINUE', 'CONTINUE']);
  }
  // Each VNFC of each operation: no coordination POSTed after the EM had answered it.
  const late = postsAfterResult(em.requests.entries());
  expect(late.size).toBe(OPERATIONS * 2);
  expect([...late.values()].every((posts) => posts === 0)).toBe(true);
}

describe(`${OPERATIONS} operations waiting at an asynchronous EM`, () => {
  it('all complete, each VNFC coordinated once, when a worker is SIGKILLed', async () => {
    const [victim] = tc.cluster.workers;
    const result = await roundWith('worker SIGKILL', async (release) => {
      await victim!.kill();
      release();
    });
    victim!.start();
    expectEveryOperationCompletedOnce(result);
  });

  it('all complete, each VNFC coordinated once, when the history service is SIGKILLed and restarted', async () => {
    const history = tc.cluster.temporal.history;
    const result = await roundWith('history service SIGKILL and restart', async (release) => {
      await history.kill();
      release();
      history.start();
    });
    expectEveryOperationCompletedOnce(result);
  });

  it('all complete, each VNFC coordinated once, when PostgreSQL is restarted', async () => {
    const result = await roundWith('PostgreSQL restart', async (release) => {
      await tc.cluster.postgres.stop();
      release();
      await tc.cluster.postgres.start();
    });
    expectEveryOperationCompletedOnce(result);
  });
});
