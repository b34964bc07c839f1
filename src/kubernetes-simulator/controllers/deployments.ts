// The Deployment controller, after kube-controller-manager's: the ReplicaSet whose template is
// the Deployment's (ignoring the pod-template-hash label) is the new one, made when there is
// none; a RollingUpdate scales it up within maxSurge and the old ones down within
// maxUnavailable, counting only available pods; Recreate takes the old ones to zero first. A
// paused Deployment makes no new ReplicaSet. Revisions, the status counts and the Available and
// Progressing conditions (with progressDeadlineSeconds) are what kubectl and clients read.
import {
  canonicalJson, clone, fnv32a, intOrPercent, isController, isJsonObject, nowIso, safeEncode, type Json, type JsonObject, type KubeObject,
} from '../objects.ts';
import { conditionsOf, numberAt, templateOf, withCondition, type Condition } from '../pods.ts';
import type { ResourceType } from '../resources.ts';
import type { ObjectStore } from '../store.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const TEMPLATE_HASH_LABEL = 'pod-template-hash';
const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

export class DeploymentController {
  constructor(
    private readonly store: ObjectStore,
    private readonly types: { deployments: ResourceType; replicaSets: ResourceType },
  ) {}

  sync(now: number): void {
    for (const deployment of this.store.list(this.types.deployments)) {
      if (deployment.metadata.deletionTimestamp) continue;
      new DeploymentSync(this.store, this.types, deployment, now).run();
    }
  }

  /** When a stalled rollout's progress deadline passes. */
  nextChange(now: number): number | undefined {
    let next: number | undefined;
    for (const d of this.store.list(this.types.deployments)) {
      const progressing = (conditionsOf(d) as ProgressingCondition[]).find((c) => c.type === 'Progressing');
      if (d.spec?.paused === true || progressing?.status !== 'True' || progressing.reason === 'NewReplicaSetAvailable') continue;
      const at = Date.parse(progressing.lastUpdateTime ?? '') + numberAt(d.spec, 'progressDeadlineSeconds', 600) * 1000 + 1000;
      if (at > now && (next === undefined || at < next)) next = at;
    }
    return next;
  }
}

interface ProgressingCondition extends Condition {
  lastUpdateTime?: string;
}

/** One pass over one Deployment. */
class DeploymentSync {
  private readonly replicas: number;
  private readonly maxSurge: number;
  private readonly maxUnavailable: number;
  private created?: string;

  constructor(
    private readonly store: ObjectStore,
    private readonly types: { deployments: ResourceType; replicaSets: ResourceType },
    private d: KubeObject,
    private readonly now: number,
  ) {
    this.replicas = numberAt(d.spec, 'replicas', 1);
    const strategy = isJsonObject(d.spec?.strategy) ? d.spec.strategy : {};
    const rolling = isJsonObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
    this.maxSurge = intOrPercent(rolling.maxSurge, this.replicas, true, '25%');
    const unavailable = intOrPercent(rolling.maxUnavailable, this.replicas, false, '25%');
    this.maxUnavailable = this.maxSurge === 0 && unavailable === 0 ? 1 : unavailable;
  }

  run(): void {
    let newRs = this.newReplicaSet();
    const paused = this.d.spec?.paused === true;
    if (!paused) {
      newRs = newRs ? this.withRevision(newRs) : this.createReplicaSet();
      this.setDeploymentRevision(newRs);
      if (this.strategyType() === 'Recreate') this.recreate(newRs);
      else if (!this.scaleUpNew(newRs)) this.scaleDownOld(newRs);
    } else if (newRs && this.oldReplicaSets(newRs).every((rs) => numberAt(rs.spec, 'replicas') === 0)) {
      this.scale(newRs, this.replicas); // a paused Deployment still scales
    }
    const fresh = newRs ? this.reread(newRs) : undefined;
    this.updateStatus(fresh, paused);
    if (!paused && fresh && this.isComplete(fresh)) this.cleanup(fresh);
  }

  private strategyType(): string {
    return isJsonObject(this.d.spec?.strategy) && this.d.spec.strategy.type === 'Recreate' ? 'Recreate' : 'RollingUpdate';
  }

  private replicaSets(): KubeObject[] {
    return this.store.list(this.types.replicaSets, this.d.metadata.namespace)
      .filter((rs) => rs.metadata.ownerReferences?.some((ref) => isController(ref, this.d.metadata.uid)) && !rs.metadata.deletionTimestamp)
      .sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name));
  }

  /** The oldest ReplicaSet whose template is the Deployment's, pod-template-hash aside. */
  private newReplicaSet(): KubeObject | undefined {
    const wanted = templateKey(templateOf(this.d.spec));
    return this.replicaSets().find((rs) => templateKey(templateOf(rs.spec)) === wanted);
  }

  private oldReplicaSets(newRs: KubeObject): KubeObject[] {
    return this.replicaSets().filter((rs) => rs.metadata.uid !== newRs.metadata.uid);
  }

  private maxOldRevision(newRs?: KubeObject): number {
    return Math.max(0, ...this.replicaSets().filter((rs) => rs.metadata.uid !== newRs?.metadata.uid).map(revisionOf));
  }

  private createReplicaSet(): KubeObject {
    let collisions = numberAt(this.d.status, 'collisionCount');
    for (;;) {
      const hash = templateHash(templateOf(this.d.spec), collisions);
      const name = `${this.d.metadata.name}-${hash}`;
      if (this.store.get(this.types.replicaSets, this.d.metadata.namespace, name)) {
        collisions += 1;
        continue;
      }
      if (collisions !== numberAt(this.d.status, 'collisionCount')) {
        this.d = this.store.update(this.types.deployments, { ...clone(this.d), status: { ...this.d.status, collisionCount: collisions } });
      }
      const template = clone(templateOf(this.d.spec));
      const meta = isJsonObject(template.metadata) ? template.metadata : {};
      meta.labels = { ...(isJsonObject(meta.labels) ? meta.labels : {}), [TEMPLATE_HASH_LABEL]: hash };
      template.metadata = meta;
      const selector = clone(isJsonObject(this.d.spec?.selector) ? this.d.spec.selector : {});
      selector.matchLabels = { ...(isJsonObject(selector.matchLabels) ? selector.matchLabels : {}), [TEMPLATE_HASH_LABEL]: hash };
      this.created = name;
      return this.store.create(this.types.replicaSets, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name, namespace: this.d.metadata.namespace, uid: '', resourceVersion: '', creationTimestamp: '',
          labels: { ...(meta.labels as Record<string, string>) },
          annotations: {
            [REVISION_ANNOTATION]: String(this.maxOldRevision() + 1),
            [DESIRED_REPLICAS]: String(this.replicas),
            [MAX_REPLICAS]: String(this.replicas + this.maxSurge),
          },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: this.d.metadata.name, uid: this.d.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: { replicas: 0, minReadySeconds: numberAt(this.d.spec, 'minReadySeconds'), selector, template },
        status: { replicas: 0 },
      });
    }
  }

  /** An old ReplicaSet that is the new one again (a rollback) gets the next revision. */
  private withRevision(rs: KubeObject): KubeObject {
    const next = this.maxOldRevision(rs) + 1;
    const annotations = { ...rs.metadata.annotations };
    if (revisionOf(rs) < next) annotations[REVISION_ANNOTATION] = String(next);
    annotations[DESIRED_REPLICAS] = String(this.replicas);
    annotations[MAX_REPLICAS] = String(this.replicas + this.maxSurge);
    const minReady = numberAt(this.d.spec, 'minReadySeconds');
    return this.store.update(this.types.replicaSets, { ...clone(rs), metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec, minReadySeconds: minReady } });
  }

  private setDeploymentRevision(rs: KubeObject): void {
    const revision = rs.metadata.annotations?.[REVISION_ANNOTATION];
    if (!revision || this.d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return;
    this.d = this.store.update(this.types.deployments, {
      ...clone(this.d), metadata: { ...this.d.metadata, annotations: { ...this.d.metadata.annotations, [REVISION_ANNOTATION]: revision } },
    });
  }

  /** RollingUpdate, first half: the new ReplicaSet grows as far as maxSurge lets it. */
  private scaleUpNew(newRs: KubeObject): boolean {
    const current = numberAt(newRs.spec, 'replicas');
    if (current === this.replicas) return false;
    if (current > this.replicas) return this.scale(newRs, this.replicas);
    const total = this.replicaSets().reduce((sum, rs) => sum + numberAt(rs.spec, 'replicas'), 0);
    const room = this.replicas + this.maxSurge - total;
    if (room <= 0) return false;
    return this.scale(newRs, current + Math.min(room, this.replicas - current));
  }

  /** RollingUpdate, second half: old ReplicaSets shrink while enough pods stay available. */
  private scaleDownOld(newRs: KubeObject): boolean {
    const old = this.oldReplicaSets(newRs);
    if (old.every((rs) => numberAt(rs.spec, 'replicas') === 0)) return false;
    const all = this.replicaSets();
    const allPods = all.reduce((sum, rs) => sum + numberAt(rs.spec, 'replicas'), 0);
    const minAvailable = this.replicas - this.maxUnavailable;
    const newUnavailable = numberAt(newRs.spec, 'replicas') - numberAt(newRs.status, 'availableReplicas');
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    let changed = false;
    // Unhealthy old pods go first: they serve nothing.
    let cleaned = 0;
    for (const rs of old) {
      const replicas = numberAt(rs.spec, 'replicas');
      const unhealthy = replicas - numberAt(rs.status, 'availableReplicas');
      if (replicas === 0 || unhealthy <= 0 || cleaned >= maxScaledDown) continue;
      const down = Math.min(maxScaledDown - cleaned, unhealthy);
      changed = this.scale(rs, replicas - down) || changed;
      cleaned += down;
    }
    const available = this.replicaSets().reduce((sum, rs) => sum + numberAt(rs.status, 'availableReplicas'), 0);
    if (available <= minAvailable) return changed;
    const total = available - minAvailable;
    let scaledDown = 0;
    for (const rs of this.oldReplicaSets(newRs)) {
      const replicas = numberAt(rs.spec, 'replicas');
      if (replicas === 0 || scaledDown >= total) continue;
      const down = Math.min(replicas, total - scaledDown);
      changed = this.scale(rs, replicas - down) || changed;
      scaledDown += down;
    }
    return changed;
  }

  private recreate(newRs: KubeObject): void {
    const old = this.oldReplicaSets(newRs);
    let scaled = false;
    for (const rs of old) if (numberAt(rs.spec, 'replicas') > 0) scaled = this.scale(rs, 0) || scaled;
    if (scaled || old.some((rs) => numberAt(rs.status, 'replicas') > 0)) return;
    this.scale(newRs, this.replicas);
  }

  private scale(rs: KubeObject, replicas: number): boolean {
    const current = this.reread(rs);
    if (numberAt(current.spec, 'replicas') === replicas) return false;
    this.store.update(this.types.replicaSets, { ...clone(current), spec: { ...current.spec, replicas } });
    return true;
  }

  private reread(rs: KubeObject): KubeObject {
    return this.store.get(this.types.replicaSets, rs.metadata.namespace, rs.metadata.name) ?? rs;
  }

  private isComplete(newRs: KubeObject): boolean {
    const status = this.d.status ?? {};
    return numberAt(newRs.status, 'replicas') === this.replicas
      && numberAt(status, 'updatedReplicas') === this.replicas
      && numberAt(status, 'replicas') === this.replicas
      && numberAt(status, 'availableReplicas') === this.replicas;
  }

  /** Old ReplicaSets with nothing left beyond revisionHistoryLimit go, oldest revision first. */
  private cleanup(newRs: KubeObject): void {
    const limit = numberAt(this.d.spec, 'revisionHistoryLimit', 10);
    const old = this.oldReplicaSets(newRs).sort((a, b) => revisionOf(a) - revisionOf(b));
    let excess = old.length - limit;
    for (const rs of old) {
      if (excess <= 0) return;
      if (numberAt(rs.spec, 'replicas') !== 0 || numberAt(rs.status, 'replicas') !== 0) continue;
      this.store.delete(this.types.replicaSets, rs.metadata.namespace, rs.metadata.name);
      excess -= 1;
    }
  }

  private updateStatus(newRs: KubeObject | undefined, paused: boolean): void {
    const all = this.replicaSets();
    const sum = (key: string) => all.reduce((total, rs) => total + numberAt(rs.status, key), 0);
    const specTotal = all.reduce((total, rs) => total + numberAt(rs.spec, 'replicas'), 0);
    const counts: JsonObject = {
      replicas: sum('replicas'),
      updatedReplicas: newRs ? numberAt(newRs.status, 'replicas') : 0,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: sum('availableReplicas'),
      unavailableReplicas: Math.max(0, specTotal - sum('availableReplicas')),
    };
    const previous = this.d.status ?? {};
    const moved = ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas'].some((k) => numberAt(previous, k) !== counts[k]);
    const at = nowIso(this.now);
    let conditions = conditionsOf(this.d) as ProgressingCondition[];
    const available = Number(counts.availableReplicas) >= this.replicas - this.maxUnavailable;
    conditions = withCondition(conditions, available
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, at);
    conditions = this.withProgressing(conditions, newRs, counts, paused, moved, at);
    const status: JsonObject = {
      observedGeneration: this.d.metadata.generation ?? 1,
      ...Object.fromEntries(Object.entries(counts).filter(([, v]) => v !== 0)),
      conditions: conditions as unknown as Json,
      ...(previous.collisionCount !== undefined ? { collisionCount: previous.collisionCount } : {}),
    };
    const current = this.store.get(this.types.deployments, this.d.metadata.namespace, this.d.metadata.name);
    if (current && JSON.stringify(current.status) !== JSON.stringify(status)) {
      this.d = this.store.update(this.types.deployments, { ...clone(current), status });
    }
  }

  private withProgressing(
    conditions: ProgressingCondition[], newRs: KubeObject | undefined, counts: JsonObject, paused: boolean, moved: boolean, at: string,
  ): ProgressingCondition[] {
    const current = conditions.find((c) => c.type === 'Progressing');
    const put = (next: ProgressingCondition, touch: boolean): ProgressingCondition[] => {
      const merged = withCondition(conditions, next, at) as ProgressingCondition[];
      return merged.map((c) => (c.type === 'Progressing' ? { ...c, lastUpdateTime: touch || !current?.lastUpdateTime ? at : current.lastUpdateTime } : c));
    };
    const rsName = newRs?.metadata.name ?? '';
    if (paused) {
      if (current?.reason === 'DeploymentPaused') return conditions;
      return put({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }, true);
    }
    const complete = counts.updatedReplicas === this.replicas && counts.replicas === this.replicas && counts.availableReplicas === this.replicas;
    if (complete) {
      if (current?.reason === 'NewReplicaSetAvailable' && current.message?.includes(`"${rsName}"`)) return conditions;
      return put({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }, true);
    }
    if (this.created) {
      return put({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${rsName}"` }, true);
    }
    if (moved || !current || current.reason === 'DeploymentPaused' || current.reason === 'NewReplicaSetAvailable') {
      return put({ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` }, true);
    }
    const deadline = Date.parse(current.lastUpdateTime ?? '') + numberAt(this.d.spec, 'progressDeadlineSeconds', 600) * 1000;
    if (current.reason !== 'ProgressDeadlineExceeded' && this.now > deadline) {
      return put({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` }, true);
    }
    return conditions;
  }
}

export function revisionOf(object: KubeObject): number {
  return Number(object.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;
}

/** A template as the controller compares it: canonical, without pod-template-hash. */
function templateKey(template: JsonObject): string {
  const copy = clone(template);
  const meta = isJsonObject(copy.metadata) ? copy.metadata : {};
  if (isJsonObject(meta.labels)) {
    delete meta.labels[TEMPLATE_HASH_LABEL];
    if (Object.keys(meta.labels).length === 0) delete meta.labels;
  }
  copy.metadata = meta;
  return canonicalJson(copy);
}

/** Kubernetes' ComputeHash: FNV-32a of the template (and the collision count), safe-encoded. */
export function templateHash(template: JsonObject, collisionCount: number): string {
  const text = templateKey(template) + (collisionCount ? String(collisionCount) : '');
  return safeEncode(String(fnv32a(text)));
}
