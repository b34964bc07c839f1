// Renders the view of an operation occurrence (src/workflows/occurrence-view.ts) as the SOL003
// VnfLcmOpOcc resource.
import { operatorTaskRefusal, type OperatorTaskName } from '../lcm/operation-lifecycle.ts';
import type { VnfLcmOpOcc } from '../sol003/models.ts';
import type { OccurrenceView } from '../workflows/occurrence-view.ts';

export function toVnfLcmOpOcc(state: OccurrenceView, apiRoot: string): VnfLcmOpOcc {
  const self = `${apiRoot}/vnflcm/v2/vnf_lcm_op_occs/${state.vnfLcmOpOccId}`;
  // Task links appear only while the task is allowed (SOL003 §5.5.2.13), by the workflow's own rule.
  const taskLinks = (['retry', 'rollback', 'fail', 'cancel'] as const satisfies readonly OperatorTaskName[])
    .filter((task) => !operatorTaskRefusal(task, state))
    .map((task) => [task, { href: `${self}/${task}` }] as const);
  return {
    id: state.vnfLcmOpOccId,
    operationState: state.operationState,
    stateEnteredTime: state.stateEnteredTime,
    startTime: state.startTime,
    vnfInstanceId: state.vnfInstanceId,
    operation: state.operation,
    isAutomaticInvocation: false,
    operationParams: state.operationParams,
    isCancelPending: state.isCancelPending ?? false,
    ...(state.cancelMode ? { cancelMode: state.cancelMode } : {}),
    ...(state.error ? { error: state.error } : {}),
    resourceChanges: { affectedVnfcs: state.affectedVnfcs },
    ...(state.operation === 'CHANGE_VNFPKG' && state.operationState === 'COMPLETED' ? { modificationsTriggeredByVnfPkgChange: state.target } : {}),
    ...(state.changedInfo && state.operationState === 'COMPLETED' ? { changedInfo: state.changedInfo } : {}),
    lcmCoordinations: state.lcmCoordinations,
    rejectedLcmCoordinations: state.rejectedLcmCoordinations,
    _links: {
      self: { href: self },
      vnfInstance: { href: `${apiRoot}/vnflcm/v2/vnf_instances/${state.vnfInstanceId}` },
      ...Object.fromEntries(taskLinks),
    },
  };
}
