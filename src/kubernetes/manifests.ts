// The Kubernetes manifests of a CNF package, as an LCM request names them
// (`additionalParams.lcm-kubernetes-def-files`, Tacker's parameter): files of the package,
// each one or more YAML documents; every object placed in the VNF's namespace and labelled with
// the VNF instance; the Deployment or StatefulSet of each container VDU found by the VDU's
// resource name.
// Read by the gateway when it accepts the request, so a missing file or a malformed manifest is
// the client's 422, and the workflow gets the objects themselves (never a file path).
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeResource } from './client.ts';
import type { WorkloadKind, WorkloadRef } from './rollout.ts';

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** The label every object of a VNF instance carries (Tacker labels them too). */
export const VNF_INSTANCE_LABEL = 'durable-vnfm.io/vnf-instance-id';

/** A manifest file larger than this is refused unread. */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Kinds that live outside namespaces (everything else is placed in the VNF's namespace). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'PriorityClass',
  'CustomResourceDefinition', 'Node', 'APIService', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
]);

export interface PlacedManifests {
  namespace: string;
  /** In the order of the files and documents: the order they are created in. */
  resources: KubeResource[];
  /** The Deployment or StatefulSet of each container VDU that has one. */
  vdus: Record<string, WorkloadRef>;
}

/** The kinds a container VDU can be: a Deployment or a StatefulSet. */
export function isWorkloadKind(kind: string): kind is WorkloadKind {
  return kind === 'Deployment' || kind === 'StatefulSet';
}

/** Reads the files (paths inside the package) as Kubernetes objects. */
export function readManifests(contentDir: string, files: readonly string[]): KubeResource[] {
  const root = realpathSync(contentDir);
  return files.flatMap((file) => {
    const path = resolve(root, file);
    const inside = relative(root, path);
    if (inside.startsWith('..') || isAbsolute(inside) || !existsSync(path) || !realpathSync(path).startsWith(root)) {
      throw new ManifestError(`${file} is not a file of the VNF package`);
    }
    if (statSync(path).size > MAX_MANIFEST_BYTES) throw new ManifestError(`${file} is larger than ${MAX_MANIFEST_BYTES} bytes`);
    const documents = parseAllDocuments(readFileSync(path, 'utf8'));
    return (Array.isArray(documents) ? documents : [documents]).flatMap((document, index) => {
      if (document.errors.length) throw new ManifestError(`${file} (document ${index + 1}) is not valid YAML: ${document.errors[0]?.message ?? ''}`);
      const value = document.toJS() as unknown;
      if (value === null || value === undefined) return [];
      return [asResource(value, `${file} (document ${index + 1})`)];
    });
  });
}

function asResource(value: unknown, where: string): KubeResource {
  const object = value as Partial<KubeResource>;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ManifestError(`${where} is not a Kubernetes object`);
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') throw new ManifestError(`${where} has no apiVersion or kind`);
  if (typeof object.metadata?.name !== 'string' || object.metadata.name === '') throw new ManifestError(`${where} (${object.kind}) has no metadata.name`);
  return object as KubeResource;
}

/**
 * Places the objects: in `namespace` when the request gives one (Tacker's `namespace`
 * parameter; the manifests' one Namespace object, if they have one, is then made under that
 * name, otherwise the namespace must exist), else in the one namespace the manifests use
 * (default `default`; two are refused); each labelled with the VNF instance; each container
 * VDU's Deployment or StatefulSet found by name and given its replica count when the request sets one.
 */
export function placeManifests(
  resources: KubeResource[],
  options: { namespace?: string; vnfInstanceId: string; containerVdus: Record<string, { resourceName: string }>; replicas?: Record<string, number> },
): PlacedManifests {
  const namespaced = resources.filter((r) => !CLUSTER_SCOPED.has(r.kind));
  let namespace = options.namespace;
  if (namespace === undefined) {
    const named = new Set(namespaced.map((r) => r.metadata?.namespace ?? 'default'));
    if (named.size > 1) throw new ManifestError(`the manifests use several namespaces (${[...named].join(', ')}); name one with additionalParams.namespace`);
    namespace = [...named][0] ?? 'default';
  }
  // The manifests' own Namespace is the VNF's namespace: given another one, it is made under that name.
  const namespaces = resources.filter((r) => r.kind === 'Namespace');
  const placed = resources.map((resource) => {
    const copy = JSON.parse(JSON.stringify(resource)) as KubeResource;
    const renamed = copy.kind === 'Namespace' && namespaces.length === 1 ? { name: namespace } : {};
    copy.metadata = {
      ...copy.metadata,
      ...renamed,
      ...(CLUSTER_SCOPED.has(copy.kind) ? {} : { namespace }),
      labels: { ...copy.metadata?.labels, [VNF_INSTANCE_LABEL]: options.vnfInstanceId },
    };
    return copy;
  });
  const vdus: Record<string, WorkloadRef> = {};
  for (const [vduId, { resourceName }] of Object.entries(options.containerVdus)) {
    const workload = placed.find((r) => isWorkloadKind(r.kind) && r.metadata?.name === resourceName);
    const other = placed.find((r) => r.metadata?.name === resourceName && ['DaemonSet', 'ReplicaSet', 'Pod'].includes(r.kind));
    if (!workload && other) throw new ManifestError(`VDU ${vduId} is the ${other.kind} ${resourceName}: only Deployments and StatefulSets are supported as VDUs here`);
    if (!workload || !isWorkloadKind(workload.kind)) continue;
    vdus[vduId] = { kind: workload.kind, namespace, name: resourceName };
    const replicas = options.replicas?.[vduId];
    if (replicas !== undefined) workload.spec = { ...workload.spec, replicas };
  }
  return { namespace, resources: placed, vdus };
}
