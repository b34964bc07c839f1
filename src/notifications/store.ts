// The subscriptions of the VNF LCM API, written by the gateway and read by the worker's delivery
// activities: in a small JSON file of the data folder (the embedded default) or in PostgreSQL (a
// cluster, src/notifications/postgres-store.ts). The subscriber credentials live here (the file
// is mode 0600) and nowhere else: not in workflow history, never in an API response.
import { join } from 'node:path';
import { z } from 'zod';
import { JsonFile } from '../persistence/json-file.ts';
import {
  LifecycleChangeNotificationsFilter, SubscriptionAuthentication, Verbosity, type LccnSubscription,
} from './models.ts';

export function subscriptionsFile(config: { DATA_DIR: string }): string {
  return join(config.DATA_DIR, 'subscriptions.json');
}

export const SubscriptionRecord = z.object({
  id: z.string(),
  callbackUri: z.string(),
  filter: LifecycleChangeNotificationsFilter.optional(),
  verbosity: Verbosity.default('FULL'),
  authentication: SubscriptionAuthentication.optional(),
  createdAt: z.string(),
});
export type SubscriptionRecord = z.infer<typeof SubscriptionRecord>;

const SubscriptionFile = z.object({
  subscriptions: z.record(z.string(), SubscriptionRecord).default({}),
});
type SubscriptionFile = z.infer<typeof SubscriptionFile>;

/** The subscriptions as every process sees them, whatever keeps them (a file, PostgreSQL). */
export interface SubscriptionStore {
  list(): Promise<SubscriptionRecord[]>;
  get(id: string): Promise<SubscriptionRecord | undefined>;
  put(record: SubscriptionRecord): Promise<void>;
  /** True when there was one to delete. */
  delete(id: string): Promise<boolean>;
  /**
   * A subscription with the same callbackUri, filter and verbosity (SOL003 §5.4.18.3.1 lets the
   * VNFM answer 303 instead of creating a second one). Filters are compared as sets of values.
   */
  findDuplicate(candidate: DuplicateCandidate): Promise<SubscriptionRecord | undefined>;
}

export type DuplicateCandidate = Pick<SubscriptionRecord, 'callbackUri' | 'filter' | 'verbosity'>;

/** The embedded default: every subscription in one small JSON file of the data folder. */
export class FileSubscriptionStore implements SubscriptionStore {
  // Mode 0600: subscriber credentials are kept here (never returned by the API).
  private readonly document: JsonFile<typeof SubscriptionFile>;

  constructor(readonly file: string) {
    this.document = new JsonFile(file, SubscriptionFile, 0o600);
  }

  private read(): SubscriptionFile {
    return this.document.read();
  }

  private update(change: (file: SubscriptionFile) => void): void {
    this.document.update(change);
  }

  list(): Promise<SubscriptionRecord[]> {
    return Promise.resolve(Object.values(this.read().subscriptions));
  }

  /** Ids come from clients: only the file's own keys count (`constructor` or `__proto__` name nothing). */
  get(id: string): Promise<SubscriptionRecord | undefined> {
    const { subscriptions } = this.read();
    return Promise.resolve(Object.hasOwn(subscriptions, id) ? subscriptions[id] : undefined);
  }

  put(record: SubscriptionRecord): Promise<void> {
    this.update((file) => void (file.subscriptions[record.id] = record));
    return Promise.resolve();
  }

  delete(id: string): Promise<boolean> {
    let found = false;
    this.update((file) => {
      found = Object.hasOwn(file.subscriptions, id);
      if (found) delete file.subscriptions[id];
    });
    return Promise.resolve(found);
  }

  async findDuplicate(candidate: DuplicateCandidate): Promise<SubscriptionRecord | undefined> {
    return findDuplicateIn(await this.list(), candidate);
  }
}

/** The first of `records` that duplicates the candidate (same callbackUri, filter as sets, verbosity). */
export function findDuplicateIn(records: SubscriptionRecord[], candidate: DuplicateCandidate): SubscriptionRecord | undefined {
  const key = duplicateKey(candidate);
  return records.find((s) => duplicateKey(s) === key);
}

/** The resource as the API shows it: explicit fields only, so credentials cannot leak. */
export function toLccnSubscription(record: SubscriptionRecord, apiRoot: string): LccnSubscription {
  return {
    id: record.id,
    ...(record.filter ? { filter: record.filter } : {}),
    callbackUri: record.callbackUri,
    verbosity: record.verbosity,
    _links: { self: { href: `${apiRoot}/vnflcm/v2/subscriptions/${encodeURIComponent(record.id)}` } },
  };
}

function duplicateKey(s: Pick<SubscriptionRecord, 'callbackUri' | 'filter' | 'verbosity'>): string {
  return JSON.stringify([s.callbackUri, canonical(s.filter ?? {}), s.verbosity]);
}

/** Keys sorted, arrays sorted and de-duplicated (filter values are sets). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical).map((v) => JSON.stringify(v));
    return [...new Set(items)].sort();
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}
