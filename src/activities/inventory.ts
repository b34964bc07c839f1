// Activities on the VNFM's own inventory of VNF instances and packages.
import type { InventoryStore, VnfcResourceInfo } from '../inventory/store.ts';
import type { TargetPackage } from '../lcm/change-vnfpkg-input.ts';
import type { KubernetesDeploymentInfo } from '../lcm/kubernetes-input.ts';
import { vimConnectionEntry, type VimIdentity } from '../openstack/vim-connection-info.ts';
import type { VnfInfoModifications } from '../sol003/models.ts';
import type { VnfdSummary } from '../vnfd/vnfd.ts';

/** `vim`: the VIM the worker drives, named in the records of what it instantiates. */
export function createInventoryActivities(store: InventoryStore, vim?: VimIdentity) {
  return {
    recordInstantiation(record: { vnfInstanceId: string; stack: { name: string; id: string }; flavourId: string; vnfcResourceInfo: VnfcResourceInfo[] }): Promise<void> {
      if (!vim) return store.recordInstantiation(record.vnfInstanceId, record.stack, record.vnfcResourceInfo);
      // Direct mode (SOL003): every resource handle names the VIM connection that reaches it.
      const { vimConnectionId, info } = vimConnectionEntry(vim);
      const vnfcs = record.vnfcResourceInfo.map((v) => ({ ...v, computeResource: { ...v.computeResource, vimConnectionId } }));
      return store.recordInstantiation(record.vnfInstanceId, record.stack, vnfcs, { vimConnectionInfo: { [vimConnectionId]: info }, flavourId: record.flavourId });
    },

    recordKubernetesInstantiation(record: { vnfInstanceId: string; kubernetes: KubernetesDeploymentInfo; vnfcResourceInfo: VnfcResourceInfo[] }): Promise<void> {
      return store.recordKubernetesInstantiation(record.vnfInstanceId, record.kubernetes, record.vnfcResourceInfo);
    },

    recordVnfcResourceInfo({ vnfInstanceId, vnfcResourceInfo }: { vnfInstanceId: string; vnfcResourceInfo: VnfcResourceInfo[] }): Promise<void> {
      return store.recordVnfcResourceInfo(vnfInstanceId, vnfcResourceInfo);
    },

    /** The instance runs the destination package, made of its manifests (idempotent). */
    recordKubernetesPackageChange({ vnfInstanceId, target, deployment }: {
      vnfInstanceId: string; target: TargetPackage; deployment: Pick<KubernetesDeploymentInfo, 'defFiles' | 'resources' | 'vdus'>;
    }): Promise<void> {
      return store.recordKubernetesPackageChange(vnfInstanceId, vnfdOf(target), deployment);
    },

    recordTermination({ vnfInstanceId }: { vnfInstanceId: string }): Promise<void> {
      return store.recordTermination(vnfInstanceId);
    },

    /** MODIFY_INFO: the changes merged into the instance's record (idempotent). */
    recordModification({ vnfInstanceId, changes }: { vnfInstanceId: string; changes: VnfInfoModifications }): Promise<void> {
      return store.recordModification(vnfInstanceId, changes);
    },

    /** The VNFCs a Blue-Green change removed and added (idempotent). */
    recordVnfcReplacement({ vnfInstanceId, removedIds, added }: { vnfInstanceId: string; removedIds: string[]; added: VnfcResourceInfo[] }): Promise<void> {
      return store.replaceVnfcs(vnfInstanceId, removedIds, added);
    },

    /** The instance now runs the destination package (idempotent: writes the same values again). */
    recordPackageChange({ vnfInstanceId, target }: { vnfInstanceId: string; target: TargetPackage }): Promise<void> {
      return store.recordPackageChange(vnfInstanceId, vnfdOf(target));
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
