// The one resource of vnflcm v1 the gateway serves: the cancel task of an operation
// occurrence. python-tackerclient has `openstack vnflcm op cancel` only for v1 (Tacker's v2 has
// no cancel), and that command POSTs `/vnflcm/v1/vnf_lcm_op_occs/{id}/cancel` without a Version
// header. The occurrence ids are the same as v2's; the task is the same (SOL003 §5.4.17, which
// did not change between 2.6.1 and 3.x). The rest of v1 is not served, and api_versions does
// not list it.
import type { App } from '../../http/app.ts';
import type { OperationWorkflows } from '../operation-workflows.ts';
import { cancelRoute } from './vnf-lcm-op-occs.ts';

export const VNFLCM_V1_BASE = '/vnflcm/v1';
/** Tacker's version of vnflcm v1 (SOL003 v2.6.1). */
export const VNFLCM_V1_VERSION = '1.3.0';

export function cancelTaskOfV1(scope: App, deps: OperationWorkflows): void {
  cancelRoute(scope, deps, 'cancelVnfLcmOpOccV1', 'Cancel an operation (vnflcm v1 path, as python-tackerclient\'s op cancel sends it)');
}
