// What a pod's status says, as the controllers read it: running, ready (containers ready and
// every readiness gate True), available (ready for minReadySeconds). Readiness gates are the
// hook by which something outside the kubelet (a load balancer controller, a VNFM) holds a pod
// out of service until it has done its part.
import { isJsonObject, type Json, type JsonObject, type KubeObject } from './objects.ts';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: null;
  lastTransitionTime?: string;
}

export function conditionsOf(object: KubeObject): Condition[] {
  const list = object.status?.conditions;
  return Array.isArray(list) ? list.filter(isJsonObject) as unknown as Condition[] : [];
}

export function conditionOf(object: KubeObject, type: string): Condition | undefined {
  return conditionsOf(object).find((c) => c.type === type);
}

/** Sets a condition, keeping its lastTransitionTime when its status does not change. */
export function withCondition(conditions: Condition[], next: Condition, at: string): Condition[] {
  const current = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = current && current.status === next.status ? current.lastTransitionTime : at;
  const merged: Condition = { ...next, lastTransitionTime };
  return current ? conditions.map((c) => (c.type === next.type ? merged : c)) : [...conditions, merged];
}

export function readinessGatesOf(pod: KubeObject): string[] {
  const gates = pod.spec?.readinessGates;
  return Array.isArray(gates) ? gates.flatMap((g) => (isJsonObject(g) && typeof g.conditionType === 'string' ? [g.conditionType] : [])) : [];
}

export function phaseOf(pod: KubeObject): string {
  return typeof pod.status?.phase === 'string' ? pod.status.phase : 'Pending';
}

export function isReady(pod: KubeObject): boolean {
  return conditionOf(pod, 'Ready')?.status === 'True';
}

export function isTerminating(object: KubeObject): boolean {
  return object.metadata.deletionTimestamp !== undefined;
}

/** Pods that count for a ReplicaSet: not being deleted, not finished. */
export function isActive(pod: KubeObject): boolean {
  const phase = phaseOf(pod);
  return !isTerminating(pod) && phase !== 'Succeeded' && phase !== 'Failed';
}

/** Ready, and for at least minReadySeconds (by the Ready condition's transition time). */
export function isAvailable(pod: KubeObject, minReadySeconds: number, now: number): boolean {
  const ready = conditionOf(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

export function restartCount(pod: KubeObject): number {
  const statuses = pod.status?.containerStatuses;
  if (!Array.isArray(statuses)) return 0;
  return statuses.reduce<number>((sum, s) => sum + (isJsonObject(s) && typeof s.restartCount === 'number' ? s.restartCount : 0), 0);
}

export function containersOf(spec: JsonObject | undefined): JsonObject[] {
  const containers = spec?.containers;
  return Array.isArray(containers) ? containers.filter(isJsonObject) : [];
}

export function templateOf(spec: JsonObject | undefined): JsonObject {
  return isJsonObject(spec?.template) ? spec.template : {};
}

export function numberAt(object: JsonObject | undefined, key: string, fallback = 0): number {
  const value: Json | undefined = object?.[key];
  return typeof value === 'number' ? value : fallback;
}
