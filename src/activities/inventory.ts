// Activities on the VNFM's own inventory of VNF instances and packages.
import type { InventoryStore } from '../inventory/store.ts';
import type { TargetPackage } from '../workflows/change-vnfpkg-input.ts';

export function createInventoryActivities(store: InventoryStore) {
  return {
    /** The instance now runs the destination package (idempotent: writes the same values again). */
    recordPackageChange({ vnfInstanceId, target }: { vnfInstanceId: string; target: TargetPackage }): Promise<void> {
      store.recordPackageChange(vnfInstanceId, {
        vnfdId: target.vnfdId,
        vnfProvider: target.vnfProvider ?? '',
        vnfProductName: target.vnfProductName ?? '',
        vnfSoftwareVersion: target.vnfSoftwareVersion ?? '',
        vnfdVersion: target.vnfdVersion ?? '',
        vdus: target.vdus,
        coordinationActionNames: target.coordinationActionNames,
      });
      return Promise.resolve();
    },
  };
}
