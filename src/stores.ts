// The VNFM's own records as one process opens them: the inventory, the subscriptions and the
// package content, in files of DATA_DIR (the embedded default: one machine) or in PostgreSQL
// (VNFM_DATABASE_URL: a cluster of gateways and workers sharing nothing else). Both kinds behind
// the same interfaces; nothing above this module knows which one it has.
import { join } from 'node:path';
import type { Env } from './config.ts';
import { inventoryFile } from './inventory/location.ts';
import { FileInventoryStore, type InventoryStore } from './inventory/store.ts';
import { PostgresInventoryStore } from './inventory/postgres-store.ts';
import { FileSubscriptionStore, subscriptionsFile, type SubscriptionStore } from './notifications/store.ts';
import { PostgresSubscriptionStore } from './notifications/postgres-store.ts';
import { FilePackageRepository, packageRepositoryDir, type PackageRepository } from './packages/repository.ts';
import { PostgresPackageRepository } from './packages/postgres-repository.ts';
import { openDatabase } from './persistence/postgres.ts';

export interface VnfmStores {
  kind: 'files' | 'postgres';
  inventory: InventoryStore;
  subscriptions: SubscriptionStore;
  packages: PackageRepository;
  close(): Promise<void>;
}

/** With PostgreSQL, the schema is brought up to date first (src/persistence/migrations.ts). */
export async function openStores(config: Pick<Env, 'DATA_DIR' | 'VNFM_DATABASE_URL' | 'VNFM_DATABASE_POOL_SIZE'>): Promise<VnfmStores> {
  if (!config.VNFM_DATABASE_URL) {
    return {
      kind: 'files',
      inventory: new FileInventoryStore(inventoryFile(config)),
      subscriptions: new FileSubscriptionStore(subscriptionsFile(config)),
      packages: new FilePackageRepository(packageRepositoryDir(config)),
      close: () => Promise.resolve(),
    };
  }
  const db = await openDatabase(config.VNFM_DATABASE_URL, { poolSize: config.VNFM_DATABASE_POOL_SIZE });
  return {
    kind: 'postgres',
    inventory: new PostgresInventoryStore(db),
    subscriptions: new PostgresSubscriptionStore(db),
    // Each process unpacks the packages it needs into its own cache, never a folder another host wrote.
    packages: new PostgresPackageRepository(db, join(config.DATA_DIR, 'package-cache')),
    close: () => db.end(),
  };
}

/** For logs: where the records are, without credentials. */
export function describeStores(config: Pick<Env, 'DATA_DIR' | 'VNFM_DATABASE_URL'>): string {
  if (!config.VNFM_DATABASE_URL) return `files in ${config.DATA_DIR}`;
  const url = new URL(config.VNFM_DATABASE_URL);
  return `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
