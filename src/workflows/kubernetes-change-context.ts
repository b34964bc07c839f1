// What the steps of one change_vnfpkg on Kubernetes share: the change's context (input,
// occurrence, coordination), where each VDU's Deployment stands, and the VNFC ledger.
import type { ParsedKubernetesChangeVnfPkgInput } from '../lcm/kubernetes-input.ts';
import { ChangeContext } from './change-context.ts';
import type { WorkloadChange } from './kubernetes-rollout.ts';
import { refreshVnfcs, type VnfcLedger } from './kubernetes-vnfcs.ts';
import type { OperationState, VnfcProgress } from './operation-state.ts';

/** The Kubernetes side of the occurrence's state: carried across runs like the rest of it. */
export interface KubernetesChangeProgress extends VnfcLedger {
  /** Objects of the destination other than the VDUs' Deployments, applied so far (in order). */
  objectsApplied: number;
  /** Objects of the source put back by the rollback so far. */
  objectsRestored: number;
  /** One per VDU to change, in order. */
  workloads: WorkloadChange[];
}

export type KubernetesOperationState = OperationState & { kubernetes: KubernetesChangeProgress };

export class KubernetesChangeContext extends ChangeContext<ParsedKubernetesChangeVnfPkgInput> {
  override get state(): KubernetesOperationState {
    return this.occurrence.state as KubernetesOperationState;
  }

  get progress(): KubernetesChangeProgress {
    return this.state.kubernetes;
  }

  /** How long a rollout may stand still (a pod that does not start, a controller that does not act). */
  get timeoutMs(): number {
    return this.input.tuning.vimUpdateTimeoutSec * 1000;
  }

  get pollMs(): number {
    return this.input.tuning.vimPollIntervalMs;
  }

  /** "VDU1 pod 2 vdu1-5d59d67564-x7k2p": the pod's place in its VDU's rollout, for details and summaries. */
  override label(vnfc: VnfcProgress): string {
    return `${vnfc.vduId} pod ${vnfc.index + 1} ${vnfc.id}`;
  }

  /** The pods now, recorded in the instance and in affectedVnfcs. */
  async refreshVnfcs(): Promise<void> {
    const { kubernetes } = this.input;
    await refreshVnfcs(this.state, this.progress, kubernetes.target, { ...kubernetes.sourceVdus, ...kubernetes.vdus });
  }
}
