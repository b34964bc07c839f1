// A Blue-Green change as the workflow keeps it (part of the operation state, carried across
// continue-as-new and answered by the `operation` query): where it stands, the VNFCs on both
// sides with their coordination progress, and what has been done to the VIM and the load
// balancer, so that a retry resumes at the failed step and a rollback undoes exactly that.
import type { NewVnfcGroup } from '../activities/openstack.ts';
import type { VnfcProgress } from './operation-state.ts';

/** The steps of the change, in order. */
export type BlueGreenStage =
  | 'LOCATING_BLUE' // which groups of the VNF's stack hold the VNFCs to replace, and their addresses
  | 'ADDING_GREEN' // one Heat update adds the green groups on the destination image and flavour
  | 'COORDINATING_GREEN' // each green VNFC as a new VNFC (script, EM)
  | 'SWITCHING' // the load balancer is pointed at the green VNFCs
  | 'COORDINATING_BLUE' // each blue VNFC as an old VNFC (script, EM)
  | 'REMOVING_BLUE' // one Heat update deletes the blue groups
  | 'DONE';

/**
 * A load balancer switch: PENDING until it is started; STARTED means it may have happened (a
 * script that failed may have changed the pool before it failed), so a rollback switches back.
 */
export type SwitchPhase = 'PENDING' | 'STARTED' | 'DONE';

/** A VNFC on one side of the change, with the group that holds it and its address. */
export interface BlueGreenVnfc extends VnfcProgress {
  group: string;
  address?: string;
}

/** A Heat update of the VNF's top-level stack that was accepted and is being waited for. */
export interface StackUpdate {
  deadlineAt: number;
  /** False when the stack already had the asked template (a retried step): any *_COMPLETE is then done. */
  patched: boolean;
}

export interface BlueGreenRollback {
  /** Back to the blue VNFCs; NOT_NEEDED when the switch to green had not been started. */
  switchToBlue: SwitchPhase | 'NOT_NEEDED';
  greenRemoved: boolean;
  stackUpdate?: StackUpdate;
}

export interface BlueGreenProgress {
  stage: BlueGreenStage;
  /** The VNFCs being replaced, newest first (the order they are coordinated in). */
  blue: BlueGreenVnfc[];
  /** The VNFCs that replace them, as Heat lists them, once created. */
  green: BlueGreenVnfc[];
  /** The groups (top-level resources) that hold the blue VNFCs. */
  blueGroups: string[];
  /** The groups the change adds, one per VDU. */
  greenGroups: NewVnfcGroup[];
  /** True once the green groups may exist: the Heat update adding them was requested. */
  greenRequested: boolean;
  stackUpdate?: StackUpdate;
  switchToGreen: SwitchPhase;
  rollback?: BlueGreenRollback;
}
