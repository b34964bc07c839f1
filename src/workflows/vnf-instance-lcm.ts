// vnfInstanceLcm: one entity workflow per VNF instance that serializes its LCM operations
// (SOL003: one operation at a time per instance; an operation in FAILED_TEMP still holds it).
// The gateway submits each operation with update-with-start, so two concurrent requests can
// never both win: updates to one workflow run one at a time, and the validator sees the truth.
import {
  ParentClosePolicy, allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, defineUpdate, setHandler,
  startChild, workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import { VNF_INSTANCE_ID, VNF_LCM_OPERATION, VNF_LCM_OPERATION_STATE } from '../search-attributes.ts';

export type LcmOperationKind = 'CHANGE_VNFPKG' | 'INSTANTIATE' | 'TERMINATE';

/** Workflow type that performs each kind of operation. */
export const OPERATION_WORKFLOWS: Record<LcmOperationKind, string> = {
  CHANGE_VNFPKG: 'changeVnfPkg',
  INSTANTIATE: 'instantiateVnf',
  TERMINATE: 'terminateVnf',
};

export interface StartOperation {
  kind: LcmOperationKind;
  vnfLcmOpOccId: string;
  /** The operation workflow's input. */
  input: unknown;
  staticSummary?: string;
  staticDetails?: string;
}

export const startOperationUpdate = defineUpdate<{ vnfLcmOpOccId: string }, [StartOperation]>('startOperation');
/** Sent by an operation workflow when it reaches a final state; frees the instance. */
export const operationEndedSignal = defineSignal<[{ vnfLcmOpOccId: string }]>('operationEnded');
export const activeOperationQuery = defineQuery<string | undefined>('activeOperation');

export function vnfInstanceWorkflowId(vnfInstanceId: string): string {
  return `vnf-instance/${vnfInstanceId}`;
}

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
    const searchAttributes: SearchAttributePair[] = [
      { key: VNF_INSTANCE_ID, value: state.vnfInstanceId },
      { key: VNF_LCM_OPERATION, value: start.kind },
      { key: VNF_LCM_OPERATION_STATE, value: 'STARTING' },
    ];
    try {
      await startChild(OPERATION_WORKFLOWS[start.kind], {
        workflowId: start.vnfLcmOpOccId,
        args: [start.input],
        // The operation outlives this entity's runs (continue-as-new) and reports back by signal.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: searchAttributes,
        staticSummary: start.staticSummary,
        staticDetails: start.staticDetails,
      });
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
      if (!OPERATION_WORKFLOWS[start.kind]) throw new Error(`unknown operation ${String(start.kind)}`);
    },
  });

  const startedHere = state.operationsStarted;
  await condition(() => (state.operationsStarted - startedHere >= OPERATIONS_PER_RUN || workflowInfo().continueAsNewSuggested)
    && allHandlersFinished());
  await continueAsNew<typeof vnfInstanceLcm>(state);
}
