import { getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import type { OperationState } from './operation-state.ts';
import { operationEndedSignal } from './messages.ts';

/**
 * An operation in a final state frees its VNF instance: it tells the instance's entity workflow
 * (its parent, when the gateway started it through one). Operations started without an entity
 * have no parent and send nothing, so older histories replay unchanged.
 */
export async function reportEndToInstance(state: OperationState): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent) return;
  try {
    await getExternalWorkflowHandle(parent.workflowId).signal(operationEndedSignal, { vnfLcmOpOccId: state.vnfLcmOpOccId });
  } catch (err) {
    log.warn(`could not tell ${parent.workflowId} that ${state.vnfLcmOpOccId} ended: ${(err as Error).message}`);
  }
}
