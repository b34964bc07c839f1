// The life of a VNF LCM operation occurrence (SOL003 §5.6.2.2), as plain data: its states, the
// transitions between them, and which operator task (retry, rollback, fail, cancel) each state
// allows. One definition, read by the operation workflows (which enforce it), the gateway (task
// links of VnfLcmOpOcc) and the notifier (START or RESULT). No zod, no Temporal: workflow code
// imports this module, and every module of the workflow bundle is evaluated again for each
// workflow in a worker's cache.
import type { LcmOperationStateType } from '../sol003/models.ts';

export type OperationStateName = LcmOperationStateType;

/** The LCM operations this VNFM performs. */
export type LcmOperationKind = 'CHANGE_VNFPKG' | 'INSTANTIATE' | 'TERMINATE' | 'MODIFY_INFO';

export type OperatorTaskName = 'retry' | 'rollback' | 'fail' | 'cancel';

/** The workflow type that performs each operation: the only workflows that are operation occurrences. */
export const OPERATION_WORKFLOW_TYPES: Readonly<Record<LcmOperationKind, string>> = {
  CHANGE_VNFPKG: 'changeVnfPkg',
  INSTANTIATE: 'instantiateVnf',
  TERMINATE: 'terminateVnf',
  MODIFY_INFO: 'modifyVnfInfo',
};

/** States an occurrence may go to from each state (STARTING is where every occurrence begins). */
const TRANSITIONS: Readonly<Record<OperationStateName, readonly OperationStateName[]>> = {
  STARTING: ['PROCESSING'],
  PROCESSING: ['COMPLETED', 'FAILED_TEMP'],
  FAILED_TEMP: ['PROCESSING', 'ROLLING_BACK', 'FAILED'],
  ROLLING_BACK: ['ROLLED_BACK', 'FAILED_TEMP'],
  COMPLETED: [],
  FAILED: [],
  ROLLED_BACK: [],
};

export function canTransition(from: OperationStateName, to: OperationStateName): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * States whose entry is announced with START; every other state, intermediate (PROCESSING,
 * ROLLING_BACK) or final, is a RESULT (SOL003 §5.6.2.2). START is sent once, for STARTING, as
 * Tacker sends it.
 */
export const START_STATES: ReadonlySet<OperationStateName> = new Set(['STARTING']);
/** States after which the occurrence never changes again. */
export const FINAL_STATES: ReadonlySet<OperationStateName> = new Set(['COMPLETED', 'FAILED', 'ROLLED_BACK']);
/** States in which the operation runs, so that it can be cancelled. */
export const CANCELLABLE_STATES: ReadonlySet<OperationStateName> = new Set(['STARTING', 'PROCESSING', 'ROLLING_BACK']);
/** Operations that know how to undo themselves (the rollback task). */
const ROLLBACK_OPERATIONS: ReadonlySet<LcmOperationKind> = new Set(['CHANGE_VNFPKG']);

/** What decides whether an operator task is allowed now. */
export interface OccurrenceStanding {
  vnfLcmOpOccId: string;
  operation: LcmOperationKind;
  operationState: OperationStateName;
  /** ROLLBACK once the rollback task was chosen. */
  direction?: 'FORWARD' | 'ROLLBACK';
  isCancelPending?: boolean;
  cancelMode?: 'GRACEFUL' | 'FORCEFUL';
  /** Set by an operation once it has gone past the point where it can be undone (why, in words). */
  rollbackRefusal?: string;
}

/**
 * Why the task is not allowed now, or undefined when it is. The workflow's update validators
 * refuse with this text (the gateway answers it as a 409); the gateway shows a task link only
 * when this is undefined.
 */
export function operatorTaskRefusal(task: OperatorTaskName, occ: OccurrenceStanding, cancelMode?: 'GRACEFUL' | 'FORCEFUL'): string | undefined {
  const id = occ.vnfLcmOpOccId;
  if (task === 'cancel') {
    if (!CANCELLABLE_STATES.has(occ.operationState)) {
      return `operation ${id} is ${occ.operationState}; only STARTING, PROCESSING or ROLLING_BACK can be cancelled`;
    }
    // An operator stuck behind a slow step must be able to force a pending GRACEFUL cancel.
    const escalates = occ.cancelMode === 'GRACEFUL' && cancelMode !== 'GRACEFUL';
    return occ.isCancelPending && !escalates ? `operation ${id} is being cancelled already (${occ.cancelMode ?? 'GRACEFUL'})` : undefined;
  }
  if (occ.operationState !== 'FAILED_TEMP') return `operation ${id} is ${occ.operationState}, not FAILED_TEMP`;
  if (task === 'rollback') {
    if (!ROLLBACK_OPERATIONS.has(occ.operation)) return `operation ${id} (${occ.operation}) has no rollback; retry or fail it`;
    if (occ.direction === 'ROLLBACK') return `operation ${id} is already a failed rollback; retry or fail it`;
    if (occ.rollbackRefusal) return `operation ${id} cannot be rolled back: ${occ.rollbackRefusal}; retry or fail it`;
  }
  return undefined;
}
