// The PostgreSQL stores of a cluster, against a real PostgreSQL of this machine (no Temporal):
// the versioned migrations, records shared between processes (two pools stand for two hosts),
// records as JSON documents that keep a field this code does not know, and package content
// unpacked per process into a cache only after its hash is checked.
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresServer, type DatabaseRole } from '../../src/cluster/postgres.ts';
import { clusterTools } from '../../src/cluster/tools.ts';
import { SAMPLES_DIR } from '../../src/inventory/sample.ts';
import { PostgresInventoryStore } from '../../src/inventory/postgres-store.ts';
import type { VnfInstanceRecord } from '../../src/inventory/store.ts';
import { PostgresSubscriptionStore } from '../../src/notifications/postgres-store.ts';
import { buildCsar, readCsar } from '../../src/packages/csar.ts';
import { PackageIntegrityError, PostgresPackageRepository } from '../../src/packages/postgres-repository.ts';
import { PackageFileError } from '../../src/packages/repository.ts';
import { migrate, MigrationError, MIGRATIONS, type Migration } from '../../src/persistence/migrations.ts';
import { isDatabaseUnavailable, openDatabase, type Database } from '../../src/persistence/postgres.ts';
import { childProcessPort } from '../support/ports.ts';

let dir: string;
let server: PostgresServer;
const role: DatabaseRole = { user: 'vnfm', password: randomBytes(12).toString('hex'), databases: ['vnfm', 'scratch'] };
const pools: Database[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vnfm-postgres-'));
  chmodSync(dir, 0o755);
  for (let attempt = 1; ; attempt += 1) {
    server = new PostgresServer({ dataDir: join(dir, 'data'), port: childProcessPort(), binDir: clusterTools().postgresBin, log: () => undefined });
    server.initialize();
    try {
      await server.start();
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
  await server.ensureRoles([role]);
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A process's pool on the VNFM's database, migrated as a process opens it. */
async function host(): Promise<Database> {
  const pool = await openDatabase(server.url(role, 'vnfm'), { poolSize: 4, log: () => undefined });
  pools.push(pool);
  return pool;
}

function instanceRecord(id: string): VnfInstanceRecord {
  return {
    id, vnfdId: 'vnfd-1', vnfProvider: 'Company', vnfProductName: 'Sample', vnfSoftwareVersion: '1.0', vnfdVersion: '1.0',
    instantiationState: 'NOT_INSTANTIATED', vnfcResourceInfo: [],
  };
}

describe('migrations', () => {
  it('bring an empty database to the newest version, then apply nothing on the next start', async () => {
    const pool = await openDatabase(server.url(role, 'scratch'), { log: () => undefined });
    pools.push(pool);
    expect(await migrate(pool)).toEqual([]);
    const versions = await pool.query<{ version: number }>('SELECT version FROM vnfm_schema_migrations ORDER BY version');
    expect(versions.rows.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('run each version once when processes start together', async () => {
    const pool = await host();
    const extra: Migration[] = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'test table', sql: 'CREATE TABLE migration_race (id int)' }];
    const applied = await Promise.all([migrate(pool, extra), migrate(pool, extra), migrate(pool, extra)]);
    expect(applied.flat()).toEqual([MIGRATIONS.length + 1]);
  });

  it('refuse an applied migration whose SQL has changed', async () => {
    const pool = await host();
    const changed = MIGRATIONS.map((m, index) => (index === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
    await expect(migrate(pool, changed)).rejects.toThrow(MigrationError);
  });

  it('refuse versions that do not run 1, 2, 3…', async () => {
    const pool = await host();
    await expect(migrate(pool, [{ version: 2, name: 'gap', sql: 'SELECT 1' }])).rejects.toThrow(/must run 1, 2, 3/);
  });
});

describe('inventory', () => {
  it('a record one host writes is read by another', async () => {
    const [a, b] = [new PostgresInventoryStore(await host()), new PostgresInventoryStore(await host())];
    await a.putInstance(instanceRecord('shared-1'));
    expect(await b.instance('shared-1')).toEqual(instanceRecord('shared-1'));
    expect(await b.instanceIdsOfVnfd('vnfd-1')).toContain('shared-1');
  });

  it('a change recorded by a worker keeps a field this code does not know (no migration for a new field)', async () => {
    const pool = await host();
    const store = new PostgresInventoryStore(pool);
    await pool.query('INSERT INTO vnf_instances (id, record) VALUES ($1, $2)', ['newer-1', JSON.stringify({ ...instanceRecord('newer-1'), description: 'from a newer gateway' })]);
    await store.recordInstantiation('newer-1', { name: 'stack', id: 'stack-id' }, []);
    await store.recordTermination('newer-1');
    const row = await pool.query<{ record: Record<string, unknown> }>('SELECT record FROM vnf_instances WHERE id = $1', ['newer-1']);
    expect(row.rows[0]?.record).toMatchObject({ description: 'from a newer gateway', instantiationState: 'NOT_INSTANTIATED' });
    expect(row.rows[0]?.record).not.toHaveProperty('stack');
  });

  it('concurrent changes of one instance are applied one after the other, none lost', async () => {
    const pool = await host();
    const store = new PostgresInventoryStore(pool);
    await store.putInstance(instanceRecord('busy-1'));
    const vnfd = (version: string) => ({
      vnfdId: `vnfd-${version}`, vnfProvider: 'Company', vnfProductName: 'Sample', vnfSoftwareVersion: version, vnfdVersion: version,
      vdus: {}, coordinationActionNames: [],
    });
    await Promise.all([
      store.recordInstantiation('busy-1', { name: 'stack', id: 'stack-id' }, []),
      new PostgresInventoryStore(await host()).recordPackageChange('busy-1', vnfd('2.0')),
    ]);
    expect(await store.instance('busy-1')).toMatchObject({ instantiationState: 'INSTANTIATED', vnfdId: 'vnfd-2.0', stack: { id: 'stack-id' } });
  });
});

describe('subscriptions', () => {
  it('a duplicate is found by another host, filters compared as sets', async () => {
    const a = new PostgresSubscriptionStore(await host());
    const b = new PostgresSubscriptionStore(await host());
    await a.put({
      id: 'sub-1', callbackUri: 'http://127.0.0.1:9/notify', verbosity: 'FULL', createdAt: new Date().toISOString(),
      filter: { notificationTypes: ['VnfLcmOperationOccurrenceNotification', 'VnfIdentifierCreationNotification'] },
    });
    const duplicate = await b.findDuplicate({
      callbackUri: 'http://127.0.0.1:9/notify', verbosity: 'FULL',
      filter: { notificationTypes: ['VnfIdentifierCreationNotification', 'VnfLcmOperationOccurrenceNotification'] },
    });
    expect(duplicate?.id).toBe('sub-1');
    expect(await b.delete('sub-1')).toBe(true);
    expect(await a.get('sub-1')).toBeUndefined();
  });
});

describe('package content', () => {
  const archive = buildCsar(join(SAMPLES_DIR, 'sample-vnf-v1'));

  it('another host fetches the package into its own cache and finds the script there', async () => {
    const gatewayCache = mkdtempSync(join(tmpdir(), 'cache-gateway-'));
    const workerCache = mkdtempSync(join(tmpdir(), 'cache-worker-'));
    await new PostgresPackageRepository(await host(), gatewayCache).store('pkg-1', readCsar(archive).files, archive);
    const worker = new PostgresPackageRepository(await host(), workerCache);
    const located = await worker.locateScript('pkg-1', './Scripts/coordinate_vnf.py');
    expect(located.scriptPath.startsWith(workerCache)).toBe(true);
    expect(readdirSync(workerCache)).toHaveLength(1);
  });

  it('an archive that no longer hashes to its recorded SHA-256 is refused and nothing of it is cached', async () => {
    const pool = await host();
    const cache = mkdtempSync(join(tmpdir(), 'cache-tampered-'));
    await new PostgresPackageRepository(pool, mkdtempSync(join(tmpdir(), 'cache-writer-'))).store('pkg-2', readCsar(archive).files, archive);
    const tampered = Buffer.from(archive);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 30) ^ 0xff, tampered.length - 30);
    await pool.query('UPDATE vnf_package_contents SET archive = $1 WHERE package_id = $2', [tampered, 'pkg-2']);
    await expect(new PostgresPackageRepository(pool, cache).locateScript('pkg-2', './Scripts/coordinate_vnf.py')).rejects.toThrow(PackageIntegrityError);
    expect(readdirSync(cache).filter((name) => !name.startsWith('.'))).toEqual([]);
  });

  it('an id that is no stored package, or cannot name one, is refused as not stored here', async () => {
    const repository = new PostgresPackageRepository(await host(), mkdtempSync(join(tmpdir(), 'cache-unknown-')));
    await expect(repository.locateScript('no-such-package', './Scripts/coordinate_vnf.py')).rejects.toThrow(PackageFileError);
    await expect(repository.locateScript('../escape', './Scripts/coordinate_vnf.py')).rejects.toThrow(PackageFileError);
  });
});

describe('PostgreSQL away', () => {
  it('a query while it is stopped fails as unavailable (the gateway\'s 503), and the pool works again once it is back', async () => {
    const store = new PostgresInventoryStore(await host());
    await store.putInstance(instanceRecord('outage-1'));
    await server.stop();
    let failure: unknown;
    try {
      await store.instance('outage-1');
    } catch (err) {
      failure = err;
    } finally {
      await server.start();
    }
    expect(isDatabaseUnavailable(failure)).toBe(true);
    expect(await store.instance('outage-1')).toEqual(instanceRecord('outage-1'));
  });
});
