// instantiateVnf, terminateVnf and modifyVnfInfo: the VNF instance lifecycle around
// change_vnfpkg. Each is a short sequence of steps run as an operation occurrence
// (operation-occurrence.ts): STARTING → PROCESSING → COMPLETED, or FAILED_TEMP with retry
// (resume) and fail (→ FAILED). Instantiate and terminate work on the VIM; modify changes only
// the VNFM's record of the instance.
import { sleep } from '@temporalio/workflow';
import type { VnfInfoModifications } from '../sol003/models.ts';
import { inventory, vim } from './activities.ts';
import { initialInstanceOperationState, occurrenceStartTime } from './initial-state.ts';
import { OperationOccurrence, type OccurrenceRun } from './operation-occurrence.ts';
import type { OperationState } from './operation-state.ts';
import { asStep, StepFailure } from './step-failure.ts';
import type { KubernetesInstantiateInput, KubernetesTerminateInput } from '../lcm/kubernetes-input.ts';
import { instantiateOnKubernetes, terminateOnKubernetes } from './kubernetes-instance.ts';

export interface OperationBase {
  vnfLcmOpOccId: string;
  vnfInstanceId: string;
  /** The request as received (redacted before it is shown). */
  request: Record<string, unknown>;
  /** Identity of the instance's package. */
  vnfd: OperationState['target'];
  links: OccurrenceRun['links'];
}

export interface InstantiateVnfInput extends OperationBase {
  stackName: string;
  flavourId: string;
  vdus: { vduId: string; count: number; image: string; flavor: string }[];
}

export interface TerminateVnfInput extends OperationBase {
  stack: { name: string; id: string };
}

export interface ModifyVnfInfoInput extends OperationBase {
  /** What changes, as the op occ's changedInfo shows it (the request, with the new package's identity when vnfdId changes). */
  changes: VnfInfoModifications;
}

/** Progress of the VIM side, kept across retries. */
interface InstanceProgress {
  stack?: { name: string; id: string };
  stackDeleted?: boolean;
}

const STACK_POLL_MS = 1_000;
const STACK_TIMEOUT_MS = 30 * 60_000;

export async function instantiateVnf(input: InstantiateVnfInput | KubernetesInstantiateInput): Promise<OperationState> {
  // A VNF on a Kubernetes VIM is made of the package's manifests (kubernetes-instance.ts).
  if ('kubernetes' in input) return instantiateOnKubernetes(input);
  const progress: InstanceProgress = {};
  return runOperation('INSTANTIATE', input, async (describe) => {
    if (!progress.stack) {
      describe(`creating stack ${input.stackName} on the VIM`);
      progress.stack = await asStep(502, `VIM: create stack ${input.stackName}`, () => vim.createVnfStack.executeWithOptions(
        { summary: `create stack ${input.stackName}` }, [{ stackName: input.stackName, vdus: input.vdus }]));
    }
    const stack = progress.stack;
    await waitForStack(stack, 'CREATE_COMPLETE', describe);
    const vnfcs = await asStep(502, `VIM: resources of ${stack.name}`, () => vim.listVnfcs.executeWithOptions(
      { summary: `list the VNFCs of ${stack.name}` }, [{ stack }]));
    await inventory.recordInstantiation.executeWithOptions({ summary: `record ${input.vnfInstanceId} INSTANTIATED` }, [{
      vnfInstanceId: input.vnfInstanceId, stack, flavourId: input.flavourId,
      vnfcResourceInfo: vnfcs.map((v) => ({
        id: v.serverId, vduId: v.vduId, computeResource: { resourceId: v.serverId, vimLevelResourceType: 'OS::Nova::Server' },
      })),
    }]);
  });
}

export async function terminateVnf(input: TerminateVnfInput | KubernetesTerminateInput): Promise<OperationState> {
  if ('kubernetes' in input) return terminateOnKubernetes(input);
  const progress: InstanceProgress = {};
  return runOperation('TERMINATE', input, async (describe) => {
    if (!progress.stackDeleted) {
      describe(`deleting stack ${input.stack.name} on the VIM`);
      await asStep(502, `VIM: delete stack ${input.stack.name}`, () => vim.deleteVnfStack.executeWithOptions(
        { summary: `delete stack ${input.stack.name}` }, [{ stack: input.stack }]));
      progress.stackDeleted = true;
    }
    await inventory.recordTermination.executeWithOptions(
      { summary: `record ${input.vnfInstanceId} NOT_INSTANTIATED` }, [{ vnfInstanceId: input.vnfInstanceId }]);
  });
}

/** SOL003 Modify VNF information: the changes merged into the instance's record (nothing on the VIM). */
export async function modifyVnfInfo(input: ModifyVnfInfoInput): Promise<OperationState> {
  return runOperation('MODIFY_INFO', input, async (describe) => {
    describe(`modifying the information of VNF instance ${input.vnfInstanceId}`);
    await inventory.recordModification.executeWithOptions(
      { summary: `record the modifications of ${input.vnfInstanceId}` }, [{ vnfInstanceId: input.vnfInstanceId, changes: input.changes }]);
  });
}

async function waitForStack(stack: { name: string; id: string }, done: string, describe: (d: string) => void): Promise<void> {
  const deadline = Date.now() + STACK_TIMEOUT_MS;
  for (;;) {
    const status = await asStep(502, `VIM: status of ${stack.name}`, () => vim.readVnfcStack.executeWithOptions(
      { summary: `read the status of ${stack.name}` }, [{ memberStack: stack }]));
    if (status.status === done) return;
    if (!status.status.endsWith('_IN_PROGRESS')) throw StepFailure.of(502, `stack ${stack.name} ended ${status.status}: ${status.reason ?? 'no reason given'}`);
    if (Date.now() > deadline) throw StepFailure.of(504, `stack ${stack.name} did not reach ${done} within ${STACK_TIMEOUT_MS / 60_000} min`);
    describe(`waiting for the VIM: ${stack.name} is ${status.status}`);
    await sleep(STACK_POLL_MS, { summary: `wait for ${stack.name}` });
  }
}

/** The occurrence of a simple operation: its body runs until it succeeds, or an operator fails it. */
export async function runOperation(
  operation: 'INSTANTIATE' | 'TERMINATE' | 'MODIFY_INFO', input: OperationBase,
  forward: (describe: (details: string) => void, occurrence: OperationOccurrence) => Promise<void>,
): Promise<OperationState> {
  const occurrence = new OperationOccurrence({
    state: initialInstanceOperationState(operation, input, occurrenceStartTime()),
    resumed: false,
    links: input.links,
  });
  return occurrence.perform({
    forward: () => forward((details) => occurrence.describe(details), occurrence),
    completedDetails: () => `${operation.toLowerCase()} completed`,
  });
}
