// change_vnfpkg of a CNF whose VDU is a StatefulSet, end to end through the gateway on the
// Kubernetes simulator: the stateful sample (samples/sample-cnf-sts-v1, -v2: VDU1 a StatefulSet
// of 3 pods vdu1-0..2) is instantiated, then changed pod by pod by its partition, highest ordinal
// first, each replaced pod coordinated with an asynchronous EM before the next one is replaced;
// or as the StatefulSet's own rollout; an aborted change is rolled back pod by pod.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPES } from '../src/kubernetes-simulator/cluster.ts';
import type { KubeObject } from '../src/kubernetes-simulator/objects.ts';
import { recordHistory } from './support/histories.ts';
import { cluster, cnfChangeRequest, instantiateCnf, vnfInstance } from './support/kubernetes.ts';
import { getOpOcc, operatorTask, opIdOf, postChange, startSystem, waitForState, type TestSystem } from './support/system.ts';
import { eventually } from './support/wait.ts';

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem('k8s-sts', { kubernetes: { statefulSetSamples: true } });
});
afterAll(async () => {
  await system?.close();
});

const v1 = () => cluster(system).packages[2]!.vnfd.vnfdId;
const v2 = () => cluster(system).packages[3]!.vnfd.vnfdId;
const deploymentsV2 = () => cluster(system).packages[1]!.vnfd.vnfdId;
const emPosts = () => system.em.requests.entries().filter((e) => e.method === 'POST' && e.path.endsWith('/coordinations'));
const sim = () => cluster(system).simulator.cluster;
const pod = (namespace: string, name: string) => sim().store.get(TYPES.pods, namespace, name);
const imageOf = (p: KubeObject | undefined) => (p?.spec?.containers as { image: string }[] | undefined)?.[0]?.image;
const images = (namespace: string) => ['vdu1-0', 'vdu1-1', 'vdu1-2'].map((name) => imageOf(pod(namespace, name)));
const statefulSet = (namespace: string) => sim().store.get(TYPES.statefulSets, namespace, 'vdu1');

/** Pod deletions and creations of a namespace, in order ('-vdu1-2', '+vdu1-2' …). */
function recordPodChurn(namespace: string): { events: string[]; stop(): void } {
  const events: string[] = [];
  const stop = sim().store.subscribe((event) => {
    if (event.resource !== '/pods' || event.object.metadata.namespace !== namespace) return;
    if (event.type === 'ADDED') events.push(`+${event.object.metadata.name}`);
    if (event.type === 'DELETED') events.push(`-${event.object.metadata.name}`);
  });
  return { events, stop };
}

describe('change_vnfpkg of a StatefulSet VDU on a Kubernetes VIM', () => {
  it('instantiates the stateful CNF and records its pods as VNFCs of the StatefulSet', async () => {
    const { instanceId, namespace, opId } = await instantiateCnf(system, { sample: 'statefulset' });

    const vnfcs = ((await vnfInstance(system, instanceId)).instantiatedVnfInfo?.vnfcResourceInfo ?? []) as {
      id: string; vduId: string; computeResource: { vimLevelResourceType: string }; metadata?: { revision?: string };
    }[];
    expect(vnfcs.map((v) => v.id).sort()).toEqual(['vdu1-0', 'vdu1-1', 'vdu1-2']);
    expect(vnfcs.map((v) => v.computeResource.vimLevelResourceType)).toEqual(Array(3).fill('StatefulSet'));
    expect(vnfcs.map((v) => v.metadata?.revision)).toEqual(Array(3).fill((statefulSet(namespace)?.status as { updateRevision: string }).updateRevision));
    expect((await getOpOcc(system, opId)).resourceChanges?.affectedVnfcs.map((v) => v.changeType)).toEqual(['ADDED', 'ADDED', 'ADDED']);
    await recordHistory(system.client, opId, 'kubernetes-statefulset-instantiate');
  });

  it('replaces the pods from the highest ordinal down, each coordinated with an asynchronous EM before the next one is replaced', async () => {
    system.em.behaviours.set({ default: { mode: 'async', never: true, retryAfter: 0 } });
    const { instanceId, namespace } = await instantiateCnf(system, { sample: 'statefulset' });
    const uids = Object.fromEntries(['vdu1-0', 'vdu1-1', 'vdu1-2'].map((name) => [name, pod(namespace, name)!.metadata.uid]));
    const churn = recordPodChurn(namespace);
    system.em.requests.clear();

    const { status, location, body } = await postChange(system, cnfChangeRequest(system, v2(), { sample: 'statefulset' }), instanceId);
    expect(status, body).toBe(202);
    const opId = opIdOf(location);
    for (const [i, name] of ['vdu1-2', 'vdu1-1', 'vdu1-0'].entries()) {
      // The EM holds the coordination of this pod: the next one stays on the old revision.
      await eventually(`the coordination of ${name}`, () => emPosts().length === i + 1);
      expect(emPosts()[i]!.vnfcInstanceId).toBe(name);
      sim().reconcile();
      expect(images(namespace)).toEqual(['postgres:16.4', 'postgres:16.4', 'postgres:16.4'].map((old, ordinal) => (ordinal >= 2 - i ? 'postgres:16.5' : old)));
      expect(system.em.finishHeld('CONTINUE')).toBe(1);
    }
    const op = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP']);
    churn.stop();

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(churn.events).toEqual(['-vdu1-2', '+vdu1-2', '-vdu1-1', '+vdu1-1', '-vdu1-0', '+vdu1-0']);
    for (const [name, uid] of Object.entries(uids)) expect(pod(namespace, name)!.metadata.uid, name).not.toBe(uid);
    expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(Array(3).fill('CONTINUE'));
    const affected = op.resourceChanges?.affectedVnfcs ?? [];
    expect(affected.map((v) => [v.id, v.changeType, v.computeResource.vimLevelResourceType])).toEqual(
      ['vdu1-0', 'vdu1-1', 'vdu1-2'].map((id) => [id, 'MODIFIED', 'StatefulSet']));
    const spec = statefulSet(namespace)?.spec as { updateStrategy: unknown };
    expect(spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } }); // the manifest's own, defaulted
    const stsStatus = statefulSet(namespace)?.status as { currentRevision: string; updateRevision: string };
    expect(stsStatus.currentRevision).toBe(stsStatus.updateRevision);
    expect((await vnfInstance(system, instanceId)).vnfdId).toBe(v2());
    await recordHistory(system.client, opId, 'kubernetes-statefulset-change-coordinated');
  });

  it('rolls the StatefulSet out as Kubernetes does, waiting with workflow timers, when the request names no coordination', async () => {
    const { instanceId, namespace } = await instantiateCnf(system, { sample: 'statefulset' });
    const churn = recordPodChurn(namespace);
    system.em.requests.clear();

    const { status, location } = await postChange(system, cnfChangeRequest(system, v2(), { sample: 'statefulset', coordinated: false }), instanceId);
    expect(status).toBe(202);
    const op = await waitForState(system, opIdOf(location), ['COMPLETED', 'FAILED_TEMP']);
    churn.stop();

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(emPosts()).toEqual([]);
    expect(churn.events).toEqual(['-vdu1-2', '+vdu1-2', '-vdu1-1', '+vdu1-1', '-vdu1-0', '+vdu1-0']);
    expect(images(namespace)).toEqual(Array(3).fill('postgres:16.5'));
    expect(op.resourceChanges?.affectedVnfcs.map((v) => v.changeType)).toEqual(Array(3).fill('MODIFIED'));
    await recordHistory(system.client, opIdOf(location), 'kubernetes-statefulset-change-plain');
  });

  it('rolls back an aborted change pod by pod, replacing back only the pods the change replaced, through the old-VNFC coordination path', async () => {
    system.em.behaviours.set({ default: { mode: 'async', never: true, retryAfter: 0 } });
    const { instanceId, namespace } = await instantiateCnf(system, { sample: 'statefulset' });
    const untouched = pod(namespace, 'vdu1-0')!.metadata.uid;
    system.em.requests.clear();

    const { location } = await postChange(system, cnfChangeRequest(system, v2(), { sample: 'statefulset' }), instanceId);
    const opId = opIdOf(location);
    await eventually('vdu1-2 in coordination', () => emPosts().length === 1);
    expect(system.em.finishHeld('CONTINUE')).toBe(1);
    await eventually('vdu1-1 in coordination', () => emPosts().length === 2);
    expect(system.em.finishHeld('ABORT')).toBe(1);
    const failed = await waitForState(system, opId, ['FAILED_TEMP']);
    expect(failed.error?.detail).toBe('the EM aborted the coordination');
    expect(images(namespace)).toEqual(['postgres:16.4', 'postgres:16.5', 'postgres:16.5']);

    system.em.behaviours.set({ default: { mode: 'sync' } });
    const churn = recordPodChurn(namespace);
    expect((await operatorTask(system, opId, 'rollback')).status).toBe(202);
    const op = await waitForState(system, opId, ['ROLLED_BACK', 'FAILED_TEMP']);
    churn.stop();

    expect(op.operationState, op.error?.detail).toBe('ROLLED_BACK');
    expect(images(namespace)).toEqual(Array(3).fill('postgres:16.4'));
    expect(churn.events).toEqual(['-vdu1-2', '+vdu1-2', '-vdu1-1', '+vdu1-1']);
    expect(pod(namespace, 'vdu1-0')!.metadata.uid).toBe(untouched);
    expect(emPosts().map((e) => e.vnfcInstanceId)).toEqual(['vdu1-2', 'vdu1-1', 'vdu1-2', 'vdu1-1']);
    const stsStatus = statefulSet(namespace)?.status as { currentRevision: string; updateRevision: string };
    expect(stsStatus.currentRevision).toBe(stsStatus.updateRevision);
    expect(op.resourceChanges?.affectedVnfcs.map((v) => [v.id, v.changeType])).toEqual([['vdu1-1', 'MODIFIED'], ['vdu1-2', 'MODIFIED']]);
    expect((await vnfInstance(system, instanceId)).vnfdId).toBe(v1());
    await recordHistory(system.client, opId, 'kubernetes-statefulset-rollback');
  });

  it('refuses a change that would make a StatefulSet VDU a Deployment (422)', async () => {
    const { instanceId } = await instantiateCnf(system, { sample: 'statefulset' });
    const refused = await postChange(system, cnfChangeRequest(system, deploymentsV2(), { coordinated: false }), instanceId);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatch(/VDU VDU1 is the StatefulSet vdu1 .* and the Deployment vdu1 .*: a rolling update cannot change a VDU's kind/);
  });
});
