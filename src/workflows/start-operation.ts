// What the gateway hands the instance's entity to start: one LCM operation, its kind telling
// which workflow runs it and with which input. The entity starts it by function reference.
import type { ChangeVnfPkgInput } from '../lcm/change-vnfpkg-input.ts';
import type { KubernetesChangeVnfPkgInput, KubernetesInstantiateInput, KubernetesTerminateInput } from '../lcm/kubernetes-input.ts';
import type { InstantiateVnfInput, ModifyVnfInfoInput, TerminateVnfInput } from './instance-operations.ts';

interface StartCommon {
  vnfLcmOpOccId: string;
  /** One line for the Temporal UI's list. */
  staticSummary?: string;
  /** Markdown for the Temporal UI's detail view. */
  staticDetails?: string;
  /**
   * The task queue the operation's workflow runs on (the VNFM's); the entity itself runs on its
   * own admission queue. Absent in submissions to entities that ran beside their operations.
   */
  operationTaskQueue?: string;
}

export type StartOperation =
  | (StartCommon & { kind: 'CHANGE_VNFPKG'; input: ChangeVnfPkgInput | KubernetesChangeVnfPkgInput })
  | (StartCommon & { kind: 'INSTANTIATE'; input: InstantiateVnfInput | KubernetesInstantiateInput })
  | (StartCommon & { kind: 'TERMINATE'; input: TerminateVnfInput | KubernetesTerminateInput })
  | (StartCommon & { kind: 'MODIFY_INFO'; input: ModifyVnfInfoInput });
