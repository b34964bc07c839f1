// Builds a WorkloadView from what the API server lists: the Deployment, the ReplicaSets it
// controls and their pods. Only the VNFM's own reading of them goes to the workflow (a few
// fields per pod), not the objects.
import type { KubeResource } from './client.ts';
import {
  COORDINATION_GATE, REVISION_ANNOTATION, STATEFUL_SET_REVISION_LABEL, type PodView, type ReplicaSetView, type WorkloadRef, type WorkloadView,
} from './rollout.ts';

type Json = Record<string, unknown>;

export function missingWorkload(ref: WorkloadRef): WorkloadView {
  return {
    exists: false, ref, generation: 0, observedGeneration: 0, replicas: 0, paused: false,
    status: { replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0 }, progressDeadlineExceeded: false, replicaSets: [], pods: [],
  };
}

export function workloadView(ref: WorkloadRef, deployment: KubeResource, replicaSets: KubeResource[], pods: KubeResource[]): WorkloadView {
  const uid = deployment.metadata?.uid;
  const owned = replicaSets.filter((rs) => controllerUid(rs) === uid);
  const revision = deployment.metadata?.annotations?.[REVISION_ANNOTATION];
  const byUid = new Map(owned.map((rs) => [rs.metadata?.uid, rs.metadata?.name ?? '']));
  const spec = deployment.spec ?? {};
  const status = deployment.status ?? {};
  const conditions = Array.isArray(status.conditions) ? status.conditions as Json[] : [];
  return {
    exists: true,
    ref,
    generation: deployment.metadata?.generation ?? 0,
    observedGeneration: num(status.observedGeneration),
    replicas: typeof spec.replicas === 'number' ? spec.replicas : 1,
    paused: spec.paused === true,
    ...(revision ? { revision } : {}),
    status: {
      replicas: num(status.replicas), updatedReplicas: num(status.updatedReplicas),
      readyReplicas: num(status.readyReplicas), availableReplicas: num(status.availableReplicas),
    },
    progressDeadlineExceeded: conditions.some((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded'),
    current: owned.find((rs) => rs.metadata?.annotations?.[REVISION_ANNOTATION] === revision)?.metadata?.name,
    replicaSets: owned.map(replicaSetView),
    pods: pods.flatMap((pod) => {
      const owner = byUid.get(controllerUid(pod));
      return owner === undefined ? [] : [podView(pod, owner)];
    }),
  };
}

/** A StatefulSet's rollout: its revisions, partition and the pods it controls, each with its ordinal and revision. */
export function statefulSetView(ref: WorkloadRef, set: KubeResource, pods: KubeResource[]): WorkloadView {
  const uid = set.metadata?.uid;
  const spec = set.spec ?? {};
  const status = set.status ?? {};
  const strategy = (spec.updateStrategy ?? {}) as { type?: string; rollingUpdate?: { partition?: number } };
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    exists: true,
    ref,
    generation: set.metadata?.generation ?? 0,
    observedGeneration: num(status.observedGeneration),
    replicas: typeof spec.replicas === 'number' ? spec.replicas : 1,
    paused: false,
    status: {
      replicas: num(status.replicas), updatedReplicas: num(status.updatedReplicas),
      readyReplicas: num(status.readyReplicas), availableReplicas: num(status.availableReplicas ?? status.readyReplicas),
    },
    progressDeadlineExceeded: false,
    replicaSets: [],
    pods: pods.filter((pod) => controllerUid(pod) === uid).map((pod) => {
      const name = pod.metadata?.name ?? '';
      const ordinal = /-(0|[1-9]\d*)$/.exec(name);
      const revision = pod.metadata?.labels?.[STATEFUL_SET_REVISION_LABEL];
      return { ...podView(pod), ...(ordinal ? { ordinal: Number(ordinal[1]) } : {}), ...(revision ? { revision } : {}) };
    }),
    statefulSet: {
      currentRevision: text(status.currentRevision),
      updateRevision: text(status.updateRevision),
      currentReplicas: num(status.currentReplicas),
      ...(strategy.type === 'OnDelete' ? {} : { partition: num(strategy.rollingUpdate?.partition) }),
    },
  };
}

function replicaSetView(rs: KubeResource): ReplicaSetView {
  const template = (rs.spec?.template ?? {}) as { spec?: { readinessGates?: { conditionType?: string }[] } };
  return {
    name: rs.metadata?.name ?? '',
    revision: rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? '',
    replicas: num(rs.spec?.replicas),
    gated: (template.spec?.readinessGates ?? []).some((g) => g.conditionType === COORDINATION_GATE),
  };
}

export function podView(pod: KubeResource, replicaSet?: string): PodView {
  const spec = (pod.spec ?? {}) as { readinessGates?: { conditionType?: string }[] };
  const status = pod.status ?? {};
  const conditions = Array.isArray(status.conditions) ? status.conditions as Json[] : [];
  const isTrue = (type: string) => conditions.some((c) => c.type === type && c.status === 'True');
  const waiting = (Array.isArray(status.containerStatuses) ? status.containerStatuses as Json[] : [])
    .map((c) => ((c.state ?? {}) as { waiting?: { reason?: string; message?: string } }).waiting)
    .find((w) => w?.reason);
  return {
    name: pod.metadata?.name ?? '',
    ...(replicaSet !== undefined ? { replicaSet } : {}),
    createdAt: timestamp(pod.metadata?.creationTimestamp),
    phase: typeof status.phase === 'string' ? status.phase : 'Pending',
    containersReady: isTrue('ContainersReady'),
    ready: isTrue('Ready'),
    gated: (spec.readinessGates ?? []).some((g) => g.conditionType === COORDINATION_GATE),
    released: isTrue(COORDINATION_GATE),
    terminating: pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
    ...(waiting?.reason ? { waitingReason: waiting.reason } : {}),
    ...(waiting?.message ? { waitingMessage: waiting.message } : {}),
  };
}

/** A label selector query from a workload's spec.selector (matchLabels and matchExpressions). */
export function selectorQuery(selector: unknown): string {
  const s = (selector ?? {}) as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  const terms = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === 'in' || op === 'notin') terms.push(`${e.key} ${op} (${(e.values ?? []).join(',')})`);
    else if (op === 'exists') terms.push(e.key);
    else if (op === 'doesnotexist') terms.push(`!${e.key}`);
  }
  return terms.join(',');
}

function controllerUid(object: KubeResource): string | undefined {
  return object.metadata?.ownerReferences?.find((ref) => ref.controller)?.uid;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

/** client-node hands dates back as Date (serialized as ISO text): kept as text for ordering. */
function timestamp(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' ? new Date(value).toISOString() : '';
}
