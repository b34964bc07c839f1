// Activities towards a Kubernetes VIM, through the client (src/kubernetes/client.ts). Each one
// reads, or changes one thing; the changes read the live object first and are idempotent, so a
// retried activity (a worker that died mid-call) changes nothing twice. A write that loses a
// race with the controllers (409 Conflict on the resourceVersion) reads again and retries.
import type { KubeResource, KubernetesApi, KubernetesClient, ResourceRef } from '../kubernetes/client.ts';
import { KubernetesApiError } from '../kubernetes/client.ts';
import {
  COORDINATED_STRATEGY, COORDINATION_GATE, REVISION_ANNOTATION, STATEFUL_SET_REVISION_LABEL, withCoordinationGate, withoutCoordinationGate,
  type WorkloadKind, type WorkloadRef, type WorkloadView,
} from '../kubernetes/rollout.ts';
import type { KubernetesTarget } from '../kubernetes/vim-connection.ts';
import { missingWorkload, selectorQuery, statefulSetView, workloadView } from '../kubernetes/workload-view.ts';
import { secretValues } from '../sol003/redact.ts';
import { asApplicationFailure } from './failures.ts';

/** A pod as a VNFC of the instance (vnfcResourceInfo). */
export interface KubernetesVnfc {
  id: string;
  vduId: string;
  kind: WorkloadKind;
  /** A StatefulSet's pod: the revision it runs (its name stays when it is replaced). */
  revision?: string;
}

/** Attempts of one read-modify-write before a conflict is the activity's failure (retried by Temporal). */
const CONFLICT_ATTEMPTS = 5;
const TEMPLATE_HASH_LABEL = 'pod-template-hash';

export function createKubernetesActivities(client: KubernetesClient) {
  const on = <T>(target: KubernetesTarget, work: (api: KubernetesApi) => Promise<T>): Promise<T> =>
    asApplicationFailure('Kubernetes', () => work(client.api(target)), { secrets: secretValues(target) });

  return {
    /** Creates the object, or replaces it when it exists (a retried instantiate, or a re-applied manifest). */
    applyKubernetesResource({ target, resource }: { target: KubernetesTarget; resource: KubeResource }): Promise<{ created: boolean }> {
      return on(target, async (api) => {
        try {
          await api.create(resource);
          return { created: true };
        } catch (err) {
          if (!(err instanceof KubernetesApiError && err.reason === 'AlreadyExists')) throw err;
        }
        await readModifyWrite(api, refOfResource(resource), (live) => replacement(live, resource));
        return { created: false };
      });
    },

    /** A Deployment's rollout: the Deployment, its ReplicaSets and their pods, as the VNFM reads them. */
    readKubernetesWorkload({ target, workload }: { target: KubernetesTarget; workload: WorkloadRef }): Promise<WorkloadView> {
      return on(target, async (api) => {
        if (workload.kind === 'StatefulSet') {
          const set = await api.read(workloadRef(workload));
          if (!set) return missingWorkload(workload);
          return statefulSetView(workload, set, await api.list('v1', 'Pod', workload.namespace, selectorQuery(set.spec?.selector)));
        }
        const deployment = await api.read(deploymentRef(workload));
        if (!deployment) return missingWorkload(workload);
        const selector = selectorQuery(deployment.spec?.selector);
        const [replicaSets, pods] = await Promise.all([
          api.list('apps/v1', 'ReplicaSet', workload.namespace, selector),
          api.list('v1', 'Pod', workload.namespace, selector),
        ]);
        return workloadView(workload, deployment, replicaSets, pods);
      });
    },

    /** A Deployment's spec and its current ReplicaSet (what a rollback goes back to). */
    readKubernetesDeployment({ target, workload }: { target: KubernetesTarget; workload: WorkloadRef }): Promise<{ existed: boolean; spec?: Record<string, unknown>; replicaSet?: string }> {
      return on(target, async (api) => {
        if (workload.kind === 'StatefulSet') {
          const set = await api.read(workloadRef(workload));
          return set ? { existed: true, spec: set.spec ?? {} } : { existed: false };
        }
        const deployment = await api.read(deploymentRef(workload));
        if (!deployment) return { existed: false };
        const revision = deployment.metadata?.annotations?.[REVISION_ANNOTATION];
        const replicaSets = await api.list('apps/v1', 'ReplicaSet', workload.namespace, selectorQuery(deployment.spec?.selector));
        const current = replicaSets.find((rs) => rs.metadata?.annotations?.[REVISION_ANNOTATION] === revision
          && rs.metadata?.ownerReferences?.some((o) => o.uid === deployment.metadata?.uid));
        return { existed: true, spec: deployment.spec ?? {}, ...(current?.metadata?.name ? { replicaSet: current.metadata.name } : {}) };
      });
    },

    /** Whether the object still exists (terminate waits for its objects to go). */
    kubernetesResourceExists({ target, ref }: { target: KubernetesTarget; ref: ResourceRef }): Promise<boolean> {
      return on(target, async (api) => (await api.read(ref)) !== undefined);
    },

    /**
     * Gives the Deployment the spec of a manifest (its own replica count kept). Coordinated: the
     * pod template carries the coordination gate and the strategy is one pod at a time. With
     * `adoptReplicaSet` (a rollback), that earlier ReplicaSet gets the gate too and its template
     * becomes the Deployment's, while the Deployment is paused: the controller then scales that
     * ReplicaSet up again instead of making a third one, and only the pods the change replaced
     * are replaced back.
     */
    setKubernetesWorkloadSpec({ target, workload, spec, coordinated, adoptReplicaSet }: {
      target: KubernetesTarget; workload: WorkloadRef; spec: Record<string, unknown>; coordinated: boolean; adoptReplicaSet?: string;
    }): Promise<void> {
      return on(target, async (api) => {
        if (workload.kind === 'StatefulSet') {
          await setStatefulSetSpec(api, workload, spec, coordinated);
          return;
        }
        let template = spec.template as Record<string, unknown> | undefined;
        if (adoptReplicaSet) {
          const adopted = await adoptReplicaSetTemplate(api, workload, adoptReplicaSet, coordinated);
          if (adopted) template = adopted;
        }
        const ref = deploymentRef(workload);
        const build = (live: KubeResource | undefined): KubeResource => {
          const replicas = live?.spec?.replicas ?? spec.replicas;
          const nextTemplate = coordinated && template ? withCoordinationGate(template) : template;
          return {
            apiVersion: 'apps/v1', kind: 'Deployment',
            metadata: { ...live?.metadata, name: workload.name, namespace: workload.namespace },
            spec: {
              ...spec,
              ...(replicas !== undefined ? { replicas } : {}),
              template: nextTemplate,
              ...(coordinated ? { strategy: COORDINATED_STRATEGY } : {}),
              paused: false,
            },
          };
        };
        const live = await api.read(ref);
        if (!live) {
          await api.create(build(undefined));
          return;
        }
        await readModifyWrite(api, ref, build);
      });
    },

    /**
     * Ends a coordinated rollout: the gate leaves the current ReplicaSet's template and the
     * Deployment's, and the Deployment gets its own strategy back, without a new rollout (the
     * Deployment is paused meanwhile, and its template stays the ReplicaSet's).
     */
    removeKubernetesCoordinationGate({ target, workload, strategy }: {
      target: KubernetesTarget; workload: WorkloadRef; strategy?: Record<string, unknown>;
    }): Promise<void> {
      return on(target, async (api) => {
        const ref = deploymentRef(workload);
        await api.mergePatch(ref, { spec: { paused: true } });
        const deployment = await api.read(ref);
        if (!deployment) return;
        const revision = deployment.metadata?.annotations?.[REVISION_ANNOTATION];
        const replicaSets = await api.list('apps/v1', 'ReplicaSet', workload.namespace, selectorQuery(deployment.spec?.selector));
        const current = replicaSets.find((rs) => rs.metadata?.annotations?.[REVISION_ANNOTATION] === revision
          && rs.metadata?.ownerReferences?.some((o) => o.uid === deployment.metadata?.uid));
        if (current?.metadata?.name) {
          await readModifyWrite(api, { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: workload.namespace, name: current.metadata.name }, (rs) => ({
            ...rs, spec: { ...rs.spec, template: withoutCoordinationGate((rs.spec?.template ?? {}) as Record<string, unknown>) },
          }));
        }
        await readModifyWrite(api, ref, (live) => ({
          ...live,
          spec: {
            ...withoutKey(live.spec ?? {}, 'strategy'),
            template: withoutCoordinationGate((live.spec?.template ?? {}) as Record<string, unknown>),
            ...(strategy ? { strategy } : {}),
            paused: false,
          },
        }));
      });
    },

    /**
     * Sets a StatefulSet's partition (pods at or above it are updated, from the highest down);
     * with `updateStrategy`, that whole strategy instead (the manifest's own, once a coordinated
     * rollout is over).
     */
    setKubernetesStatefulSetPartition({ target, workload, partition, updateStrategy }: {
      target: KubernetesTarget; workload: WorkloadRef; partition?: number; updateStrategy?: Record<string, unknown>;
    }): Promise<void> {
      return on(target, async (api) => {
        const strategy = updateStrategy ?? { type: 'RollingUpdate', rollingUpdate: { partition: partition ?? 0 } };
        await readModifyWrite(api, workloadRef(workload), (live) => ({ ...live, spec: { ...live.spec, updateStrategy: strategy } }));
      });
    },

    /** Sets the coordination gate's condition of a pod True: the pod turns Ready, and the rollout moves on. */
    releaseKubernetesPod({ target, namespace, pod, message }: { target: KubernetesTarget; namespace: string; pod: string; message: string }): Promise<void> {
      return on(target, (api) => api.patchPodStatus(namespace, pod, {
        status: { conditions: [{ type: COORDINATION_GATE, status: 'True', reason: 'Coordinated', message, lastTransitionTime: new Date().toISOString() }] },
      }));
    },

    /** The pods of each VDU's Deployment: the VNFCs of the instance now. */
    listKubernetesVnfcs({ target, vdus }: { target: KubernetesTarget; vdus: Record<string, WorkloadRef> }): Promise<KubernetesVnfc[]> {
      return on(target, async (api) => {
        const vnfcs: KubernetesVnfc[] = [];
        for (const [vduId, workload] of Object.entries(vdus)) {
          const owner = await api.read(workloadRef(workload));
          if (!owner) continue;
          const pods = await api.list('v1', 'Pod', workload.namespace, selectorQuery(owner.spec?.selector));
          for (const pod of pods) {
            if (pod.metadata?.deletionTimestamp) continue;
            if (workload.kind === 'StatefulSet') {
              const revision = pod.metadata?.labels?.[STATEFUL_SET_REVISION_LABEL];
              vnfcs.push({ id: pod.metadata?.name ?? '', vduId, kind: 'StatefulSet', ...(revision ? { revision } : {}) });
            } else {
              vnfcs.push({ id: pod.metadata?.name ?? '', vduId, kind: 'Deployment' });
            }
          }
        }
        return vnfcs;
      });
    },

    /** Deletes an object and what it owns (Foreground); done when there was nothing to delete. */
    deleteKubernetesResource({ target, ref }: { target: KubernetesTarget; ref: ResourceRef }): Promise<void> {
      return on(target, async (api) => {
        await api.delete(ref, 'Foreground');
      });
    },
  };
}

/**
 * Gives a StatefulSet the manifest's pod template (the API server lets only replicas, template,
 * updateStrategy and minReadySeconds change; the live replica count is kept). Coordinated, the
 * partition is the replica count, so that no pod is replaced before the VNFM lowers it, one
 * ordinal at a time; plain, the manifest's own updateStrategy rolls it out.
 */
async function setStatefulSetSpec(api: KubernetesApi, workload: WorkloadRef, spec: Record<string, unknown>, coordinated: boolean): Promise<void> {
  const ref = workloadRef(workload);
  const live = await api.read(ref);
  if (!live) {
    await api.create({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: workload.name, namespace: workload.namespace }, spec });
    return;
  }
  await readModifyWrite(api, ref, (current) => {
    const replicas = typeof current.spec?.replicas === 'number' ? current.spec.replicas : 1;
    const updateStrategy = coordinated
      ? { type: 'RollingUpdate', rollingUpdate: { partition: replicas } }
      : (spec.updateStrategy ?? { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    return {
      ...current,
      spec: {
        ...current.spec,
        template: spec.template,
        updateStrategy,
        ...(spec.minReadySeconds !== undefined ? { minReadySeconds: spec.minReadySeconds } : {}),
      },
    };
  });
}

/** Pauses the Deployment, then puts the gate into the ReplicaSet's template; answers that template without its hash label. */
async function adoptReplicaSetTemplate(api: KubernetesApi, workload: WorkloadRef, name: string, coordinated: boolean): Promise<Record<string, unknown> | undefined> {
  const ref: ResourceRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: workload.namespace, name };
  if (!(await api.read(ref))) return undefined;
  await api.mergePatch(deploymentRef(workload), { spec: { paused: true } });
  const rs = await readModifyWrite(api, ref, (live) => {
    const template = (live.spec?.template ?? {}) as Record<string, unknown>;
    return { ...live, spec: { ...live.spec, template: coordinated ? withCoordinationGate(template) : withoutCoordinationGate(template) } };
  });
  const template = JSON.parse(JSON.stringify(rs.spec?.template ?? {})) as { metadata?: { labels?: Record<string, string> } } & Record<string, unknown>;
  if (template.metadata?.labels) delete template.metadata.labels[TEMPLATE_HASH_LABEL];
  return withoutCoordinationGate(template);
}

/** GET, change, PUT with the resourceVersion read; a conflict starts over from a fresh read. */
async function readModifyWrite(api: KubernetesApi, ref: ResourceRef, change: (live: KubeResource) => KubeResource): Promise<KubeResource> {
  for (let attempt = 1; ; attempt += 1) {
    const live = await api.read(ref);
    if (!live) throw new KubernetesApiError(404, 'NotFound', `Kubernetes: ${ref.kind} ${ref.namespace ?? ''}/${ref.name} not found`);
    const next = change(live);
    next.metadata = { ...next.metadata, resourceVersion: live.metadata?.resourceVersion };
    try {
      return await api.replace(next);
    } catch (err) {
      if (!(err instanceof KubernetesApiError && err.reason === 'Conflict') || attempt >= CONFLICT_ATTEMPTS) throw err;
    }
  }
}

/** A manifest object replacing the live one: what the server owns (Service cluster IPs) is kept. */
function replacement(live: KubeResource, desired: KubeResource): KubeResource {
  const next: KubeResource = { ...desired, metadata: { ...desired.metadata, resourceVersion: live.metadata?.resourceVersion } };
  if (desired.kind === 'Service' && live.spec?.clusterIP !== undefined) next.spec = { ...desired.spec, clusterIP: live.spec.clusterIP };
  return next;
}

function workloadRef(workload: WorkloadRef): ResourceRef {
  return { apiVersion: 'apps/v1', kind: workload.kind, namespace: workload.namespace, name: workload.name };
}

function deploymentRef(workload: WorkloadRef): ResourceRef {
  return { apiVersion: 'apps/v1', kind: 'Deployment', namespace: workload.namespace, name: workload.name };
}

function refOfResource(resource: KubeResource): ResourceRef {
  return {
    apiVersion: resource.apiVersion ?? 'v1', kind: resource.kind ?? '', name: resource.metadata?.name ?? '',
    ...(resource.metadata?.namespace ? { namespace: resource.metadata.namespace } : {}),
  };
}

function withoutKey(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const rest = { ...object };
  delete rest[key];
  return rest;
}
