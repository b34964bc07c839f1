// The VNF instance lifecycle through the API: create → instantiate (a stack on the VIM) →
// change_vnfpkg → terminate → delete, with one LCM operation at a time per instance.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VnfInstance } from '../src/sol003/models.ts';
import { recordHistory } from './support/histories.ts';
import { changeRequest, opIdOf, startSystem, VNFLCM_HEADERS, waitForState, type TestSystem } from './support/system.ts';

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem('instances');
});
afterAll(async () => {
  await system?.close();
});

async function call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
  const res = await request(`${system.gatewayUrl}/vnflcm/v2${path}`, {
    method, headers: VNFLCM_HEADERS, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, location: res.headers.location as string | undefined, text, json: <T>() => JSON.parse(text) as T };
}

async function createInstance(): Promise<VnfInstance> {
  const res = await call('POST', '/vnf_instances', { vnfdId: system.packages[0]!.vnfd.vnfdId, vnfInstanceName: 'lifecycle' });
  expect(res.status, res.text).toBe(201);
  return res.json<VnfInstance>();
}

async function instantiate(id: string, layout = { VDU1: 2, VDU2: 1 }): Promise<string> {
  const res = await call('POST', `/vnf_instances/${id}/instantiate`, { flavourId: 'simple', additionalParams: { vdu_layout: layout } });
  expect(res.status, res.text).toBe(202);
  const op = await waitForState(system, opIdOf(res.location), ['COMPLETED', 'FAILED_TEMP']);
  expect(op.operationState, op.error?.detail).toBe('COMPLETED');
  return op.id;
}

describe('VNF instances', () => {
  it('goes through create, instantiate, change_vnfpkg, terminate and delete', async () => {
    const created = await createInstance();
    expect(created.instantiationState).toBe('NOT_INSTANTIATED');
    expect(created._links.instantiate).toBeDefined();

    const instantiateOp = await instantiate(created.id);
    await recordHistory(system.client, instantiateOp, 'instantiate');
    const instantiated = (await call('GET', `/vnf_instances/${created.id}`)).json<VnfInstance>();
    expect(instantiated.instantiationState).toBe('INSTANTIATED');
    expect(instantiated.instantiatedVnfInfo?.vnfcResourceInfo?.map((v) => v.vduId)).toEqual(['VDU1', 'VDU1', 'VDU2']);

    system.em.behaviours.set({ default: { mode: 'sync' } });
    const change = await call('POST', `/vnf_instances/${created.id}/change_vnfpkg`, changeRequest(system, system.packages[1]!.vnfd.vnfdId));
    expect(change.status, change.text).toBe(202);
    expect((await waitForState(system, opIdOf(change.location), ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');
    expect((await call('GET', `/vnf_instances/${created.id}`)).json<VnfInstance>().vnfdId).toBe(system.packages[1]!.vnfd.vnfdId);

    expect((await call('DELETE', `/vnf_instances/${created.id}`)).status).toBe(409);
    const terminate = await call('POST', `/vnf_instances/${created.id}/terminate`, { terminationType: 'FORCEFUL' });
    expect(terminate.status, terminate.text).toBe(202);
    expect((await waitForState(system, opIdOf(terminate.location), ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');
    await recordHistory(system.client, opIdOf(terminate.location), 'terminate');
    await recordHistory(system.client, `vnf-instance/${created.id}`, 'vnf-instance-entity');
    expect((await call('GET', `/vnf_instances/${created.id}`)).json<VnfInstance>().instantiationState).toBe('NOT_INSTANTIATED');
    const stack = await request(`${system.vim.url}/admin/stacks/vnf-${created.id}`);
    expect(stack.statusCode).toBe(404);
    await stack.body.dump();

    expect((await call('DELETE', `/vnf_instances/${created.id}`)).status).toBe(204);
    expect((await call('GET', `/vnf_instances/${created.id}`)).status).toBe(404);
  });

  it('lets exactly one of two concurrent change_vnfpkg requests start, the other gets 409', async () => {
    const created = await createInstance();
    await instantiate(created.id, { VDU1: 1, VDU2: 1 });
    system.em.behaviours.set({ default: { mode: 'async', polls: 2, retryAfter: 1 } });
    const body = changeRequest(system, system.packages[1]!.vnfd.vnfdId);

    const answers = await Promise.all([1, 2, 3].map(() => call('POST', `/vnf_instances/${created.id}/change_vnfpkg`, body)));

    expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409]);
    const refused = answers.find((a) => a.status === 409);
    expect(refused?.json<{ detail: string }>().detail).toMatch(/has an LCM operation in progress or in FAILED_TEMP/);
    const started = answers.find((a) => a.status === 202);
    await waitForState(system, opIdOf(started?.location), ['COMPLETED', 'FAILED_TEMP']);
  });

  it('frees the instance of an operation an administrator terminated in Temporal: the next change gets 202, not 409', async () => {
    const created = await createInstance();
    await instantiate(created.id, { VDU1: 1, VDU2: 1 });
    system.em.behaviours.set({ default: { mode: 'async', polls: 1_000, retryAfter: 1 } }); // never finishes
    const body = changeRequest(system, system.packages[1]!.vnfd.vnfdId);
    const first = await call('POST', `/vnf_instances/${created.id}/change_vnfpkg`, body);
    expect(first.status, first.text).toBe(202);
    await system.client.workflow.getHandle(opIdOf(first.location)).terminate('stuck, terminated by an administrator');

    system.em.behaviours.set({ default: { mode: 'sync' } });
    const next = await call('POST', `/vnf_instances/${created.id}/change_vnfpkg`, body);

    expect(next.status, next.text).toBe(202);
    expect((await waitForState(system, opIdOf(next.location), ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');
  });

  it('refuses instantiate of an instantiated instance and terminate of one that is not', async () => {
    const created = await createInstance();
    expect((await call('POST', `/vnf_instances/${created.id}/terminate`, { terminationType: 'GRACEFUL' })).status).toBe(409);
    await instantiate(created.id, { VDU1: 1, VDU2: 1 });
    expect((await call('POST', `/vnf_instances/${created.id}/instantiate`, { flavourId: 'simple' })).status).toBe(409);
  });

  it('answers 422 to a create for a vnfdId no enabled package has, and 400 to a malformed one', async () => {
    expect((await call('POST', '/vnf_instances', { vnfdId: 'nope' })).status).toBe(422);
    expect((await call('POST', '/vnf_instances', { vnfdId: 7 })).status).toBe(400);
  });

  it('answers 422 to a vdu_layout naming a VDU the VNFD does not define', async () => {
    const created = await createInstance();
    const res = await call('POST', `/vnf_instances/${created.id}/instantiate`, { flavourId: 'simple', additionalParams: { vdu_layout: { VDU7: 1 } } });
    expect(res.status).toBe(422);
  });
});
