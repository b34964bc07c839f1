// The state an operation occurrence is created in (STARTING), built from the operation's input
// in one place: by the operation's workflow when it starts, and by the instance's entity, which
// publishes its view in the new workflow's memo so that the occurrence can be read before any
// worker has run it. Both build it from the same input and the same time (the entity's, read back
// from the start memo), so the two agree to the byte.
import { workflowInfo } from '@temporalio/workflow';
import type { ChangeVnfPkgInput } from '../lcm/change-vnfpkg-input.ts';
import { redactSecrets } from '../sol003/redact.ts';
import type { OperationBase } from './instance-operations.ts';
import { OCCURRENCE_MEMO, type OccurrenceView } from './occurrence-view.ts';
import type { OperationState, VnfcProgress } from './operation-state.ts';
import type { StartOperation } from './start-operation.ts';

export function initialOperationState(start: StartOperation, now: string): OperationState {
  return start.kind === 'CHANGE_VNFPKG' ? initialChangeState(start.input, now) : initialInstanceOperationState(start.kind, start.input, now);
}

export function initialChangeState(input: ChangeVnfPkgInput, now: string): OperationState {
  const { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion } = input.target;
  return {
    vnfLcmOpOccId: input.vnfLcmOpOccId,
    vnfInstanceId: input.vnfInstanceId,
    operation: 'CHANGE_VNFPKG',
    operationParams: redactSecrets(input.request),
    target: { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion },
    operationState: 'STARTING',
    stateEnteredTime: now,
    startTime: now,
    vnfcs: rollingOrder(input),
    lcmCoordinations: [],
    rejectedLcmCoordinations: [],
    details: 'starting',
    runs: 1,
  };
}

export function initialInstanceOperationState(
  operation: 'INSTANTIATE' | 'TERMINATE', input: OperationBase, now: string,
): OperationState {
  return {
    vnfLcmOpOccId: input.vnfLcmOpOccId, vnfInstanceId: input.vnfInstanceId, operation,
    operationParams: redactSecrets(input.request), target: input.vnfd,
    operationState: 'STARTING', stateEnteredTime: now, startTime: now,
    vnfcs: [], lcmCoordinations: [], rejectedLcmCoordinations: [], details: 'starting', runs: 1,
  };
}

/** The rolling order: VNFCs of the VDUs in vdu_params, highest vnfcResourceInfo index first. */
export function rollingOrder(input: Pick<ChangeVnfPkgInput, 'request' | 'vnfcResourceInfo'>): VnfcProgress[] {
  const vdus = new Set(input.request.additionalParams.vdu_params.map((p) => p.vdu_id));
  return input.vnfcResourceInfo
    .map((vnfc, index) => ({ ...vnfc, index }))
    .filter((vnfc) => vdus.has(vnfc.vduId))
    .reverse()
    .map((vnfc) => ({ id: vnfc.id, vduId: vnfc.vduId, serverId: vnfc.serverId, index: vnfc.index, phase: 'PENDING', actionsDone: 0 }));
}

/**
 * When the occurrence started: the time of the view its entity published with the start, so the
 * STARTING a reader saw before this first task and the one after agree; the workflow's own clock
 * when it was started without one (histories recorded before the memo, a start by hand).
 */
export function occurrenceStartTime(): string {
  const published = workflowInfo().memo?.[OCCURRENCE_MEMO] as Partial<OccurrenceView> | undefined;
  return typeof published?.startTime === 'string' ? published.startTime : new Date().toISOString();
}
