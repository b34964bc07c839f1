// The VNFCs an operation has affected so far (SOL003 AffectedVnfc), from the operation state:
// the op occ's resourceChanges and the notifications show the same list. A rolling update
// MODIFIES each VNFC it has touched; a Blue-Green change ADDS the green VNFCs (until a rollback
// deletes them) and REMOVES the blue ones once their deletion has begun. An operation that keeps
// the list itself (Kubernetes: pods ADDED, REMOVED, TEMPORARY) gives it in the state.
import type { AffectedVnfc } from '../sol003/models.ts';
import type { OperationState } from './operation-state.ts';

const SERVER_TYPE = 'OS::Nova::Server';

export function affectedVnfcsOf(state: OperationState): AffectedVnfc[] {
  if (state.affectedVnfcs) return state.affectedVnfcs;
  const blueGreen = state.blueGreen;
  if (!blueGreen) return state.vnfcs.filter((v) => v.phase !== 'PENDING').map((v) => affected(v, 'MODIFIED'));
  const added = blueGreen.rollback?.greenRemoved ? [] : blueGreen.green.map((v) => affected(v, 'ADDED'));
  const removing = blueGreen.stage === 'REMOVING_BLUE' || blueGreen.stage === 'DONE';
  return [...added, ...(removing ? blueGreen.blue.map((v) => affected(v, 'REMOVED')) : [])];
}

function affected(vnfc: { id: string; vduId: string; serverId: string; vimConnectionId?: string }, changeType: AffectedVnfc['changeType']): AffectedVnfc {
  const vimConnection = vnfc.vimConnectionId ? { vimConnectionId: vnfc.vimConnectionId } : {};
  return { id: vnfc.id, vduId: vnfc.vduId, changeType, computeResource: { ...vimConnection, resourceId: vnfc.serverId, vimLevelResourceType: SERVER_TYPE } };
}
