// Messages of the LCM workflows and the entity's workflow id, defined once; the gateway and the
// workflows import the same constants. Their names are in recorded histories: renaming one breaks
// replay. Clients import this module (not the workflow modules, which proxy activities).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OperationState } from './operation-state.ts';
import type { StartOperation } from './start-operation.ts';

// --- An operation occurrence (changeVnfPkg, instantiateVnf, terminateVnf) ---

export const operationQuery = defineQuery<OperationState>('operation');
/** SOL003 "retry" task: resume a FAILED_TEMP operation at the step that failed. */
export const retryUpdate = defineUpdate<OperationState>('retry');
/** SOL003 "fail" task: a FAILED_TEMP operation becomes FAILED, finally. */
export const failUpdate = defineUpdate<OperationState>('fail');
/** SOL003 "rollback" task: revert, in reverse order, what the operation changed. */
export const rollbackUpdate = defineUpdate<OperationState>('rollback');
/** SOL003 "cancel" task: GRACEFUL stops at the next safe point, FORCEFUL stops now (and escalates a pending GRACEFUL). */
export const cancelUpdate = defineUpdate<OperationState, [{ cancelMode: 'GRACEFUL' | 'FORCEFUL' }]>('cancel');

// --- The entity of a VNF instance (vnfInstanceLcm) ---

export function vnfInstanceWorkflowId(vnfInstanceId: string): string {
  return `vnf-instance/${vnfInstanceId}`;
}

/** The notifier of a VNF instance's creation or deletion (deliverOperationNotifications; there is one of each). */
export function identifierNotifierWorkflowId(vnfInstanceId: string, event: 'creation' | 'deletion'): string {
  return `vnf-instance/${vnfInstanceId}/${event}-notification`;
}

/**
 * The entities' own task queue, beside the VNFM's: admitting an operation (two workflow tasks
 * of the entity) never waits behind the backlog of the operations' tasks, and gets worker slots
 * of its own (src/worker.ts runs a worker on each queue).
 */
export function instanceTaskQueue(taskQueue: string): string {
  return `${taskQueue}-admission`;
}

/** Admits an operation on the instance, or refuses it while another holds the instance. */
export const startOperationUpdate = defineUpdate<{ vnfLcmOpOccId: string }, [StartOperation]>('startOperation');
/** Sent by an operation workflow when it reaches a final state; frees the instance. */
export const operationEndedSignal = defineSignal<[{ vnfLcmOpOccId: string }]>('operationEnded');
export const activeOperationQuery = defineQuery<string | undefined>('activeOperation');
