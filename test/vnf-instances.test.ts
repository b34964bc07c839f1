// The VNF instance lifecycle through the API: create → instantiate (a stack on the VIM) →
// change_vnfpkg → terminate → delete, with one LCM operation at a time per instance.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vimConnectionEntry } from '../src/openstack/vim-connection-info.ts';
import type { VnfInstance, VnfLcmOpOcc } from '../src/sol003/models.ts';
import { recordHistory } from './support/histories.ts';
import { changeRequest, opIdOf, startSystem, VNFLCM_HEADERS, waitForState, type TestSystem } from './support/system.ts';

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem('instances');
});
afterAll(async () => {
  await system?.close();
});

async function call(method: 'GET' | 'POST' | 'DELETE' | 'PATCH', path: string, body?: unknown, contentType = 'application/json') {
  const res = await request(`${system.gatewayUrl}/vnflcm/v2${path}`, {
    method, headers: { ...VNFLCM_HEADERS, 'Content-Type': contentType }, body: body === undefined ? undefined : JSON.stringify(body),
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

describe('VNF instance information', () => {
  it('keeps the vnfInstanceDescription and metadata given at create, and shows them', async () => {
    const res = await call('POST', '/vnf_instances', {
      vnfdId: system.packages[0]!.vnfd.vnfdId, vnfInstanceName: 'described', vnfInstanceDescription: 'the web tier', metadata: { tier: 'web', replicas: 2 },
    });
    expect(res.status, res.text).toBe(201);
    const created = res.json<VnfInstance>();
    expect(created).toMatchObject({ vnfInstanceDescription: 'the web tier', metadata: { tier: 'web', replicas: 2 } });
    expect((await call('GET', `/vnf_instances/${created.id}`)).json<VnfInstance>()).toMatchObject({ vnfInstanceDescription: 'the web tier', metadata: { tier: 'web', replicas: 2 } });
  });

  it('shows an instantiated instance\'s VIM in vimConnectionInfo, without credentials, named by the vimConnectionId of every resource handle', async () => {
    const created = await createInstance();
    await instantiate(created.id, { VDU1: 2, VDU2: 1 });
    const instance = (await call('GET', `/vnf_instances/${created.id}`)).json<VnfInstance>();
    const { vimConnectionId } = vimConnectionEntry({ authUrl: system.vim.authUrl, username: 'admin', projectName: 'admin' });

    expect(instance.vimConnectionInfo).toEqual({
      [vimConnectionId]: {
        vimId: vimConnectionId, vimType: 'ETSINFV.OPENSTACK_KEYSTONE.V_3', interfaceInfo: { endpoint: system.vim.authUrl },
        accessInfo: { username: 'admin', project: 'admin', userDomain: 'Default', projectDomain: 'Default' },
      },
    });
    expect(JSON.stringify(instance)).not.toMatch(/password/i);
    const vnfcs = instance.instantiatedVnfInfo?.vnfcResourceInfo ?? [];
    expect(vnfcs).toHaveLength(3);
    for (const vnfc of vnfcs) expect(vnfc.computeResource.vimConnectionId).toBe(vimConnectionId);
    expect(instance.instantiatedVnfInfo?.metadata?.stack).toMatchObject({ vimConnectionId, vimLevelResourceType: 'OS::Heat::Stack', name: `vnf-${created.id}` });
    expect(instance.instantiatedVnfInfo?.vnfcInfo).toEqual(vnfcs.map((v) => ({ id: `${v.vduId}-${v.id}`, vduId: v.vduId, vnfcResourceInfoId: v.id, vnfcState: 'STARTED' })));

    system.em.behaviours.set({ default: { mode: 'sync' } });
    const change = await call('POST', `/vnf_instances/${created.id}/change_vnfpkg`, changeRequest(system, system.packages[1]!.vnfd.vnfdId));
    const op = await waitForState(system, opIdOf(change.location), ['COMPLETED', 'FAILED_TEMP']);
    expect(op.resourceChanges?.affectedVnfcs.map((v) => v.computeResource.vimConnectionId)).toEqual([vimConnectionId, vimConnectionId, vimConnectionId]);
  });

  it('modifies name, description and metadata (a merge patch) as a MODIFY_INFO operation occurrence', async () => {
    const res = await call('POST', '/vnf_instances', { vnfdId: system.packages[0]!.vnfd.vnfdId, vnfInstanceName: 'before', metadata: { keep: 1, drop: 2, nested: { a: 1, b: 2 } } });
    const created = res.json<VnfInstance>();
    const patch = { vnfInstanceName: 'after', vnfInstanceDescription: 'now described', metadata: { drop: null, nested: { b: null, c: 3 }, added: true } };

    const modify = await call('PATCH', `/vnf_instances/${created.id}`, patch, 'application/merge-patch+json');

    expect(modify.status, modify.text).toBe(202);
    const op = await waitForState(system, opIdOf(modify.location), ['COMPLETED', 'FAILED_TEMP']);
    expect(op).toMatchObject({ operation: 'MODIFY_INFO', operationState: 'COMPLETED', vnfInstanceId: created.id, changedInfo: patch, operationParams: patch });
    expect((await call('GET', `/vnf_instances/${created.id}`)).json<VnfInstance>()).toMatchObject({
      vnfInstanceName: 'after', vnfInstanceDescription: 'now described', metadata: { keep: 1, nested: { a: 1, c: 3 }, added: true },
    });
    expect((await call('GET', `/vnf_instances/${created.id}`)).json<VnfInstance>().metadata).not.toHaveProperty('drop');
  });

  it('moves an instance to another package of the VNF with vnfdId, and takes plain JSON too', async () => {
    const created = await createInstance();
    const target = system.packages[1]!.vnfd;
    const modify = await call('PATCH', `/vnf_instances/${created.id}`, { vnfdId: target.vnfdId });
    expect(modify.status, modify.text).toBe(202);
    const op = await waitForState(system, opIdOf(modify.location), ['COMPLETED', 'FAILED_TEMP']);
    expect(op.changedInfo).toEqual({ vnfdId: target.vnfdId, vnfProvider: target.vnfProvider, vnfProductName: target.vnfProductName, vnfSoftwareVersion: target.vnfSoftwareVersion, vnfdVersion: target.vnfdVersion });
    expect((await call('GET', `/vnf_instances/${created.id}`)).json<VnfInstance>()).toMatchObject({ vnfdId: target.vnfdId, vnfSoftwareVersion: target.vnfSoftwareVersion });
  });

  it.each([
    ['an empty patch', {}, 400, /at least one attribute/],
    ['a vnfdId no enabled package has', { vnfdId: 'nope' }, 422, /no ONBOARDED and ENABLED VNF package has vnfdId nope/],
    ['vimConnectionInfo, which this VNFM does not let change', { vimConnectionInfo: { vim: {} } }, 422, /vimConnectionInfo cannot be modified here/],
    ['a name that is not a string', { vnfInstanceName: 5 }, 400, /vnfInstanceName/],
  ])('refuses %s', async (_what, patch, status, detail) => {
    const created = await createInstance();
    const res = await call('PATCH', `/vnf_instances/${created.id}`, patch, 'application/merge-patch+json');
    expect(res.status, res.text).toBe(status);
    expect(res.json<{ detail: string }>().detail).toMatch(detail);
  });

  it('refuses a modification with 409 while another operation holds the instance', async () => {
    const created = await createInstance();
    await instantiate(created.id, { VDU1: 1, VDU2: 1 });
    system.em.behaviours.set({ default: { mode: 'sync', result: 'ABORT' } });
    const change = await call('POST', `/vnf_instances/${created.id}/change_vnfpkg`, changeRequest(system, system.packages[1]!.vnfd.vnfdId));
    await waitForState(system, opIdOf(change.location), ['FAILED_TEMP']);
    system.em.behaviours.set({ default: { mode: 'sync' } });

    const res = await call('PATCH', `/vnf_instances/${created.id}`, { vnfInstanceName: 'x' }, 'application/merge-patch+json');
    expect(res.status, res.text).toBe(409);
  });

  it('lists MODIFY_INFO occurrences among the others', async () => {
    const created = await createInstance();
    const modify = await call('PATCH', `/vnf_instances/${created.id}`, { vnfInstanceName: 'listed' }, 'application/merge-patch+json');
    const opId = opIdOf(modify.location);
    await waitForState(system, opId, ['COMPLETED']);
    const listed = await call('GET', `/vnf_lcm_op_occs?filter=${encodeURIComponent(`(eq,vnfInstanceId,${created.id})`)}`);
    expect(listed.json<VnfLcmOpOcc[]>().map((o) => [o.id, o.operation])).toEqual([[opId, 'MODIFY_INFO']]);
  });
});
