// Activities on the VNFM's own inventory of VNF instances and packages.
import type { InventoryStore, VnfcResourceInfo } from '../inventory/store.ts';
import type { TargetPackage } from '../lcm/change-vnfpkg-input.ts';

export function createInventoryActivities(store: InventoryStore) {
  return {
    recordInstantiation(record: { vnfInstanceId: string; stack: { name: string; id: string }; flavourId: string; vnfcResourceInfo: VnfcResourceInfo[] }): Promise<void> {
      return store.recordInstantiation(record.vnfInstanceId, record.stack, record.vnfcResourceInfo);
    },

    recordTermination({ vnfInstanceId }: { vnfInstanceId: string }): Promise<void> {
      return store.recordTermination(vnfInstanceId);
    },

    /** The instance now runs the destination package (idempotent: writes the same values again). */
    recordPackageChange({ vnfInstanceId, target }: { vnfInstanceId: string; target: TargetPackage }): Promise<void> {
      return store.recordPackageChange(vnfInstanceId, {
        vnfdId: target.vnfdId,
        vnfProvider: target.vnfProvider ?? '',
        vnfProductName: target.vnfProductName ?? '',
        vnfSoftwareVersion: target.vnfSoftwareVersion ?? '',
        vnfdVersion: target.vnfdVersion ?? '',
        vdus: target.vdus,
        coordinationActionNames: target.coordinationActionNames,
      });
    },
  };
}
