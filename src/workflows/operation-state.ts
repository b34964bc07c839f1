// The operation occurrence as the workflow keeps it. Serializable: it is carried across
// continue-as-new, returned by the `operation` query and rendered by the gateway.
import type { ProblemDetails } from '../http/problem.ts';
import type { BlueGreenProgress } from './blue-green-state.ts';
import type { LcmOperationKind, OccurrenceStanding } from '../lcm/operation-lifecycle.ts';
import type {
  AffectedVnfc, LcmCoordinationRecord, LcmOperationStateType, RejectedLcmCoordinationRecord, VnfInfoModifications,
} from '../sol003/models.ts';

export type VnfcPhase = 'PENDING' | 'UPDATING_VIM' | 'COORDINATING' | 'DONE';

/** A coordination that was requested and has no result yet. */
export interface OpenCoordination {
  actionName: string;
  firstRequestAt: number;
  deadlineAt: number;
  /** Workflow time of the next exchange (POST after a 503, GET after a 202). */
  nextExchangeAt: number;
  /** Set once the EM accepted asynchronously. */
  location?: string;
  /** Index in lcmCoordinations of this coordination's record, once the EM accepted it. */
  recordIndex?: number;
  /** Refusals (503, 429) without Retry-After in a row: each doubles the wait before the next POST. */
  busyStreak?: number;
}

/** Progress of one VNFC in one direction (the change, or its rollback): a resumable checkpoint. */
export interface VnfcStep {
  phase: VnfcPhase;
  memberStack?: { name: string; id: string };
  vimUpdateDeadlineAt?: number;
  /** The user's coordinate script ran successfully for this VNFC in this direction. */
  scriptDone?: boolean;
  /** Coordination actions of this VNFC that returned CONTINUE. */
  actionsDone: number;
  coordination?: OpenCoordination;
}

export interface VnfcProgress extends VnfcStep {
  id: string;
  vduId: string;
  serverId: string;
  /** The VIM connection of its resource handle, when the instance names one. */
  vimConnectionId?: string;
  /** Position in vnfcResourceInfo. */
  index: number;
  /** Image and flavour before the change: where a rollback takes the VNFC back. */
  previousImage?: string;
  previousFlavor?: string;
  rollback?: VnfcStep;
}

/** FORWARD changes the package; ROLLBACK reverts, in reverse order, the VNFCs that were changed. */
export type Direction = 'FORWARD' | 'ROLLBACK';

export interface OperationState extends OccurrenceStanding {
  vnfLcmOpOccId: string;
  vnfInstanceId: string;
  operation: LcmOperationKind;
  /** The request as received, secrets redacted (it is shown to API readers). */
  operationParams: Record<string, unknown>;
  /** Identity of the destination package (modificationsTriggeredByVnfPkgChange). */
  target: { vnfdId: string; vnfProvider?: string; vnfProductName?: string; vnfSoftwareVersion?: string; vnfdVersion?: string };
  operationState: LcmOperationStateType;
  stateEnteredTime: string;
  startTime: string;
  vnfcs: VnfcProgress[];
  /** A Blue-Green change's own progress (its VNFCs are here, not in `vnfcs`). */
  blueGreen?: BlueGreenProgress;
  /**
   * resourceChanges.affectedVnfcs, when the operation keeps them itself (VNFCs added and
   * removed, as on Kubernetes); otherwise every VNFC it touched is MODIFIED.
   */
  affectedVnfcs?: AffectedVnfc[];
  lcmCoordinations: LcmCoordinationRecord[];
  rejectedLcmCoordinations: RejectedLcmCoordinationRecord[];
  error?: ProblemDetails;
  /** MODIFY_INFO: the changes it makes to the instance (shown once COMPLETED). */
  changedInfo?: VnfInfoModifications;
  /** What the operation is doing now, in words (also the UI's current details). */
  details: string;
  /** How many runs (continue-as-new) this operation has used. */
  runs: number;
  direction?: Direction;
  isCancelPending?: boolean;
  cancelMode?: 'GRACEFUL' | 'FORCEFUL';
  /** A notifier took (or was started with) a notification of this occurrence: it gets every later one. */
  notifierStarted?: boolean;
}
