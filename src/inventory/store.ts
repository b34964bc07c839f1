// The VNF packages and VNF instances the gateway serves, one small JSON file per record in the
// data folder (`<DATA_DIR>/inventory/packages/<id>.json`, `.../instances/<id>.json`), shared by
// the gateway and worker processes. Reading or updating a record touches only its own file, so
// the cost of an operation does not grow with the inventory, and a process updating one record
// cannot undo another process's update of another record. Each file is replaced atomically.
// Operation state is NOT kept here: it lives in the workflows.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ProblemDetails } from '../http/problem.ts';
import { JsonFile } from '../persistence/json-file.ts';
import { JsonRecordFolder } from '../persistence/record-folder.ts';
import { KubernetesDeploymentInfo } from '../lcm/kubernetes-input.ts';
import { Checksum, KeyValuePairs, VnfPackageSoftwareImageInfo } from '../sol005/models.ts';
import { VnfdSummary } from '../vnfd/vnfd.ts';

/** A VNF package with its VNFD: what LCM operations use (an onboarded package). */
export const VnfPackageRecord = z.object({
  id: z.string(),
  vnfd: VnfdSummary,
  onboardingState: z.enum(['CREATED', 'UPLOADING', 'PROCESSING', 'ONBOARDED', 'ERROR']),
  operationalState: z.enum(['ENABLED', 'DISABLED']),
  /** Folder of the unpacked package (scripts are looked up here). */
  contentDir: z.string().optional(),
  // SOL005 VnfPkgInfo attributes kept by the package management API (usageState is computed).
  userDefinedData: KeyValuePairs.optional(),
  /** Of the uploaded ZIP archive. */
  checksum: Checksum.optional(),
  softwareImages: z.array(VnfPackageSoftwareImageInfo).optional(),
  /** Why the last upload failed; present only while the package is back in CREATED. */
  onboardingFailureDetails: ProblemDetails.optional(),
});
export type VnfPackageRecord = z.infer<typeof VnfPackageRecord>;

/** Any VNF package resource (SOL005 VnfPkgInfo): before onboarding it has no VNFD yet. */
export const VnfPkgInfoRecord = VnfPackageRecord.extend({ vnfd: VnfdSummary.optional() });
export type VnfPkgInfoRecord = z.infer<typeof VnfPkgInfoRecord>;

export const VnfcResourceInfo = z.object({
  id: z.string(),
  vduId: z.string(),
  computeResource: z.object({ resourceId: z.string(), vimLevelResourceType: z.string() }),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type VnfcResourceInfo = z.infer<typeof VnfcResourceInfo>;

export const VnfInstanceRecord = z.object({
  id: z.string(),
  vnfInstanceName: z.string().optional(),
  vnfdId: z.string(),
  vnfProvider: z.string(),
  vnfProductName: z.string(),
  vnfSoftwareVersion: z.string(),
  vnfdVersion: z.string(),
  instantiationState: z.enum(['NOT_INSTANTIATED', 'INSTANTIATED']),
  stack: z.object({ name: z.string(), id: z.string() }).optional(),
  /** On a Kubernetes VIM: the VIM, the namespace, the objects and the Deployment of each VDU. */
  kubernetes: KubernetesDeploymentInfo.optional(),
  vnfcResourceInfo: z.array(VnfcResourceInfo).default([]),
});
export type VnfInstanceRecord = z.infer<typeof VnfInstanceRecord>;

/** The whole inventory as one document: how versions before the record folder kept it. */
const SingleDocument = z.object({
  packages: z.record(z.string(), VnfPkgInfoRecord).default({}),
  instances: z.record(z.string(), VnfInstanceRecord).default({}),
});

export class InventoryStore {
  /** The folder of the records: `file` without its `.json`, i.e. `<DATA_DIR>/inventory/`. */
  readonly dir: string;
  private readonly packageRecords: JsonRecordFolder<VnfPkgInfoRecord>;
  private readonly instanceRecords: JsonRecordFolder<VnfInstanceRecord>;

  /**
   * `file` is the inventory's path as inventoryFile gives it (`<DATA_DIR>/inventory.json`), where
   * earlier versions kept the whole inventory; a store opened on the same path in any process
   * sees the same records. Such a single document is migrated into the folder on first open.
   */
  constructor(readonly file: string) {
    this.dir = recordsDir(file);
    migrateSingleDocument(file, this.dir);
    const folders = recordFolders(this.dir);
    this.packageRecords = folders.packages;
    this.instanceRecords = folders.instances;
  }

  /** Packages with a VNFD (onboarded); packageInfos() lists every package resource. */
  packages(): VnfPackageRecord[] {
    return this.packageInfos().filter((p): p is VnfPackageRecord => p.vnfd !== undefined);
  }

  /** Ordered by id. */
  packageInfos(): VnfPkgInfoRecord[] {
    return this.packageRecords.list();
  }

  packageInfo(id: string): VnfPkgInfoRecord | undefined {
    return this.packageRecords.get(id);
  }

  packageByVnfdId(vnfdId: string): VnfPackageRecord | undefined {
    return this.packages().find((p) => p.vnfd.vnfdId === vnfdId);
  }

  instance(id: string): VnfInstanceRecord | undefined {
    return this.instanceRecords.get(id);
  }

  /** Ordered by id. */
  instances(): VnfInstanceRecord[] {
    return this.instanceRecords.list();
  }

  putPackage(record: VnfPkgInfoRecord): void {
    this.packageRecords.put(record);
  }

  deletePackage(id: string): void {
    this.packageRecords.delete(id);
  }

  putInstance(record: VnfInstanceRecord): void {
    this.instanceRecords.put(record);
  }

  recordInstantiation(instanceId: string, stack: { name: string; id: string }, vnfcResourceInfo: VnfcResourceInfo[]): void {
    this.changeInstance(instanceId, (instance) => {
      Object.assign(instance, { instantiationState: 'INSTANTIATED', stack, vnfcResourceInfo });
    });
  }

  recordKubernetesInstantiation(instanceId: string, kubernetes: KubernetesDeploymentInfo, vnfcResourceInfo: VnfcResourceInfo[]): void {
    this.changeInstance(instanceId, (instance) => {
      Object.assign(instance, { instantiationState: 'INSTANTIATED', kubernetes, vnfcResourceInfo });
    });
  }

  /** The VNFCs as they are now (a Kubernetes change replaces pods one by one). */
  recordVnfcResourceInfo(instanceId: string, vnfcResourceInfo: VnfcResourceInfo[]): void {
    this.changeInstance(instanceId, (instance) => {
      instance.vnfcResourceInfo = vnfcResourceInfo;
    });
  }

  recordTermination(instanceId: string): void {
    this.changeInstance(instanceId, (instance) => {
      instance.instantiationState = 'NOT_INSTANTIATED';
      instance.stack = undefined;
      instance.kubernetes = undefined;
      instance.vnfcResourceInfo = [];
    });
  }

  deleteInstance(instanceId: string): void {
    this.instanceRecords.delete(instanceId);
  }

  /** After a completed change_vnfpkg: the instance now runs the destination package. */
  recordPackageChange(instanceId: string, vnfd: VnfdSummary): void {
    this.changeInstance(instanceId, (instance) => {
      Object.assign(instance, {
        vnfdId: vnfd.vnfdId, vnfProvider: vnfd.vnfProvider, vnfProductName: vnfd.vnfProductName,
        vnfSoftwareVersion: vnfd.vnfSoftwareVersion, vnfdVersion: vnfd.vnfdVersion,
      });
    });
  }

  /** After a completed change_vnfpkg on Kubernetes: the destination's manifests and objects are the instance's now. */
  recordKubernetesPackageChange(instanceId: string, vnfd: VnfdSummary, deployment: Pick<KubernetesDeploymentInfo, 'defFiles' | 'resources' | 'vdus'>): void {
    this.recordPackageChange(instanceId, vnfd);
    this.changeInstance(instanceId, (instance) => {
      if (instance.kubernetes) instance.kubernetes = { ...instance.kubernetes, ...deployment };
    });
  }

  /**
   * Read, change and write back one instance's record, with no lock: an instance record has one
   * writer at a time (the gateway creates and deletes it, the workflow of the one operation
   * running on the instance records its outcome), and other records are not touched.
   */
  private changeInstance(instanceId: string, change: (instance: VnfInstanceRecord) => void): void {
    const instance = this.instanceRecords.get(instanceId);
    if (!instance) throw new Error(`no VNF instance ${instanceId}`);
    change(instance);
    this.instanceRecords.put(instance);
  }
}

function recordsDir(file: string): string {
  if (!file.endsWith('.json')) throw new Error(`inventory path ${file} does not end in .json`);
  return file.slice(0, -'.json'.length);
}

function recordFolders(dir: string) {
  return {
    packages: new JsonRecordFolder(join(dir, 'packages'), VnfPkgInfoRecord),
    instances: new JsonRecordFolder(join(dir, 'instances'), VnfInstanceRecord),
  };
}

/**
 * A data folder from an earlier `npm start` holds the single document at `file`: what the
 * operator onboarded and instantiated, still running on the VIM, so it is carried over rather
 * than started afresh. Its records are written to a staging folder that is renamed to `dir` in
 * one step: gateway and worker starting together cannot both migrate (the loser's rename fails
 * on the existing folder and its copy is dropped), and no process sees half a migration. The
 * document is then kept as `<file>.migrated`. Once `dir` exists the document is not read again.
 */
function migrateSingleDocument(file: string, dir: string): void {
  if (existsSync(dir) || !existsSync(file)) return;
  const document = new JsonFile(file, SingleDocument).read();
  const staging = `${dir}.migrating-${randomUUID()}`;
  try {
    const folders = recordFolders(staging);
    // Both folders even when empty: a non-empty folder is one another rename cannot replace.
    mkdirSync(folders.packages.dir, { recursive: true });
    mkdirSync(folders.instances.dir, { recursive: true });
    for (const record of Object.values(document.packages)) folders.packages.put(record);
    for (const record of Object.values(document.instances)) folders.instances.put(record);
    renameSync(staging, dir);
  } catch (err) {
    if (!existsSync(dir)) throw err; // else another process has migrated it first
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  renameIfPresent(file, `${file}.migrated`);
}

/** Another process migrating at the same time may have renamed it already. */
function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
