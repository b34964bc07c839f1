// The ReplicaSet controller: as many active pods as `spec.replicas`, made from the template and
// owned by the ReplicaSet; surplus pods go in Kubernetes' order (not yet running before running,
// not ready before ready, ready the shortest time before longer, newest before oldest); the
// status counts replicas, ready and available ones.
import { applyDefaults } from '../admission.ts';
import { clone, isController, type JsonObject, type KubeObject } from '../objects.ts';
import {
  conditionOf, isActive, isAvailable, isReady, numberAt, phaseOf, restartCount, templateOf,
} from '../pods.ts';
import type { ResourceType } from '../resources.ts';
import { matchesLabels, selectorRequirements } from '../selectors.ts';
import type { ObjectStore } from '../store.ts';

export class ReplicaSetController {
  constructor(
    private readonly store: ObjectStore,
    private readonly types: { replicaSets: ResourceType; pods: ResourceType },
    private readonly deletePod: (pod: KubeObject) => void,
  ) {}

  sync(now: number): void {
    for (const rs of this.store.list(this.types.replicaSets)) {
      if (rs.metadata.deletionTimestamp) continue;
      this.syncOne(rs, now);
    }
  }

  /** The next time a ready pod turns available (its minReadySeconds elapse). */
  nextChange(now: number): number | undefined {
    let next: number | undefined;
    for (const rs of this.store.list(this.types.replicaSets)) {
      const minReady = numberAt(rs.spec, 'minReadySeconds');
      if (minReady <= 0) continue;
      for (const pod of this.podsOf(rs)) {
        const since = Date.parse(conditionOf(pod, 'Ready')?.lastTransitionTime ?? '');
        const at = since + minReady * 1000;
        if (isReady(pod) && at > now && (next === undefined || at < next)) next = at;
      }
    }
    return next;
  }

  /** The pods a ReplicaSet controls. */
  podsOf(rs: KubeObject): KubeObject[] {
    return this.store.list(this.types.pods, rs.metadata.namespace)
      .filter((pod) => pod.metadata.ownerReferences?.some((ref) => isController(ref, rs.metadata.uid)));
  }

  private syncOne(rs: KubeObject, now: number): void {
    const wanted = numberAt(rs.spec, 'replicas', 1);
    let pods = this.podsOf(rs).filter(isActive);
    if (pods.length < wanted) {
      for (let i = pods.length; i < wanted; i++) this.createPod(rs);
    } else if (pods.length > wanted) {
      for (const pod of [...pods].sort(deletionOrder).slice(0, pods.length - wanted)) this.deletePod(pod);
    }
    pods = this.podsOf(rs).filter(isActive);
    const minReady = numberAt(rs.spec, 'minReadySeconds');
    const requirements = selectorRequirements(rs.spec?.selector);
    const status: JsonObject = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.filter((p) => matchesLabels(p.metadata.labels, requirements)).length,
      readyReplicas: pods.filter(isReady).length,
      availableReplicas: pods.filter((p) => isAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    const current = this.store.get(this.types.replicaSets, rs.metadata.namespace, rs.metadata.name);
    if (current && JSON.stringify(current.status) !== JSON.stringify(status)) this.store.update(this.types.replicaSets, { ...clone(current), status });
  }

  private createPod(rs: KubeObject): void {
    const template = clone(templateOf(rs.spec));
    const meta = (template.metadata ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: '', generateName: `${rs.metadata.name}-`, namespace: rs.metadata.namespace, uid: '', resourceVersion: '', creationTimestamp: '',
        ...(meta.labels ? { labels: meta.labels } : {}),
        ...(meta.annotations ? { annotations: meta.annotations } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...(template.spec as JsonObject | undefined) },
    };
    applyDefaults(this.types.pods, pod, () => '');
    this.store.create(this.types.pods, pod);
  }
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** Kubernetes' ActivePods ranking: the pod that costs least to lose comes first. */
function deletionOrder(a: KubeObject, b: KubeObject): number {
  const phase = (PHASE_RANK[phaseOf(a)] ?? 1) - (PHASE_RANK[phaseOf(b)] ?? 1);
  if (phase !== 0) return phase;
  const ready = Number(isReady(a)) - Number(isReady(b));
  if (ready !== 0) return ready;
  if (isReady(a) && isReady(b)) {
    const readySince = (pod: KubeObject) => Date.parse(conditionOf(pod, 'Ready')?.lastTransitionTime ?? '') || 0;
    const since = readySince(b) - readySince(a);
    if (since !== 0) return since;
  }
  const restarts = restartCount(b) - restartCount(a);
  if (restarts !== 0) return restarts;
  return b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp) || b.metadata.name.localeCompare(a.metadata.name);
}
