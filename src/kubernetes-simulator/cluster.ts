// The simulated cluster: the object store, the controllers that act on it (kubelet, ReplicaSet,
// Deployment, StatefulSet), garbage collection by owner references, and the clock that drives them. Every
// API write and every due time runs the controllers until nothing changes any more, as
// kube-controller-manager's work queues would converge.
import { z } from 'zod';
import { DeploymentController } from './controllers/deployments.ts';
import { Kubelet, type KubeletSettings, type PodRuntime } from './controllers/kubelet.ts';
import { ReplicaSetController } from './controllers/replica-sets.ts';
import { StatefulSetController } from './controllers/stateful-sets.ts';
import { clone, type KubeObject } from './objects.ts';
import { RESOURCE_TYPES, type ResourceType } from './resources.ts';
import { ObjectStore } from './store.ts';

export const ClusterSnapshot = z.object({
  store: z.object({ resourceVersion: z.number().int(), objects: z.record(z.string(), z.record(z.string(), z.any())) }),
  pods: z.record(z.string(), z.object({ startAt: z.number(), readyAt: z.number(), ip: z.string() })),
  settings: z.object({ podStartDelayMs: z.number().int().min(0), podReadyDelayMs: z.number().int().min(0), imageFaults: z.record(z.string(), z.string()) }),
  nextAddress: z.number().int(),
});
export type ClusterSnapshot = z.infer<typeof ClusterSnapshot>;

function typeOf(kind: string): ResourceType {
  const type = RESOURCE_TYPES.find((t) => t.kind === kind);
  if (!type) throw new Error(`no resource of kind ${kind}`);
  return type;
}

export const TYPES = {
  namespaces: typeOf('Namespace'),
  pods: typeOf('Pod'),
  deployments: typeOf('Deployment'),
  replicaSets: typeOf('ReplicaSet'),
  statefulSets: typeOf('StatefulSet'),
  controllerRevisions: typeOf('ControllerRevision'),
};

/** Rounds of the controllers per wake-up before the cluster gives up converging (a controller bug). */
const MAX_ROUNDS = 50;

export class Cluster {
  readonly store: ObjectStore;
  readonly settings: KubeletSettings;
  private readonly pods: Record<string, PodRuntime>;
  private nextAddress: number;
  private readonly kubelet: Kubelet;
  private readonly replicaSets: ReplicaSetController;
  private readonly deployments: DeploymentController;
  private readonly statefulSets: StatefulSetController;
  private timer?: NodeJS.Timeout;
  private scheduled = false;
  private stopped = false;

  constructor(snapshot: ClusterSnapshot | undefined, defaults: Pick<KubeletSettings, 'podStartDelayMs' | 'podReadyDelayMs'>) {
    this.store = new ObjectStore(snapshot?.store);
    this.settings = snapshot?.settings ?? { ...defaults, imageFaults: {} };
    this.pods = snapshot?.pods ?? {};
    this.nextAddress = snapshot?.nextAddress ?? 10;
    this.kubelet = new Kubelet(this.store, TYPES.pods, this.pods, this.settings, () => this.address('10.244'));
    this.replicaSets = new ReplicaSetController(this.store, TYPES, (pod) => this.delete(TYPES.pods, pod, 'Background'));
    this.deployments = new DeploymentController(this.store, TYPES);
    this.statefulSets = new StatefulSetController(this.store, TYPES, (pod) => this.delete(TYPES.pods, pod, 'Background'));
    for (const name of ['default', 'kube-system']) {
      if (!this.store.get(TYPES.namespaces, undefined, name)) {
        this.store.create(TYPES.namespaces, {
          apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: '', resourceVersion: '', creationTimestamp: '' },
          spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' },
        });
      }
    }
  }

  snapshot(): ClusterSnapshot {
    return { store: this.store.snapshot(), pods: clone(this.pods), settings: clone(this.settings), nextAddress: this.nextAddress };
  }

  /** A cluster IP for a new Service. */
  serviceAddress(): string {
    return this.address('10.96');
  }

  /** Runs the controllers soon (after the current request's writes). */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.reconcile();
    });
  }

  /** Runs every controller until the store stops changing, then sets the clock for the next due change. */
  reconcile(now = Date.now()): void {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const before = this.store.currentResourceVersion;
      this.kubelet.sync(now);
      this.replicaSets.sync(now);
      this.deployments.sync(now);
      this.statefulSets.sync();
      if (this.store.currentResourceVersion === before) break;
    }
    this.arm(now);
  }

  /**
   * Deletes an object and what it owns: Background and Foreground take the dependents with it
   * (at once: this cluster has no finalizers to wait for), Orphan leaves them without the owner.
   */
  delete(type: ResourceType, object: KubeObject, propagation: 'Background' | 'Foreground' | 'Orphan'): KubeObject | undefined {
    const gone = this.store.delete(type, object.metadata.namespace, object.metadata.name);
    if (!gone) return undefined;
    if (type.kind === 'Namespace') {
      for (const other of RESOURCE_TYPES.filter((t) => t.namespaced)) {
        for (const child of this.store.list(other, object.metadata.name)) this.store.delete(other, child.metadata.namespace, child.metadata.name);
      }
    }
    for (const other of RESOURCE_TYPES.filter((t) => t.namespaced)) {
      for (const child of this.store.list(other, object.metadata.namespace)) {
        const owned = child.metadata.ownerReferences?.some((ref) => ref.uid === gone.metadata.uid);
        if (!owned) continue;
        if (propagation === 'Orphan') {
          const ownerReferences = child.metadata.ownerReferences?.filter((ref) => ref.uid !== gone.metadata.uid);
          this.store.update(other, { ...clone(child), metadata: { ...child.metadata, ownerReferences } });
        } else {
          this.delete(other, child, propagation);
        }
      }
    }
    this.kick();
    return gone;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The next address in a /16 (pods and services draw from one counter: addresses never repeat). */
  private address(prefix: string): string {
    this.nextAddress += 1;
    return `${prefix}.${Math.floor(this.nextAddress / 250) % 250}.${(this.nextAddress % 250) + 2}`;
  }

  private arm(now: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const due = [this.kubelet.nextChange(now), this.replicaSets.nextChange(now), this.deployments.nextChange(now)]
      .filter((at): at is number => at !== undefined);
    if (due.length === 0) return;
    this.timer = setTimeout(() => this.reconcile(), Math.max(0, Math.min(...due) - Date.now()));
  }
}
