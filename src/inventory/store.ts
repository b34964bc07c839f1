// The VNF packages and VNF instances the gateway serves, as a small JSON file in the data
// folder. Writes go to a temporary file and are renamed over the old one, so a crash never
// leaves half a file. Operation state is NOT kept here: it lives in the workflows.
import { z } from 'zod';
import { ProblemDetails } from '../http/problem.ts';
import { JsonFile } from '../persistence/json-file.ts';
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
  vnfcResourceInfo: z.array(VnfcResourceInfo).default([]),
});
export type VnfInstanceRecord = z.infer<typeof VnfInstanceRecord>;

const Inventory = z.object({
  packages: z.record(z.string(), VnfPkgInfoRecord).default({}),
  instances: z.record(z.string(), VnfInstanceRecord).default({}),
});
type Inventory = z.infer<typeof Inventory>;

export class InventoryStore {
  private readonly document: JsonFile<typeof Inventory>;

  constructor(readonly file: string) {
    this.document = new JsonFile(file, Inventory);
  }

  private read(): Inventory {
    return this.document.read();
  }

  private update(change: (inventory: Inventory) => void): void {
    this.document.update(change);
  }

  /** Packages with a VNFD (onboarded); packageInfos() lists every package resource. */
  packages(): VnfPackageRecord[] {
    return Object.values(this.read().packages).filter((p): p is VnfPackageRecord => p.vnfd !== undefined);
  }

  packageInfos(): VnfPkgInfoRecord[] {
    return Object.values(this.read().packages);
  }

  packageInfo(id: string): VnfPkgInfoRecord | undefined {
    const { packages } = this.read();
    return Object.hasOwn(packages, id) ? packages[id] : undefined;
  }

  packageByVnfdId(vnfdId: string): VnfPackageRecord | undefined {
    return this.packages().find((p) => p.vnfd.vnfdId === vnfdId);
  }

  instance(id: string): VnfInstanceRecord | undefined {
    return this.read().instances[id];
  }

  instances(): VnfInstanceRecord[] {
    return Object.values(this.read().instances);
  }

  putPackage(record: VnfPkgInfoRecord): void {
    this.update((inv) => void (inv.packages[record.id] = record));
  }

  deletePackage(id: string): void {
    this.update((inv) => void delete inv.packages[id]);
  }

  putInstance(record: VnfInstanceRecord): void {
    this.update((inv) => void (inv.instances[record.id] = record));
  }

  recordInstantiation(instanceId: string, stack: { name: string; id: string }, vnfcResourceInfo: VnfcResourceInfo[]): void {
    this.update((inv) => {
      const instance = inv.instances[instanceId];
      if (!instance) throw new Error(`no VNF instance ${instanceId}`);
      Object.assign(instance, { instantiationState: 'INSTANTIATED', stack, vnfcResourceInfo });
    });
  }

  recordTermination(instanceId: string): void {
    this.update((inv) => {
      const instance = inv.instances[instanceId];
      if (!instance) throw new Error(`no VNF instance ${instanceId}`);
      instance.instantiationState = 'NOT_INSTANTIATED';
      instance.stack = undefined;
      instance.vnfcResourceInfo = [];
    });
  }

  deleteInstance(instanceId: string): void {
    this.update((inv) => void delete inv.instances[instanceId]);
  }

  /** After a completed change_vnfpkg: the instance now runs the destination package. */
  recordPackageChange(instanceId: string, vnfd: VnfdSummary): void {
    this.update((inv) => {
      const instance = inv.instances[instanceId];
      if (!instance) throw new Error(`no VNF instance ${instanceId}`);
      Object.assign(instance, {
        vnfdId: vnfd.vnfdId, vnfProvider: vnfd.vnfProvider, vnfProductName: vnfd.vnfProductName,
        vnfSoftwareVersion: vnfd.vnfSoftwareVersion, vnfdVersion: vnfd.vnfdVersion,
      });
    });
  }

}
