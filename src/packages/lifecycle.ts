// The life of a VNF package resource (SOL005): created (CREATED, DISABLED) → content uploaded
// (UPLOADING) → checked and stored (PROCESSING) → ONBOARDED and ENABLED; enabled and disabled;
// deleted once DISABLED and unused. The package management API and the sample seeding both go
// through here, so a package onboarded either way is the same.
//
// A failed upload sends the package back to CREATED with `onboardingFailureDetails` (the same
// ProblemDetails the uploader receives) and nothing stored, so it can be uploaded again.
//
// A check and the write that depends on it are two calls to the store: two requests for the same
// package at once (in one gateway or two) can both pass a check. The states guard what matters
// (an upload needs UPLOADING, set by beginUpload; a delete needs DISABLED), and the duplicate-
// vnfdId check is made again after the content is stored.
import { createHash, randomUUID } from 'node:crypto';
import { HttpProblem } from '../http/problem.ts';
import type { InventoryStore, VnfPackageRecord, VnfPkgInfoRecord } from '../inventory/store.ts';
import type {
  CreateVnfPkgInfoRequest, KeyValuePairs, VnfPackageSoftwareImageInfo, VnfPkgInfoModifications,
} from '../sol005/models.ts';
import { packageArtifacts } from './artifacts.ts';
import { CsarError, readCsar, type Csar, type CsarFault, type CsarLimits } from './csar.ts';
import type { CsarInspector } from './csar-inspection.ts';
import type { PackageRepository } from './repository.ts';

export interface PackageStores {
  inventory: InventoryStore;
  repository: PackageRepository;
  /**
   * Checks uploads off the event loop; a server always has one. Without it (seeding the samples
   * at start, unit tests) the check runs in the calling thread.
   */
  inspector?: CsarInspector;
}

/** A request the package's current state (or its absence) does not allow. */
export class PackageStateError extends Error {
  override readonly name = 'PackageStateError';
  constructor(readonly refusal: 'not-found' | 'conflict', message: string) {
    super(message);
  }
}

export async function createVnfPackage(inventory: InventoryStore, request: CreateVnfPkgInfoRequest, id: string = randomUUID()): Promise<VnfPkgInfoRecord> {
  if (await inventory.packageInfo(id)) throw new PackageStateError('conflict', `VNF package ${id} exists already`);
  const record: VnfPkgInfoRecord = {
    id, onboardingState: 'CREATED', operationalState: 'DISABLED', userDefinedData: request.userDefinedData ?? {},
  };
  await inventory.putPackage(record);
  return record;
}

export async function packageOrThrow(inventory: InventoryStore, id: string): Promise<VnfPkgInfoRecord> {
  const pkg = await inventory.packageInfo(id);
  if (!pkg) throw new PackageStateError('not-found', `VNF package ${id} does not exist`);
  return pkg;
}

export async function usageState(inventory: InventoryStore, pkg: VnfPkgInfoRecord): Promise<'IN_USE' | 'NOT_IN_USE'> {
  return (await instancesUsing(inventory, pkg)).length > 0 ? 'IN_USE' : 'NOT_IN_USE';
}

/** CREATED → UPLOADING: the package content is on its way. */
export async function beginUpload(inventory: InventoryStore, id: string): Promise<VnfPkgInfoRecord> {
  const pkg = await packageOrThrow(inventory, id);
  if (pkg.onboardingState !== 'CREATED') {
    throw new PackageStateError('conflict', `VNF package ${id} is ${pkg.onboardingState}; package content can be uploaded only while it is CREATED`);
  }
  const uploading: VnfPkgInfoRecord = { ...pkg, onboardingState: 'UPLOADING', onboardingStartedAt: new Date().toISOString(), onboardingFailureDetails: undefined };
  await inventory.putPackage(uploading);
  return uploading;
}

/** UPLOADING/PROCESSING → CREATED, recording why; nothing of the upload is kept. */
export async function abandonUpload(inventory: InventoryStore, id: string, problem: HttpProblem): Promise<void> {
  const pkg = await inventory.packageInfo(id);
  if (!pkg || (pkg.onboardingState !== 'UPLOADING' && pkg.onboardingState !== 'PROCESSING')) return;
  await inventory.putPackage({ ...pkg, onboardingState: 'CREATED', onboardingStartedAt: undefined, onboardingFailureDetails: problem.toProblemDetails() });
}

export interface ProcessOptions {
  limits?: Partial<CsarLimits>;
  now?: () => Date;
}

/**
 * UPLOADING → PROCESSING → ONBOARDED (and ENABLED): checks the CSAR, stores it, records its VNFD.
 * On any fault the package goes back to CREATED with nothing stored, and the error is rethrown
 * (turn it into the answer with packageProblem).
 */
export async function processUpload(stores: PackageStores, id: string, archive: Uint8Array, options: ProcessOptions = {}): Promise<VnfPackageRecord> {
  const { inventory, repository } = stores;
  const pkg = await packageOrThrow(inventory, id);
  if (pkg.onboardingState !== 'UPLOADING') {
    throw new PackageStateError('conflict', `VNF package ${id} is ${pkg.onboardingState}; expected UPLOADING`);
  }
  await inventory.putPackage({ ...pkg, onboardingState: 'PROCESSING' });
  let stored = false;
  try {
    const csar = stores.inspector ? await stores.inspector.inspect(archive, options.limits) : readCsar(archive, options.limits);
    await refuseDuplicateVnfd(inventory, id, csar);
    const contentDir = await repository.store(id, csar.files, archive);
    stored = true;
    // Re-read: userDefinedData may have changed while the content was written.
    const current = await packageOrThrow(inventory, id);
    await refuseDuplicateVnfd(inventory, id, csar);
    const onboarded: VnfPackageRecord = {
      ...current,
      vnfd: csar.vnfd,
      onboardingState: 'ONBOARDED',
      operationalState: 'ENABLED',
      contentDir,
      checksum: { algorithm: 'SHA-256', hash: createHash('sha256').update(archive).digest('hex') },
      softwareImages: softwareImages(csar, (options.now?.() ?? new Date()).toISOString()),
      additionalArtifacts: packageArtifacts(csar),
      onboardingStartedAt: undefined,
      onboardingFailureDetails: undefined,
    };
    await inventory.putPackage(onboarded);
    return onboarded;
  } catch (err) {
    if (stored) await repository.remove(id);
    await abandonUpload(inventory, id, packageProblem(err));
    throw err;
  }
}

/** The whole upload for an archive in hand: CREATED → … → ONBOARDED. */
export async function onboardVnfPackage(stores: PackageStores, id: string, archive: Uint8Array, options: ProcessOptions = {}): Promise<VnfPackageRecord> {
  await beginUpload(stores.inventory, id);
  return processUpload(stores, id, archive, options);
}

/** SOL005 PATCH: operationalState needs ONBOARDED and a change; userDefinedData is merged (RFC 7396). */
export async function modifyVnfPackage(inventory: InventoryStore, id: string, modifications: VnfPkgInfoModifications): Promise<VnfPkgInfoModifications> {
  const pkg = await packageOrThrow(inventory, id);
  const next = { ...pkg };
  if (modifications.operationalState !== undefined) {
    if (pkg.onboardingState !== 'ONBOARDED') {
      throw new PackageStateError('conflict', `VNF package ${id} is ${pkg.onboardingState}; operationalState can change only once it is ONBOARDED`);
    }
    if (pkg.operationalState === modifications.operationalState) {
      throw new PackageStateError('conflict', `VNF package ${id} is already ${pkg.operationalState}`);
    }
    next.operationalState = modifications.operationalState;
  }
  if (modifications.userDefinedData !== undefined) {
    next.userDefinedData = mergePatch(pkg.userDefinedData ?? {}, modifications.userDefinedData);
  }
  await inventory.putPackage(next);
  return modifications;
}

/** SOL005 DELETE: only a DISABLED package that no VNF instance uses; its content goes too. */
export async function deleteVnfPackage(stores: PackageStores, id: string): Promise<void> {
  const { inventory, repository } = stores;
  const pkg = await packageOrThrow(inventory, id);
  if (pkg.onboardingState === 'UPLOADING' || pkg.onboardingState === 'PROCESSING') {
    throw new PackageStateError('conflict', `VNF package ${id} is ${pkg.onboardingState}; wait until its onboarding ends`);
  }
  if (pkg.operationalState === 'ENABLED') {
    throw new PackageStateError('conflict', `VNF package ${id} is ENABLED; disable it (PATCH operationalState DISABLED) before deleting it`);
  }
  const users = await instancesUsing(inventory, pkg);
  if (users.length > 0) {
    throw new PackageStateError('conflict', `VNF package ${id} is IN_USE by VNF instance(s) ${users.join(', ')} (vnfdId ${pkg.vnfd?.vnfdId})`);
  }
  // Record first: a crash before the content is gone leaves an orphan folder, which
  // recoverInterruptedOnboardings sweeps, never a record without its content.
  await inventory.deletePackage(id);
  await repository.remove(id);
}

/**
 * Longer than any upload can last (a request ends after 5 minutes, src/http/app.ts): with
 * gateways sharing the records, an onboarding older than this was interrupted, a younger one may
 * be under way in another gateway.
 */
export const SHARED_ONBOARDING_BOUND_MS = 10 * 60_000;

export interface RecoveryOptions {
  /**
   * Only onboardings begun longer ago than this are interrupted ones (records shared by several
   * gateways); unset: every onboarding is (one gateway, starting: none can be under way).
   */
  inProgressForMs?: number;
  now?: () => number;
}

/**
 * At start, before serving: an onboarding that a stop interrupted goes back to CREATED (upload
 * again), and content that belongs to no ONBOARDED package (nor to an onboarding still under way)
 * is removed. Returns the ids reset.
 */
export async function recoverInterruptedOnboardings(stores: PackageStores, options: RecoveryOptions = {}): Promise<string[]> {
  const { inventory, repository } = stores;
  const now = options.now?.() ?? Date.now();
  const underWay = (pkg: VnfPkgInfoRecord | undefined): boolean => {
    if (!pkg || (pkg.onboardingState !== 'UPLOADING' && pkg.onboardingState !== 'PROCESSING')) return false;
    if (options.inProgressForMs === undefined || pkg.onboardingStartedAt === undefined) return false;
    return now - Date.parse(pkg.onboardingStartedAt) < options.inProgressForMs;
  };
  const reset: string[] = [];
  for (const pkg of await inventory.packageInfos()) {
    if (pkg.onboardingState !== 'UPLOADING' && pkg.onboardingState !== 'PROCESSING') continue;
    if (underWay(pkg)) continue;
    await abandonUpload(inventory, pkg.id, new HttpProblem(500, `onboarding of VNF package ${pkg.id} was interrupted by a stop of the VNFM; upload the package content again`));
    reset.push(pkg.id);
  }
  await repository.sweep(async (id) => {
    const pkg = await inventory.packageInfo(id);
    return pkg?.onboardingState === 'ONBOARDED' || underWay(pkg);
  });
  return reset;
}

/**
 * The ProblemDetails for a refused package operation (for a failed upload, also kept as
 * onboardingFailureDetails): a body that is no ZIP is 400, a package over the limits 413, a
 * CSAR that fails validation 422, an unknown package 404, a state conflict 409, else 500 (then
 * throw the error itself, so that the server kit logs it under an error id: orUnexpected).
 */
export function packageProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof CsarError) return csarProblem(err);
  if (err instanceof PackageStateError) return new HttpProblem(err.refusal === 'not-found' ? 404 : 409, err.message);
  // Its text may name paths and hosts: the package records only that it failed.
  return new HttpProblem(500, 'onboarding failed on an internal error');
}

/** The refusal to answer with, or the unexpected error itself (a 500 the server kit logs). */
export function orUnexpected(err: unknown, refusal: HttpProblem = packageProblem(err)): unknown {
  return refusal.status === 500 && !(err instanceof HttpProblem) ? err : refusal;
}

function csarProblem(err: CsarError): HttpProblem {
  const { fault } = err;
  if (fault === 'busy') return new HttpProblem(503, err.message, { 'Retry-After': '10' });
  return new HttpProblem(CSAR_FAULT_STATUS[fault], `invalid VNF package: ${err.message}`);
}

const CSAR_FAULT_STATUS: Record<Exclude<CsarFault, 'busy'>, number> = {
  archive: 400, 'too-large': 413, 'unsafe-path': 422, metadata: 422, vnfd: 422,
};

async function instancesUsing(inventory: InventoryStore, pkg: VnfPkgInfoRecord): Promise<string[]> {
  const vnfdId = pkg.vnfd?.vnfdId;
  if (vnfdId === undefined) return [];
  return inventory.instanceIdsOfVnfd(vnfdId);
}

/** One VNFD, one package: LCM finds the destination package by vnfdId. */
async function refuseDuplicateVnfd(inventory: InventoryStore, id: string, csar: Csar): Promise<void> {
  const other = await inventory.packageByVnfdId(csar.vnfd.vnfdId);
  if (other && other.id !== id) {
    throw new PackageStateError('conflict', `vnfdId ${csar.vnfd.vnfdId} is already onboarded as VNF package ${other.id}`);
  }
}

function softwareImages(csar: Csar, createdAt: string): VnfPackageSoftwareImageInfo[] {
  return csar.softwareImages.map((image) => ({
    id: image.nodeName,
    name: image.name,
    provider: csar.vnfd.vnfProvider,
    version: image.version,
    checksum: image.checksum,
    // SOL005 spells the formats in capitals (BARE, QCOW2); SOL001 VNFDs in lower case.
    containerFormat: image.containerFormat?.toUpperCase(),
    diskFormat: image.diskFormat?.toUpperCase(),
    createdAt,
    minDisk: image.minDisk,
    minRam: image.minRam,
    size: image.size,
    imagePath: image.artifactFile,
  }));
}

/** JSON Merge Patch (RFC 7396) of one object onto another: null removes a key. */
export function mergePatch(target: KeyValuePairs, patch: KeyValuePairs): KeyValuePairs {
  const result: KeyValuePairs = { ...target };
  // defineProperty, not assignment: a key named __proto__ stays data, never a prototype.
  const set = (key: string, value: unknown): void =>
    void Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else if (isPlainObject(value)) {
      const current = Object.hasOwn(result, key) ? result[key] : undefined;
      set(key, mergePatch(isPlainObject(current) ? current : {}, value));
    } else {
      set(key, value);
    }
  }
  return result;
}

function isPlainObject(value: unknown): value is KeyValuePairs {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
