// The embedded default packages, onboarded the way a client would: each sample folder is
// zipped into a CSAR and goes through create → upload → ONBOARDED like an API upload.
import { join } from 'node:path';
import { SAMPLE_PACKAGES, SAMPLES_DIR } from '../inventory/sample.ts';
import type { InventoryStore, VnfPackageRecord } from '../inventory/store.ts';
import { buildCsar } from './csar.ts';
import { createVnfPackage, onboardVnfPackage, PackageStateError } from './lifecycle.ts';
import type { PackageRepository } from './repository.ts';

/**
 * Idempotent: a sample already ONBOARDED with its content in the repository is left as it is;
 * one onboarded from its folder by the older seeding (no stored content) is onboarded again
 * under the same id, keeping its operationalState and userDefinedData.
 */
export async function onboardSamplePackagesAsCsar(
  inventory: InventoryStore, repository: PackageRepository, samplesDir: string = SAMPLES_DIR,
  samples: readonly { id: string; dir: string }[] = SAMPLE_PACKAGES,
): Promise<VnfPackageRecord[]> {
  const records: VnfPackageRecord[] = [];
  for (const { id, dir } of samples) {
    const existing = await inventory.packageInfo(id);
    if (existing?.onboardingState === 'ONBOARDED' && existing.vnfd && await repository.has(id)) {
      records.push({ ...existing, vnfd: existing.vnfd });
      continue;
    }
    if (existing && existing.onboardingState !== 'CREATED' && existing.onboardingState !== 'ONBOARDED') {
      throw new PackageStateError('conflict', `sample VNF package ${id} is ${existing.onboardingState}; run recoverInterruptedOnboardings first`);
    }
    if (existing?.onboardingState === 'ONBOARDED') await inventory.deletePackage(id);
    if (existing?.onboardingState !== 'CREATED') await createVnfPackage(inventory, { userDefinedData: existing?.userDefinedData }, id);
    const onboarded = await onboardVnfPackage({ inventory, repository }, id, buildCsar(join(samplesDir, dir)));
    if (existing?.operationalState === 'DISABLED' && existing.onboardingState === 'ONBOARDED') {
      await inventory.putPackage({ ...onboarded, operationalState: 'DISABLED' });
      records.push({ ...onboarded, operationalState: 'DISABLED' });
    } else {
      records.push(onboarded);
    }
  }
  return records;
}
