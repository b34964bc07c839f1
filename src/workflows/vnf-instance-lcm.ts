// vnfInstanceLcm: one entity workflow per VNF instance that serializes its LCM operations
// (SOL003: one operation at a time per instance; an operation in FAILED_TEMP still holds it).
// The gateway submits each operation with update-with-start, so two concurrent requests can
// never both win: updates to one workflow run one at a time, and the validator sees the truth.
import type { SearchAttributePair } from '@temporalio/common';
import {
  ParentClosePolicy, allHandlersFinished, condition, continueAsNew, log, makeContinueAsNewFunc, patched, setHandler, startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { VNF_INSTANCE_ID, VNF_LCM_OPERATION, VNF_LCM_OPERATION_STATE } from '../search-attributes.ts';
import { changeVnfPkg } from './change-vnfpkg.ts';
import { initialOperationState } from './initial-state.ts';
import { instantiateVnf, modifyVnfInfo, terminateVnf } from './instance-operations.ts';
import { activeOperationQuery, instanceTaskQueue, operationEndedSignal, startOperationUpdate } from './messages.ts';
import { OCCURRENCE_MEMO, occurrenceView } from './occurrence-view.ts';
import { OCCURRENCE_MEMO_PATCH } from './operation-occurrence.ts';
import type { StartOperation } from './start-operation.ts';

export interface VnfInstanceLcmState {
  vnfInstanceId: string;
  active?: string;
  operationsStarted: number;
  /** Started on (or moved to) the admission queue; entities an earlier version started ran beside the operations. */
  onAdmissionQueue?: boolean;
}

/** Operations per run before the entity continues as new (each costs a handful of events). */
const OPERATIONS_PER_RUN = 200;

export async function vnfInstanceLcm(state: VnfInstanceLcmState): Promise<void> {
  /** An entity started beside the operations moves to the admission queue (see instanceTaskQueue). */
  let moveTo: string | undefined;
  setHandler(activeOperationQuery, () => state.active);
  setHandler(operationEndedSignal, ({ vnfLcmOpOccId }) => {
    if (state.active === vnfLcmOpOccId) state.active = undefined;
  });
  setHandler(startOperationUpdate, async (start) => {
    state.active = start.vnfLcmOpOccId;
    state.operationsStarted += 1;
    try {
      await startOperationWorkflow(start, state.vnfInstanceId);
    } catch (err) {
      state.active = undefined;
      throw err;
    }
    if (start.operationTaskQueue && !state.onAdmissionQueue && patched(OCCURRENCE_MEMO_PATCH)) moveTo = instanceTaskQueue(start.operationTaskQueue);
    return { vnfLcmOpOccId: start.vnfLcmOpOccId };
  }, {
    validator: (start: StartOperation) => {
      if (state.active) {
        throw new Error(`VNF instance ${state.vnfInstanceId} has an LCM operation in progress or in FAILED_TEMP (${state.active})`);
      }
      if (!['CHANGE_VNFPKG', 'INSTANTIATE', 'TERMINATE', 'MODIFY_INFO'].includes(start.kind)) throw new Error(`unknown operation ${String(start.kind)}`);
    },
  });

  const startedHere = state.operationsStarted;
  await condition(() => (state.operationsStarted - startedHere >= OPERATIONS_PER_RUN || workflowInfo().continueAsNewSuggested
    || moveTo !== undefined) && allHandlersFinished());
  if (moveTo) await makeContinueAsNewFunc<typeof vnfInstanceLcm>({ taskQueue: moveTo })({ ...state, onAdmissionQueue: true });
  await continueAsNew<typeof vnfInstanceLcm>(state);
}

/** Starts the operation's own workflow as an abandoned child that reports back by signal. */
async function startOperationWorkflow(start: StartOperation, vnfInstanceId: string): Promise<void> {
  const searchAttributes: SearchAttributePair[] = [
    { key: VNF_INSTANCE_ID, value: vnfInstanceId },
    { key: VNF_LCM_OPERATION, value: start.kind },
    { key: VNF_LCM_OPERATION_STATE, value: 'STARTING' },
  ];
  const options = {
    workflowId: start.vnfLcmOpOccId,
    // The operation outlives this entity's runs (continue-as-new) and reports back by signal.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: searchAttributes,
    staticSummary: start.staticSummary,
    staticDetails: start.staticDetails,
    ...(patched(OCCURRENCE_MEMO_PATCH) ? viewAtStart(start) : {}),
  };
  switch (start.kind) {
    case 'CHANGE_VNFPKG':
      await startChild(changeVnfPkg, { ...options, args: [start.input] });
      return;
    case 'INSTANTIATE':
      await startChild(instantiateVnf, { ...options, args: [start.input] });
      return;
    case 'TERMINATE':
      await startChild(terminateVnf, { ...options, args: [start.input] });
      return;
    case 'MODIFY_INFO':
      await startChild(modifyVnfInfo, { ...options, args: [start.input] });
      return;
  }
}

/**
 * The occurrence in STARTING, readable from its first moment (the gateway answers a GET from the
 * memo, before any worker has run the operation), and the operation's own task queue: the entity
 * runs on the admission queue, apart from the operations' backlog.
 */
function viewAtStart(start: StartOperation): { memo?: Record<string, unknown>; taskQueue?: string } {
  const taskQueue = start.operationTaskQueue ? { taskQueue: start.operationTaskQueue } : {};
  try {
    return { ...taskQueue, memo: { [OCCURRENCE_MEMO]: occurrenceView(initialOperationState(start, new Date().toISOString())) } };
  } catch (err) {
    // An input the gateway would not have sent: the operation's workflow refuses it itself.
    log.warn(`no view of ${start.vnfLcmOpOccId} at its start: ${(err as Error).message}`);
    return taskQueue;
  }
}
