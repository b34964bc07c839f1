// The embedded default: two versions of a sample VNF package and an instantiated sample VNF
// (2 VDUs, 4 VNFCs) on the VIM simulator, so a change can be triggered right after start.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { z } from 'zod';
import { vimConnectionEntry } from '../openstack/vim-connection-info.ts';
import { PROJECT_ROOT } from '../project-root.ts';
import type { InventoryStore, VnfInstanceRecord, VnfPackageRecord } from './store.ts';

export const SAMPLES_DIR = join(PROJECT_ROOT, 'samples');
export const SAMPLE_VNF_INSTANCE_ID = '6b0f3b7e-2a3c-4a8e-9d41-5a2f0c1e7d10';
export const SAMPLE_PACKAGES = [
  { id: '0c7a3d51-6f0e-4c3b-8a51-3f0e1d2c4b01', dir: 'sample-vnf-v1' },
  { id: '0c7a3d51-6f0e-4c3b-8a51-3f0e1d2c4b02', dir: 'sample-vnf-v2' },
] as const;
/** Where the VIM simulator serves Keystone v3 (its KEYSTONE_PATH). */
const SIMULATOR_KEYSTONE_PATH = '/identity/v3';
/** Two versions of a sample CNF: its VDUs are Deployments of the package's Kubernetes manifests. */
export const SAMPLE_CNF_PACKAGES = [
  { id: '0c7a3d51-6f0e-4c3b-8a51-3f0e1d2c4c01', dir: 'sample-cnf-v1' },
  { id: '0c7a3d51-6f0e-4c3b-8a51-3f0e1d2c4c02', dir: 'sample-cnf-v2' },
] as const;
/** Two versions of a sample stateful CNF: its one VDU is a StatefulSet (not onboarded by `npm start`; the tests onboard it). */
export const SAMPLE_CNF_STS_PACKAGES = [
  { id: '0c7a3d51-6f0e-4c3b-8a51-3f0e1d2c4d01', dir: 'sample-cnf-sts-v1' },
  { id: '0c7a3d51-6f0e-4c3b-8a51-3f0e1d2c4d02', dir: 'sample-cnf-sts-v2' },
] as const;
/** The sample CNF instance of `npm start`, instantiated on the Kubernetes simulator from v1. */
export const SAMPLE_CNF_INSTANCE_ID = '7c1e9a24-3b5d-4f6e-8a70-2c9d0e1f3a20';
export const SAMPLE_CNF_INSTANTIATE_FILE = 'sample_param_file_cnf_instantiate.json';
/** VNFCs per VDU of the sample instance. */
export const SAMPLE_LAYOUT = { VDU1: 2, VDU2: 2 } as const;

const VimStackView = z.object({
  stackName: z.string(),
  stackId: z.string(),
  vnfcs: z.array(z.object({ vduId: z.string(), serverId: z.string(), image: z.string(), flavor: z.string() })),
});

/**
 * Instantiates a VNF of the package on the VIM simulator through its admin API (idempotent by
 * stack name) and records the instance; an instance that exists already is left as it is.
 */
export async function ensureSampleInstance(
  store: InventoryStore, vimUrl: string, pkg: VnfPackageRecord,
  { instanceId = SAMPLE_VNF_INSTANCE_ID, layout = SAMPLE_LAYOUT }: { instanceId?: string; layout?: Record<string, number> } = {},
): Promise<VnfInstanceRecord> {
  const existing = await store.instance(instanceId);
  if (existing) return existing;
  const vdus = Object.entries(layout).map(([vduId, count]) => {
    const vdu = pkg.vnfd.vdus[vduId];
    if (!vdu) throw new Error(`package ${pkg.id} has no VDU ${vduId}`);
    return { vduId, count, image: vdu.image, flavor: vdu.flavor };
  });
  const res = await request(`${vimUrl}/admin/stacks`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ stackName: `vnf-${instanceId}`, vdus }),
  });
  if (res.statusCode !== 200 && res.statusCode !== 201) throw new Error(`VIM simulator refused the sample stack: ${res.statusCode} ${await res.body.text()}`);
  const stack = VimStackView.parse(await res.body.json());
  const { vnfd } = pkg;
  // The VIM simulator's Keystone, as the worker started by `npm start` reaches it (admin/admin).
  const vim = vimConnectionEntry({ authUrl: `${vimUrl}${SIMULATOR_KEYSTONE_PATH}`, username: 'admin', projectName: 'admin' });
  const instance: VnfInstanceRecord = {
    id: instanceId,
    vnfInstanceName: 'sample-vnf',
    vnfdId: vnfd.vnfdId,
    vnfProvider: vnfd.vnfProvider,
    vnfProductName: vnfd.vnfProductName,
    vnfSoftwareVersion: vnfd.vnfSoftwareVersion,
    vnfdVersion: vnfd.vnfdVersion,
    instantiationState: 'INSTANTIATED',
    stack: { name: stack.stackName, id: stack.stackId },
    flavourId: 'simple',
    vimConnectionInfo: { [vim.vimConnectionId]: vim.info },
    vnfcResourceInfo: stack.vnfcs.map((v) => ({
      id: v.serverId,
      vduId: v.vduId,
      computeResource: { vimConnectionId: vim.vimConnectionId, resourceId: v.serverId, vimLevelResourceType: 'OS::Nova::Server' },
    })),
  };
  await store.putInstance(instance);
  return instance;
}

/**
 * The sample CNF: an instance of the v1 CNF package, instantiated through the gateway (the
 * operation a client would start, with samples/sample_param_file_cnf_instantiate.json pointed at
 * the simulator), so that a change can be tried right after start. An instance that exists is
 * left as it is; one whose instantiate is still running (an earlier start) is waited for.
 */
export async function ensureSampleCnfInstance(
  store: InventoryStore, pkg: VnfPackageRecord, gateway: { apiRoot: string; apiToken: string }, kubernetesUrl: string, timeoutMs = 120_000,
): Promise<VnfInstanceRecord> {
  const id = SAMPLE_CNF_INSTANCE_ID;
  let instance = await store.instance(id);
  if (instance?.instantiationState === 'INSTANTIATED') return instance;
  if (!instance) {
    const { vnfd } = pkg;
    instance = {
      id, vnfInstanceName: 'sample-cnf', vnfdId: vnfd.vnfdId, vnfProvider: vnfd.vnfProvider, vnfProductName: vnfd.vnfProductName,
      vnfSoftwareVersion: vnfd.vnfSoftwareVersion, vnfdVersion: vnfd.vnfdVersion, instantiationState: 'NOT_INSTANTIATED', vnfcResourceInfo: [],
    };
    await store.putInstance(instance);
  }
  const body = readFileSync(join(SAMPLES_DIR, SAMPLE_CNF_INSTANTIATE_FILE), 'utf8').replaceAll('https://127.0.0.1:9892', kubernetesUrl);
  const res = await request(`${gateway.apiRoot}/vnflcm/v2/vnf_instances/${id}/instantiate`, {
    method: 'POST', headers: { 'X-Auth-Token': gateway.apiToken, Version: '2.0.0', 'Content-Type': 'application/json' }, body,
  });
  const answer = await res.body.text();
  // 409: an instantiate from an earlier start still runs (or waits in FAILED_TEMP): it is waited for below.
  if (res.statusCode !== 202 && res.statusCode !== 409) throw new Error(`instantiate of the sample CNF: ${res.statusCode} ${answer}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await store.instance(id);
    if (current?.instantiationState === 'INSTANTIATED') return current;
    if (Date.now() > deadline) throw new Error(`the sample CNF was not instantiated within ${timeoutMs / 1000} s (see its operation in the Web UI)`);
    await delay(500);
  }
}
