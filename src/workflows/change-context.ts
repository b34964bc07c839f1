// What the steps of one change_vnfpkg share: its input, its occurrence (state, words for the
// UI, waits and checkpoints), and where each VNFC stands in the rolling order.
import type { ParsedChangeVnfPkgInput } from '../lcm/change-vnfpkg-input.ts';
import type { TuningValues } from '../lcm/change-vnfpkg-tuning.ts';
import type { VduParam, VnfcParam } from '../sol003/models.ts';
import type { OperationOccurrence } from './operation-occurrence.ts';
import type { OperationState, VnfcProgress } from './operation-state.ts';

/** The new VNFC after a change, or the old one after a rollback: its parameters, script and package. */
export type VnfcSide = 'new' | 'old';

/**
 * What coordinating a VNFC reads of a change's input: the OpenStack change's input has it, and
 * so does the Kubernetes one (where vdu_params is optional).
 */
export interface CoordinationInput {
  vnfLcmOpOccId: string;
  vnfInstanceId: string;
  sourcePackageId?: string;
  request: { additionalParams: { 'lcm-operation-coordinate-new-vnf'?: string; 'lcm-operation-coordinate-old-vnf'?: string; vdu_params?: VduParam[] } };
  target: { packageId?: string; coordinationActionNames: string[] };
  links: { vnfLcmOpOcc: string; vnfInstance: string };
  tuning: TuningValues;
}

export class ChangeContext<I extends CoordinationInput = ParsedChangeVnfPkgInput> {
  constructor(
    readonly input: I,
    readonly occurrence: OperationOccurrence,
  ) {}

  get state(): OperationState {
    return this.occurrence.state;
  }

  /** "VNFC 3/8 VDU1-2": where the rolling update stands, for details and summaries. */
  label(vnfc: VnfcProgress): string {
    const position = this.state.vnfcs.indexOf(vnfc) + 1;
    return `VNFC ${position}/${this.state.vnfcs.length} ${vnfc.vduId}-${vnfc.index}`;
  }

  /** The VNFC's parameters (EM endpoint, credentials, timeout) for one side, as the request gave them. */
  vnfcParam(vnfc: VnfcProgress, side: VnfcSide): VnfcParam | undefined {
    const vduParam = this.input.request.additionalParams.vdu_params?.find((p) => p.vdu_id === vnfc.vduId);
    return side === 'new' ? vduParam?.new_vnfc_param : vduParam?.old_vnfc_param;
  }

  describe(details: string): void {
    this.occurrence.describe(details);
  }

  sleepUntil(at: number, summary: string, now?: number): Promise<void> {
    return this.occurrence.sleepUntil(at, summary, now);
  }
}
