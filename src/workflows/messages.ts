// Messages of the LCM operation workflows, defined once; the gateway imports the same constants.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OperationState } from './operation-state.ts';

export const operationQuery = defineQuery<OperationState>('operation');
/** SOL003 "retry" task: resume a FAILED_TEMP operation at the step that failed. */
export const retryUpdate = defineUpdate<OperationState>('retry');
/** SOL003 "fail" task: a FAILED_TEMP operation becomes FAILED, finally. */
export const failUpdate = defineUpdate<OperationState>('fail');
