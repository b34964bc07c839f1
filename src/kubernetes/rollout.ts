// A Deployment's rollout as the VNFM reads it (WorkloadView, built by the activities from the
// Deployment, its ReplicaSets and their pods) and the rules it decides by: which pod of the
// current revision waits for coordination, when the rollout is complete (kubectl rollout
// status's rule), how the pod template carries the coordination gate. Plain code and data:
// workflow code imports this module.

/**
 * The readiness gate of a coordinated change. A pod whose template carries it is not Ready,
 * so not available, until the VNFM sets this condition True, which it does once the EM agreed
 * (SOL002 coordination). With maxSurge 1 and maxUnavailable 0 the Deployment controller cannot
 * replace the next pod before that: the rollout advances one coordinated pod at a time, and
 * holds where it is when the VNFM is down.
 */
export const COORDINATION_GATE = 'durable-vnfm.io/coordinated';

/** The strategy of a coordinated rollout: one extra pod at a time, none taken away before its successor is available. */
export const COORDINATED_STRATEGY = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };

/** The annotation the Deployment controller keeps the current revision in (on the Deployment and its ReplicaSets). */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** The kinds of workload a container VDU can be. */
export type WorkloadKind = 'Deployment' | 'StatefulSet';

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

export interface PodView {
  name: string;
  /** The ReplicaSet that owns it. */
  replicaSet?: string;
  createdAt: string;
  phase: string;
  containersReady: boolean;
  ready: boolean;
  /** The pod's spec carries the coordination gate. */
  gated: boolean;
  /** The coordination gate's condition is True. */
  released: boolean;
  terminating: boolean;
  /** A StatefulSet's pod: its ordinal and the revision it was made from (controller-revision-hash). */
  ordinal?: number;
  revision?: string;
  /** Why a container is not running (ImagePullBackOff, CrashLoopBackOff …). */
  waitingReason?: string;
  waitingMessage?: string;
}

export interface ReplicaSetView {
  name: string;
  revision: string;
  replicas: number;
  /** Its pod template carries the coordination gate. */
  gated: boolean;
}

export interface WorkloadView {
  exists: boolean;
  ref: WorkloadRef;
  generation: number;
  observedGeneration: number;
  /** spec.replicas */
  replicas: number;
  paused: boolean;
  /** The Deployment's revision annotation. */
  revision?: string;
  status: { replicas: number; updatedReplicas: number; readyReplicas: number; availableReplicas: number };
  progressDeadlineExceeded: boolean;
  /** The ReplicaSet of the current revision. */
  current?: string;
  replicaSets: ReplicaSetView[];
  pods: PodView[];
  /** A StatefulSet's revisions and partition (absent for a Deployment). */
  statefulSet?: StatefulSetRevisions;
}

export interface StatefulSetRevisions {
  currentRevision: string;
  updateRevision: string;
  currentReplicas: number;
  /** spec.updateStrategy.rollingUpdate.partition (0 when none); undefined for OnDelete. */
  partition?: number;
}

/** The controller has acted on the latest spec: the view's revision and counts are about it. */
export function isObserved(view: WorkloadView): boolean {
  return view.exists && view.observedGeneration >= view.generation;
}

/**
 * kubectl rollout status's rule: every replica updated and available, no old one left. For a
 * StatefulSet: every replica Ready, and updated down to the partition (with no partition, the
 * update revision has become the current one).
 */
export function isRolloutComplete(view: WorkloadView): boolean {
  const { replicas, status } = view;
  if (view.statefulSet) return isStatefulSetRolledOut(view, view.statefulSet);
  return isObserved(view) && status.updatedReplicas === replicas && status.replicas === replicas && status.availableReplicas === replicas;
}

/** The current revision's pods, oldest first: the order the controller made them in. */
export function currentPods(view: WorkloadView): PodView[] {
  return view.pods.filter((p) => p.replicaSet !== undefined && p.replicaSet === view.current && !p.terminating)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
}

/** The next pod of the current revision that waits for the VNFM: gated and not yet released. */
export function nextPodToCoordinate(view: WorkloadView): PodView | undefined {
  return currentPods(view).find((p) => p.gated && !p.released);
}

/** A pod that will not start by itself: a container waiting on a reason other than being created. */
export function podTrouble(pod: PodView): string | undefined {
  if (pod.phase === 'Failed') return `pod ${pod.name} failed`;
  if (pod.waitingReason && pod.waitingReason !== 'ContainerCreating' && pod.waitingReason !== 'PodInitializing') {
    return `pod ${pod.name} is ${pod.waitingReason}${pod.waitingMessage ? `: ${pod.waitingMessage}` : ''}`;
  }
  return undefined;
}

type Template = { spec?: { readinessGates?: { conditionType: string }[] } & Record<string, unknown> } & Record<string, unknown>;

/** The pod template with the coordination gate added (once). */
export function withCoordinationGate<T extends Template>(template: T): T {
  const spec = template.spec ?? {};
  const gates = (spec.readinessGates ?? []).filter((g) => g.conditionType !== COORDINATION_GATE);
  return { ...template, spec: { ...spec, readinessGates: [...gates, { conditionType: COORDINATION_GATE }] } };
}

/** The pod template without the coordination gate (the field goes when no other gate is left). */
export function withoutCoordinationGate<T extends Template>(template: T): T {
  const spec = { ...(template.spec ?? {}) };
  const gates = (spec.readinessGates ?? []).filter((g) => g.conditionType !== COORDINATION_GATE);
  if (gates.length) spec.readinessGates = gates;
  else delete spec.readinessGates;
  return { ...template, spec };
}

function isStatefulSetRolledOut(view: WorkloadView, revisions: StatefulSetRevisions): boolean {
  const { replicas, status } = view;
  if (!isObserved(view) || status.readyReplicas < replicas || status.replicas !== replicas) return false;
  const partition = revisions.partition ?? 0;
  if (partition > 0) return status.updatedReplicas >= replicas - partition;
  return revisions.updateRevision !== '' && revisions.updateRevision === revisions.currentRevision;
}

/** The label a StatefulSet's pod carries the name of its revision in. */
export const STATEFUL_SET_REVISION_LABEL = 'controller-revision-hash';

/** The pod of a StatefulSet at an ordinal (`<name>-<ordinal>`). */
export function statefulSetPod(view: WorkloadView, ordinal: number): PodView | undefined {
  return view.pods.find((p) => p.ordinal === ordinal && !p.terminating);
}

/**
 * The ordinals a StatefulSet's rolling update replaces, highest first: those whose pod is not on
 * the update revision. Known once the controller has observed the spec and every pod exists.
 */
export function ordinalsToReplace(view: WorkloadView): number[] | undefined {
  const revisions = view.statefulSet;
  if (!revisions || !isObserved(view) || revisions.updateRevision === '') return undefined;
  const ordinals: number[] = [];
  for (let ordinal = view.replicas - 1; ordinal >= 0; ordinal--) {
    const pod = statefulSetPod(view, ordinal);
    if (!pod) return undefined;
    if (pod.revision !== revisions.updateRevision) ordinals.push(ordinal);
  }
  return ordinals;
}
