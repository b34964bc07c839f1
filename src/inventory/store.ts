// The VNF packages and VNF instances the gateway serves: their records, and the one interface
// (InventoryStore) both stores implement. The embedded default, FileInventoryStore, keeps one
// small JSON file per record in the data folder (`<DATA_DIR>/inventory/packages/<id>.json`,
// `.../instances/<id>.json`), shared by the gateway and worker processes of one machine; a
// cluster keeps them in PostgreSQL (src/inventory/postgres-store.ts). Reading or updating a
// record touches only that record, so the cost of an operation does not grow with the inventory,
// and a process updating one record cannot undo another process's update of another record.
// Operation state is NOT kept here: it lives in the workflows.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ProblemDetails } from '../http/problem.ts';
import { JsonFile } from '../persistence/json-file.ts';
import { JsonRecordFolder } from '../persistence/record-folder.ts';
import { KubernetesDeploymentInfo } from '../lcm/kubernetes-input.ts';
import { VimConnectionInfo, type VnfInfoModifications } from '../sol003/models.ts';
import { modifiedInstance } from './modify-info.ts';
import { Checksum, KeyValuePairs, VnfPackageArtifactInfo, VnfPackageSoftwareImageInfo } from '../sol005/models.ts';
import { VnfdSummary } from '../vnfd/vnfd.ts';

/** A VNF package with its VNFD: what LCM operations use (an onboarded package). */
export const VnfPackageRecord = z.object({
  id: z.string(),
  vnfd: VnfdSummary,
  onboardingState: z.enum(['CREATED', 'UPLOADING', 'PROCESSING', 'ONBOARDED', 'ERROR']),
  operationalState: z.enum(['ENABLED', 'DISABLED']),
  /**
   * Folder of the unpacked package on the machine that onboarded it (file store only; a cluster's
   * workers fetch the content by id from the package store instead).
   */
  contentDir: z.string().optional(),
  // SOL005 VnfPkgInfo attributes kept by the package management API (usageState is computed).
  userDefinedData: KeyValuePairs.optional(),
  /** Of the uploaded ZIP archive. */
  checksum: Checksum.optional(),
  softwareImages: z.array(VnfPackageSoftwareImageInfo).optional(),
  /** The package's files besides its VNFD, manifest and images, with their checksums. */
  additionalArtifacts: z.array(VnfPackageArtifactInfo).optional(),
  /**
   * When the upload under way began (UPLOADING, PROCESSING): with gateways sharing the records, a
   * gateway that starts undoes only onboardings older than any upload can last.
   */
  onboardingStartedAt: z.string().optional(),
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
  computeResource: z.object({ vimConnectionId: z.string().optional(), resourceId: z.string(), vimLevelResourceType: z.string() }),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type VnfcResourceInfo = z.infer<typeof VnfcResourceInfo>;

export const VnfInstanceRecord = z.object({
  id: z.string(),
  vnfInstanceName: z.string().optional(),
  vnfInstanceDescription: z.string().optional(),
  metadata: KeyValuePairs.optional(),
  extensions: KeyValuePairs.optional(),
  vnfConfigurableProperties: KeyValuePairs.optional(),
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
  /** The VIM the instance's resources are on, by the vimConnectionId their handles name (no credentials). */
  vimConnectionInfo: z.record(z.string(), VimConnectionInfo).optional(),
  flavourId: z.string().optional(),
});
export type VnfInstanceRecord = z.infer<typeof VnfInstanceRecord>;

/** The VIM an instantiated instance's resources are on (direct mode), and its flavour. */
export interface InstanceVim {
  vimConnectionInfo: Record<string, VimConnectionInfo>;
  flavourId: string;
}

/** The whole inventory as one document: how versions before the record folder kept it. */
const SingleDocument = z.object({
  packages: z.record(z.string(), VnfPkgInfoRecord).default({}),
  instances: z.record(z.string(), VnfInstanceRecord).default({}),
});

/**
 * The inventory as every process sees it, whatever keeps it. Records are JSON documents: a field
 * a record gains is kept by both stores with no change of theirs.
 */
export interface InventoryStore {
  /** Packages with a VNFD (onboarded); packageInfos() lists every package resource. */
  packages(): Promise<VnfPackageRecord[]>;
  /** Ordered by id. */
  packageInfos(): Promise<VnfPkgInfoRecord[]>;
  packageInfo(id: string): Promise<VnfPkgInfoRecord | undefined>;
  packageByVnfdId(vnfdId: string): Promise<VnfPackageRecord | undefined>;
  putPackage(record: VnfPkgInfoRecord): Promise<void>;
  deletePackage(id: string): Promise<void>;
  instance(id: string): Promise<VnfInstanceRecord | undefined>;
  /** Ordered by id. */
  instances(): Promise<VnfInstanceRecord[]>;
  /** Ids of the instances whose current VNFD is `vnfdId`, ordered. */
  instanceIdsOfVnfd(vnfdId: string): Promise<string[]>;
  putInstance(record: VnfInstanceRecord): Promise<void>;
  deleteInstance(instanceId: string): Promise<void>;
  /** `vim`: the VIM connection the resource handles name (direct mode), and the flavour. */
  recordInstantiation(instanceId: string, stack: { name: string; id: string }, vnfcResourceInfo: VnfcResourceInfo[], vim?: InstanceVim): Promise<void>;
  recordTermination(instanceId: string): Promise<void>;
  /** MODIFY_INFO: the changes merged into the instance (idempotent: merging them again changes nothing). */
  recordModification(instanceId: string, changes: VnfInfoModifications): Promise<void>;
  /**
   * After a Blue-Green change: the removed VNFCs leave vnfcResourceInfo and the added ones join
   * it (idempotent: a VNFC already there is not added twice).
   */
  replaceVnfcs(instanceId: string, removedIds: readonly string[], added: readonly VnfcResourceInfo[]): Promise<void>;
  /** After a completed change_vnfpkg: the instance now runs the destination package. */
  recordPackageChange(instanceId: string, vnfd: VnfdSummary): Promise<void>;
  /** On a Kubernetes VIM: the manifests' objects created, the pods its VNFCs. */
  recordKubernetesInstantiation(instanceId: string, kubernetes: KubernetesDeploymentInfo, vnfcResourceInfo: VnfcResourceInfo[]): Promise<void>;
  /** The VNFCs as they are now (a Kubernetes change replaces pods one by one). */
  recordVnfcResourceInfo(instanceId: string, vnfcResourceInfo: VnfcResourceInfo[]): Promise<void>;
  /** After a completed change_vnfpkg on Kubernetes: the destination's manifests and objects are the instance's now. */
  recordKubernetesPackageChange(instanceId: string, vnfd: VnfdSummary, deployment: KubernetesPackageChange): Promise<void>;
}

export type KubernetesPackageChange = Pick<KubernetesDeploymentInfo, 'defFiles' | 'resources' | 'vdus'>;

/**
 * The record* methods, for every store: each reads the instance's record, applies the change and
 * writes it back in its own way (changeInstance: a file, or a row locked for the change).
 */
export abstract class InstanceRecordingStore {
  protected abstract changeInstance(instanceId: string, change: (instance: VnfInstanceRecord) => void): Promise<void>;

  recordInstantiation(instanceId: string, stack: { name: string; id: string }, vnfcResourceInfo: VnfcResourceInfo[], vim?: InstanceVim): Promise<void> {
    return this.changeInstance(instanceId, (instance) => {
      Object.assign(instance, { instantiationState: 'INSTANTIATED', stack, vnfcResourceInfo, ...vim });
    });
  }

  recordKubernetesInstantiation(instanceId: string, kubernetes: KubernetesDeploymentInfo, vnfcResourceInfo: VnfcResourceInfo[]): Promise<void> {
    return this.changeInstance(instanceId, (instance) => {
      Object.assign(instance, { instantiationState: 'INSTANTIATED', kubernetes, vnfcResourceInfo });
    });
  }

  recordVnfcResourceInfo(instanceId: string, vnfcResourceInfo: VnfcResourceInfo[]): Promise<void> {
    return this.changeInstance(instanceId, (instance) => {
      instance.vnfcResourceInfo = vnfcResourceInfo;
    });
  }

  recordTermination(instanceId: string): Promise<void> {
    return this.changeInstance(instanceId, (instance) => {
      instance.instantiationState = 'NOT_INSTANTIATED';
      instance.stack = undefined;
      instance.kubernetes = undefined;
      instance.vnfcResourceInfo = [];
      instance.vimConnectionInfo = undefined;
      instance.flavourId = undefined;
    });
  }

  recordModification(instanceId: string, changes: VnfInfoModifications): Promise<void> {
    return this.changeInstance(instanceId, (instance) => {
      Object.assign(instance, modifiedInstance(instance, changes));
    });
  }

  replaceVnfcs(instanceId: string, removedIds: readonly string[], added: readonly VnfcResourceInfo[]): Promise<void> {
    return this.changeInstance(instanceId, (instance) => {
      const kept = instance.vnfcResourceInfo.filter((v) => !removedIds.includes(v.id));
      instance.vnfcResourceInfo = [...kept, ...added.filter((a) => !kept.some((v) => v.id === a.id))];
    });
  }

  recordPackageChange(instanceId: string, vnfd: VnfdSummary): Promise<void> {
    return this.changeInstance(instanceId, (instance) => runsPackage(instance, vnfd));
  }

  recordKubernetesPackageChange(instanceId: string, vnfd: VnfdSummary, deployment: KubernetesPackageChange): Promise<void> {
    return this.changeInstance(instanceId, (instance) => {
      runsPackage(instance, vnfd);
      if (instance.kubernetes) instance.kubernetes = { ...instance.kubernetes, ...deployment };
    });
  }
}

function runsPackage(instance: VnfInstanceRecord, vnfd: VnfdSummary): void {
  Object.assign(instance, {
    vnfdId: vnfd.vnfdId, vnfProvider: vnfd.vnfProvider, vnfProductName: vnfd.vnfProductName,
    vnfSoftwareVersion: vnfd.vnfSoftwareVersion, vnfdVersion: vnfd.vnfdVersion,
  });
}

/** The embedded default: one JSON file per record under `<DATA_DIR>/inventory/`. */
export class FileInventoryStore extends InstanceRecordingStore implements InventoryStore {
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
    super();
    this.dir = recordsDir(file);
    migrateSingleDocument(file, this.dir);
    const folders = recordFolders(this.dir);
    this.packageRecords = folders.packages;
    this.instanceRecords = folders.instances;
  }

  async packages(): Promise<VnfPackageRecord[]> {
    return (await this.packageInfos()).filter((p): p is VnfPackageRecord => p.vnfd !== undefined);
  }

  packageInfos(): Promise<VnfPkgInfoRecord[]> {
    return Promise.resolve(this.packageRecords.list());
  }

  packageInfo(id: string): Promise<VnfPkgInfoRecord | undefined> {
    return Promise.resolve(this.packageRecords.get(id));
  }

  async packageByVnfdId(vnfdId: string): Promise<VnfPackageRecord | undefined> {
    return (await this.packages()).find((p) => p.vnfd.vnfdId === vnfdId);
  }

  instance(id: string): Promise<VnfInstanceRecord | undefined> {
    return Promise.resolve(this.instanceRecords.get(id));
  }

  instances(): Promise<VnfInstanceRecord[]> {
    return Promise.resolve(this.instanceRecords.list());
  }

  async instanceIdsOfVnfd(vnfdId: string): Promise<string[]> {
    return (await this.instances()).filter((i) => i.vnfdId === vnfdId).map((i) => i.id);
  }

  putPackage(record: VnfPkgInfoRecord): Promise<void> {
    this.packageRecords.put(record);
    return Promise.resolve();
  }

  deletePackage(id: string): Promise<void> {
    this.packageRecords.delete(id);
    return Promise.resolve();
  }

  putInstance(record: VnfInstanceRecord): Promise<void> {
    this.instanceRecords.put(record);
    return Promise.resolve();
  }







  deleteInstance(instanceId: string): Promise<void> {
    this.instanceRecords.delete(instanceId);
    return Promise.resolve();
  }



  /**
   * Read, change and write back one instance's record, with no lock: an instance record has one
   * writer at a time (the gateway creates and deletes it, the workflow of the one operation
   * running on the instance records its outcome), and other records are not touched.
   */
  protected override changeInstance(instanceId: string, change: (instance: VnfInstanceRecord) => void): Promise<void> {
    const instance = this.instanceRecords.get(instanceId);
    if (!instance) return Promise.reject(new Error(`no VNF instance ${instanceId}`));
    change(instance);
    this.instanceRecords.put(instance);
    return Promise.resolve();
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
