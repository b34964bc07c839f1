// change_vnfpkg of a CNF on the Kubernetes simulator, end to end through the gateway: the sample
// CNF (2 Deployments, 3 + 2 pods) is instantiated from its manifests, then changed to v2 pod by
// pod with the EM, or as plain rollouts; a failed change is rolled back to the ReplicaSets it had.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPES } from '../src/kubernetes-simulator/cluster.ts';
import { COORDINATION_GATE } from '../src/kubernetes/rollout.ts';
import { recordHistory } from './support/histories.ts';
import {
  cluster, cnfChangeRequest, cnfInstantiateRequest, deployment, instantiateCnf, podNames, recordPodEvents, replicaSets, vnfInstance, type PodEvent,
} from './support/kubernetes.ts';
import { getOpOcc, operatorTask, opIdOf, postChange, startSystem, waitForState, type TestSystem } from './support/system.ts';
import { eventually } from './support/wait.ts';

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem('k8s-change', { kubernetes: {} });
});
afterAll(async () => {
  await system?.close();
});

const v1 = () => cluster(system).packages[0]!.vnfd.vnfdId;
const v2 = () => cluster(system).packages[1]!.vnfd.vnfdId;
const emPosts = () => system.em.requests.entries().filter((e) => e.method === 'POST' && e.path.endsWith('/coordinations'));

function images(namespace: string, name: string): string[] {
  const template = deployment(system, namespace, name)?.spec?.template as { spec: { containers: { image: string }[]; readinessGates?: unknown[] } };
  return template.spec.containers.map((c) => c.image);
}

function created(events: PodEvent[], replicaSet: string): PodEvent[] {
  return events.filter((e) => e.kind === 'created' && e.replicaSet === replicaSet);
}

describe('change_vnfpkg on a Kubernetes VIM', () => {
  it('instantiates the CNF from its manifests and records its pods as VNFCs', async () => {
    const { instanceId, namespace, opId } = await instantiateCnf(system, { layout: { VDU1: 2, VDU2: 1 } });

    const instance = await vnfInstance(system, instanceId);
    const vnfcs = instance.instantiatedVnfInfo?.vnfcResourceInfo ?? [];
    expect(vnfcs.map((v) => v.id).sort()).toEqual(podNames(system, namespace).sort());
    expect(vnfcs.map((v) => v.vduId).sort()).toEqual(['VDU1', 'VDU1', 'VDU2']);
    expect((await getOpOcc(system, opId)).resourceChanges?.affectedVnfcs.map((v) => v.changeType)).toEqual(['ADDED', 'ADDED', 'ADDED']);
    expect(instance.vimConnectionInfo).toMatchObject({ vim1: { vimType: 'ETSINFV.KUBERNETES.V_1', accessInfo: { bearer_token: '***' } } });
    await recordHistory(system.client, opId, 'kubernetes-instantiate');
  });

  it('changes the package pod by pod, coordinating each new pod with an asynchronous EM before the next one is made', async () => {
    system.em.behaviours.set({ default: { mode: 'async', polls: 1, retryAfter: 0 } });
    const { instanceId, namespace } = await instantiateCnf(system);
    const before = podNames(system, namespace);
    const rsBefore = replicaSets(system, namespace).map((rs) => rs.metadata.name);
    const pods = recordPodEvents(system, namespace);
    system.em.requests.clear();

    const { status, location, body } = await postChange(system, cnfChangeRequest(system, v2()), instanceId);
    expect(status, body).toBe(202);
    const op = await waitForState(system, opIdOf(location), ['COMPLETED', 'FAILED_TEMP']);
    pods.stop();

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    const newSets = replicaSets(system, namespace).map((rs) => rs.metadata.name).filter((name) => !rsBefore.includes(name)).sort();
    expect(newSets).toHaveLength(2); // one new ReplicaSet per Deployment: removing the gate made no third one
    const newPods = newSets.flatMap((rs) => created(pods.events, rs));
    expect(newPods).toHaveLength(5);
    // The EM was asked about each new pod, in the order the pods were made, VDU1's before VDU2's.
    expect(emPosts().map((e) => e.vnfcInstanceId)).toEqual([...newPods].sort((a, b) => a.seq - b.seq).map((p) => p.pod));
    for (const rs of newSets) {
      const made = created(pods.events, rs);
      for (const [i, pod] of made.entries()) {
        const released = pods.events.find((e) => e.kind === 'released' && e.pod === pod.pod);
        expect(released, `${pod.pod} released`).toBeDefined();
        // The next pod is made only after this one was coordinated and let into service.
        if (made[i + 1]) expect(made[i + 1]!.seq).toBeGreaterThan(released!.seq);
      }
    }
    expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(Array(5).fill('CONTINUE'));
    const affected = op.resourceChanges?.affectedVnfcs ?? [];
    expect(affected.filter((v) => v.changeType === 'REMOVED').map((v) => v.id).sort()).toEqual([...before].sort());
    expect(affected.filter((v) => v.changeType === 'ADDED').map((v) => v.id).sort()).toEqual(newPods.map((p) => p.pod).sort());
    const instance = await vnfInstance(system, instanceId);
    expect(instance.vnfdId).toBe(v2());
    expect(instance.instantiatedVnfInfo?.vnfcResourceInfo?.map((v) => v.id).sort()).toEqual(podNames(system, namespace).sort());
    // The Deployments are the v2 manifests' again: no gate left, their own strategy back.
    expect(images(namespace, 'vdu1')).toEqual(['nginx:1.26.3']);
    for (const name of ['vdu1', 'vdu2']) {
      const spec = deployment(system, namespace, name)?.spec as { strategy: unknown; template: { spec: { readinessGates?: unknown } } };
      expect(spec.template.spec.readinessGates).toBeUndefined();
      expect(spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    }
    await recordHistory(system.client, opIdOf(location), 'kubernetes-change-coordinated');
  });

  it('rolls the Deployments out as Kubernetes does, waiting with workflow timers, when the request names no coordination (Tacker\'s body)', async () => {
    const { instanceId, namespace } = await instantiateCnf(system);
    const pods = recordPodEvents(system, namespace);
    system.em.requests.clear();

    const { status, location } = await postChange(system, cnfChangeRequest(system, v2(), { coordinated: false }), instanceId);
    expect(status).toBe(202);
    const op = await waitForState(system, opIdOf(location), ['COMPLETED', 'FAILED_TEMP']);
    pods.stop();

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(emPosts()).toEqual([]);
    expect(pods.events.filter((e) => e.kind === 'released')).toEqual([]);
    expect(images(namespace, 'vdu1')).toEqual(['nginx:1.26.3']);
    expect(op.resourceChanges?.affectedVnfcs.filter((v) => v.changeType === 'ADDED')).toHaveLength(5);
    await recordHistory(system.client, opIdOf(location), 'kubernetes-change-plain');
  });

  it('rolls back an aborted change to the ReplicaSets it had, replacing back only the pods the change replaced, through the old-VNFC coordination path', async () => {
    system.em.behaviours.set({ default: { mode: 'async', never: true, retryAfter: 0 } });
    const { instanceId, namespace } = await instantiateCnf(system);
    const [original] = replicaSets(system, namespace).filter((rs) => rs.metadata.name.startsWith('vdu1-')).map((rs) => rs.metadata.name);
    const before = podNames(system, namespace);
    system.em.requests.clear();

    const { location } = await postChange(system, cnfChangeRequest(system, v2()), instanceId);
    const opId = opIdOf(location);
    await eventually('the first new pod in coordination', () => emPosts().length === 1);
    expect(system.em.finishHeld('CONTINUE')).toBe(1);
    await eventually('the second new pod in coordination', () => emPosts().length === 2);
    expect(system.em.finishHeld('ABORT')).toBe(1);
    const failed = await waitForState(system, opId, ['FAILED_TEMP']);
    expect(failed.error?.detail).toBe('the EM aborted the coordination');

    system.em.behaviours.set({ default: { mode: 'sync' } });
    expect((await operatorTask(system, opId, 'rollback')).status).toBe(202);
    const op = await waitForState(system, opId, ['ROLLED_BACK', 'FAILED_TEMP']);

    expect(op.operationState, op.error?.detail).toBe('ROLLED_BACK');
    const vdu1 = deployment(system, namespace, 'vdu1')!;
    expect(vdu1.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3'); // the original ReplicaSet, made current again
    expect(replicaSets(system, namespace).find((rs) => rs.metadata.name === original)?.spec?.replicas).toBe(3);
    expect(images(namespace, 'vdu1')).toEqual(['nginx:1.25.5']);
    expect((vdu1.spec as { template: { spec: { readinessGates?: unknown } } }).template.spec.readinessGates).toBeUndefined();
    // One old pod had been replaced: it alone was made again, and coordinated as an old VNFC.
    const now = podNames(system, namespace);
    expect(now.filter((pod) => !before.includes(pod))).toHaveLength(1);
    expect(emPosts()).toHaveLength(3);
    const affected = op.resourceChanges?.affectedVnfcs ?? [];
    expect(affected.map((v) => v.changeType).sort()).toEqual(['ADDED', 'REMOVED', 'TEMPORARY', 'TEMPORARY']);
    expect((await vnfInstance(system, instanceId)).vnfdId).toBe(v1());
    await recordHistory(system.client, opId, 'kubernetes-rollback');
  });

  it('terminates the CNF: its objects are deleted, last first, and the instance is NOT_INSTANTIATED', async () => {
    const { instanceId, namespace } = await instantiateCnf(system);
    const res = await fetchTerminate(instanceId);
    const op = await waitForState(system, opIdOf(res), ['COMPLETED', 'FAILED_TEMP']);

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(podNames(system, namespace)).toEqual([]);
    expect(deployment(system, namespace, 'vdu1')).toBeUndefined();
    expect((await vnfInstance(system, instanceId)).instantiationState).toBe('NOT_INSTANTIATED');
    await recordHistory(system.client, opIdOf(res), 'kubernetes-terminate');
  });

  it('refuses a change that names no manifests, or a VDU that is no Deployment of them (422)', async () => {
    const { instanceId } = await instantiateCnf(system);
    const noFiles = cnfChangeRequest(system, v2());
    delete (noFiles.additionalParams as Record<string, unknown>)['lcm-kubernetes-def-files'];
    const refused = await postChange(system, noFiles, instanceId);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatch(/lcm-kubernetes-def-files/);

    const unknownVdu = cnfChangeRequest(system, v2(), { vdus: ['VDU9'] });
    const alsoRefused = await postChange(system, unknownVdu, instanceId);
    expect(alsoRefused.status).toBe(422);
    expect(alsoRefused.body).toMatch(/VDU9/);
  });

  it('never shows the VIM\'s token or client key: the instantiate occurrence and the instance say ***', async () => {
    const { instanceId, opId } = await instantiateCnf(system, { access: 'certificate' });
    const key = cluster(system).clientCertificate.key;
    const keyBody = key.split('\n')[1]!;

    const op = await getOpOcc(system, opId);
    const instance = await vnfInstance(system, instanceId);
    expect(op.operationParams).toMatchObject({ vimConnectionInfo: { vim1: { accessInfo: { client_key: '***' } } } });
    expect(instance.vimConnectionInfo).toMatchObject({ vim1: { accessInfo: { client_key: '***' } } });
    expect(JSON.stringify([op, instance])).not.toContain(keyBody);
  });

  it('refuses to instantiate on a Kubernetes VIM that names no credentials (422)', async () => {
    const [v1p] = cluster(system).packages;
    const created = await request(`${system.gatewayUrl}/vnflcm/v2/vnf_instances`, { method: 'POST', headers: system.headers, body: JSON.stringify({ vnfdId: v1p!.vnfd.vnfdId }) });
    const { id } = (await created.body.json()) as { id: string };
    const body = cnfInstantiateRequest(system, 'no-credentials');
    (body.vimConnectionInfo.vim1 as { accessInfo: unknown }).accessInfo = {};
    const res = await request(`${system.gatewayUrl}/vnflcm/v2/vnf_instances/${id}/instantiate`, { method: 'POST', headers: system.headers, body: JSON.stringify(body) });
    const text = await res.body.text();
    expect(res.statusCode).toBe(422);
    expect(text).toContain('vimConnectionInfo.vim1 is not a usable Kubernetes VIM: accessInfo: a Kubernetes VIM needs bearer_token, or client_cert and client_key');
  });

  it('keeps the coordination gate only while the change runs: a pod made after it is Ready by itself', async () => {
    system.em.behaviours.set({ default: { mode: 'sync' } });
    const { instanceId, namespace } = await instantiateCnf(system);
    const { location } = await postChange(system, cnfChangeRequest(system, v2(), { vdus: ['VDU2'] }), instanceId);
    expect((await waitForState(system, opIdOf(location), ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');
    const pods = recordPodEvents(system, namespace);

    // A pod of vdu2 dies; its ReplicaSet makes another from a template without the gate.
    const [victim] = podNames(system, namespace).filter((p) => p.startsWith('vdu2-'));
    const { cluster: sim } = cluster(system).simulator;
    sim.delete(TYPES.pods, sim.store.get(TYPES.pods, namespace, victim!)!, 'Background');
    const replacement = await eventually('a replacement pod, Ready', () => {
      const made = pods.events.find((e) => e.kind === 'created');
      const pod = made && sim.store.get(TYPES.pods, namespace, made.pod);
      const conditions = (pod?.status?.conditions ?? []) as { type: string; status: string }[];
      return pod && conditions.some((c) => c.type === 'Ready' && c.status === 'True') && pod;
    });
    pods.stop();
    expect((replacement.spec as { readinessGates?: { conditionType: string }[] }).readinessGates?.some((g) => g.conditionType === COORDINATION_GATE) ?? false).toBe(false);
  });
});

async function fetchTerminate(instanceId: string): Promise<string | undefined> {
  const res = await request(`${system.gatewayUrl}/vnflcm/v2/vnf_instances/${instanceId}/terminate`, {
    method: 'POST', headers: system.headers, body: JSON.stringify({ terminationType: 'FORCEFUL' }),
  });
  await res.body.dump();
  expect(res.statusCode).toBe(202);
  return typeof res.headers.location === 'string' ? res.headers.location : undefined;
}
