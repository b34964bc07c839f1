// Activities on the VNFM's own inventory of VNF instances and packages.
import type { InventoryStore, VnfcResourceInfo } from '../inventory/store.ts';
import type { TargetPackage } from '../lcm/change-vnfpkg-input.ts';
import type { KubernetesDeploymentInfo } from '../lcm/kubernetes-input.ts';
import type { VnfdSummary } from '../vnfd/vnfd.ts';

export function createInventoryActivities(store: InventoryStore) {
  return {
    recordInstantiation(record: { vnfInstanceId: string; stack: { name: string; id: string }; flavourId: string; vnfcResourceInfo: VnfcResourceInfo[] }): Promise<void> {
      store.recordInstantiation(record.vnfInstanceId, record.stack, record.vnfcResourceInfo);
      return Promise.resolve();
    },

    recordKubernetesInstantiation(record: { vnfInstanceId: string; kubernetes: KubernetesDeploymentInfo; vnfcResourceInfo: VnfcResourceInfo[] }): Promise<void> {
      store.recordKubernetesInstantiation(record.vnfInstanceId, record.kubernetes, record.vnfcResourceInfo);
      return Promise.resolve();
    },

    recordVnfcResourceInfo({ vnfInstanceId, vnfcResourceInfo }: { vnfInstanceId: string; vnfcResourceInfo: VnfcResourceInfo[] }): Promise<void> {
      store.recordVnfcResourceInfo(vnfInstanceId, vnfcResourceInfo);
      return Promise.resolve();
    },

    /** The instance runs the destination package, made of its manifests (idempotent). */
    recordKubernetesPackageChange({ vnfInstanceId, target, deployment }: {
      vnfInstanceId: string; target: TargetPackage; deployment: Pick<KubernetesDeploymentInfo, 'defFiles' | 'resources' | 'vdus'>;
    }): Promise<void> {
      store.recordKubernetesPackageChange(vnfInstanceId, vnfdOf(target), deployment);
      return Promise.resolve();
    },

    recordTermination({ vnfInstanceId }: { vnfInstanceId: string }): Promise<void> {
      store.recordTermination(vnfInstanceId);
      return Promise.resolve();
    },

    /** The instance now runs the destination package (idempotent: writes the same values again). */
    recordPackageChange({ vnfInstanceId, target }: { vnfInstanceId: string; target: TargetPackage }): Promise<void> {
      store.recordPackageChange(vnfInstanceId, vnfdOf(target));
      return Promise.resolve();
    },
  };
}

function vnfdOf(target: TargetPackage): VnfdSummary {
  return {
    vnfdId: target.vnfdId,
    vnfProvider: target.vnfProvider ?? '',
    vnfProductName: target.vnfProductName ?? '',
    vnfSoftwareVersion: target.vnfSoftwareVersion ?? '',
    vnfdVersion: target.vnfdVersion ?? '',
    vdus: target.vdus,
    coordinationActionNames: target.coordinationActionNames,
  };
}
