// Messages of the LCM operation workflows, defined once; the gateway imports the same constants.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OperationState } from './operation-state.ts';

export const operationQuery = defineQuery<OperationState>('operation');
/** SOL003 "retry" task: resume a FAILED_TEMP operation at the step that failed. */
export const retryUpdate = defineUpdate<OperationState>('retry');
/** SOL003 "fail" task: a FAILED_TEMP operation becomes FAILED, finally. */
export const failUpdate = defineUpdate<OperationState>('fail');
/** SOL003 "rollback" task: revert, in reverse order, the VNFCs the change touched. */
export const rollbackUpdate = defineUpdate<OperationState>('rollback');
/** SOL003 "cancel" task: GRACEFUL finishes the current VNFC step, FORCEFUL stops now. */
export const cancelUpdate = defineUpdate<OperationState, [{ cancelMode: 'GRACEFUL' | 'FORCEFUL' }]>('cancel');
