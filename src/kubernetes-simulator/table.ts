// Server-side printing: the `meta.k8s.io/v1` Table that `kubectl get` asks for (Accept:
// application/json;as=Table;…) and prints as it comes, columns and cells computed here, as
// the API server's printers do (READY 2/3, STATUS ImagePullBackOff, AGE 5m3s …).
import { isJsonObject, scalarText, type Json, type KubeObject } from './objects.ts';
import { conditionsOf, containersOf, isTerminating, numberAt, phaseOf, readinessGatesOf, templateOf } from './pods.ts';
import type { ResourceType } from './resources.ts';

interface Column {
  name: string;
  type: 'string' | 'integer';
  format?: 'name';
  description: string;
  priority: number;
  cell(object: KubeObject, now: number): string | number;
}

const name: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, cell: (o) => o.metadata.name };
const age: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0, cell: (o, now) => humanDuration(now - Date.parse(o.metadata.creationTimestamp)) };

const COLUMNS: Record<string, Column[]> = {
  Pod: [
    name,
    { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.', priority: 0, cell: (o) => `${readyContainers(o)}/${containersOf(o.spec).length}` },
    { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', priority: 0, cell: podStatus },
    { name: 'Restarts', type: 'integer', description: 'The number of times the containers in this pod have been restarted.', priority: 0, cell: () => 0 },
    age,
    { name: 'IP', type: 'string', description: 'IP address allocated to the pod.', priority: 1, cell: (o) => text(o.status?.podIP) || '<none>' },
    { name: 'Node', type: 'string', description: 'Name of the Node this pod is assigned to.', priority: 1, cell: () => 'simulator-node-1' },
    { name: 'Nominated Node', type: 'string', description: 'Name of the node nominated for the pod.', priority: 1, cell: () => '<none>' },
    { name: 'Readiness Gates', type: 'string', description: 'The readiness gates of this pod.', priority: 1, cell: readinessGates },
  ],
  Deployment: [
    name,
    { name: 'Ready', type: 'string', description: 'Number of the pod with ready state', priority: 0, cell: (o) => `${numberAt(o.status, 'readyReplicas')}/${numberAt(o.spec, 'replicas', 1)}` },
    { name: 'Up-to-date', type: 'integer', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', priority: 0, cell: (o) => numberAt(o.status, 'updatedReplicas') },
    { name: 'Available', type: 'integer', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', priority: 0, cell: (o) => numberAt(o.status, 'availableReplicas') },
    age,
    ...workloadWideColumns(),
  ],
  StatefulSet: [
    name,
    { name: 'Ready', type: 'string', description: 'Number of the pod with ready state', priority: 0, cell: (o) => `${numberAt(o.status, 'readyReplicas')}/${numberAt(o.spec, 'replicas', 1)}` },
    age,
    { name: 'Containers', type: 'string', description: 'Names of each container in the template.', priority: 1, cell: (o) => templateContainers(o).map((c) => text(c.name)).join(',') },
    { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.', priority: 1, cell: (o) => templateContainers(o).map((c) => text(c.image)).join(',') },
  ],
  ControllerRevision: [
    name,
    { name: 'Controller', type: 'string', description: 'Controller of the object', priority: 0, cell: (o) => { const c = o.metadata.ownerReferences?.find((r) => r.controller); return c ? `${c.kind.toLowerCase()}.apps/${c.name}` : '<none>'; } },
    { name: 'Revision', type: 'integer', description: 'Revision of the ControllerRevision', priority: 0, cell: (o) => (typeof o.revision === 'number' ? o.revision : 0) },
    age,
  ],
  ReplicaSet: [
    name,
    { name: 'Desired', type: 'integer', description: 'Number of desired pods.', priority: 0, cell: (o) => numberAt(o.spec, 'replicas', 1) },
    { name: 'Current', type: 'integer', description: 'Number of actual replicas.', priority: 0, cell: (o) => numberAt(o.status, 'replicas') },
    { name: 'Ready', type: 'integer', description: 'The number of ready replicas for this replica set.', priority: 0, cell: (o) => numberAt(o.status, 'readyReplicas') },
    age,
    ...workloadWideColumns(),
  ],
  Namespace: [
    name,
    { name: 'Status', type: 'string', description: 'The status of the namespace', priority: 0, cell: (o) => text(o.status?.phase) || 'Active' },
    age,
  ],
  Service: [
    name,
    { name: 'Type', type: 'string', description: 'The type of the service.', priority: 0, cell: (o) => text(o.spec?.type) || 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', description: 'The cluster IP of the service.', priority: 0, cell: (o) => text(o.spec?.clusterIP) || '<none>' },
    { name: 'External-IP', type: 'string', description: 'The external IP of the service.', priority: 0, cell: () => '<none>' },
    { name: 'Port(s)', type: 'string', description: 'The ports of the service.', priority: 0, cell: servicePorts },
    age,
  ],
  ConfigMap: [
    name,
    { name: 'Data', type: 'integer', description: 'Number of data entries.', priority: 0, cell: (o) => (isJsonObject(o.data) ? Object.keys(o.data).length : 0) },
    age,
  ],
};

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

export function toTable(type: ResourceType, objects: KubeObject[], resourceVersion: number, includeObject: string | undefined, now = Date.now()) {
  const columns = COLUMNS[type.kind] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(resourceVersion) },
    columnDefinitions: columns.map(({ name: columnName, type, format, description, priority }) => ({ name: columnName, type, format: format ?? '', description, priority })),
    rows: objects.map((object) => ({
      cells: columns.map((c) => c.cell(object, now)),
      ...(includeObject === 'None' ? {} : {
        object: includeObject === 'Object'
          ? object
          : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata },
      }),
    })),
  };
}

function workloadWideColumns(): Column[] {
  return [
    { name: 'Containers', type: 'string', description: 'Names of each container in the template.', priority: 1, cell: (o) => templateContainers(o).map((c) => text(c.name)).join(',') },
    { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.', priority: 1, cell: (o) => templateContainers(o).map((c) => text(c.image)).join(',') },
    { name: 'Selector', type: 'string', description: 'Label selector for pods.', priority: 1, cell: (o) => selectorText(o.spec?.selector) },
  ];
}

function templateContainers(workload: KubeObject) {
  const spec = templateOf(workload.spec).spec;
  return containersOf(isJsonObject(spec) ? spec : undefined);
}

function readyContainers(pod: KubeObject): number {
  const statuses = pod.status?.containerStatuses;
  return Array.isArray(statuses) ? statuses.filter((s) => isJsonObject(s) && s.ready === true).length : 0;
}

function podStatus(pod: KubeObject): string {
  if (isTerminating(pod)) return 'Terminating';
  const statuses = pod.status?.containerStatuses;
  if (Array.isArray(statuses)) {
    for (const s of statuses) {
      const waiting = isJsonObject(s) && isJsonObject(s.state) && isJsonObject(s.state.waiting) ? s.state.waiting : undefined;
      if (waiting && typeof waiting.reason === 'string') return waiting.reason;
    }
  }
  return phaseOf(pod);
}

function readinessGates(pod: KubeObject): string {
  const gates = readinessGatesOf(pod);
  if (gates.length === 0) return '<none>';
  const conditions = conditionsOf(pod);
  return `${gates.filter((g) => conditions.find((c) => c.type === g)?.status === 'True').length}/${gates.length}`;
}

function servicePorts(service: KubeObject): string {
  const ports = service.spec?.ports;
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  return ports.map((p) => (isJsonObject(p) ? `${text(p.port)}/${text(p.protocol) || 'TCP'}` : '')).join(',');
}

function selectorText(selector: Json | undefined): string {
  const labels = isJsonObject(selector) && isJsonObject(selector.matchLabels) ? selector.matchLabels : {};
  return Object.entries(labels).map(([k, v]) => `${k}=${text(v)}`).join(',') || '<none>';
}

function text(value: Json | undefined): string {
  return scalarText(value);
}

/** kubectl's HumanDuration: 45s, 2m3s, 10m, 3h20m, 2d4h … */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  return `${Math.floor(hours / 24)}d`;
}
