// The coordination step inside the workflow, against the reference EM and the VIM simulator on
// loopback: each test is one behaviour of SOL002 lcmcoord as the VNFM lives it.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceEm } from '../src/em/server.ts';
import { listen } from '../src/http/listen.ts';
import { ensureSampleInstance } from '../src/inventory/sample.ts';
import type { VnfInstanceRecord, VnfPackageRecord } from '../src/inventory/store.ts';
import type { BehaviourConfigInput } from '../src/em/behaviour.ts';
import {
  changeRequest, getOpOcc, operatorTask, opIdOf, postChange, startSystem, TEST_TUNING, waitForState, type TestSystem,
} from './support/system.ts';
import { startTcpGate, upstreamOf } from './support/tcp-gate.ts';
import { eventually } from './support/wait.ts';

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem('coord', {
    em: { auth: { methods: ['BASIC', 'OAUTH2_CLIENT_CREDENTIALS'] } },
  });
});
afterAll(async () => {
  await system?.close();
});

const TERMINAL = ['COMPLETED', 'FAILED_TEMP', 'FAILED'];

/** A fresh sample VNF instance per test, so tests never contend for one instance. */
async function freshInstance(layout: Record<string, number> = { VDU1: 2, VDU2: 2 }): Promise<VnfInstanceRecord> {
  return ensureSampleInstance(system.inventory, system.vim.url, system.packages[0] as VnfPackageRecord, { instanceId: crypto.randomUUID(), layout });
}

async function change(
  behaviour: BehaviourConfigInput, options: { vnfcParam?: Record<string, unknown>; instance?: VnfInstanceRecord; vdus?: string[]; extra?: Record<string, unknown> } = {},
): Promise<{ opId: string; instance: VnfInstanceRecord }> {
  system.em.behaviours.set(behaviour);
  const instance = options.instance ?? await freshInstance();
  const body = changeRequest(system, system.packages[1]!.vnfd.vnfdId, options.vnfcParam);
  const additional = body.additionalParams as { vdu_params: { vdu_id: string }[] } & Record<string, unknown>;
  if (options.vdus) additional.vdu_params = additional.vdu_params.filter((p) => options.vdus?.includes(p.vdu_id));
  Object.assign(additional, options.extra);
  const res = await postChange(system, body, instance.id);
  expect(res.status, res.body).toBe(202);
  return { opId: opIdOf(res.location), instance };
}

function emRequestsFor(vnfcId: string, method = 'POST') {
  return system.em.requests.entries().filter((e) => e.vnfcInstanceId === vnfcId && e.method === method && e.path.endsWith('/coordinations'));
}

describe('coordination in the workflow', () => {
  it('posts again after a 503 and records each rejection with the time its delay ends', async () => {
    const { opId } = await change({ default: { mode: 'sync', reject503: 2, retryAfter: 1 } }, { vdus: ['VDU1'] });
    const op = await waitForState(system, opId, TERMINAL);

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(op.rejectedLcmCoordinations).toHaveLength(2 * 2);
    for (const rejection of op.rejectedLcmCoordinations ?? []) {
      expect(Date.parse(rejection.delay) - Date.parse(rejection.rejectionTime)).toBeGreaterThanOrEqual(1000);
      expect(rejection.endpointType).toBe('MGMT');
    }
    expect(op.lcmCoordinations?.every((c) => c.coordinationResult === 'CONTINUE')).toBe(true);
  });

  it('authenticates with one cached OAuth2 client-credentials token across every exchange of a long wait', async () => {
    system.em.requests.clear();
    const oauth2 = {
      authentication: {
        authType: ['OAUTH2_CLIENT_CREDENTIALS'],
        paramsOauth2ClientCredentials: { clientId: 'tacker', clientPassword: 'tacker', tokenEndpoint: `${system.em.url}/oauth2/token` },
      },
    };
    const { opId } = await change({ default: { mode: 'async', polls: 8, retryAfter: 0 } }, { vnfcParam: oauth2, vdus: ['VDU1'] });
    const op = await waitForState(system, opId, TERMINAL);

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    const counts = system.em.requests.counts();
    expect(counts.apiRequests).toBe(2 * (1 + 9));
    expect(counts.tokenRequests).toBe(1);
    expect(system.em.requests.entries().filter((e) => e.path.startsWith('/lcmcoord/')).every((e) => e.authScheme === 'bearer')).toBe(true);
  });

  it('cancels the coordination at the EM and fails the step when the coordination times out', async () => {
    const { opId, instance } = await change({ default: { mode: 'async', never: true, retryAfter: 0 } }, { vnfcParam: { timeout: 2 }, vdus: ['VDU1'] });
    const op = await waitForState(system, opId, TERMINAL);

    const first = instance.vnfcResourceInfo.filter((v) => v.vduId === 'VDU1').at(-1)!;
    expect(op.operationState).toBe('FAILED_TEMP');
    expect(op.error?.detail).toBe(`coordination prv.tacker_organization.coordination_test for VNFC ${first.id} timed out after 2 s`);
    const cancels = system.em.requests.entries().filter((e) => e.path.endsWith('/cancel') && e.method === 'POST');
    expect(cancels.some((c) => c.status === 202)).toBe(true);
    expect((await operatorTask(system, opId, 'fail')).status).toBe(200);
  });

  it('fails the step with a readable reason when the EM answers a body that is not JSON, and keeps running', async () => {
    const { opId } = await change({ default: { mode: 'sync', malformed: 'not-json' } }, { vdus: ['VDU1'] });
    const op = await waitForState(system, opId, TERMINAL);

    expect(op.operationState).toBe('FAILED_TEMP');
    expect(op.error?.detail).toMatch(/failed: EM returned a body that is not JSON/);
    expect((await operatorTask(system, opId, 'fail')).status).toBe(200);
  });

  it('refuses a Location on another origin and sends nothing there', async () => {
    let foreignHits = 0;
    const foreign = createServer((_req, res) => {
      foreignHits += 1;
      res.end();
    });
    const foreignUrl = await listen(foreign, '127.0.0.1', 0);
    try {
      const { opId } = await change({ default: { mode: 'async', locationOrigin: foreignUrl } }, { vdus: ['VDU1'] });
      const op = await waitForState(system, opId, TERMINAL);

      expect(op.operationState).toBe('FAILED_TEMP');
      expect(op.error?.detail).toContain(`${foreignUrl} which is not the endpoint's origin`);
      expect(foreignHits).toBe(0);
      expect((await operatorTask(system, opId, 'fail')).status).toBe(200);
    } finally {
      foreign.close();
    }
  });

  it('keeps requesting an EM that is down until it is up, within the coordination deadline', async () => {
    const gate = await startTcpGate(); // shut: every connection is dropped, as by a host whose EM is down
    const emUrl = `http://${gate.address}`;
    const late = await startReferenceEm({ port: 0, log: () => undefined, auth: { methods: ['BASIC'] } });
    try {
      const { opId } = await change({}, { vnfcParam: { endpoint: emUrl, timeout: 60 }, vdus: ['VDU1'] });
      await eventually('the VNFM to try the EM that is down twice', () => gate.accepted >= 2);
      expect((await getOpOcc(system, opId)).operationState).toBe('PROCESSING');
      expect(late.requests.entries()).toHaveLength(0);

      gate.open(upstreamOf(late.url));
      const op = await waitForState(system, opId, TERMINAL, 60_000);
      expect(op.operationState, op.error?.detail).toBe('COMPLETED');
      expect(late.requests.entries().filter((e) => e.method === 'POST')).toHaveLength(2);
    } finally {
      await late.close();
      await gate.close();
    }
  });

  it('goes to FAILED_TEMP with the EM error on ABORT, and a retry resumes at that VNFC without coordinating earlier VNFCs again', async () => {
    const instance = await freshInstance();
    const order = [...instance.vnfcResourceInfo].reverse();
    const second = order[1]!;
    const { opId } = await change({
      rules: [{ match: { vnfcInstanceId: second.id }, mode: 'sync', result: 'ABORT', error: 'EM: VNFC still carries traffic' }],
      default: { mode: 'sync' },
    }, { instance });
    const failed = await waitForState(system, opId, TERMINAL);
    expect(failed.operationState).toBe('FAILED_TEMP');
    expect(failed.error?.detail).toBe('EM: VNFC still carries traffic');
    expect(failed._links.retry?.href).toMatch(/\/retry$/);

    system.em.behaviours.set({ default: { mode: 'sync' } });
    expect((await operatorTask(system, opId, 'retry')).status).toBe(202);
    const op = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP']);

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(op._links.retry).toBeUndefined();
    expect(emRequestsFor(order[0]!.id)).toHaveLength(1);
    expect(emRequestsFor(second.id)).toHaveLength(2);
    for (const vnfc of order.slice(2)) expect(emRequestsFor(vnfc.id)).toHaveLength(1);
  });

  it('ends FAILED with 200 and the operation body when the fail task is sent in FAILED_TEMP', async () => {
    const { opId } = await change({ default: { mode: 'sync', result: 'ABORT' } }, { vdus: ['VDU1'] });
    await waitForState(system, opId, TERMINAL);
    const res = await operatorTask(system, opId, 'fail');
    const body = JSON.parse(res.text) as { operationState: string };

    expect(res.status).toBe(200);
    expect(body.operationState).toBe('FAILED');
    expect((await operatorTask(system, opId, 'retry')).status).toBe(409);
  });

  it('refuses retry with 409 while the operation is not in FAILED_TEMP', async () => {
    const { opId, instance } = await change({ default: { mode: 'async', never: true } }, { vdus: ['VDU1'] });
    const first = instance.vnfcResourceInfo.filter((v) => v.vduId === 'VDU1').at(-1)!;
    await eventually('the first coordination to be under way', () => emRequestsFor(first.id).some((e) => e.status === 202));

    expect((await operatorTask(system, opId, 'retry')).status).toBe(409);
    expect((await getOpOcc(system, opId)).operationState).toBe('PROCESSING');
    system.em.behaviours.set({ default: { mode: 'sync' } });
    system.em.finishHeld();
    expect((await waitForState(system, opId, TERMINAL)).operationState).toBe('COMPLETED');
  });

  it('runs the package coordinate script for each VNFC with its parameters on stdin', async () => {
    const { opId, instance } = await change({ default: { mode: 'sync' } }, {
      vdus: ['VDU1'], extra: { 'lcm-operation-coordinate-new-vnf': './Scripts/coordinate_vnf.py' },
    });
    const op = await waitForState(system, opId, TERMINAL);

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(op.lcmCoordinations).toHaveLength(instance.vnfcResourceInfo.filter((v) => v.vduId === 'VDU1').length);
  });

  it('fails the step with the script stderr when the coordinate script exits non-zero', async () => {
    // The stored package's script, replaced for this test (the worker finds scripts by package id in its store).
    const script = join(system.packages[1]!.contentDir!, 'Scripts', 'coordinate_vnf.py');
    const original = readFileSync(script);
    writeFileSync(script, 'import sys\nsys.stderr.write("ssh to VNFC refused")\nsys.exit(3)\n');
    try {
      const { opId } = await change({ default: { mode: 'sync' } }, {
        vdus: ['VDU1'], extra: { 'lcm-operation-coordinate-new-vnf': './Scripts/coordinate_vnf.py' },
      });
      const op = await waitForState(system, opId, TERMINAL);

      expect(op.operationState).toBe('FAILED_TEMP');
      expect(op.error?.detail).toMatch(/coordinate script \.\/Scripts\/coordinate_vnf\.py exited with code 3: ssh to VNFC refused/);
      expect((await operatorTask(system, opId, 'fail')).status).toBe(200);
    } finally {
      writeFileSync(script, original);
    }
  });

  it('refuses with 422 a coordinate script that is not a file of the package', async () => {
    const instance = await freshInstance();
    const body = changeRequest(system, system.packages[1]!.vnfd.vnfdId);
    (body.additionalParams as Record<string, unknown>)['lcm-operation-coordinate-new-vnf'] = '../../etc/passwd';
    const res = await postChange(system, body, instance.id);

    expect(res.status).toBe(422);
    expect((JSON.parse(res.body) as { detail: string }).detail).toContain('is not a file of VNF package');
  });
});

describe('coordination with EMs the VNFM did not write', () => {
  it.each<[string, BehaviourConfigInput]>([
    ['LcmCoord without _links.self', { default: { mode: 'sync', withoutSelfLink: true } }],
    ['201 without Location', { default: { mode: 'sync', withoutLocation: true } }],
    ['warnings as a list of strings', { default: { mode: 'sync', warnings: ['drain took 3 s', 'one session was cut'] } }],
    ['warnings as one string', { default: { mode: 'sync', warnings: 'drain took 3 s' } }],
    ['Tacker\'s sample EM: no _links.self, no Location, a list of warnings', { default: { mode: 'sync', withoutSelfLink: true, withoutLocation: true, warnings: ['w'] } }],
    ['an asynchronous EM whose final LcmCoord has no _links.self', { default: { mode: 'async', polls: 1, retryAfter: 0, withoutSelfLink: true } }],
  ])('completes the change with an EM that answers with %s', async (_shape, behaviour) => {
    const { opId, instance } = await change(behaviour, { vdus: ['VDU1'] });
    const op = await waitForState(system, opId, TERMINAL);

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(instance.vnfcResourceInfo.filter((v) => v.vduId === 'VDU1').map(() => 'CONTINUE'));
  });

  it.each<[string, BehaviourConfigInput, number]>([
    ['with Retry-After, after its delay', { default: { mode: 'sync', reject503: 1, rejectWith: 429, retryAfter: 1 } }, 1_000],
    // The back-off starts at the default poll interval (TEST_TUNING's, in tests) and doubles.
    ['without Retry-After, after a back-off', { default: { mode: 'sync', reject503: 1, rejectWith: 429 } }, TEST_TUNING.defaultPollIntervalMs ?? 0],
  ])('posts again after 429 Too Many Requests %s, and records each refusal like a 503', async (_how, behaviour, minDelayMs) => {
    const { opId } = await change(behaviour, { vdus: ['VDU1'] });
    const op = await waitForState(system, opId, TERMINAL);

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(op.rejectedLcmCoordinations).toHaveLength(2);
    for (const rejection of op.rejectedLcmCoordinations ?? []) {
      expect(Date.parse(rejection.delay) - Date.parse(rejection.rejectionTime)).toBeGreaterThanOrEqual(minDelayMs);
    }
  });

  it('coordinates nothing through the API for Tacker\'s documented parameters (cp_name, username, password, no endpoint), runs the script, and records no coordination', async () => {
    system.em.requests.clear();
    const tackerParam = { cp_name: 'VDU1_CP1', username: 'ubuntu', password: 'ubuntu' };
    const instance = await freshInstance();
    const body = {
      vnfdId: system.packages[1]!.vnfd.vnfdId,
      additionalParams: {
        upgrade_type: 'RollingUpdate', 'lcm-operation-coordinate-new-vnf': './Scripts/coordinate_vnf.py',
        vdu_params: [{ vdu_id: 'VDU1', old_vnfc_param: tackerParam, new_vnfc_param: tackerParam }],
      },
    };
    const res = await postChange(system, body, instance.id);
    expect(res.status, res.body).toBe(202);
    const op = await waitForState(system, opIdOf(res.location), TERMINAL);

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(op.lcmCoordinations).toEqual([]);
    expect(system.em.requests.entries().filter((e) => e.path.startsWith('/lcmcoord/'))).toEqual([]);
  });

  it('sends no credentials to an endpoint given without authentication', async () => {
    const open = await startReferenceEm({ port: 0, log: () => undefined, auth: { methods: [] } });
    try {
      const { opId } = await change({ default: { mode: 'sync' } }, { vdus: ['VDU1'], vnfcParam: { endpoint: open.url, authentication: undefined } });
      const op = await waitForState(system, opId, TERMINAL);

      expect(op.operationState, op.error?.detail).toBe('COMPLETED');
      const coordinations = open.requests.entries().filter((e) => e.path.startsWith('/lcmcoord/'));
      expect(coordinations.length).toBeGreaterThan(0);
      expect(coordinations.every((e) => e.authScheme === 'none')).toBe(true);
    } finally {
      await open.close();
    }
  });
});
