// The inventory on disk: one JSON file per VNF package and VNF instance under
// `<DATA_DIR>/inventory/`, shared by the gateway and worker processes. Real files in a fresh
// temporary data folder per test; a second store on the same path stands for another process
// (each store has its own cache), and one test runs a real second process.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileInventoryStore, type VnfInstanceRecord, type VnfPackageRecord } from '../src/inventory/store.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import type { VnfdSummary } from '../src/vnfd/vnfd.ts';

let dataDir: string;
let path: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'inventory-store-'));
  path = join(dataDir, 'inventory.json');
});

afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function vnfd(version: string): VnfdSummary {
  return {
    vnfdId: `vnfd-${version}`, vnfProvider: 'Company', vnfProductName: 'Sample VNF', vnfSoftwareVersion: version,
    vnfdVersion: version, vdus: { VDU1: { image: `image-${version}`, flavor: 'm1.tiny' } }, coordinationActionNames: [],
  };
}

function packageRecord(id: string, version: string): VnfPackageRecord {
  return { id, vnfd: vnfd(version), onboardingState: 'ONBOARDED', operationalState: 'ENABLED' };
}

function instanceRecord(id: string, version = '1.0'): VnfInstanceRecord {
  const { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion } = vnfd(version);
  return {
    id, vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion, instantiationState: 'INSTANTIATED',
    stack: { name: `vnf-${id}`, id: `stack-${id}` },
    vnfcResourceInfo: [{ id: `server-${id}`, vduId: 'VDU1', computeResource: { resourceId: `server-${id}`, vimLevelResourceType: 'OS::Nova::Server' } }],
  };
}

function instanceFile(id: string): string {
  return join(dataDir, 'inventory', 'instances', `${id}.json`);
}

describe('records shared by processes', () => {
  it('a record written by one store is read by another store on the same path', async () => {
    await new FileInventoryStore(path).putInstance(instanceRecord('vnf-1'));
    expect(await new FileInventoryStore(path).instance('vnf-1')).toEqual(instanceRecord('vnf-1'));
  });

  it('an update by another store is seen by a store that has read the record before', async () => {
    const gateway = new FileInventoryStore(path);
    const worker = new FileInventoryStore(path);
    await gateway.putInstance(instanceRecord('vnf-1', '1.0'));
    expect((await gateway.instance('vnf-1'))?.vnfdVersion).toBe('1.0');
    // Same size and within the same timestamp tick as the write before: only the content differs.
    await worker.recordPackageChange('vnf-1', vnfd('2.0'));
    expect((await gateway.instance('vnf-1'))?.vnfdVersion).toBe('2.0');
  });

  it('an update made by a separate process is seen by this one', async () => {
    const store = new FileInventoryStore(path);
    await store.putInstance(instanceRecord('vnf-1', '1.0'));
    expect((await store.instance('vnf-1'))?.vnfdVersion).toBe('1.0');
    execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', [
      "import { FileInventoryStore } from './src/inventory/store.ts';",
      'const target = JSON.parse(process.env.TARGET_VNFD);',
      "new FileInventoryStore(process.env.INVENTORY).recordPackageChange('vnf-1', target);",
    ].join('\n')], { cwd: PROJECT_ROOT, env: { ...process.env, INVENTORY: path, TARGET_VNFD: JSON.stringify(vnfd('2.0')) } });
    expect((await store.instance('vnf-1'))?.vnfdVersion).toBe('2.0');
  });

  it('a record another store deletes leaves the lists', async () => {
    const gateway = new FileInventoryStore(path);
    const other = new FileInventoryStore(path);
    await gateway.putInstance(instanceRecord('vnf-1'));
    await gateway.putInstance(instanceRecord('vnf-2'));
    expect((await other.instances()).map((i) => i.id)).toEqual(['vnf-1', 'vnf-2']);
    await gateway.deleteInstance('vnf-1');
    expect((await other.instances()).map((i) => i.id)).toEqual(['vnf-2']);
  });
});

describe('one file per record', () => {
  it('recording a package change rewrites only that instance\'s file', async () => {
    const store = new FileInventoryStore(path);
    for (const id of ['vnf-1', 'vnf-2', 'vnf-3']) await store.putInstance(instanceRecord(id));
    const before = ['vnf-1', 'vnf-3'].map((id) => statSync(instanceFile(id), { bigint: true }));
    await store.recordPackageChange('vnf-2', vnfd('2.0'));
    const after = ['vnf-1', 'vnf-3'].map((id) => statSync(instanceFile(id), { bigint: true }));
    expect(after.map((s) => [s.ino, s.mtimeNs])).toEqual(before.map((s) => [s.ino, s.mtimeNs]));
    expect(JSON.parse(readFileSync(instanceFile('vnf-2'), 'utf8'))).toMatchObject({ vnfdVersion: '2.0' });
  });

  it('packages and instances live in their own folders, named by id', async () => {
    const store = new FileInventoryStore(path);
    await store.putPackage(packageRecord('pkg-1', '1.0'));
    await store.putInstance(instanceRecord('vnf-1'));
    expect(readdirSync(join(dataDir, 'inventory', 'packages'))).toEqual(['pkg-1.json']);
    expect(readdirSync(join(dataDir, 'inventory', 'instances'))).toEqual(['vnf-1.json']);
  });

  it('a temporary file left by a crash during a write is not listed', async () => {
    const store = new FileInventoryStore(path);
    await store.putInstance(instanceRecord('vnf-1'));
    writeFileSync(join(dataDir, 'inventory', 'instances', '.vnf-2.json.0a1b.tmp'), '{"id":');
    expect((await store.instances()).map((i) => i.id)).toEqual(['vnf-1']);
  });

  it('changing a returned record does not change the stored one', async () => {
    const store = new FileInventoryStore(path);
    await store.putInstance(instanceRecord('vnf-1'));
    const read = await store.instance('vnf-1');
    if (!read) throw new Error('no record');
    read.vnfdId = 'changed in memory';
    read.vnfcResourceInfo.length = 0;
    expect(await store.instance('vnf-1')).toEqual(instanceRecord('vnf-1'));
  });
});

describe('ids', () => {
  it.each(['../escape', 'a/b', 'a\\b', '.hidden', '..', ''])('an id like %j is refused on write, and nothing is written', (id) => {
    const store = new FileInventoryStore(path);
    expect(() => store.putInstance(instanceRecord(id))).toThrow(/refusing record id/);
    expect(readdirSync(dataDir, { recursive: true })).toEqual([]);
  });

  it('an id that cannot name a record file finds no record', async () => {
    writeFileSync(join(dataDir, 'outside.json'), JSON.stringify(instanceRecord('outside')));
    expect(await new FileInventoryStore(path).instance('../../outside')).toBeUndefined();
  });
});

describe('malformed record files', () => {
  it('a record file that is not JSON gives an error naming the file', () => {
    const store = new FileInventoryStore(path);
    mkdirSync(join(dataDir, 'inventory', 'instances'), { recursive: true });
    writeFileSync(instanceFile('vnf-1'), '{"id": "vnf-1",');
    expect(() => store.instance('vnf-1')).toThrow(`${instanceFile('vnf-1')} is not valid JSON`);
  });

  it('a record file that does not match the schema gives an error naming the file and the field', () => {
    const store = new FileInventoryStore(path);
    mkdirSync(join(dataDir, 'inventory', 'instances'), { recursive: true });
    const record: Partial<VnfInstanceRecord> = instanceRecord('vnf-1');
    delete record.vnfdId;
    writeFileSync(instanceFile('vnf-1'), JSON.stringify(record));
    expect(() => store.instances()).toThrow(`${instanceFile('vnf-1')} does not hold a valid document: vnfdId`);
  });

  it('a record file holding another id gives an error naming the file', () => {
    const store = new FileInventoryStore(path);
    mkdirSync(join(dataDir, 'inventory', 'instances'), { recursive: true });
    writeFileSync(instanceFile('vnf-1'), JSON.stringify(instanceRecord('vnf-2')));
    expect(() => store.instance('vnf-1')).toThrow(`${instanceFile('vnf-1')} holds the record "vnf-2", not "vnf-1"`);
  });
});

describe('migration from the single inventory.json of earlier versions', () => {
  function writeSingleDocument(): void {
    writeFileSync(path, JSON.stringify({
      packages: { 'pkg-1': packageRecord('pkg-1', '1.0'), 'pkg-2': packageRecord('pkg-2', '2.0') },
      instances: { 'vnf-1': instanceRecord('vnf-1'), 'vnf-2': instanceRecord('vnf-2', '2.0') },
    }, null, 2));
  }

  it('the first store opened keeps every package and instance of the document', async () => {
    writeSingleDocument();
    const store = new FileInventoryStore(path);
    expect(await store.packageInfos()).toEqual([packageRecord('pkg-1', '1.0'), packageRecord('pkg-2', '2.0')]);
    expect(await store.instances()).toEqual([instanceRecord('vnf-1'), instanceRecord('vnf-2', '2.0')]);
  });

  it('the document is kept as inventory.json.migrated and no longer read', () => {
    writeSingleDocument();
    new FileInventoryStore(path);
    expect(existsSync(path)).toBe(false);
    expect(JSON.parse(readFileSync(`${path}.migrated`, 'utf8'))).toMatchObject({ instances: { 'vnf-1': { id: 'vnf-1' } } });
  });

  it('a document found again after the migration does not undo later updates', async () => {
    writeSingleDocument();
    await new FileInventoryStore(path).recordPackageChange('vnf-1', vnfd('2.0'));
    writeSingleDocument();
    expect((await new FileInventoryStore(path).instance('vnf-1'))?.vnfdVersion).toBe('2.0');
  });
});
