// A CNF's VNFCs are its pods. A change on Kubernetes replaces pods, so the VNFCs are read again
// after every step: the instance's vnfcResourceInfo is what runs now, and the operation's
// affectedVnfcs say which pods it ADDED, which it REMOVED, and which it made and removed again
// (TEMPORARY, as a rollback does with the pods of the change); a StatefulSet's pod, replaced
// under its own name, is MODIFIED.
import type { KubernetesVnfc } from '../activities/kubernetes.ts';
import type { VnfcResourceInfo } from '../inventory/store.ts';
import type { WorkloadRef } from '../kubernetes/rollout.ts';
import type { KubernetesTarget } from '../kubernetes/vim-connection.ts';
import type { AffectedVnfc } from '../sol003/models.ts';
import { inventory, kubernetesReads } from './activities.ts';
import type { OperationState } from './operation-state.ts';
import { asStep } from './step-failure.ts';

export interface VnfcLedger {
  /** The pods when the operation began. */
  before: KubernetesVnfc[];
  /** Every pod seen during the operation, in the order first seen. */
  seen: KubernetesVnfc[];
  /** StatefulSet pods seen on another revision than first seen: replaced under the same name. */
  modified?: string[];
}

/** Reads the pods of the VDUs, and records them: in the instance, and as the operation's affectedVnfcs. */
export async function refreshVnfcs(
  state: OperationState, ledger: VnfcLedger, target: KubernetesTarget, vdus: Record<string, WorkloadRef>,
): Promise<KubernetesVnfc[]> {
  const now = await asStep(502, 'Kubernetes: the pods of the VNF', () => kubernetesReads.listKubernetesVnfcs.executeWithOptions(
    { summary: 'list the pods (VNFCs)' }, [{ target, vdus }]));
  for (const pod of now) {
    const first = ledger.seen.find((s) => s.id === pod.id);
    if (!first) ledger.seen.push(pod);
    else if (pod.revision !== undefined && pod.revision !== first.revision && !ledger.modified?.includes(pod.id)) (ledger.modified ??= []).push(pod.id);
  }
  state.affectedVnfcs = affectedVnfcs(ledger, now);
  await inventory.recordVnfcResourceInfo.executeWithOptions(
    { summary: `record ${now.length} VNFCs of ${state.vnfInstanceId}` }, [{ vnfInstanceId: state.vnfInstanceId, vnfcResourceInfo: now.map(vnfcResourceInfo) }]);
  return now;
}

export function affectedVnfcs(ledger: VnfcLedger, now: KubernetesVnfc[]): AffectedVnfc[] {
  const has = (list: KubernetesVnfc[], pod: KubernetesVnfc) => list.some((p) => p.id === pod.id);
  const change = (pod: KubernetesVnfc, changeType: AffectedVnfc['changeType']): AffectedVnfc => ({
    id: pod.id, vduId: pod.vduId, changeType, computeResource: { resourceId: pod.id, vimLevelResourceType: pod.kind },
  });
  return [
    ...ledger.before.filter((p) => !has(now, p)).map((p) => change(p, 'REMOVED')),
    ...ledger.seen.filter((p) => !has(ledger.before, p) && has(now, p)).map((p) => change(p, 'ADDED')),
    ...ledger.seen.filter((p) => !has(ledger.before, p) && !has(now, p)).map((p) => change(p, 'TEMPORARY')),
    // A StatefulSet's pod keeps its name: replaced, it is the same VNFC, MODIFIED.
    ...now.filter((p) => has(ledger.before, p) && ledger.modified?.includes(p.id)).map((p) => change(p, 'MODIFIED')),
  ];
}

/** A pod as the instance's vnfcResourceInfo shows it (Tacker's shape: the pod name is the id and the resource). */
export function vnfcResourceInfo(pod: KubernetesVnfc): VnfcResourceInfo {
  return { id: pod.id, vduId: pod.vduId, computeResource: { resourceId: pod.id, vimLevelResourceType: pod.kind }, metadata: pod.revision ? { revision: pod.revision } : {} };
}
