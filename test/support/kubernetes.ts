// What the Kubernetes tests share: a sample CNF instantiated through the gateway on the test
// system's Kubernetes simulator, the change requests of the samples pointed at the test EM, and
// a log of what happened to pods in the simulator (made, released by the VNFM, deleted).
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { TYPES } from '../../src/kubernetes-simulator/cluster.ts';
import type { KubeObject } from '../../src/kubernetes-simulator/objects.ts';
import { COORDINATION_GATE } from '../../src/kubernetes/rollout.ts';
import { opIdOf, waitForState, type TestSystem } from './system.ts';

export const CNF_DEF_FILES = ['Files/kubernetes/namespace.yaml', 'Files/kubernetes/configmap.yaml', 'Files/kubernetes/deployment_vdu1.yaml', 'Files/kubernetes/deployment_vdu2.yaml'];

/** The stateful sample (samples/sample-cnf-sts-v1, -v2: VDU1 a StatefulSet of 3 pods), onboarded with `statefulSetSamples`. */
export const CNF_STS_DEF_FILES = ['Files/kubernetes/namespace.yaml', 'Files/kubernetes/statefulset_vdu1.yaml'];

/** Which sample CNF: the Deployments one (packages[0], [1]) or the StatefulSet one (packages[2], [3]). */
export type CnfSample = 'deployments' | 'statefulset';

const defFilesOf = (sample: CnfSample = 'deployments') => (sample === 'statefulset' ? CNF_STS_DEF_FILES : CNF_DEF_FILES);

export function cluster(system: TestSystem) {
  if (!system.kubernetes) throw new Error('the test system runs no Kubernetes simulator (startSystem(…, { kubernetes: {} }))');
  return system.kubernetes;
}

async function call(system: TestSystem, method: 'POST' | 'GET', path: string, body?: unknown): Promise<{ status: number; location?: string; json: Record<string, unknown> }> {
  const res = await request(`${system.gatewayUrl}${path}`, { method, headers: system.headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.body.text();
  const location = res.headers.location;
  return { status: res.statusCode, location: typeof location === 'string' ? location : undefined, json: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

/** The instantiate request of the sample CNF (its own namespace, so tests sharing a simulator do not meet). */
export function cnfInstantiateRequest(system: TestSystem, namespace: string, options: { layout?: Record<string, number>; access?: 'token' | 'certificate'; sample?: CnfSample } = {}): {
  flavourId: string; vimConnectionInfo: Record<string, Record<string, unknown>>; additionalParams: Record<string, unknown>;
} {
  return {
    flavourId: 'simple',
    vimConnectionInfo: cluster(system).vimConnectionInfo(options.access),
    additionalParams: { 'lcm-kubernetes-def-files': defFilesOf(options.sample), namespace, ...(options.layout ? { vdu_layout: options.layout } : {}) },
  };
}

/** A VNF instance of the v1 sample CNF, instantiated through the gateway; resolves once COMPLETED. */
export async function instantiateCnf(system: TestSystem, options: { layout?: Record<string, number>; access?: 'token' | 'certificate'; sample?: CnfSample } = {}): Promise<{ instanceId: string; namespace: string; opId: string }> {
  const v1 = cluster(system).packages[options.sample === 'statefulset' ? 2 : 0];
  const created = await call(system, 'POST', '/vnflcm/v2/vnf_instances', { vnfdId: v1?.vnfd.vnfdId, vnfInstanceName: 'cnf' });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.json)}`);
  const instanceId = String(created.json.id);
  const namespace = `cnf-${randomUUID().slice(0, 8)}`;
  const started = await call(system, 'POST', `/vnflcm/v2/vnf_instances/${instanceId}/instantiate`, cnfInstantiateRequest(system, namespace, options));
  if (started.status !== 202) throw new Error(`instantiate: ${started.status} ${JSON.stringify(started.json)}`);
  const opId = opIdOf(started.location);
  const op = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP']);
  if (op.operationState !== 'COMPLETED') throw new Error(`instantiate ended ${op.operationState}: ${op.error?.detail ?? ''}`);
  return { instanceId, namespace, opId };
}

/** The sample CNF's change request: each VDU's pods coordinated with the test EM, or (coordinated: false) Tacker's plain body. */
export function cnfChangeRequest(system: TestSystem, vnfdId: string, options: { coordinated?: boolean; vdus?: string[]; sample?: CnfSample } = {}): Record<string, unknown> {
  const param = (cp: string) => ({
    cp_name: cp, username: 'ubuntu', password: 'ubuntu', endpoint: system.em.url,
    authentication: { authType: ['BASIC'], paramsBasic: { userName: 'tacker', password: 'tacker' } }, timeout: 30,
  });
  const coordinated = options.coordinated ?? true;
  return {
    vnfdId,
    additionalParams: {
      upgrade_type: 'RollingUpdate',
      'lcm-kubernetes-def-files': defFilesOf(options.sample),
      ...(coordinated || options.vdus ? {
        vdu_params: (options.vdus ?? (options.sample === 'statefulset' ? ['VDU1'] : ['VDU1', 'VDU2'])).map((vdu) => (coordinated
          ? { vdu_id: vdu, old_vnfc_param: param(`${vdu}_CP1`), new_vnfc_param: param(`${vdu}_CP1`) }
          : { vdu_id: vdu })),
      } : {}),
    },
  };
}

export async function vnfInstance(system: TestSystem, instanceId: string): Promise<Record<string, unknown> & { instantiatedVnfInfo?: { vnfcResourceInfo?: { id: string; vduId: string }[] } }> {
  return (await call(system, 'GET', `/vnflcm/v2/vnf_instances/${instanceId}`)).json;
}

export interface PodEvent {
  /** Order of the event among all recorded ones. */
  seq: number;
  kind: 'created' | 'released' | 'deleted';
  pod: string;
  /** The ReplicaSet that owns it. */
  replicaSet?: string;
}

/** Records, from the simulator's store, when pods of a namespace are made, released (gate True) and deleted. */
export function recordPodEvents(system: TestSystem, namespace: string): { events: PodEvent[]; stop(): void } {
  const events: PodEvent[] = [];
  const released = new Set<string>();
  const stop = cluster(system).simulator.cluster.store.subscribe((event) => {
    const pod = event.object;
    if (event.resource !== '/pods' || pod.metadata.namespace !== namespace) return;
    const replicaSet = pod.metadata.ownerReferences?.[0]?.name;
    const push = (kind: PodEvent['kind']) => events.push({ seq: events.length, kind, pod: pod.metadata.name, ...(replicaSet ? { replicaSet } : {}) });
    if (event.type === 'ADDED') push('created');
    if (event.type === 'DELETED') push('deleted');
    if (event.type === 'MODIFIED' && isReleased(pod) && !released.has(pod.metadata.name)) {
      released.add(pod.metadata.name);
      push('released');
    }
  });
  return { events, stop };
}

function isReleased(pod: KubeObject): boolean {
  const conditions = pod.status?.conditions;
  return Array.isArray(conditions) && conditions.some((c) => typeof c === 'object' && c !== null && !Array.isArray(c) && c.type === COORDINATION_GATE && c.status === 'True');
}

/** A Deployment of the simulator, as stored. */
export function deployment(system: TestSystem, namespace: string, name: string): KubeObject | undefined {
  return cluster(system).simulator.cluster.store.get(TYPES.deployments, namespace, name);
}

/** The pods of a namespace now, by name. */
export function podNames(system: TestSystem, namespace: string): string[] {
  return cluster(system).simulator.cluster.store.list(TYPES.pods, namespace).map((p) => p.metadata.name);
}

/** The ReplicaSets of a namespace now. */
export function replicaSets(system: TestSystem, namespace: string): KubeObject[] {
  return cluster(system).simulator.cluster.store.list(TYPES.replicaSets, namespace);
}
