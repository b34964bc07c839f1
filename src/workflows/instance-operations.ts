// instantiateVnf and terminateVnf: the VNF instance lifecycle around change_vnfpkg. Both are
// short sequences of VIM exchanges run as an operation occurrence (operation-occurrence.ts):
// STARTING → PROCESSING → COMPLETED, or FAILED_TEMP with retry (resume) and fail (→ FAILED).
import { sleep } from '@temporalio/workflow';
import { inventory, vim } from './activities.ts';
import { initialInstanceOperationState, occurrenceStartTime } from './initial-state.ts';
import { OperationOccurrence, type OccurrenceRun } from './operation-occurrence.ts';
import type { OperationState } from './operation-state.ts';
import { asStep, StepFailure } from './step-failure.ts';

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

/** Progress of the VIM side, kept across retries. */
interface InstanceProgress {
  stack?: { name: string; id: string };
  stackDeleted?: boolean;
}

const STACK_POLL_MS = 1_000;
const STACK_TIMEOUT_MS = 30 * 60_000;

export async function instantiateVnf(input: InstantiateVnfInput): Promise<OperationState> {
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

export async function terminateVnf(input: TerminateVnfInput): Promise<OperationState> {
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
async function runOperation(
  operation: 'INSTANTIATE' | 'TERMINATE', input: OperationBase, forward: (describe: (details: string) => void) => Promise<void>,
): Promise<OperationState> {
  const occurrence = new OperationOccurrence({
    state: initialInstanceOperationState(operation, input, occurrenceStartTime()),
    resumed: false,
    links: input.links,
  });
  return occurrence.perform({
    forward: () => forward((details) => occurrence.describe(details)),
    completedDetails: () => `${operation.toLowerCase()} completed`,
  });
}
