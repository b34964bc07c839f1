// What a reader of the API sees of an operation occurrence: the part of the workflow's state that
// VnfLcmOpOcc is rendered from, and nothing of the workflow's own bookkeeping (deadlines, next
// exchange times, the UI's details), which changes on every poll and would cost a history event
// each time. The operation keeps it in its memo (operation-occurrence.ts publishes it whenever it
// changes), so the gateway reads it from the Temporal server with one describe, whatever the
// worker is doing. Plain code and types: the gateway imports this module too.
import type { OccurrenceStanding } from '../lcm/operation-lifecycle.ts';
import type { AffectedVnfc } from '../sol003/models.ts';
import { affectedVnfcsOf } from './affected-vnfcs.ts';
import type { OperationState } from './operation-state.ts';

/** The memo field that holds the view (encrypted by the payload codec like every payload). */
export const OCCURRENCE_MEMO = 'vnfLcmOpOcc';

/**
 * A view larger than this (JSON characters) is not published: every upsert is a history event
 * holding the whole memo, and Temporal fails a workflow task whose memo passes 2 MiB. Such an
 * operation (an EM that refused thousands of times, each refusal a rejectedLcmCoordinations
 * entry) is read with a query instead, as before the memo.
 */
export const OCCURRENCE_VIEW_MAX_CHARS = 256 * 1024;

export interface OccurrenceView extends OccurrenceStanding {
  vnfLcmOpOccId: string;
  vnfInstanceId: string;
  operation: OperationState['operation'];
  operationParams: OperationState['operationParams'];
  target: OperationState['target'];
  operationState: OperationState['operationState'];
  stateEnteredTime: string;
  startTime: string;
  /** resourceChanges.affectedVnfcs: the VNFCs the operation has touched so far (affected-vnfcs.ts). */
  affectedVnfcs: AffectedVnfc[];
  /** MODIFY_INFO: what changes (shown once COMPLETED). */
  changedInfo?: OperationState['changedInfo'];
  lcmCoordinations: OperationState['lcmCoordinations'];
  rejectedLcmCoordinations: OperationState['rejectedLcmCoordinations'];
  error?: OperationState['error'];
  direction?: OperationState['direction'];
  isCancelPending?: boolean;
  cancelMode?: OperationState['cancelMode'];
}

/** The view of a state; every field VnfLcmOpOcc shows, in one place. */
export function occurrenceView(state: OperationState): OccurrenceView {
  return {
    vnfLcmOpOccId: state.vnfLcmOpOccId,
    vnfInstanceId: state.vnfInstanceId,
    operation: state.operation,
    operationParams: state.operationParams,
    target: state.target,
    operationState: state.operationState,
    stateEnteredTime: state.stateEnteredTime,
    startTime: state.startTime,
    affectedVnfcs: affectedVnfcsOf(state),
    changedInfo: state.changedInfo,
    lcmCoordinations: state.lcmCoordinations,
    rejectedLcmCoordinations: state.rejectedLcmCoordinations,
    error: state.error,
    direction: state.direction,
    isCancelPending: state.isCancelPending,
    cancelMode: state.cancelMode,
  };
}
