// The state an operation occurrence is created in (STARTING), built from the operation's input
// in one place: by the operation's workflow when it starts, and by the instance's entity, which
// publishes its view in the new workflow's memo so that the occurrence can be read before any
// worker has run it. Both build it from the same input and the same time (the entity's, read back
// from the start memo), so the two agree to the byte. Each kind of change adds its own progress
// (a rolling update its VNFCs in rolling order, Blue-Green and Kubernetes theirs), none of which
// shows in the view before the operation has done anything.
import { workflowInfo } from '@temporalio/workflow';
import type { ChangeVnfPkgInput } from '../lcm/change-vnfpkg-input.ts';
import { redactSecrets } from '../sol003/redact.ts';
import type { ModifyVnfInfoInput, OperationBase } from './instance-operations.ts';
import { OCCURRENCE_MEMO, type OccurrenceView } from './occurrence-view.ts';
import type { OperationState, VnfcProgress } from './operation-state.ts';
import type { StartOperation } from './start-operation.ts';

/** What every operation starts with, whatever it is. */
export function startingState(
  operation: OperationState['operation'], input: Pick<OperationBase, 'vnfLcmOpOccId' | 'vnfInstanceId' | 'request'>,
  target: OperationState['target'], now: string,
): OperationState {
  return {
    vnfLcmOpOccId: input.vnfLcmOpOccId,
    vnfInstanceId: input.vnfInstanceId,
    operation,
    operationParams: redactSecrets(input.request),
    target,
    operationState: 'STARTING',
    stateEnteredTime: now,
    startTime: now,
    vnfcs: [],
    lcmCoordinations: [],
    rejectedLcmCoordinations: [],
    details: 'starting',
    runs: 1,
  };
}

/** The destination's identity, as the occurrence shows it (modificationsTriggeredByVnfPkgChange). */
export function destinationIdentity(target: ChangeVnfPkgInput['target']): OperationState['target'] {
  const { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion } = target;
  return { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion };
}

/** The state the entity publishes the view of when it starts an operation of any kind. */
export function initialOperationState(start: StartOperation, now: string): OperationState {
  if (start.kind === 'CHANGE_VNFPKG') return startingState('CHANGE_VNFPKG', start.input, destinationIdentity(start.input.target), now);
  return initialInstanceOperationState(start.kind, start.input, now);
}

/** A rolling update: its VNFCs in rolling order, none touched yet. */
export function initialChangeState(input: ChangeVnfPkgInput, now: string): OperationState {
  return { ...startingState('CHANGE_VNFPKG', input, destinationIdentity(input.target), now), vnfcs: rollingOrder(input) };
}

export function initialInstanceOperationState(
  operation: 'INSTANTIATE' | 'TERMINATE' | 'MODIFY_INFO', input: OperationBase, now: string,
): OperationState {
  const state = startingState(operation, input, input.vnfd, now);
  // MODIFY_INFO shows what it changes (changedInfo) once COMPLETED; it is known from the start.
  return operation === 'MODIFY_INFO' ? { ...state, changedInfo: redactSecrets((input as ModifyVnfInfoInput).changes) } : state;
}

/** The rolling order: VNFCs of the VDUs in vdu_params, highest vnfcResourceInfo index first. */
export function rollingOrder(input: Pick<ChangeVnfPkgInput, 'request' | 'vnfcResourceInfo'>): VnfcProgress[] {
  const vdus = new Set(input.request.additionalParams.vdu_params.map((p) => p.vdu_id));
  return input.vnfcResourceInfo
    .map((vnfc, index) => ({ ...vnfc, index }))
    .filter((vnfc) => vdus.has(vnfc.vduId))
    .reverse()
    .map((vnfc) => ({
      id: vnfc.id, vduId: vnfc.vduId, serverId: vnfc.serverId, ...(vnfc.vimConnectionId ? { vimConnectionId: vnfc.vimConnectionId } : {}),
      index: vnfc.index, phase: 'PENDING', actionsDone: 0,
    }));
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
