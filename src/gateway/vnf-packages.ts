// SOL005 VNF packages as the gateway sees them: VnfPkgInfo rendered from the record, the
// package's state errors as ProblemDetails, and an uploaded archive read within its limit.
import type { Readable } from 'node:stream';
import { HttpProblem } from '../http/problem.ts';
import type { InventoryStore, VnfPkgInfoRecord } from '../inventory/store.ts';
import { orUnexpected, packageOrThrow, usageState } from '../packages/lifecycle.ts';
import { VNFPKGM_BASE, type VnfPkgInfo } from '../sol005/models.ts';

export const PACKAGES = `${VNFPKGM_BASE}/vnf_packages`;

export async function renderVnfPkgInfo(pkg: VnfPkgInfoRecord, inventory: InventoryStore, apiRoot: string): Promise<VnfPkgInfo> {
  const self = `${apiRoot}${PACKAGES}/${pkg.id}`;
  const { vnfd } = pkg;
  return {
    id: pkg.id,
    ...(vnfd ? {
      vnfdId: vnfd.vnfdId,
      vnfProvider: vnfd.vnfProvider,
      vnfProductName: vnfd.vnfProductName,
      vnfSoftwareVersion: vnfd.vnfSoftwareVersion,
      vnfdVersion: vnfd.vnfdVersion,
    } : {}),
    checksum: pkg.checksum,
    softwareImages: pkg.softwareImages,
    additionalArtifacts: pkg.additionalArtifacts,
    onboardingState: pkg.onboardingState,
    operationalState: pkg.operationalState,
    usageState: await usageState(inventory, pkg),
    userDefinedData: pkg.userDefinedData ?? {},
    onboardingFailureDetails: pkg.onboardingFailureDetails,
    _links: {
      self: { href: self },
      ...(pkg.onboardingState === 'ONBOARDED' ? { vnfd: { href: `${self}/vnfd` } } : {}),
      packageContent: { href: `${self}/package_content` },
    },
  };
}

export function lookup(inventory: InventoryStore, id: string): Promise<VnfPkgInfoRecord> {
  return refusingAsync(() => packageOrThrow(inventory, id));
}

export function onboarded(pkg: VnfPkgInfoRecord): VnfPkgInfoRecord {
  if (pkg.onboardingState !== 'ONBOARDED') throw new HttpProblem(409, `VNF package ${pkg.id} is ${pkg.onboardingState}; its content is available once it is ONBOARDED`);
  return pkg;
}

/** Runs a lifecycle step, its refusals (not found, wrong state, invalid CSAR) as ProblemDetails. */
export async function refusingAsync<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw orUnexpected(err);
  }
}

/** The uploaded bytes, read as they arrive; past `maxBytes` a 413 (the rest is not read). */
export async function readUpload(body: Readable, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpProblem(413, `the package exceeds ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
