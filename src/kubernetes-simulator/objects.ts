// Kubernetes objects as the simulator keeps them: plain JSON documents with the metadata every
// kind shares. Kinds are told apart by their resource (resources.ts); what a kind means lives
// in its controller. No Kubernetes library: the point is to be a second, independent reading of
// the API that @kubernetes/client-node and kubectl speak.
import { randomUUID } from 'node:crypto';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  generateName?: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: JsonObject;
  status?: JsonObject;
  [field: string]: unknown;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy through JSON: what a client sends or receives never aliases the store. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function newUid(): string {
  return randomUUID();
}

/** Kubernetes' alphabet for generated name suffixes and template hashes (no vowels, no look-alikes). */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** `n` random characters of that alphabet, as a generateName suffix. */
export function randomSuffix(n = 5): string {
  let out = '';
  for (let i = 0; i < n; i++) out += SAFE_ALPHANUMS[Math.floor(Math.random() * SAFE_ALPHANUMS.length)];
  return out;
}

/** Kubernetes' SafeEncodeString: each byte of the text mapped into the safe alphabet. */
export function safeEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += SAFE_ALPHANUMS[text.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

/** FNV-1a, 32 bits: the hash Kubernetes takes of a pod template. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** JSON with object keys sorted, so equal documents hash and compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isJsonObject(value)) {
    return `{${Object.keys(value).sort().filter((k) => value[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A scalar as text ('' for an object, a list or nothing): what a field read from a client's JSON prints as. */
export function scalarText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

export function isController(ref: OwnerReference, uid: string): boolean {
  return ref.uid === uid && ref.controller === true;
}

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

export function nowIso(now = Date.now()): string {
  // Kubernetes writes RFC 3339 with second precision.
  return new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A number or a percentage of `total` (maxSurge rounds up, maxUnavailable down, as Kubernetes does). */
export function intOrPercent(value: Json | undefined, total: number, roundUp: boolean, fallback: string): number {
  const given = value ?? fallback;
  if (typeof given === 'number') return given;
  const match = /^(\d+)%$/.exec(scalarText(given));
  if (!match) return Number(scalarText(given)) || 0;
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
