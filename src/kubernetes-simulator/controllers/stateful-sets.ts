// The StatefulSet controller, after kube-controller-manager's: pods `<name>-<ordinal>` of stable
// names, made in order and each only once the one before is Running and Ready (OrderedReady;
// Parallel makes them at once); revisions kept as ControllerRevisions (the pod template, hashed,
// numbered); a RollingUpdate replaces the pods that are not on the update revision from the
// highest ordinal down, one at a time, each only once every other pod is Ready again, and never
// below `rollingUpdate.partition` (a pod below it that is lost comes back on the current
// revision). OnDelete replaces nothing: a deleted pod comes back on the update revision. The
// status is what kubectl rollout status reads (replicas, readyReplicas, currentReplicas,
// updatedReplicas, currentRevision, updateRevision, observedGeneration).
import { applyDefaults } from '../admission.ts';
import { canonicalJson, clone, isController, isJsonObject, type JsonObject, type KubeObject } from '../objects.ts';
import { isActive, isReady, isTerminating, numberAt, phaseOf, templateOf } from '../pods.ts';
import type { ResourceType } from '../resources.ts';
import type { ObjectStore } from '../store.ts';
import { templateHash } from './deployments.ts';

/** The label by which a pod says which revision it was made from (the ControllerRevision's name). */
export const REVISION_LABEL = 'controller-revision-hash';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

export interface StatefulSetTypes {
  statefulSets: ResourceType;
  controllerRevisions: ResourceType;
  pods: ResourceType;
}

export class StatefulSetController {
  constructor(
    private readonly store: ObjectStore,
    private readonly types: StatefulSetTypes,
    private readonly deletePod: (pod: KubeObject) => void,
  ) {}

  sync(): void {
    for (const set of this.store.list(this.types.statefulSets)) {
      if (set.metadata.deletionTimestamp) continue;
      new StatefulSetSync(this.store, this.types, this.deletePod, set).run();
    }
  }
}

/** The ordinal of a pod named `<set>-<ordinal>`, or undefined for any other name. */
export function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** One pass over one StatefulSet: at most one pod made, deleted or replaced, then the status. */
class StatefulSetSync {
  private readonly replicas: number;

  constructor(
    private readonly store: ObjectStore,
    private readonly types: StatefulSetTypes,
    private readonly deletePod: (pod: KubeObject) => void,
    private set: KubeObject,
  ) {
    this.replicas = numberAt(set.spec, 'replicas', 1);
  }

  run(): void {
    const revisions = this.revisions();
    const update = this.updateRevision(revisions);
    const currentName = typeof this.set.status?.currentRevision === 'string' && this.set.status.currentRevision
      ? this.set.status.currentRevision : update.metadata.name;
    const current = this.store.get(this.types.controllerRevisions, this.set.metadata.namespace, currentName) ?? update;
    this.act(current, update);
    this.updateStatus(current.metadata.name, update.metadata.name);
  }

  private act(current: KubeObject, update: KubeObject): void {
    const pods = this.pods();
    const byOrdinal = new Map<number, KubeObject>();
    for (const pod of pods) {
      const ordinal = ordinalOf(this.set.metadata.name, pod.metadata.name);
      if (ordinal !== undefined) byOrdinal.set(ordinal, pod);
    }
    const ordered = this.set.spec?.podManagementPolicy !== 'Parallel';
    const partition = this.partition();
    // Make the missing pods, lowest first; ordered, wait for each to be Running and Ready.
    for (let ordinal = 0; ordinal < this.replicas; ordinal++) {
      const pod = byOrdinal.get(ordinal);
      if (!pod) {
        const onCurrent = this.rollingUpdate() && ordinal < partition;
        this.createPod(ordinal, onCurrent ? current : update);
        if (ordered) return;
        continue;
      }
      if (ordered && (isTerminating(pod) || !isHealthy(pod))) return;
    }
    // Surplus pods go, highest first, one at a time.
    const condemned = [...byOrdinal.entries()].filter(([ordinal]) => ordinal >= this.replicas).sort(([a], [b]) => b - a);
    const first = condemned[0];
    if (first) {
      if (!isTerminating(first[1])) this.deletePod(first[1]);
      return;
    }
    if (!this.rollingUpdate()) return;
    // RollingUpdate: from the highest ordinal down to the partition, one pod at a time.
    for (let ordinal = this.replicas - 1; ordinal >= partition; ordinal--) {
      const pod = byOrdinal.get(ordinal);
      if (!pod) return;
      if (pod.metadata.labels?.[REVISION_LABEL] !== update.metadata.name && !isTerminating(pod)) {
        this.deletePod(pod);
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }

  private rollingUpdate(): boolean {
    const strategy = isJsonObject(this.set.spec?.updateStrategy) ? this.set.spec.updateStrategy : {};
    return strategy.type !== 'OnDelete';
  }

  private partition(): number {
    const strategy = isJsonObject(this.set.spec?.updateStrategy) ? this.set.spec.updateStrategy : {};
    const rolling = isJsonObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
    return numberAt(rolling, 'partition');
  }

  private pods(): KubeObject[] {
    return this.store.list(this.types.pods, this.set.metadata.namespace)
      .filter((pod) => pod.metadata.ownerReferences?.some((ref) => isController(ref, this.set.metadata.uid)) && isActive(pod));
  }

  private revisions(): KubeObject[] {
    return this.store.list(this.types.controllerRevisions, this.set.metadata.namespace)
      .filter((rev) => rev.metadata.ownerReferences?.some((ref) => isController(ref, this.set.metadata.uid)));
  }

  /**
   * The revision of the set's template: an existing one with the same template (a rollback to
   * it makes it the latest revision again), else a new one.
   */
  private updateRevision(revisions: KubeObject[]): KubeObject {
    const template = templateOf(this.set.spec);
    const wanted = canonicalJson(template);
    const latest = Math.max(0, ...revisions.map(revisionNumber));
    const same = revisions.find((rev) => canonicalJson(revisionTemplate(rev)) === wanted);
    if (same) {
      if (revisionNumber(same) === latest) return same;
      return this.store.update(this.types.controllerRevisions, { ...clone(same), revision: latest + 1 });
    }
    let collisions = numberAt(this.set.status, 'collisionCount');
    for (;;) {
      const name = `${this.set.metadata.name}-${templateHash(template, collisions)}`;
      if (!this.store.get(this.types.controllerRevisions, this.set.metadata.namespace, name)) {
        if (collisions !== numberAt(this.set.status, 'collisionCount')) {
          this.set = this.store.update(this.types.statefulSets, { ...clone(this.set), status: { ...this.set.status, collisionCount: collisions } });
        }
        return this.store.create(this.types.controllerRevisions, {
          apiVersion: 'apps/v1',
          kind: 'ControllerRevision',
          metadata: {
            name, namespace: this.set.metadata.namespace, uid: '', resourceVersion: '', creationTimestamp: '',
            labels: { ...this.selectorLabels(), [REVISION_LABEL]: name },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: this.set.metadata.name, uid: this.set.metadata.uid, controller: true, blockOwnerDeletion: true }],
          },
          data: { spec: { template: clone(template) } },
          revision: latest + 1,
        });
      }
      collisions += 1;
    }
  }

  private selectorLabels(): Record<string, string> {
    const selector = isJsonObject(this.set.spec?.selector) ? this.set.spec.selector : {};
    return isJsonObject(selector.matchLabels) ? { ...(selector.matchLabels as Record<string, string>) } : {};
  }

  private createPod(ordinal: number, revision: KubeObject): void {
    const template = clone(revisionTemplate(revision));
    const meta = (template.metadata ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    const name = `${this.set.metadata.name}-${ordinal}`;
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name, namespace: this.set.metadata.namespace, uid: '', resourceVersion: '', creationTimestamp: '',
        labels: { ...meta.labels, [REVISION_LABEL]: revision.metadata.name, [POD_NAME_LABEL]: name },
        ...(meta.annotations ? { annotations: meta.annotations } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: this.set.metadata.name, uid: this.set.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...(template.spec as JsonObject | undefined), hostname: name, ...(typeof this.set.spec?.serviceName === 'string' ? { subdomain: this.set.spec.serviceName } : {}) },
    };
    applyDefaults(this.types.pods, pod, () => '');
    this.store.create(this.types.pods, pod);
  }

  private updateStatus(currentRevision: string, updateRevision: string): void {
    const pods = this.pods();
    const previous = this.set.status ?? {};
    const count = (test: (pod: KubeObject) => boolean) => pods.filter(test).length;
    const status: JsonObject = {
      observedGeneration: this.set.metadata.generation ?? 1,
      replicas: pods.length,
      readyReplicas: count(isReady),
      currentReplicas: count((p) => p.metadata.labels?.[REVISION_LABEL] === currentRevision),
      updatedReplicas: count((p) => p.metadata.labels?.[REVISION_LABEL] === updateRevision),
      currentRevision,
      updateRevision,
      ...(previous.collisionCount !== undefined ? { collisionCount: previous.collisionCount } : {}),
      availableReplicas: count(isReady),
    };
    // The rolling update is complete when every pod is updated and Ready: the update revision is the current one.
    if (this.rollingUpdate() && status.updatedReplicas === this.replicas && status.replicas === this.replicas && status.readyReplicas === this.replicas) {
      status.currentRevision = updateRevision;
      status.currentReplicas = status.updatedReplicas;
    }
    const current = this.store.get(this.types.statefulSets, this.set.metadata.namespace, this.set.metadata.name);
    if (current && JSON.stringify(current.status) !== JSON.stringify(status)) {
      this.set = this.store.update(this.types.statefulSets, { ...clone(current), status });
    }
    this.cleanup(typeof status.currentRevision === 'string' ? status.currentRevision : currentRevision, updateRevision);
  }

  /** Revisions beyond revisionHistoryLimit that no pod is on go, oldest first. */
  private cleanup(currentRevision: string, updateRevision: string): void {
    const limit = numberAt(this.set.spec, 'revisionHistoryLimit', 10);
    const live = new Set([currentRevision, updateRevision, ...this.pods().map((p) => p.metadata.labels?.[REVISION_LABEL])]);
    const idle = this.revisions().filter((rev) => !live.has(rev.metadata.name)).sort((a, b) => revisionNumber(a) - revisionNumber(b));
    for (const rev of idle.slice(0, Math.max(0, idle.length - limit))) {
      this.store.delete(this.types.controllerRevisions, rev.metadata.namespace, rev.metadata.name);
    }
  }
}

/** Running and Ready: what OrderedReady waits for before it goes on. */
function isHealthy(pod: KubeObject): boolean {
  return phaseOf(pod) === 'Running' && isReady(pod);
}

function revisionNumber(rev: KubeObject): number {
  return typeof rev.revision === 'number' ? rev.revision : 0;
}

function revisionTemplate(rev: KubeObject): JsonObject {
  const data = isJsonObject(rev.data) ? rev.data : {};
  const spec = isJsonObject(data.spec) ? data.spec : {};
  return isJsonObject(spec.template) ? spec.template : {};
}
