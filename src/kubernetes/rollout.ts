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

export interface WorkloadRef {
  kind: 'Deployment';
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
}

/** The controller has acted on the latest spec: the view's revision and counts are about it. */
export function isObserved(view: WorkloadView): boolean {
  return view.exists && view.observedGeneration >= view.generation;
}

/** kubectl rollout status's rule: every replica updated and available, no old one left. */
export function isRolloutComplete(view: WorkloadView): boolean {
  const { replicas, status } = view;
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
