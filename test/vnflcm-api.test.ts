// Contract of the SOL003 vnflcm v2 face: bad inputs get precise ProblemDetails, operation
// occurrences can be listed and filtered (SOL013), tasks are refused in the wrong state.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSampleInstance } from '../src/inventory/sample.ts';
import type { VnfInstanceRecord, VnfPackageRecord } from '../src/inventory/store.ts';
import type { VnfLcmOpOcc } from '../src/sol003/models.ts';
import { changeRequest, opIdOf, postChange, startSystem, VNFLCM_HEADERS, waitForState, type TestSystem } from './support/system.ts';

let system: TestSystem;
let completedOp: string;
let failedOp: string;
let failedInstance: VnfInstanceRecord;

beforeAll(async () => {
  system = await startSystem('api');
  system.em.behaviours.set({ rules: [{ match: {}, mode: 'sync', result: 'ABORT' }] });
  failedInstance = await ensureSampleInstance(system.inventory, system.vim.url, system.packages[0] as VnfPackageRecord, { instanceId: crypto.randomUUID(), layout: { VDU1: 1, VDU2: 1 } });
  failedOp = opIdOf((await postChange(system, changeRequest(system, system.packages[1]!.vnfd.vnfdId), failedInstance.id)).location);
  await waitForState(system, failedOp, ['FAILED_TEMP']);
  system.em.behaviours.set({ default: { mode: 'sync' } });
  completedOp = opIdOf((await postChange(system, changeRequest(system, system.packages[1]!.vnfd.vnfdId))).location);
  await waitForState(system, completedOp, ['COMPLETED']);
});
afterAll(async () => {
  await system?.close();
});

async function call(method: 'GET' | 'POST' | 'DELETE' | 'PUT', path: string, options: { body?: string; headers?: Record<string, string> } = {}) {
  const res = await request(`${system.gatewayUrl}${path}`, { method, headers: { ...VNFLCM_HEADERS, ...options.headers }, body: options.body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

function expectProblem(res: Awaited<ReturnType<typeof call>>, status: number, detail: RegExp): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.json()).toMatchObject({ status });
  expect(String(res.json().detail)).toMatch(detail);
}

const changePath = () => `/vnflcm/v2/vnf_instances/${system.instance.id}/change_vnfpkg`;

describe('POST change_vnfpkg refuses bad input', () => {
  it('answers 400 to a body that is not JSON', async () => {
    expectProblem(await call('POST', changePath(), { body: '{"vnfdId":' }), 400, /not valid JSON/);
  });

  it('answers 400 naming the field when a field has the wrong type', async () => {
    const body = changeRequest(system, system.packages[1]!.vnfd.vnfdId);
    (body.additionalParams as Record<string, unknown>).vdu_params = 'VDU1';
    expectProblem(await call('POST', changePath(), { body: JSON.stringify(body) }), 400, /additionalParams\.vdu_params/);
  });

  it('answers 400 to an upgrade_type other than RollingUpdate and BlueGreen', async () => {
    const body = changeRequest(system, system.packages[1]!.vnfd.vnfdId);
    (body.additionalParams as Record<string, unknown>).upgrade_type = 'Canary';
    expectProblem(await call('POST', changePath(), { body: JSON.stringify(body) }), 400, /upgrade_type/);
  });

  it('answers 404 for an unknown VNF instance', async () => {
    const body = JSON.stringify(changeRequest(system, system.packages[1]!.vnfd.vnfdId));
    expectProblem(await call('POST', '/vnflcm/v2/vnf_instances/no-such-vnf/change_vnfpkg', { body }), 404, /VNF instance no-such-vnf does not exist/);
  });

  it('answers 422 for a vnfdId no onboarded package has', async () => {
    expectProblem(await call('POST', changePath(), { body: JSON.stringify(changeRequest(system, 'unknown-vnfd')) }), 422, /no onboarded VNF package has vnfdId unknown-vnfd/);
  });

  it('answers 422 for a disabled destination package', async () => {
    const pkg = system.packages[1]!;
    await system.inventory.putPackage({ ...pkg, operationalState: 'DISABLED' });
    try {
      expectProblem(await call('POST', changePath(), { body: JSON.stringify(changeRequest(system, pkg.vnfd.vnfdId)) }), 422, /ONBOARDED\/DISABLED/);
    } finally {
      await system.inventory.putPackage(pkg);
    }
  });

  it('answers 422 for a vdu_id the instance does not have', async () => {
    const body = changeRequest(system, system.packages[1]!.vnfd.vnfdId);
    (body.additionalParams as { vdu_params: { vdu_id: string }[] }).vdu_params[0]!.vdu_id = 'VDU9';
    expectProblem(await call('POST', changePath(), { body: JSON.stringify(body) }), 422, /VDU9/);
  });

  it('answers 409 while another operation of the instance is in FAILED_TEMP', async () => {
    const body = JSON.stringify(changeRequest(system, system.packages[1]!.vnfd.vnfdId));
    expectProblem(await call('POST', `/vnflcm/v2/vnf_instances/${failedInstance.id}/change_vnfpkg`, { body }), 409, /in progress or in FAILED_TEMP/);
  });

  it('answers 400 without the Version header and 406 for an unsupported version', async () => {
    expectProblem(await call('GET', '/vnflcm/v2/vnf_instances', { headers: { Version: '' } }), 400, /Version header is missing/);
    expectProblem(await call('GET', '/vnflcm/v2/vnf_instances', { headers: { Version: '3.0.0' } }), 406, /3\.0\.0 is not supported/);
  });

  it('answers 405 with Allow for a method the resource does not have', async () => {
    const res = await call('DELETE', changePath());
    expectProblem(res, 405, /DELETE/);
    expect(res.headers.allow).toBe('POST');
  });

  it('answers 404 for a path that is no resource', async () => {
    expectProblem(await call('GET', '/vnflcm/v2/nothing'), 404, /no resource/);
  });
});

describe('GET vnf_lcm_op_occs', () => {
  it('answers 404 for an unknown operation occurrence', async () => {
    expectProblem(await call('GET', '/vnflcm/v2/vnf_lcm_op_occs/no-such-op'), 404, /no-such-op does not exist/);
  });

  it('lists operation occurrences filtered by operationState', async () => {
    const res = await call('GET', `/vnflcm/v2/vnf_lcm_op_occs?filter=${encodeURIComponent('(eq,operationState,FAILED_TEMP)')}`);
    const ops = JSON.parse(res.text) as VnfLcmOpOcc[];
    expect(res.status).toBe(200);
    expect(ops.map((o) => o.id)).toContain(failedOp);
    expect(ops.every((o) => o.operationState === 'FAILED_TEMP')).toBe(true);
  });

  it('lists operation occurrences filtered by vnfInstanceId and operation', async () => {
    const filter = `(eq,vnfInstanceId,${system.instance.id});(eq,operation,CHANGE_VNFPKG)`;
    const ops = JSON.parse((await call('GET', `/vnflcm/v2/vnf_lcm_op_occs?filter=${encodeURIComponent(filter)}`)).text) as VnfLcmOpOcc[];
    expect(ops.map((o) => o.id)).toEqual([completedOp]);
    expect(ops[0]?.operationState).toBe('COMPLETED');
  });

  it('answers 400 to a filter on an attribute it does not support', async () => {
    expectProblem(await call('GET', `/vnflcm/v2/vnf_lcm_op_occs?filter=${encodeURIComponent('(eq,password,x)')}`), 400, /attribute password is not supported/);
  });

  it('answers 400 to a malformed filter term', async () => {
    expectProblem(await call('GET', `/vnflcm/v2/vnf_lcm_op_occs?filter=${encodeURIComponent('eq,operationState')}`), 400, /not of the form/);
  });

  it('shows task links only while the task is allowed', async () => {
    const failed = (await call('GET', `/vnflcm/v2/vnf_lcm_op_occs/${failedOp}`)).json() as unknown as VnfLcmOpOcc;
    const completed = (await call('GET', `/vnflcm/v2/vnf_lcm_op_occs/${completedOp}`)).json() as unknown as VnfLcmOpOcc;
    expect(Object.keys(failed._links).sort()).toEqual(['fail', 'retry', 'rollback', 'self', 'vnfInstance']);
    expect(Object.keys(completed._links).sort()).toEqual(['self', 'vnfInstance']);
  });

  it('never shows a password of the request', async () => {
    const text = (await call('GET', `/vnflcm/v2/vnf_lcm_op_occs/${completedOp}`)).text;
    expect(text).toContain('"password":"***"');
    expect(text).not.toMatch(/"password":"(?!\*\*\*")/);
  });

  it('refuses the retry task with 409 for a completed operation', async () => {
    expectProblem(await call('POST', `/vnflcm/v2/vnf_lcm_op_occs/${completedOp}/retry`), 409, /finished|not FAILED_TEMP/);
  });
});
