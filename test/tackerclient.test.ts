// The real client: python-openstackclient with python-tackerclient (`openstack vnflcm …
// --os-tacker-api-version 2`, the seed's own commands) against the gateway, with an API token
// as `--os-auth-type admin_token` sends it (X-Auth-Token).
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../src/inventory/sample.ts';
import { pythonTool } from './support/python-tools.ts';
import { startSystem, waitForState, type TestSystem } from './support/system.ts';

const run = promisify(execFile);
const TOKEN = 'tacker-cli-token-0123456789';
let system: TestSystem;
let openstack: string;

beforeAll(async () => {
  openstack = pythonTool('openstack');
  system = await startSystem('tackercli', { apiToken: TOKEN });
});
afterAll(async () => {
  await system?.close();
});

/** Runs `openstack vnflcm …` against the gateway and returns stdout. */
async function vnflcm(...args: string[]): Promise<string> {
  const { stdout } = await run(openstack, [
    'vnflcm', ...args,
    '--os-auth-type', 'admin_token', '--os-token', TOKEN, '--os-endpoint', system.gatewayUrl, '--os-tacker-api-version', '2',
  ], { timeout: 60_000, env: { ...process.env, OS_CLOUD: '', PYTHONWARNINGS: 'ignore' } });
  return stdout;
}

async function json<T>(...args: string[]): Promise<T> {
  return JSON.parse(await vnflcm(...args, '-f', 'json')) as T;
}

/** The seed's parameter file, pointed at this test's EM. */
function seedParams(vnfdId: string): string {
  const file = join(system.dataDir, `params-${vnfdId}.json`);
  const text = JSON.stringify({
    vnfdId,
    additionalParams: {
      upgrade_type: 'RollingUpdate',
      vdu_params: ['VDU1', 'VDU2'].map((vdu) => {
        const param = {
          cp_name: `${vdu}_CP1`, username: 'ubuntu', password: 'ubuntu', endpoint: system.em.url,
          authentication: { authType: ['BASIC'], paramsBasic: { userName: 'tacker', password: 'tacker' } }, timeout: 30,
        };
        return { vdu_id: vdu, old_vnfc_param: param, new_vnfc_param: param };
      }),
    },
  });
  writeFileSync(file, text);
  return file;
}

async function createAndInstantiate(): Promise<string> {
  const created = await json<{ ID: string }>('create', system.packages[0]!.vnfd.vnfdId, '--name', 'cli');
  const request = join(system.dataDir, 'instantiate.json');
  writeFileSync(request, JSON.stringify({ flavourId: 'simple', additionalParams: { vdu_layout: { VDU1: 1, VDU2: 1 } } }));
  expect(await vnflcm('instantiate', created.ID, request)).toContain('has been accepted');
  const ops = await json<{ ID: string; 'VNF Instance ID': string; Operation: string }[]>('op', 'list');
  const op = ops.find((o) => o['VNF Instance ID'] === created.ID && o.Operation === 'INSTANTIATE');
  expect((await waitForState(system, op!.ID, ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');
  return created.ID;
}

type OpRow = { ID: string; 'VNF Instance ID': string; Operation: string };

/** `change-vnfpkg` prints no id: the new occurrence is the one `op list` did not show before. */
async function changeTo(instanceId: string, vnfdId: string): Promise<string> {
  const before = new Set((await json<OpRow[]>('op', 'list')).map((o) => o.ID));
  expect(await vnflcm('change-vnfpkg', instanceId, seedParams(vnfdId))).toContain('has been accepted');
  const op = (await json<OpRow[]>('op', 'list')).find((o) => !before.has(o.ID) && o['VNF Instance ID'] === instanceId && o.Operation === 'CHANGE_VNFPKG');
  if (!op) throw new Error(`op list shows no new CHANGE_VNFPKG occurrence for ${instanceId}`);
  return op.ID;
}

describe('openstack vnflcm --os-tacker-api-version 2', () => {
  it('creates, instantiates and changes the package with the seed parameter file; op show renders the occurrence', async () => {
    system.em.behaviours.set({ default: { mode: 'async', polls: 1, retryAfter: 0 } });
    const instanceId = await createAndInstantiate();
    const opId = await changeTo(instanceId, system.packages[1]!.vnfd.vnfdId);
    await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP']);

    const shown = await json<{ 'Operation State': string; Operation: string; 'Operation Parameters': { vnfdId: string } }>('op', 'show', opId);
    expect(shown['Operation State']).toBe('COMPLETED');
    expect(shown.Operation).toBe('CHANGE_VNFPKG');
    expect(shown['Operation Parameters'].vnfdId).toBe(system.packages[1]!.vnfd.vnfdId);
    const listed = await json<{ ID: string; 'Instantiation State': string }[]>('list');
    expect(listed.find((i) => i.ID === instanceId)?.['Instantiation State']).toBe('INSTANTIATED');
  });

  it('retries, rolls back and fails operations in FAILED_TEMP with op retry, op rollback and op fail', async () => {
    const instanceId = await createAndInstantiate();
    system.em.behaviours.set({ default: { mode: 'sync', result: 'ABORT', error: 'EM says no' } });
    const toRetry = await changeTo(instanceId, system.packages[1]!.vnfd.vnfdId);
    expect((await waitForState(system, toRetry, ['FAILED_TEMP'])).error?.detail).toBe('EM says no');
    system.em.behaviours.set({ default: { mode: 'sync' } });
    await vnflcm('op', 'retry', toRetry);
    expect((await waitForState(system, toRetry, ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');

    system.em.behaviours.set({ default: { mode: 'sync', result: 'ABORT' } });
    const toRollBack = await changeTo(instanceId, system.packages[0]!.vnfd.vnfdId);
    await waitForState(system, toRollBack, ['FAILED_TEMP']);
    system.em.behaviours.set({ default: { mode: 'sync' } });
    await vnflcm('op', 'rollback', toRollBack);
    expect((await waitForState(system, toRollBack, ['ROLLED_BACK', 'FAILED_TEMP'])).operationState).toBe('ROLLED_BACK');

    system.em.behaviours.set({ default: { mode: 'sync', result: 'ABORT' } });
    const toFail = await changeTo(instanceId, system.packages[0]!.vnfd.vnfdId);
    await waitForState(system, toFail, ['FAILED_TEMP']);
    await vnflcm('op', 'fail', toFail);
    expect((await waitForState(system, toFail, ['FAILED'])).operationState).toBe('FAILED');
  });

  it('names the seed sample parameter file, which the gateway accepts as it is', () => {
    expect(existsSync(join(SAMPLES_DIR, 'sample_param_file_for_coordination.json'))).toBe(true);
  });
});
