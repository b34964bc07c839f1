// Faults, and what each one ends in (RELIABILITY.md lists them):
// - the worker process SIGKILLed at random moments (seeded) under 20 concurrent changes, some of
//   them with injected EM and VIM failures: every operation ends in its expected state, and no
//   VNFC is coordinated again once the EM answered its coordination;
// - the at-least-once window: a worker killed while the EM holds a POST it has received; the
//   POST is sent again, unchanged, once the dead worker's heartbeats are missed;
// - EM faults (500s for a while, connection resets, a hanging EM, a body that is not JSON), a VIM
//   update that fails, and a notification subscriber that is down for a while.
// The three groups run concurrently (the tests of each group one after the other): the first two
// spend most of their time waiting on timeouts.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { BehaviourConfigInput } from '../src/em/behaviour.ts';
import { listen } from '../src/http/listen.ts';
import { ensureSampleInstance } from '../src/inventory/sample.ts';
import type { VnfInstanceRecord, VnfPackageRecord } from '../src/inventory/store.ts';
import type { VnfLcmOpOcc } from '../src/sol003/models.ts';
import type { deliverOperationNotifications } from '../src/workflows/notifications.ts';
import { activityAttempts, activityTimeouts, historyFacts, postsAfterResult, seededRandom, startEmStub, type EmStub } from './support/faults.ts';
import {
  changeRequest, getOpOcc, operatorTask, opIdOf, postChange, startSystem, VNFLCM_HEADERS, vimStack, waitForState, type TestSystem,
} from './support/system.ts';
import { startTcpGate, upstreamOf } from './support/tcp-gate.ts';
import { eventually } from './support/wait.ts';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.ts';

const TERMINAL = ['COMPLETED', 'FAILED_TEMP', 'FAILED'];
/** The coordination action the sample VNFD (v2) declares for change_current_package. */
const ACTION = 'prv.tacker_organization.coordination_test';
/** FAULTS_SEED=<n> replays another kill schedule; the default one is in RELIABILITY.md. */
const SEED = Number(process.env.FAULTS_SEED ?? 20_240_611);
const OPERATIONS = 20;
const KILLS = 3;

function freshInstance(system: TestSystem, layout: Record<string, number>): Promise<VnfInstanceRecord> {
  return ensureSampleInstance(system.inventory, system.vim.url, system.packages[0] as VnfPackageRecord, { instanceId: randomUUID(), layout });
}

/** Posts a change of the instance to package v2, limited to the given VDUs; answers the operation id. */
async function change(system: TestSystem, instance: VnfInstanceRecord, vnfcParam: Record<string, unknown> = {}, vdus?: string[]): Promise<string> {
  const body = changeRequest(system, system.packages[1]!.vnfd.vnfdId, vnfcParam);
  const additional = body.additionalParams as { vdu_params: { vdu_id: string }[] };
  if (vdus) additional.vdu_params = additional.vdu_params.filter((p) => vdus.includes(p.vdu_id));
  const res = await postChange(system, body, instance.id);
  if (res.status !== 202) throw new Error(`change_vnfpkg answered ${res.status}: ${res.body}`);
  return opIdOf(res.location);
}

/** Reads every operation until all are in a final or FAILED_TEMP state; one query at a time, so the worker is not flooded. */
async function settle(system: TestSystem, opIds: string[], timeoutMs: number): Promise<Map<string, VnfLcmOpOcc>> {
  const ended = new Map<string, VnfLcmOpOcc>();
  await eventually(`every operation to end (${opIds.length} operations)`, async () => {
    for (const opId of opIds.filter((id) => !ended.has(id))) {
      const op = await getOpOcc(system, opId).catch(() => undefined);
      if (op && TERMINAL.includes(op.operationState)) ended.set(opId, op);
    }
    return ended.size === opIds.length;
  }, timeoutMs);
  return ended;
}

describe.concurrent('faults', () => {
  describe('a worker process SIGKILLed at random moments', () => {
    let system: TestSystem;
    const workers: WorkerProcess[] = [];
    beforeAll(async () => {
      system = await startSystem('chaos', { withoutWorker: true });
    });
    afterAll(async () => {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
      await system?.close();
    });

    it(`ends ${OPERATIONS} concurrent changes COMPLETED or in their injected failure, none stuck, and never coordinates a VNFC again after its result`, async ({ expect }) => {
      const began = Date.now();
      const random = seededRandom(SEED);
      let worker = startWorkerProcess(system); // boots while the instances are created
      workers.push(worker);
      type Injected = { kind: 'EM ABORT' | 'VIM UPDATE_FAILED'; vnfcId: string; detail: string };
      const plan: { instance: VnfInstanceRecord; injected?: Injected }[] = [];
      for (let i = 0; i < OPERATIONS; i++) {
        const instance = await freshInstance(system, { VDU1: 1, VDU2: 1 });
        const [first, second] = [...instance.vnfcResourceInfo].reverse(); // rolling order: VDU2-0, then VDU1-0
        const entry: (typeof plan)[number] = { instance };
        if (i === 3) entry.injected = { kind: 'EM ABORT', vnfcId: first!.id, detail: `EM: traffic could not be drained from ${first!.id}` };
        if (i === 8 || i === 14) entry.injected = { kind: 'EM ABORT', vnfcId: second!.id, detail: `EM: traffic could not be drained from ${second!.id}` };
        if (i === 11) {
          const reason = `No valid host was found for ${second!.id}`;
          const put = await request(`${system.vim.url}/admin/faults/${second!.id}`, {
            method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ reason }),
          });
          await put.body.dump();
          entry.injected = { kind: 'VIM UPDATE_FAILED', vnfcId: second!.id, detail: `ended UPDATE_FAILED: ${reason}` };
        }
        plan.push(entry);
      }
      const behaviour: BehaviourConfigInput = {
        rules: plan.flatMap(({ injected }) => (injected?.kind === 'EM ABORT'
          ? [{ match: { vnfcInstanceId: injected.vnfcId }, mode: 'async' as const, polls: 1, retryAfter: 1, result: 'ABORT' as const, error: injected.detail }]
          : [])),
        default: { mode: 'async', polls: 2, retryAfter: 1 },
      };
      system.em.behaviours.set(behaviour);

      await worker.ready;
      // A deadline far beyond the EM exchange's timeouts: an exchange cut short by a
      // kill is retried, not timed out.
      const opIds = await Promise.all(plan.map(({ instance }) => change(system, instance, { timeout: 300 })));
      const changesPosted = Date.now();

      // Each kill lands after a seeded number of further EM requests (5 to 24) since the worker
      // started: at a point of the operations' progress, not of the wall clock. The 20 operations
      // make some 160 EM requests in all, so every kill lands while they run.
      const kills: { afterEmRequests: number; atMs: number; restartMs: number }[] = [];
      const emRequests = () => system.em.requests.entries().length;
      for (let k = 0; k < KILLS; k++) {
        const killAt = emRequests() + 5 + Math.floor(random() * 20);
        await eventually(`EM request ${killAt} before kill ${k + 1}`, () => emRequests() >= killAt, 120_000);
        await worker.kill('SIGKILL');
        const killedAt = Date.now();
        worker = startWorkerProcess(system);
        workers.push(worker);
        await worker.ready;
        kills.push({ afterEmRequests: killAt, atMs: killedAt - changesPosted, restartMs: Date.now() - killedAt });
      }

      const ended = await settle(system, opIds, 180_000);
      const settledAt = Date.now();
      const entries = system.em.requests.entries();
      const facts = await Promise.all(opIds.map((opId) => historyFacts(system.client, opId)));
      const postsPerVnfc = new Map<string, number>();
      for (const e of entries) {
        if (e.method === 'POST' && e.path.endsWith('/coordinations') && e.vnfcInstanceId) postsPerVnfc.set(e.vnfcInstanceId, (postsPerVnfc.get(e.vnfcInstanceId) ?? 0) + 1);
      }
      const figures = {
        seed: SEED,
        kills,
        operations: OPERATIONS,
        completed: [...ended.values()].filter((op) => op.operationState === 'COMPLETED').length,
        failedTemp: [...ended.values()].filter((op) => op.operationState === 'FAILED_TEMP').length,
        lost: OPERATIONS - ended.size,
        emPosts: [...postsPerVnfc.values()].reduce((a, b) => a + b, 0),
        vnfcsPostedTwiceBeforeTheirResult: [...postsPerVnfc.values()].filter((n) => n > 1).length,
        activityAttemptsRetried: facts.reduce((sum, f) => sum + f.retriedActivities, 0),
        workflowTasksTimedOut: facts.reduce((sum, f) => sum + f.timedOut, 0),
        workflowTasksFailed: facts.reduce((sum, f) => sum + f.failed, 0),
        setupMs: changesPosted - began,
        lastOperationEndedAfterMs: Math.max(...[...ended.values()].map((op) => Date.parse(op.stateEnteredTime))) - changesPosted,
        allSeenEndedAfterMs: settledAt - changesPosted,
        testMs: Date.now() - began,
      };
      console.log(`[faults] random worker kills: ${JSON.stringify(figures)}`);

      plan.forEach(({ injected }, i) => {
        const opId = opIds[i]!;
        const op = ended.get(opId)!;
        if (!injected) {
          expect(op.operationState, `${opId}: ${op.error?.detail}`).toBe('COMPLETED');
          expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(['CONTINUE', 'CONTINUE']);
        } else {
          expect(op.operationState, `${opId}: ${injected.kind}`).toBe('FAILED_TEMP');
          if (injected.kind === 'EM ABORT') expect(op.error?.detail).toBe(injected.detail);
          else expect(op.error?.detail).toContain(injected.detail);
        }
      });
      for (const [opId, op] of ended) {
        if (op.operationState !== 'COMPLETED') continue;
        const instance = plan[opIds.indexOf(opId)]!.instance;
        const stack = await vimStack({ ...system, instance });
        expect(stack.vnfcs.every((v) => v.image === system.packages[1]!.vnfd.vdus[v.vduId]?.image), `${opId}: VIM images`).toBe(true);
      }
      expect(figures.lost).toBe(0);
      // Every VNFC the rolling order reached (all but those after an ABORT or at a failed VIM update)
      // got its result from the EM, and no POST after it.
      const reached = plan.flatMap(({ instance, injected }) => {
        const order = [...instance.vnfcResourceInfo].reverse().map((v) => v.id);
        if (!injected) return order;
        const at = order.indexOf(injected.vnfcId);
        return order.slice(0, injected.kind === 'EM ABORT' ? at + 1 : at);
      });
      const late = postsAfterResult(entries);
      expect([...late.keys()].sort()).toEqual(reached.sort());
      expect([...late].filter(([, posts]) => posts > 0)).toEqual([]);
      expect(figures.workflowTasksFailed).toBe(0);
      for (const [opId, op] of ended) if (op.operationState === 'FAILED_TEMP') expect((await operatorTask(system, opId, 'fail')).status).toBe(200);
    }, 300_000);
  });

  describe('the at-least-once window of a coordination POST', () => {
    let system: TestSystem;
    let stub: EmStub;
    let worker: WorkerProcess | undefined;
    beforeAll(async () => {
      system = await startSystem('window', { withoutWorker: true });
      stub = await startEmStub(system.em.url); // records the bodies the EM receives
    });
    afterAll(async () => {
      await worker?.kill('SIGKILL');
      await stub?.close();
      await system?.close();
    });

    const postsFor = (vnfcId: string) => stub.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/coordinations') && r.body.includes(vnfcId));
    const emPostsFor = (vnfcId: string) => system.em.requests.entries().filter((e) => e.method === 'POST' && e.path.endsWith('/coordinations') && e.vnfcInstanceId === vnfcId);

    /**
     * Changes a one-VNFC instance while the EM holds the POST it receives (a hanging EM), and
     * SIGKILLs the worker once the EM has it: the answer can reach no one. The EM answers every
     * later request at once.
     */
    async function killWhileTheEmHoldsThePost(timeoutSec: number): Promise<{ opId: string; vnfcId: string }> {
      const instance = await freshInstance(system, { VDU1: 1 });
      const vnfcId = instance.vnfcResourceInfo[0]!.id;
      system.em.behaviours.set({ default: { mode: 'sync', delayMs: 600_000 } });
      worker ??= startWorkerProcess(system);
      await worker.ready;
      const opId = await change(system, instance, { endpoint: stub.url, timeout: timeoutSec }, ['VDU1']);
      await eventually('the POST to reach the EM', () => emPostsFor(vnfcId).length === 1, 30_000);
      await worker.kill('SIGKILL');
      system.em.behaviours.set({ default: { mode: 'sync' } });
      worker = startWorkerProcess(system);
      await worker.ready;
      return { opId, vnfcId };
    }

    it.sequential('sends the POST again, unchanged, after the 10 s heartbeat timeout when the worker died after the EM received it', async ({ expect }) => {
      const { opId, vnfcId } = await killWhileTheEmHoldsThePost(120);
      const op = await waitForState(system, opId, TERMINAL, 120_000);

      expect(op.operationState, op.error?.detail).toBe('COMPLETED');
      const [sent, again] = postsFor(vnfcId);
      expect(postsFor(vnfcId)).toHaveLength(2);
      // Same request both times: the EM can recognise the repeat by vnfLcmOpOccId + action + VNFC.
      expect(JSON.parse(again!.body)).toEqual(JSON.parse(sent!.body));
      expect(JSON.parse(sent!.body)).toMatchObject({ vnfLcmOpOccId: opId, coordinationActionName: ACTION, inputParams: { vnfcInstanceId: vnfcId } });
      // The dead worker sent no more heartbeats: the attempt timed out by heartbeat (10 s after
      // its last beat, not 45 s start-to-close), and the second attempt posted again.
      expect(await activityAttempts(system.client, opId, 'requestCoordination')).toEqual([{ attempt: 2, previousAttemptTimedOut: 'HEARTBEAT' }]);
      const gapMs = again!.time - sent!.time;
      expect(gapMs).toBeGreaterThanOrEqual(9_000); // the server cannot time out a heartbeat before 10 s
      // The EM never answered the first POST (its connection died with the worker); the VNFM records the one it read.
      const atEm = emPostsFor(vnfcId);
      expect(atEm.map((e) => e.status)).toEqual([null, 201]);
      expect(op.lcmCoordinations).toEqual([expect.objectContaining({ id: atEm[1]!.coordinationId, coordinationResult: 'CONTINUE' })]);
      console.log(`[faults] at-least-once window: POST repeated after ${gapMs} ms`);
    }, 180_000);

    it.sequential('with a VNFC timeout under the heartbeat timeout, times the step out instead (FAILED_TEMP), and a retry posts again', async ({ expect }) => {
      const { opId, vnfcId } = await killWhileTheEmHoldsThePost(6);
      const failed = await waitForState(system, opId, TERMINAL, 60_000);

      expect(failed.operationState).toBe('FAILED_TEMP');
      expect(failed.error?.detail).toBe(`coordination ${ACTION} for VNFC ${vnfcId} timed out after 6 s`);
      expect(await activityTimeouts(system.client, opId, 'requestCoordination')).toEqual(['SCHEDULE_TO_CLOSE']);
      expect(emPostsFor(vnfcId).map((e) => e.status)).toEqual([null]); // the EM has it; no answer reached anyone
      expect((await operatorTask(system, opId, 'retry')).status).toBe(202);
      const op = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP'], 60_000);

      expect(op.operationState, op.error?.detail).toBe('COMPLETED');
      const [sent, again] = postsFor(vnfcId);
      expect(postsFor(vnfcId)).toHaveLength(2);
      expect(JSON.parse(again!.body)).toEqual(JSON.parse(sent!.body));
    }, 120_000);
  });

  describe('EM, VIM and subscriber faults', () => {
    let system: TestSystem;
    beforeAll(async () => {
      system = await startSystem('em-faults');
    });
    afterAll(async () => {
      await system?.close();
    });

    async function oneVnfc(): Promise<{ instance: VnfInstanceRecord; vnfcId: string }> {
      const instance = await freshInstance(system, { VDU1: 1 });
      return { instance, vnfcId: instance.vnfcResourceInfo[0]!.id };
    }
    const postsTo = (vnfcId: string) => system.em.requests.entries().filter((e) => e.vnfcInstanceId === vnfcId && e.method === 'POST' && e.path.endsWith('/coordinations'));
    async function noCrashLoop(workflowId: string): Promise<void> {
      const facts = await historyFacts(system.client, workflowId);
      if (facts.failed !== 0) throw new Error(`${workflowId}: ${facts.failed} WorkflowTaskFailed events`);
    }

    it.sequential('keeps posting while the EM answers 500, and completes once it answers again', async ({ expect }) => {
      const { instance, vnfcId } = await oneVnfc();
      system.em.behaviours.set({ default: { mode: 'sync', status: 500 } });
      const opId = await change(system, instance, {}, ['VDU1']);
      await eventually('two 500 answers', () => postsTo(vnfcId).filter((e) => e.status === 500).length >= 2, 30_000);
      expect((await getOpOcc(system, opId)).operationState).toBe('PROCESSING');
      system.em.behaviours.set({ default: { mode: 'sync' } });

      const op = await waitForState(system, opId, TERMINAL, 60_000);
      expect(op.operationState, op.error?.detail).toBe('COMPLETED');
      const statuses = postsTo(vnfcId).map((e) => e.status);
      expect(statuses.at(-1)).toBe(201);
      expect(statuses.slice(0, -1).length).toBeGreaterThanOrEqual(2);
      expect(statuses.slice(0, -1).every((s) => s === 500)).toBe(true);
      await noCrashLoop(opId);
    });

    it.sequential('gets through connection resets on the POST and on a poll', async ({ expect }) => {
      const { instance, vnfcId } = await oneVnfc();
      system.em.behaviours.set({ default: { mode: 'async', polls: 1, retryAfter: 1 } });
      let gets = 0;
      const stub = await startEmStub(system.em.url, (r, index) => index < 2 || (r.method === 'GET' && ++gets === 1));
      try {
        const opId = await change(system, instance, { endpoint: stub.url }, ['VDU1']);
        const op = await waitForState(system, opId, TERMINAL, 60_000);

        expect(op.operationState, op.error?.detail).toBe('COMPLETED');
        expect(stub.requests.filter((r) => r.reset).map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
        expect(postsTo(vnfcId)).toHaveLength(1); // a reset request never reached the EM
        expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(['CONTINUE']);
        await noCrashLoop(opId);
      } finally {
        await stub.close();
      }
    });

    it.sequential('times out a hanging EM at the VNFC timeout: FAILED_TEMP "timed out after N s"', async ({ expect }) => {
      const { instance, vnfcId } = await oneVnfc();
      system.em.behaviours.set({ default: { mode: 'sync', delayMs: 600_000 } });
      const opId = await change(system, instance, { timeout: 3 }, ['VDU1']);
      const op = await waitForState(system, opId, TERMINAL, 30_000);

      expect(op.operationState).toBe('FAILED_TEMP');
      expect(op.error?.detail).toBe(`coordination ${ACTION} for VNFC ${vnfcId} timed out after 3 s`);
      // The coordination's deadline bounded the hanging exchange (not the 45 s start-to-close backstop).
      expect(await activityTimeouts(system.client, opId, 'requestCoordination')).toEqual(['SCHEDULE_TO_CLOSE']);
      await noCrashLoop(opId);
      expect((await operatorTask(system, opId, 'fail')).status).toBe(200);
    });

    it.sequential('fails the step with a readable reason when the EM answers a body that is not JSON', async ({ expect }) => {
      const { instance, vnfcId } = await oneVnfc();
      system.em.behaviours.set({ default: { mode: 'sync', malformed: 'not-json' } });
      const opId = await change(system, instance, {}, ['VDU1']);
      const op = await waitForState(system, opId, TERMINAL, 30_000);

      expect(op.operationState).toBe('FAILED_TEMP');
      expect(op.error?.detail).toMatch(new RegExp(`^coordination ${ACTION} for VNFC ${vnfcId} failed: EM returned a body that is not JSON: ".+"$`));
      expect(postsTo(vnfcId)).toHaveLength(1); // not the protocol: not sent again
      await noCrashLoop(opId);
      expect((await operatorTask(system, opId, 'fail')).status).toBe(200);
    });

    it.sequential('fails the step with Heat\'s reason on UPDATE_FAILED, and a retry after the repair completes', async ({ expect }) => {
      const { instance, vnfcId } = await oneVnfc();
      system.em.behaviours.set({ default: { mode: 'sync' } });
      const fault = `${system.vim.url}/admin/faults/${vnfcId}`;
      await (await request(fault, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ reason: 'Insufficient compute resources' }) })).body.dump();
      const opId = await change(system, instance, {}, ['VDU1']);
      const failed = await waitForState(system, opId, TERMINAL, 30_000);

      expect(failed.operationState).toBe('FAILED_TEMP');
      expect(failed.error?.detail).toBe(`VIM update of VNFC ${vnfcId} (VDU1) ended UPDATE_FAILED: Insufficient compute resources`);
      expect(postsTo(vnfcId)).toHaveLength(0);
      await (await request(fault, { method: 'DELETE' })).body.dump();
      expect((await operatorTask(system, opId, 'retry')).status).toBe(202);
      const op = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP'], 30_000);
      expect(op.operationState, op.error?.detail).toBe('COMPLETED');
      expect(postsTo(vnfcId)).toHaveLength(1);
      await noCrashLoop(opId);
    });

    it.sequential('delivers every notification, in order, to a subscriber that was down while the operation ran', async ({ expect }) => {
      const { instance } = await oneVnfc();
      system.em.behaviours.set({ default: { mode: 'sync' } });
      const received: { body: string; at: number }[] = [];
      const subscriber: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (req.method === 'POST') received.push({ body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
          res.writeHead(204).end();
        });
      });
      // The subscriber is reached through a gate: shut, every connection to it is dropped.
      const gate = await startTcpGate(upstreamOf(await listen(subscriber, '127.0.0.1', 0)));
      const callbackUri = `http://${gate.address}/notifications`;
      try {
        const res = await request(`${system.gatewayUrl}/vnflcm/v2/subscriptions`, {
          method: 'POST', headers: VNFLCM_HEADERS, body: JSON.stringify({ callbackUri, filter: { vnfInstanceSubscriptionFilter: { vnfInstanceIds: [instance.id] } } }),
        });
        expect(res.statusCode, await res.body.text()).toBe(201);
        gate.shut(); // down
        const triedBefore = gate.accepted;
        const opId = await change(system, instance, {}, ['VDU1']);
        const op = await waitForState(system, opId, TERMINAL, 30_000);
        expect(op.operationState, op.error?.detail).toBe('COMPLETED');
        await eventually('a delivery attempt while the subscriber is down', () => gate.accepted > triedBefore);
        const upAt = Date.now();
        gate.open(upstreamOf(`http://127.0.0.1:${(subscriber.address() as { port: number }).port}`));

        const notifier = system.client.workflow.getHandle<typeof deliverOperationNotifications>(`${opId}/notifications`);
        expect(await notifier.result()).toMatchObject({ ended: 'final-result-delivered', abandoned: 0 });
        const sequence = received.map((r) => JSON.parse(r.body) as { operationState: string; notificationStatus: string })
          .map((n) => `${n.operationState}/${n.notificationStatus}`);
        expect(sequence).toEqual(['STARTING/START', 'PROCESSING/RESULT', 'COMPLETED/RESULT']);
        expect(received[0]!.at).toBeGreaterThanOrEqual(upAt);
        await noCrashLoop(opId);
        await noCrashLoop(`${opId}/notifications`);
      } finally {
        await gate.close();
        subscriber.close();
        subscriber.closeAllConnections();
      }
    });
  });
});
