// The resources the simulator serves, and the discovery documents that describe them
// (`/api`, `/apis`, `/api/v1`, `/apis/apps/v1`), which clients read before anything else:
// kubectl to map `deployment` to its path, @kubernetes/client-node's generic object API to find
// a kind's plural.
export interface ResourceType {
  group: '' | 'apps';
  version: 'v1';
  /** Plural, as in the path. */
  name: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  /** Served subresources (`status`). */
  subresources: string[];
  /** Listed by `kubectl get all`. */
  inAll: boolean;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCE_TYPES: readonly ResourceType[] = [
  { group: '', version: 'v1', name: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], subresources: [], inAll: false },
  { group: '', version: 'v1', name: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], subresources: ['status'], inAll: true },
  { group: '', version: 'v1', name: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], subresources: [], inAll: true },
  { group: '', version: 'v1', name: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'], subresources: [], inAll: false },
  { group: 'apps', version: 'v1', name: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], subresources: ['status'], inAll: true },
  { group: 'apps', version: 'v1', name: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], subresources: ['status'], inAll: true },
  { group: 'apps', version: 'v1', name: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], subresources: ['status'], inAll: true },
  { group: 'apps', version: 'v1', name: 'controllerrevisions', singular: 'controllerrevision', kind: 'ControllerRevision', namespaced: true, shortNames: [], subresources: [], inAll: false },
];

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** `deployments.apps`, as the API server names a resource in its messages. */
export function qualifiedName(type: ResourceType): string {
  return type.group ? `${type.name}.${type.group}` : type.name;
}

export function resourceByPath(group: string, version: string, name: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.name === name);
}

export function resourceByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}

export function coreVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList() {
  const apps = { groupVersion: 'apps/v1', version: 'v1' };
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [apps], preferredVersion: apps }] };
}

export function apiResourceList(group: '' | 'apps', version: string) {
  const resources = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version).flatMap((t) => [
    {
      name: t.name, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: VERBS,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.inAll ? { categories: ['all'] } : {}),
    },
    ...t.subresources.map((sub) => ({ name: `${t.name}/${sub}`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] })),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

export const SERVER_VERSION = {
  major: '1', minor: '20', gitVersion: 'v1.20.2-durable-vnfm-simulator', gitCommit: 'simulator', gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.15', compiler: 'gc', platform: 'linux/amd64',
};
