// vnfInstanceLcm: one entity workflow per VNF instance that serializes its LCM operations
// (SOL003: one operation at a time per instance; an operation in FAILED_TEMP still holds it).
// The gateway submits each operation with update-with-start, so two concurrent requests can
// never both win: updates to one workflow run one at a time, and the validator sees the truth.
import type { SearchAttributePair } from '@temporalio/common';
import {
  ParentClosePolicy, allHandlersFinished, condition, continueAsNew, setHandler, startChild, workflowInfo,
} from '@temporalio/workflow';
import { VNF_INSTANCE_ID, VNF_LCM_OPERATION, VNF_LCM_OPERATION_STATE } from '../search-attributes.ts';
import { changeVnfPkg } from './change-vnfpkg.ts';
import { instantiateVnf, modifyVnfInfo, terminateVnf } from './instance-operations.ts';
import { activeOperationQuery, operationEndedSignal, startOperationUpdate } from './messages.ts';
import type { StartOperation } from './start-operation.ts';

export interface VnfInstanceLcmState {
  vnfInstanceId: string;
  active?: string;
  operationsStarted: number;
}

/** Operations per run before the entity continues as new (each costs a handful of events). */
const OPERATIONS_PER_RUN = 200;

export async function vnfInstanceLcm(state: VnfInstanceLcmState): Promise<void> {
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
  await condition(() => (state.operationsStarted - startedHere >= OPERATIONS_PER_RUN || workflowInfo().continueAsNewSuggested)
    && allHandlersFinished());
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
