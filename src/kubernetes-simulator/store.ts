// The simulator's etcd: every object by resource, namespace and name, one resourceVersion
// counter for the whole store (as etcd's revision), the recent changes as watch events, and the
// listeners (controllers, watches, the state file) told of each change.
import { canonicalJson, clone, newUid, nowIso, randomSuffix, type KubeObject } from './objects.ts';
import type { ResourceType } from './resources.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  type: WatchEventType;
  resourceVersion: number;
  /** `apps/deployments`, `/pods`: which resource the object is of. */
  resource: string;
  object: KubeObject;
}

export interface StoreSnapshot {
  resourceVersion: number;
  /** Keyed by resource, then `namespace/name`. */
  objects: Record<string, Record<string, KubeObject>>;
}

/** How many changes a watch may start behind the present before it is told to list again (410). */
const EVENTS_KEPT = 5_000;

export class StoreConflict extends Error {
  override readonly name = 'StoreConflict';
}

export class ObjectStore {
  private resourceVersion: number;
  private readonly objects: Map<string, Map<string, KubeObject>>;
  private readonly events: StoredEvent[] = [];
  private readonly listeners = new Set<(event: StoredEvent) => void>();

  constructor(snapshot: StoreSnapshot = { resourceVersion: 1, objects: {} }) {
    this.resourceVersion = snapshot.resourceVersion;
    this.objects = new Map(Object.entries(snapshot.objects).map(([resource, byName]) => [resource, new Map(Object.entries(byName))]));
  }

  static resourceKey(type: ResourceType): string {
    return `${type.group}/${type.name}`;
  }

  snapshot(): StoreSnapshot {
    const objects: StoreSnapshot['objects'] = {};
    for (const [resource, byName] of this.objects) objects[resource] = Object.fromEntries(byName);
    return { resourceVersion: this.resourceVersion, objects };
  }

  get currentResourceVersion(): number {
    return this.resourceVersion;
  }

  /** The stored object itself (callers that hand it out clone it). */
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.bucket(type).get(itemKey(namespace, name));
  }

  /** Ordered by namespace and name, as the API server lists. */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    return [...this.bucket(type).values()]
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .sort((a, b) => itemKey(a.metadata.namespace, a.metadata.name).localeCompare(itemKey(b.metadata.namespace, b.metadata.name)));
  }

  /** Stores a new object: uid, resourceVersion, creationTimestamp and generation are the store's to set. */
  create(type: ResourceType, object: KubeObject): KubeObject {
    const meta = object.metadata;
    if (!meta.name && meta.generateName) {
      do meta.name = `${meta.generateName}${randomSuffix()}`; while (this.get(type, meta.namespace, meta.name));
    }
    if (this.get(type, meta.namespace, meta.name)) throw new StoreConflict(`${type.name} ${meta.name} exists`);
    const stored = clone(object);
    stored.metadata = {
      ...stored.metadata,
      uid: newUid(),
      creationTimestamp: nowIso(),
      resourceVersion: String(this.nextVersion()),
      ...(stored.spec !== undefined ? { generation: 1 } : {}),
    };
    this.bucket(type).set(itemKey(meta.namespace, meta.name), stored);
    this.emit('ADDED', type, stored);
    return stored;
  }

  /**
   * Replaces a stored object. With `expectVersion`, only if it is still at that resourceVersion
   * (optimistic concurrency, a 409 to the client otherwise). A changed spec is a new generation.
   */
  update(type: ResourceType, object: KubeObject, expectVersion?: string): KubeObject {
    const current = this.get(type, object.metadata.namespace, object.metadata.name);
    if (!current) throw new Error(`${type.name} ${object.metadata.name} does not exist`);
    if (expectVersion !== undefined && expectVersion !== current.metadata.resourceVersion) throw new StoreConflict('stale resourceVersion');
    const stored = clone(object);
    const specChanged = canonicalJson(current.spec) !== canonicalJson(stored.spec);
    stored.metadata = {
      ...stored.metadata,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
      ...(current.metadata.generation !== undefined ? { generation: current.metadata.generation + (specChanged ? 1 : 0) } : {}),
    };
    if (canonicalJson({ ...stored, metadata: { ...stored.metadata, resourceVersion: '' } })
      === canonicalJson({ ...current, metadata: { ...current.metadata, resourceVersion: '' } })) {
      return current; // nothing changed: no new version, no event (as the API server skips no-op writes)
    }
    stored.metadata.resourceVersion = String(this.nextVersion());
    this.bucket(type).set(itemKey(stored.metadata.namespace, stored.metadata.name), stored);
    this.emit('MODIFIED', type, stored);
    return stored;
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.bucket(type);
    const key = itemKey(namespace, name);
    const current = bucket.get(key);
    if (!current) return undefined;
    bucket.delete(key);
    const gone = { ...current, metadata: { ...current.metadata, resourceVersion: String(this.nextVersion()) } };
    this.emit('DELETED', type, gone);
    return gone;
  }

  /** Changes after `resourceVersion`, oldest first; `expired` when they are no longer all kept. */
  eventsSince(resourceVersion: number): StoredEvent[] | 'expired' {
    const oldest = this.events[0];
    if (oldest && resourceVersion < oldest.resourceVersion - 1) return 'expired';
    if (!oldest && resourceVersion < this.resourceVersion) return resourceVersion === 0 ? [] : 'expired';
    return this.events.filter((e) => e.resourceVersion > resourceVersion);
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private nextVersion(): number {
    this.resourceVersion += 1;
    return this.resourceVersion;
  }

  private emit(type: WatchEventType, resource: ResourceType, object: KubeObject): void {
    const event: StoredEvent = { type, resourceVersion: Number(object.metadata.resourceVersion), resource: ObjectStore.resourceKey(resource), object };
    this.events.push(event);
    if (this.events.length > EVENTS_KEPT) this.events.splice(0, this.events.length - EVENTS_KEPT);
    for (const listener of this.listeners) listener(event);
  }

  private bucket(type: ResourceType): Map<string, KubeObject> {
    const key = ObjectStore.resourceKey(type);
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(key, bucket);
    }
    return bucket;
  }
}

function itemKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}
