// The Kubernetes API simulator through the VNFM's own client (@kubernetes/client-node): the
// controllers' behaviour the VNFM relies on (a rolling update within maxSurge and
// maxUnavailable, a readiness gate holding a rollout, a paused Deployment; a StatefulSet's ordered
// pods, its rolling update from the highest ordinal down and its partition), garbage collection,
// optimistic concurrency, watch, persistence across a restart, authentication.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Watch, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesApiError, KubernetesClient, type KubeResource } from '../src/kubernetes/client.ts';
import { COORDINATION_GATE, withCoordinationGate } from '../src/kubernetes/rollout.ts';
import { TYPES } from '../src/kubernetes-simulator/cluster.ts';
import type { JsonObject, KubeObject } from '../src/kubernetes-simulator/objects.ts';
import { applyPatch, PATCH_TYPES } from '../src/kubernetes-simulator/patches.ts';
import { startKubernetesSimulator, type KubernetesSimulator } from '../src/kubernetes-simulator/server.ts';
import { makeTestPki, type TestPki } from './support/certificates.ts';
import { eventually } from './support/wait.ts';

const TOKEN = 'simulator-test-token-77d1';
let pki: TestPki;
let dataDir: string;
let simulator: KubernetesSimulator;
const client = new KubernetesClient({ requestTimeoutMs: 5_000 });
let namespaceCount = 0;

async function start(): Promise<KubernetesSimulator> {
  return startKubernetesSimulator({
    stateFile: join(dataDir, 'state.json'), port: 0, log: () => undefined, saveIntervalMs: 10,
    tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca }, tokens: [TOKEN], podStartDelayMs: 20, podReadyDelayMs: 30,
  });
}

function api(token = TOKEN) {
  return client.api({ endpoint: simulator.url, caCertPem: pki.ca, bearerToken: token });
}

beforeAll(async () => {
  pki = makeTestPki(['vnfm']);
  dataDir = mkdtempSync(join(tmpdir(), 'k8s-sim-'));
  simulator = await start();
});
afterAll(async () => {
  await client.close();
  await simulator?.close();
  pki?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A namespace of the test's own. */
async function namespace(): Promise<string> {
  const name = `ns-${(namespaceCount += 1)}`;
  await api().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

function deploymentOf(ns: string, replicas: number, image: string, strategy?: Record<string, unknown>): KubeResource {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' } }, ...(strategy ? { strategy } : {}),
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

const pods = (ns: string) => simulator.cluster.store.list(TYPES.pods, ns);
const isReady = (pod: KubeObject) => (pod.status?.conditions as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function rolledOut(ns: string, replicas: number): Promise<void> {
  await eventually('the rollout complete', async () => {
    const d = await api().read({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
    const status = d?.status as { updatedReplicas?: number; availableReplicas?: number; replicas?: number; observedGeneration?: number } | undefined;
    return status?.observedGeneration === d?.metadata?.generation && status?.updatedReplicas === replicas && status?.availableReplicas === replicas && status?.replicas === replicas;
  });
}

/** Replaces the Deployment's image (GET, change, PUT with its resourceVersion). */
async function setImage(ns: string, image: string, change: (spec: Record<string, unknown>) => void = () => undefined): Promise<void> {
  const live = (await api().read({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }))!;
  const spec = JSON.parse(JSON.stringify(live.spec)) as { template: { spec: { containers: { image: string }[] } } } & Record<string, unknown>;
  spec.template.spec.containers[0]!.image = image;
  change(spec);
  await api().replace({ ...live, spec });
}

describe('the Deployment controller of the simulator', () => {
  it('rolls out within maxSurge and maxUnavailable, counting only available pods', async () => {
    const ns = await namespace();
    await api().create(deploymentOf(ns, 4, 'app:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
    await rolledOut(ns, 4);
    let most = 0;
    let fewestReady = Infinity;
    const stop = simulator.cluster.store.subscribe((event) => {
      if (event.resource !== '/pods' || event.object.metadata.namespace !== ns) return;
      most = Math.max(most, pods(ns).length);
      fewestReady = Math.min(fewestReady, pods(ns).filter(isReady).length);
    });
    await setImage(ns, 'app:2');
    await rolledOut(ns, 4);
    stop();

    expect(most).toBe(5); // replicas + maxSurge
    expect(fewestReady).toBe(4); // replicas - maxUnavailable
    expect(pods(ns).map((p) => (p.spec?.containers as { image: string }[])[0]?.image)).toEqual(Array(4).fill('app:2'));
  });

  it('holds a rollout at the one new pod a readiness gate keeps from being Ready, until its condition is True', async () => {
    const ns = await namespace();
    await api().create(deploymentOf(ns, 3, 'app:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
    await rolledOut(ns, 3);
    await setImage(ns, 'app:2', (spec) => {
      spec.template = withCoordinationGate(spec.template as Record<string, unknown>);
    });
    const gated = await eventually('a new pod running, not Ready', () => pods(ns).find((p) => (p.spec?.containers as { image: string }[])[0]?.image === 'app:2'
      && (p.status?.conditions as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'ContainersReady' && c.status === 'True')));
    simulator.cluster.reconcile();
    expect(pods(ns).filter((p) => (p.spec?.containers as { image: string }[])[0]?.image === 'app:2')).toHaveLength(1);
    expect(isReady(simulator.cluster.store.get(TYPES.pods, ns, gated.metadata.name)!)).toBe(false);

    await api().patchPodStatus(ns, gated.metadata.name, { status: { conditions: [{ type: COORDINATION_GATE, status: 'True' }] } });
    await eventually('a second new pod', () => pods(ns).filter((p) => (p.spec?.containers as { image: string }[])[0]?.image === 'app:2').length === 2);
    expect(isReady(simulator.cluster.store.get(TYPES.pods, ns, gated.metadata.name)!)).toBe(true);
  });

  it('makes no new ReplicaSet for a paused Deployment, and rolls out once it is resumed', async () => {
    const ns = await namespace();
    await api().create(deploymentOf(ns, 2, 'app:1'));
    await rolledOut(ns, 2);
    await api().mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }, { spec: { paused: true } });
    await setImage(ns, 'app:2', (spec) => {
      spec.paused = true;
    });
    simulator.cluster.reconcile();
    expect(simulator.cluster.store.list(TYPES.replicaSets, ns)).toHaveLength(1);

    await api().mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }, { spec: { paused: false } });
    await rolledOut(ns, 2);
    expect(simulator.cluster.store.list(TYPES.replicaSets, ns)).toHaveLength(2);
  });

  it('reports an image that cannot be pulled, and the rollout\'s progress deadline exceeded', async () => {
    const ns = await namespace();
    simulator.cluster.settings.imageFaults['app:broken'] = 'manifest unknown';
    await api().create(deploymentOf(ns, 1, 'app:broken'));
    await api().mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }, { spec: { progressDeadlineSeconds: 1 } });
    const pod = await eventually('the pod in ImagePullBackOff', () => pods(ns).find((p) => JSON.stringify(p.status).includes('ImagePullBackOff')));
    expect(JSON.stringify(pod.status)).toContain('manifest unknown');
    await eventually('ProgressDeadlineExceeded', async () => JSON.stringify((await api().read({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }))?.status).includes('ProgressDeadlineExceeded'));
  });
});

function statefulSetOf(ns: string, replicas: number, image: string, partition?: number): KubeResource {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: ns },
    spec: {
      replicas, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
      ...(partition !== undefined ? { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition } } } : {}),
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } },
    },
  };
}

const STS = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' } as const;
type StsStatus = { replicas?: number; readyReplicas?: number; currentReplicas?: number; updatedReplicas?: number; currentRevision?: string; updateRevision?: string; observedGeneration?: number };
const imageOf = (pod: KubeObject) => (pod.spec?.containers as { image: string }[])[0]?.image;

async function statefulSetStatus(ns: string): Promise<{ generation: number; status: StsStatus }> {
  const set = await api().read({ ...STS, namespace: ns });
  return { generation: set?.metadata?.generation ?? 0, status: (set?.status ?? {}) };
}

async function statefulSetSettled(ns: string, replicas: number, updated = replicas): Promise<StsStatus> {
  return eventually('the StatefulSet settled', async () => {
    const { generation, status } = await statefulSetStatus(ns);
    return status.observedGeneration === generation && status.replicas === replicas && status.readyReplicas === replicas && status.updatedReplicas === updated ? status : undefined;
  });
}

async function setStatefulSet(ns: string, change: (spec: Record<string, unknown> & { template: { spec: { containers: { image: string }[] } } }) => void): Promise<void> {
  const live = (await api().read({ ...STS, namespace: ns }))!;
  const spec = JSON.parse(JSON.stringify(live.spec)) as Record<string, unknown> & { template: { spec: { containers: { image: string }[] } } };
  change(spec);
  await api().replace({ ...live, spec });
}

/** Records, as pods are made and deleted, what happened in which order and how many pods were Ready meanwhile. */
function recordPods(ns: string) {
  const events: string[] = [];
  const readyWhenMade: Record<string, string[]> = {};
  const stop = simulator.cluster.store.subscribe((event) => {
    if (event.resource !== '/pods' || event.object.metadata.namespace !== ns) return;
    if (event.type === 'ADDED') {
      events.push(`+${event.object.metadata.name}`);
      readyWhenMade[event.object.metadata.name] = pods(ns).filter((p) => p.metadata.name !== event.object.metadata.name && isReady(p)).map((p) => p.metadata.name).sort();
    }
    if (event.type === 'DELETED') events.push(`-${event.object.metadata.name}`);
  });
  return { events, readyWhenMade, stop };
}

describe('the StatefulSet controller of the simulator', () => {
  it('makes pods <name>-<ordinal> in order, each once the one before is Running and Ready', async () => {
    const ns = await namespace();
    const seen = recordPods(ns);
    await api().create(statefulSetOf(ns, 3, 'db:1'));
    const status = await statefulSetSettled(ns, 3);
    seen.stop();

    expect(seen.events).toEqual(['+db-0', '+db-1', '+db-2']);
    expect(seen.readyWhenMade).toEqual({ 'db-0': [], 'db-1': ['db-0'], 'db-2': ['db-0', 'db-1'] });
    expect(status.currentRevision).toBe(status.updateRevision);
    expect(status.currentReplicas).toBe(3);
    expect(pods(ns).map((p) => p.metadata.labels?.['controller-revision-hash'])).toEqual(Array(3).fill(status.updateRevision));
  });

  it('replaces pods from the highest ordinal down, one at a time, each once the one replaced before is Ready', async () => {
    const ns = await namespace();
    await api().create(statefulSetOf(ns, 3, 'db:1'));
    const before = await statefulSetSettled(ns, 3);
    const seen = recordPods(ns);
    await setStatefulSet(ns, (spec) => {
      spec.template.spec.containers[0]!.image = 'db:2';
    });
    const after = await eventually('the update complete', async () => {
      const { status } = await statefulSetStatus(ns);
      return status.currentRevision === status.updateRevision && status.updatedReplicas === 3 && status.readyReplicas === 3 ? status : undefined;
    });
    seen.stop();

    expect(seen.events).toEqual(['-db-2', '+db-2', '-db-1', '+db-1', '-db-0', '+db-0']);
    expect(seen.readyWhenMade).toEqual({ 'db-2': ['db-0', 'db-1'], 'db-1': ['db-0', 'db-2'], 'db-0': ['db-1', 'db-2'] });
    expect(after.updateRevision).not.toBe(before.updateRevision);
    expect(pods(ns).map(imageOf)).toEqual(['db:2', 'db:2', 'db:2']);
  });

  it('updates only the ordinals at or above the partition, and the next one when the partition is lowered', async () => {
    const ns = await namespace();
    await api().create(statefulSetOf(ns, 3, 'db:1', 3));
    const before = await statefulSetSettled(ns, 3);
    await setStatefulSet(ns, (spec) => {
      spec.template.spec.containers[0]!.image = 'db:2';
      spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
    });
    const partial = await statefulSetSettled(ns, 3, 1);
    simulator.cluster.reconcile();
    expect(pods(ns).map(imageOf)).toEqual(['db:1', 'db:1', 'db:2']);
    expect(partial).toMatchObject({ currentRevision: before.currentRevision, currentReplicas: 2, updatedReplicas: 1 });
    expect(partial.updateRevision).not.toBe(before.currentRevision);

    await setStatefulSet(ns, (spec) => {
      spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 1 } };
    });
    await statefulSetSettled(ns, 3, 2);
    expect(pods(ns).map(imageOf)).toEqual(['db:1', 'db:2', 'db:2']);
    await setStatefulSet(ns, (spec) => {
      spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    });
    const done = await eventually('the update complete', async () => {
      const { status } = await statefulSetStatus(ns);
      return status.currentRevision === status.updateRevision && status.updatedReplicas === 3 && status.readyReplicas === 3 ? status : undefined;
    });
    expect(done.currentRevision).toBe(partial.updateRevision);
  });

  it('takes a template back to the revision it had, so that only the pods on the other revision are replaced', async () => {
    const ns = await namespace();
    await api().create(statefulSetOf(ns, 3, 'db:1', 3));
    const before = await statefulSetSettled(ns, 3);
    await setStatefulSet(ns, (spec) => {
      spec.template.spec.containers[0]!.image = 'db:2';
      spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
    });
    await statefulSetSettled(ns, 3, 1);
    const kept = simulator.cluster.store.get(TYPES.pods, ns, 'db-0')!.metadata.uid;
    const seen = recordPods(ns);
    await setStatefulSet(ns, (spec) => {
      spec.template.spec.containers[0]!.image = 'db:1';
      spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    });
    const back = await eventually('back on the first revision', async () => {
      const { status } = await statefulSetStatus(ns);
      return status.currentRevision === before.currentRevision && status.updateRevision === before.currentRevision && status.updatedReplicas === 3 && status.readyReplicas === 3 ? status : undefined;
    });
    seen.stop();

    expect(back.currentReplicas).toBe(3);
    expect(seen.events).toEqual(['-db-2', '+db-2']);
    expect(simulator.cluster.store.get(TYPES.pods, ns, 'db-0')!.metadata.uid).toBe(kept);
  });

  it('refuses a change of a StatefulSet\'s spec other than replicas, template, updateStrategy and minReadySeconds (422)', async () => {
    const ns = await namespace();
    await api().create(statefulSetOf(ns, 1, 'db:1'));
    await expect(setStatefulSet(ns, (spec) => {
      spec.serviceName = 'other';
    })).rejects.toMatchObject({ statusCode: 422 });
  });
});

describe('the API server of the simulator', () => {
  it('deletes what a deleted Deployment owned: its ReplicaSets and their pods', async () => {
    const ns = await namespace();
    await api().create(deploymentOf(ns, 2, 'app:1'));
    await rolledOut(ns, 2);
    expect(await api().delete({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' })).toBe(true);
    expect(simulator.cluster.store.list(TYPES.replicaSets, ns)).toEqual([]);
    expect(pods(ns)).toEqual([]);
  });

  it('refuses a write at a stale resourceVersion with 409 Conflict', async () => {
    const ns = await namespace();
    await api().create(deploymentOf(ns, 1, 'app:1'));
    const stale = (await api().read({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }))!;
    await api().mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }, { metadata: { labels: { touched: 'yes' } } });
    const refused = await api().replace(stale).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(KubernetesApiError);
    expect(refused).toMatchObject({ statusCode: 409, reason: 'Conflict' });
  });

  it('answers a watch from a resourceVersion it no longer has (changes before a restart) with 410 Expired, as informers expect', async () => {
    const old = String(simulator.cluster.store.currentResourceVersion);
    await namespace(); // a change after `old`, which the restart forgets
    await simulator.close();
    simulator = await start();
    await namespace();
    const config = new KubeConfig();
    config.loadFromClusterAndUser(
      { name: 'sim', server: simulator.url, caData: Buffer.from(pki.ca).toString('base64'), skipTLSVerify: false },
      { name: 'u', token: TOKEN },
    );
    const received: { type: string; object: unknown }[] = [];
    const done = new Promise<void>((resolve) => {
      void new Watch(config).watch('/api/v1/namespaces', { resourceVersion: old, timeoutSeconds: 10 }, (type, object: unknown) => received.push({ type, object }), () => resolve());
    });
    await done;
    expect(received).toHaveLength(1);
    expect(received[0]?.type).toBe('ERROR');
    expect(received[0]?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('answers 401 Unauthorized to a token it does not know', async () => {
    const refused = await api('wrong-token').read({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }).catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('keeps its objects across a restart, and pods that were due to start meanwhile have started', async () => {
    const ns = await namespace();
    await api().create(deploymentOf(ns, 2, 'app:1'));
    await rolledOut(ns, 2);
    const before = pods(ns).map((p) => p.metadata.name).sort();
    await simulator.close();
    simulator = await start();

    expect(pods(ns).map((p) => p.metadata.name).sort()).toEqual(before);
    expect(pods(ns).every(isReady)).toBe(true);
    await rolledOut(ns, 2);
  });
});

describe('strategic merge patch', () => {
  const original: JsonObject = {
    spec: {
      containers: [{ name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, { name: 'side', image: 'side:1' }],
      finalizers: ['x'],
    },
  };

  it('merges lists of objects by their merge key and keeps what the patch does not name', () => {
    const patched = applyPatch(PATCH_TYPES.strategic, original, { spec: { containers: [{ name: 'app', image: 'app:2', env: [{ name: 'B', value: '3' }] }], finalizers: ['y'] } });
    expect(patched).toEqual({
      spec: {
        containers: [{ name: 'app', image: 'app:2', env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }] }, { name: 'side', image: 'side:1' }],
        finalizers: ['x', 'y'],
      },
    });
  });

  it('follows kubectl\'s directives: $patch delete, $setElementOrder, null removing a field', () => {
    const patched = applyPatch(PATCH_TYPES.strategic, original, {
      spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }], containers: [{ name: 'app', $patch: 'delete' }, { name: 'side', image: null }] },
    });
    expect(patched).toEqual({ spec: { containers: [{ name: 'side' }], finalizers: ['x'] } });
  });

  it('replaces lists whole in a JSON merge patch', () => {
    expect(applyPatch(PATCH_TYPES.merge, original, { spec: { containers: [{ name: 'only' }] } })).toEqual({ spec: { containers: [{ name: 'only' }], finalizers: ['x'] } });
  });
});
