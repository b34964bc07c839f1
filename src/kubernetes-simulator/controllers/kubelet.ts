// The kubelet of the simulator's one node: a pod is scheduled at once, its containers start
// `podStartDelayMs` after it was created and turn ready `podReadyDelayMs` later (a readiness
// probe passing), unless its image is faulted (ImagePullBackOff). The pod's Ready condition is
// its containers' readiness AND every readiness gate's condition, which only an API client sets.
import { clone, nowIso, scalarText, type Json, type KubeObject } from '../objects.ts';
import { conditionsOf, containersOf, isActive, readinessGatesOf, withCondition, type Condition } from '../pods.ts';
import type { ResourceType } from '../resources.ts';
import type { ObjectStore } from '../store.ts';

export interface PodRuntime {
  /** When the containers start (epoch ms). */
  startAt: number;
  /** When the containers turn ready. */
  readyAt: number;
  ip: string;
}

export interface KubeletSettings {
  podStartDelayMs: number;
  podReadyDelayMs: number;
  /** Image → why it cannot be pulled. */
  imageFaults: Record<string, string>;
}

export const NODE_NAME = 'simulator-node-1';
const HOST_IP = '192.168.49.2';

export class Kubelet {
  constructor(
    private readonly store: ObjectStore,
    private readonly pods: ResourceType,
    private readonly runtime: Record<string, PodRuntime>,
    private readonly settings: KubeletSettings,
    private readonly nextIp: () => string,
  ) {}

  /** Brings every pod's status up to the clock. */
  sync(now: number): void {
    const live = new Set<string>();
    for (const pod of this.store.list(this.pods)) {
      live.add(pod.metadata.uid);
      if (!isActive(pod)) continue;
      const runtime = this.runtimeOf(pod, now);
      const status = this.statusAt(pod, runtime, now);
      if (JSON.stringify(status) !== JSON.stringify(pod.status)) this.store.update(this.pods, { ...clone(pod), status });
    }
    for (const uid of Object.keys(this.runtime)) if (!live.has(uid)) delete this.runtime[uid];
  }

  /** The next time a pod's status changes by the clock alone. */
  nextChange(now: number): number | undefined {
    let next: number | undefined;
    for (const runtime of Object.values(this.runtime)) {
      for (const at of [runtime.startAt, runtime.readyAt]) if (at > now && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  private runtimeOf(pod: KubeObject, now: number): PodRuntime {
    let runtime = this.runtime[pod.metadata.uid];
    if (!runtime) {
      const startAt = now + this.settings.podStartDelayMs;
      runtime = { startAt, readyAt: startAt + this.settings.podReadyDelayMs, ip: this.nextIp() };
      this.runtime[pod.metadata.uid] = runtime;
    }
    return runtime;
  }

  private statusAt(pod: KubeObject, runtime: PodRuntime, now: number): Record<string, Json> {
    const at = nowIso(now);
    const containers = containersOf(pod.spec);
    const started = now >= runtime.startAt;
    const fault = started ? containers.map((c) => this.settings.imageFaults[scalarText(c.image)]).find(Boolean) : undefined;
    const running = started && fault === undefined;
    const containersReady = running && now >= runtime.readyAt;
    const previous = pod.status ?? {};
    const startedAt = typeof previous.startTime === 'string' ? previous.startTime : nowIso(runtime.startAt);

    const containerStatuses: Json[] = containers.map((c): Json => ({
      name: c.name ?? '',
      image: c.image ?? '',
      imageID: running ? `docker-pullable://${scalarText(c.image)}@sha256:${'0'.repeat(64)}` : '',
      ...(running ? { containerID: `containerd://${pod.metadata.uid.replace(/-/g, '')}${scalarText(c.name)}` } : {}),
      ready: containersReady,
      started: running,
      restartCount: 0,
      state: running ? { running: { startedAt } } : { waiting: waitingReason(scalarText(c.image), fault) },
    }));

    let conditions = conditionsOf(pod).filter((c) => !['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].includes(c.type));
    const base: Condition[] = [
      { type: 'Initialized', status: 'True', lastProbeTime: null },
      readyCondition(pod, containersReady, containers),
      containersReady
        ? { type: 'ContainersReady', status: 'True', lastProbeTime: null }
        : { type: 'ContainersReady', status: 'False', lastProbeTime: null, reason: 'ContainersNotReady', message: unreadyMessage(containers) },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null },
    ];
    const previousConditions = conditionsOf(pod);
    conditions = [...base.map((c) => withCondition(previousConditions, c, at).find((x) => x.type === c.type) as Condition), ...conditions];

    return {
      ...previous,
      phase: running ? 'Running' : 'Pending',
      conditions: conditions as unknown as Json,
      hostIP: HOST_IP,
      podIP: runtime.ip,
      podIPs: [{ ip: runtime.ip }],
      startTime: startedAt,
      containerStatuses,
      qosClass: 'BestEffort',
    };
  }
}

function waitingReason(image: string, fault: string | undefined): Json {
  return fault ? { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ${fault}` } : { reason: 'ContainerCreating' };
}

/** Ready: the containers are, and so is every readiness gate's condition (set by whoever owns the gate). */
function readyCondition(pod: KubeObject, containersReady: boolean, containers: { name?: Json }[]): Condition {
  if (!containersReady) return { type: 'Ready', status: 'False', lastProbeTime: null, reason: 'ContainersNotReady', message: unreadyMessage(containers) };
  const conditions = conditionsOf(pod);
  for (const gate of readinessGatesOf(pod)) {
    const condition = conditions.find((c) => c.type === gate);
    if (!condition) {
      return { type: 'Ready', status: 'False', lastProbeTime: null, reason: 'ReadinessGatesNotReady', message: `corresponding condition of pod readiness gate "${gate}" does not exist.` };
    }
    if (condition.status !== 'True') {
      return { type: 'Ready', status: 'False', lastProbeTime: null, reason: 'ReadinessGatesNotReady', message: `the status of pod readiness gate "${gate}" is not "True", but ${condition.status}` };
    }
  }
  return { type: 'Ready', status: 'True', lastProbeTime: null };
}

function unreadyMessage(containers: { name?: Json }[]): string {
  return `containers with unready status: [${containers.map((c) => scalarText(c.name)).join(' ')}]`;
}
