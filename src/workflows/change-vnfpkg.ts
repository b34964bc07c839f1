// changeVnfPkg: the SOL003 Change Current VNF Package operation as a rolling update. For each
// VNFC (highest vnfcResourceInfo index first): find its stack resource, update it on the VIM,
// wait for UPDATE_COMPLETE, then coordinate with the EM. Every wait is a workflow timer;
// progress is a checkpoint that survives restarts, retries and continue-as-new. The occurrence
// (operation-occurrence.ts) owns states, operator tasks and notifications; this file owns the
// change itself and its rollback (the touched VNFCs in reverse order, through the old-VNFC
// coordination path).
import { ApplicationFailure } from '@temporalio/workflow';
import type { ChangeVnfPkgInput, ParsedChangeVnfPkgInput } from '../lcm/change-vnfpkg-input.ts';
import type { KubernetesChangeVnfPkgInput } from '../lcm/kubernetes-input.ts';
import { withTuningDefaults } from '../lcm/change-vnfpkg-tuning.ts';
import { inventory } from './activities.ts';
import { changeBlueGreen } from './blue-green.ts';
import { ChangeContext, type VnfcSide } from './change-context.ts';
import { cancelOpenCoordinations, coordinateVnfc } from './coordination.ts';
import { initialChangeState, occurrenceStartTime } from './initial-state.ts';
import { changeVnfPkgOnKubernetes, isKubernetesChange } from './kubernetes-change.ts';
import { changeOccurrence } from './operation-occurrence.ts';
import type { OperationState, VnfcProgress, VnfcStep } from './operation-state.ts';
import { StepFailure } from './step-failure.ts';
import { updateVnfcOnVim } from './vim-update.ts';

export async function changeVnfPkg(rawInput: ChangeVnfPkgInput | KubernetesChangeVnfPkgInput, resumed?: OperationState): Promise<OperationState> {
  // A VNF on a Kubernetes VIM changes by its Deployments' rollouts (kubernetes-change.ts).
  if (isKubernetesChange(rawInput)) return changeVnfPkgOnKubernetes(rawInput, resumed);
  const input = parseInput(rawInput);
  if (input.request.additionalParams.upgrade_type === 'BlueGreen') return changeBlueGreen(input, resumed);
  const state = resumed ?? initialChangeState(input, occurrenceStartTime());
  const occurrence = changeOccurrence(input, state, resumed !== undefined);
  const ctx = new ChangeContext(input, occurrence);
  return occurrence.perform({
    forward: () => changeForward(ctx),
    rollback: () => rollBack(ctx),
    commit: () => inventory.recordPackageChange.executeWithOptions(
      { summary: `record ${input.vnfInstanceId} on ${input.target.vnfdId}` },
      [{ vnfInstanceId: input.vnfInstanceId, target: input.target }]),
    afterForcefulCancel: () => cancelOpenCoordinations(ctx),
    completedDetails: () => `completed: ${state.vnfcs.length} VNFCs on ${input.target.vnfdId}`,
    rolledBackDetails: () => `rolled back: ${state.vnfcs.filter((v) => v.rollback).length} VNFCs on ${input.sourceVnfdId} again`,
  });
}

/** The change: every VNFC in rolling order, each from where it stands. */
async function changeForward(ctx: ChangeContext): Promise<void> {
  for (const vnfc of ctx.state.vnfcs) {
    if (vnfc.phase === 'DONE') continue;
    // A change with no waits at all (zero-delay VIM, synchronous EM) still keeps its runs bounded.
    await ctx.occurrence.checkpoint();
    ctx.occurrence.stopIfCancelled();
    const target = ctx.input.target.vdus[vnfc.vduId];
    if (!target) throw StepFailure.of(422, `destination VNFD has no VDU ${vnfc.vduId}`);
    await advanceVnfc(ctx, vnfc, vnfc, target, 'new');
  }
}

/** The rollback: the VNFCs the change touched, most recent first, back to their old image. */
async function rollBack(ctx: ChangeContext): Promise<void> {
  const touched = ctx.state.vnfcs.filter((v) => v.phase !== 'PENDING').reverse();
  for (const vnfc of touched) {
    const step = (vnfc.rollback ??= { phase: 'PENDING', actionsDone: 0 });
    if (step.phase === 'DONE') continue;
    await ctx.occurrence.checkpoint();
    ctx.occurrence.stopIfCancelled();
    if (!vnfc.previousImage || !vnfc.previousFlavor) throw StepFailure.of(500, `VNFC ${vnfc.id}: its image before the change is unknown`);
    await advanceVnfc(ctx, vnfc, step, { image: vnfc.previousImage, flavor: vnfc.previousFlavor }, 'old');
  }
}

async function advanceVnfc(
  ctx: ChangeContext, vnfc: VnfcProgress, step: VnfcStep, target: { image: string; flavor: string }, side: VnfcSide,
): Promise<void> {
  if (step.phase === 'PENDING' || step.phase === 'UPDATING_VIM') {
    await updateVnfcOnVim(ctx, vnfc, step, target);
    step.phase = 'COORDINATING';
  }
  await coordinateVnfc(ctx, vnfc, step, side);
  step.phase = 'DONE';
}

/**
 * The gateway validated the input against the ChangeVnfPkgInput schema before the start; here
 * the tuning gets its defaults, and an input that did not come that way (a start by hand) fails
 * the workflow with a clear reason instead of a workflow task failing over and over.
 */
function parseInput(raw: ChangeVnfPkgInput): ParsedChangeVnfPkgInput {
  const missing = missingParts(raw);
  if (missing.length > 0) {
    throw ApplicationFailure.nonRetryable(`invalid changeVnfPkg input: ${missing.join(', ')} missing or malformed (start it through the VNFM API)`, 'InvalidInput');
  }
  const input: ParsedChangeVnfPkgInput = { ...raw, tuning: withTuningDefaults(raw.tuning) };
  for (const { vdu_id } of input.request.additionalParams.vdu_params) {
    if (!input.vnfcResourceInfo.some((v) => v.vduId === vdu_id)) {
      throw ApplicationFailure.nonRetryable(`vdu_params names ${vdu_id}, which has no VNFC in this instance`, 'InvalidInput');
    }
    if (!input.target.vdus[vdu_id]) {
      throw ApplicationFailure.nonRetryable(`destination VNFD ${input.target.vnfdId} has no VDU ${vdu_id}`, 'InvalidInput');
    }
  }
  return input;
}

/** The parts of the input the workflow reads before anything else could check them. */
function missingParts(raw: ChangeVnfPkgInput): string[] {
  const input = raw as Partial<ChangeVnfPkgInput> | undefined;
  const checks: [string, boolean][] = [
    ['vnfLcmOpOccId', typeof input?.vnfLcmOpOccId === 'string'],
    ['vnfInstanceId', typeof input?.vnfInstanceId === 'string'],
    ['stack', typeof input?.stack?.name === 'string' && typeof input.stack.id === 'string'],
    ['vnfcResourceInfo', Array.isArray(input?.vnfcResourceInfo)],
    ['request.additionalParams.vdu_params', Array.isArray(input?.request?.additionalParams?.vdu_params)],
    ['target.vdus', typeof input?.target?.vdus === 'object' && input.target.vdus !== null],
    ['target.coordinationActionNames', Array.isArray(input?.target?.coordinationActionNames)],
    ['links', typeof input?.links?.vnfLcmOpOcc === 'string' && typeof input.links.vnfInstance === 'string'],
  ];
  return checks.filter(([, ok]) => !ok).map(([name]) => name);
}
