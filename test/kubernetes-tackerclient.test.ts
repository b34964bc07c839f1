// A CNF on the Kubernetes simulator through the real client: python-tackerclient's
// `openstack vnflcm create / instantiate / change-vnfpkg / op show / show / terminate
// --os-tacker-api-version 2` with the sample parameter files of samples/, pointed at the test's
// simulator (client certificate) and EM.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../src/inventory/sample.ts';
import { cluster, podNames } from './support/kubernetes.ts';
import { pythonTool } from './support/python-tools.ts';
import { startSystem, waitForState, type TestSystem } from './support/system.ts';

const run = promisify(execFile);
const TOKEN = 'tacker-cli-k8s-token-0123456789';
let system: TestSystem;
let openstack: string;

beforeAll(async () => {
  openstack = pythonTool('openstack');
  system = await startSystem('k8s-tackercli', { apiToken: TOKEN, kubernetes: {} });
});
afterAll(async () => {
  await system?.close();
});

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

type OpRow = { ID: string; 'VNF Instance ID': string; Operation: string };

/** A sample parameter file of samples/, its VIM and EM pointed at the test's, written for the CLI. */
function sampleParams(file: string, rewrite: (params: Record<string, unknown>) => void): string {
  const params = JSON.parse(readFileSync(join(SAMPLES_DIR, file), 'utf8')) as Record<string, unknown>;
  rewrite(params);
  const path = join(system.dataDir, file);
  writeFileSync(path, JSON.stringify(params));
  return path;
}

async function newOperation(instanceId: string, operation: string, before: Set<string>): Promise<string> {
  const op = (await json<OpRow[]>('op', 'list')).find((o) => !before.has(o.ID) && o['VNF Instance ID'] === instanceId && o.Operation === operation);
  if (!op) throw new Error(`op list shows no new ${operation} of ${instanceId}`);
  return op.ID;
}

it('creates, instantiates (client certificate), changes pod by pod and terminates a CNF with openstack vnflcm and the sample parameter files', async () => {
  system.em.behaviours.set({ default: { mode: 'async', polls: 1, retryAfter: 0 } });
  const [v1] = cluster(system).packages;
  const created = await json<{ ID: string }>('create', v1!.vnfd.vnfdId, '--name', 'cli-cnf');
  const namespace = 'cli-cnf';
  const instantiate = sampleParams('sample_param_file_cnf_instantiate.json', (params) => {
    params.vimConnectionInfo = cluster(system).vimConnectionInfo('certificate');
    (params.additionalParams as Record<string, unknown>).namespace = namespace;
  });
  let ops = new Set((await json<OpRow[]>('op', 'list')).map((o) => o.ID));
  expect(await vnflcm('instantiate', created.ID, instantiate)).toContain('has been accepted');
  const instantiated = await waitForState(system, await newOperation(created.ID, 'INSTANTIATE', ops), ['COMPLETED', 'FAILED_TEMP']);
  expect(instantiated.operationState, instantiated.error?.detail).toBe('COMPLETED');
  const before = podNames(system, namespace);
  expect(before).toHaveLength(5);

  const change = sampleParams('sample_param_file_cnf_change.json', (params) => {
    for (const vdu of (params.additionalParams as { vdu_params: Record<string, Record<string, unknown>>[] }).vdu_params) {
      vdu.old_vnfc_param!.endpoint = system.em.url;
      vdu.new_vnfc_param!.endpoint = system.em.url;
    }
  });
  ops = new Set((await json<OpRow[]>('op', 'list')).map((o) => o.ID));
  expect(await vnflcm('change-vnfpkg', created.ID, change)).toContain('has been accepted');
  const changeOp = await newOperation(created.ID, 'CHANGE_VNFPKG', ops);
  expect((await waitForState(system, changeOp, ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');

  const shown = await json<{ 'Operation State': string; 'Resource Changes': { affectedVnfcs: { changeType: string }[] }; 'LCM Coordinations'?: unknown }>('op', 'show', changeOp);
  expect(shown['Operation State']).toBe('COMPLETED');
  expect(shown['Resource Changes'].affectedVnfcs.map((v) => v.changeType).sort()).toEqual([...Array<string>(5).fill('ADDED'), ...Array<string>(5).fill('REMOVED')]);
  const instance = await json<{ 'VNFD ID': string; 'Instantiated Vnf Info': { vnfcResourceInfo: { id: string }[] } }>('show', created.ID);
  expect(instance['VNFD ID']).toBe(cluster(system).packages[1]!.vnfd.vnfdId);
  expect(instance['Instantiated Vnf Info'].vnfcResourceInfo.map((v) => v.id).sort()).toEqual(podNames(system, namespace).sort());
  expect(podNames(system, namespace).some((pod) => before.includes(pod))).toBe(false);

  ops = new Set((await json<OpRow[]>('op', 'list')).map((o) => o.ID));
  expect(await vnflcm('terminate', created.ID)).toContain('has been accepted');
  expect((await waitForState(system, await newOperation(created.ID, 'TERMINATE', ops), ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');
  expect(podNames(system, namespace)).toEqual([]);
});
