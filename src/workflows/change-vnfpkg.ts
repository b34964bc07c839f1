// changeVnfPkg: the SOL003 Change Current VNF Package operation as a rolling update.
// For each VNFC (highest vnfcResourceInfo index first): find its stack resource, update it on
// the VIM, wait for UPDATE_COMPLETE, then coordinate with the EM. Every wait is a workflow
// timer; progress is a checkpoint that survives restarts, retries and continue-as-new.
// From FAILED_TEMP an operator retries (resume at the failed step), rolls back (the touched
// VNFCs in reverse order, through the old-VNFC coordination path) or fails the operation.
import {
  ApplicationFailure, CancellationScope, allHandlersFinished, condition, continueAsNew, isCancellation, setCurrentDetails,
  setHandler, sleep, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { ProblemDetails } from '../http/problem.ts';
import { VNF_INSTANCE_ID, VNF_LCM_OPERATION, VNF_LCM_OPERATION_STATE } from '../search-attributes.ts';
import type { LcmOperationStateType } from '../sol003/models.ts';
import { redactSecrets } from '../sol003/redact.ts';
import type { ChangeVnfPkgInput, ParsedChangeVnfPkgInput } from './change-vnfpkg-input.ts';
import { withTuningDefaults } from './change-vnfpkg-tuning.ts';
import { inventory } from './activities.ts';
import { cancelOpenCoordinations, coordinateVnfc, StepFailure, type VnfcSide } from './coordination.ts';
import { cancelUpdate, failUpdate, operationQuery, retryUpdate, rollbackUpdate } from './messages.ts';
import { notifyOperation } from './notifications.ts';
import type { OperationState, VnfcProgress, VnfcStep } from './operation-state.ts';
import { reportEndToInstance } from './operation-end.ts';
import { updateVnfcOnVim } from './vim-update.ts';

export async function changeVnfPkg(rawInput: ChangeVnfPkgInput, resumed?: OperationState): Promise<OperationState> {
  const input = parseInput(rawInput);
  const state = resumed ?? initialState(input);
  state.runs += resumed ? 1 : 0;
  const ctx = new OperationContext(input, state);
  let task: 'retry' | 'rollback' | 'fail' | undefined;
  /** The scope the current direction runs in: a FORCEFUL cancel cancels it. */
  let running: CancellationScope | undefined;

  setHandler(operationQuery, () => state);
  const onlyWhenFailedTemp = (): void => {
    if (state.operationState !== 'FAILED_TEMP' || task) {
      throw new Error(`operation ${input.vnfLcmOpOccId} is ${state.operationState}, not FAILED_TEMP`);
    }
  };
  setHandler(retryUpdate, async () => {
    task = 'retry';
    await condition(() => state.operationState !== 'FAILED_TEMP');
    return state;
  }, { validator: onlyWhenFailedTemp });
  setHandler(rollbackUpdate, async () => {
    task = 'rollback';
    await condition(() => state.operationState !== 'FAILED_TEMP');
    return state;
  }, {
    validator: () => {
      onlyWhenFailedTemp();
      if (state.direction === 'ROLLBACK') throw new Error(`operation ${input.vnfLcmOpOccId} is already a failed rollback; retry or fail it`);
    },
  });
  setHandler(failUpdate, async () => {
    task = 'fail';
    await condition(() => state.operationState === 'FAILED');
    return state;
  }, { validator: onlyWhenFailedTemp });
  setHandler(cancelUpdate, ({ cancelMode }) => {
    state.isCancelPending = true;
    state.cancelMode = cancelMode;
    if (cancelMode === 'FORCEFUL') running?.cancel();
    return state;
  }, {
    validator: ({ cancelMode }) => {
      if (cancelMode !== 'GRACEFUL' && cancelMode !== 'FORCEFUL') throw new Error(`cancelMode must be GRACEFUL or FORCEFUL, not ${String(cancelMode)}`);
      if (!['STARTING', 'PROCESSING', 'ROLLING_BACK'].includes(state.operationState)) {
        throw new Error(`operation ${input.vnfLcmOpOccId} is ${state.operationState}; only STARTING, PROCESSING or ROLLING_BACK can be cancelled`);
      }
      if (state.isCancelPending) throw new Error(`operation ${input.vnfLcmOpOccId} is being cancelled already`);
    },
  });

  if (!resumed) {
    upsertSearchAttributes([
      { key: VNF_INSTANCE_ID, value: input.vnfInstanceId },
      { key: VNF_LCM_OPERATION, value: 'CHANGE_VNFPKG' },
    ]);
    await notifyOperation(state, input.links); // START for STARTING, the state the operation was created in
    await ctx.enter('PROCESSING');
  } else {
    ctx.describe(state.details);
  }

  for (;;) {
    if (state.operationState === 'PROCESSING' || state.operationState === 'ROLLING_BACK') {
      const scope = new CancellationScope();
      running = scope;
      try {
        await scope.run(() => (state.direction === 'ROLLBACK' ? rollBack(ctx) : changeForward(ctx)));
        return await finish(ctx);
      } catch (err) {
        state.error = await failureOf(ctx, err);
        state.isCancelPending = false;
        state.cancelMode = undefined;
        await ctx.enter('FAILED_TEMP');
        ctx.describe(`FAILED_TEMP: ${state.error.detail}; waiting for retry${state.direction === 'ROLLBACK' ? '' : ', rollback'} or fail`);
      } finally {
        running = undefined;
      }
    }
    // FAILED_TEMP: nothing runs until an operator chooses a task; a wait that costs no history.
    await condition(() => task !== undefined);
    const chosen = task;
    task = undefined;
    if (chosen === 'fail') {
      // The instance is free before anyone can read the final state (and start the next operation).
      await reportEndToInstance(state);
      await ctx.enter('FAILED');
      ctx.describe(`FAILED: ${state.error?.detail ?? 'failed by the operator'}`);
      await condition(allHandlersFinished);
      return state;
    }
    if (chosen === 'rollback') state.direction = 'ROLLBACK';
    state.error = undefined;
    await ctx.enter(state.direction === 'ROLLBACK' ? 'ROLLING_BACK' : 'PROCESSING');
  }
}

/** The change: every VNFC in rolling order, each from where it stands. */
async function changeForward(ctx: OperationContext): Promise<void> {
  for (const vnfc of ctx.state.vnfcs) {
    if (vnfc.phase === 'DONE') continue;
    // A change with no waits at all (zero-delay VIM, synchronous EM) still keeps its runs bounded.
    await ctx.checkpoint();
    ctx.stopIfCancelled();
    const target = ctx.input.target.vdus[vnfc.vduId];
    if (!target) throw StepFailure.of(422, `destination VNFD has no VDU ${vnfc.vduId}`);
    await advanceVnfc(ctx, vnfc, vnfc, target, 'new');
  }
}

/** The rollback: the VNFCs the change touched, most recent first, back to their old image. */
async function rollBack(ctx: OperationContext): Promise<void> {
  const touched = ctx.state.vnfcs.filter((v) => v.phase !== 'PENDING').reverse();
  for (const vnfc of touched) {
    const step = (vnfc.rollback ??= { phase: 'PENDING', actionsDone: 0 });
    if (step.phase === 'DONE') continue;
    await ctx.checkpoint();
    ctx.stopIfCancelled();
    if (!vnfc.previousImage || !vnfc.previousFlavor) throw StepFailure.of(500, `VNFC ${vnfc.id}: its image before the change is unknown`);
    await advanceVnfc(ctx, vnfc, step, { image: vnfc.previousImage, flavor: vnfc.previousFlavor }, 'old');
  }
}

async function advanceVnfc(
  ctx: OperationContext, vnfc: VnfcProgress, step: VnfcStep, target: { image: string; flavor: string }, side: VnfcSide,
): Promise<void> {
  if (step.phase === 'PENDING' || step.phase === 'UPDATING_VIM') {
    await updateVnfcOnVim(ctx, vnfc, step, target);
    step.phase = 'COORDINATING';
  }
  await coordinateVnfc(ctx, vnfc, step, side);
  step.phase = 'DONE';
}

async function finish(ctx: OperationContext): Promise<OperationState> {
  const { input, state } = ctx;
  if (state.direction === 'ROLLBACK') {
    await reportEndToInstance(state);
    await ctx.enter('ROLLED_BACK');
    ctx.describe(`rolled back: ${state.vnfcs.filter((v) => v.rollback).length} VNFCs on ${input.sourceVnfdId} again`);
  } else {
    await inventory.recordPackageChange.executeWithOptions(
      { summary: `record ${input.vnfInstanceId} on ${input.target.vnfdId}` },
      [{ vnfInstanceId: input.vnfInstanceId, target: input.target }]);
    await reportEndToInstance(state);
    await ctx.enter('COMPLETED');
    ctx.describe(`completed: ${state.vnfcs.length} VNFCs on ${input.target.vnfdId}`);
  }
  await condition(allHandlersFinished);
  return state;
}

/** The error of a step that failed or was cancelled; a FORCEFUL cancel also cancels open EM coordinations. */
async function failureOf(ctx: OperationContext, err: unknown): Promise<ProblemDetails> {
  if (err instanceof StepFailure) return err.problem;
  if (isCancellation(err) && ctx.state.isCancelPending) {
    await CancellationScope.nonCancellable(() => cancelOpenCoordinations(ctx));
    return cancelledProblem(ctx.state.cancelMode ?? 'FORCEFUL');
  }
  throw err;
}

function cancelledProblem(mode: 'GRACEFUL' | 'FORCEFUL'): ProblemDetails {
  return { status: 409, title: 'Conflict', detail: `the operation was cancelled by the operator (${mode})` };
}

/** What the steps of one operation share: input, state, and the operation's voice in the UI. */
export class OperationContext {
  constructor(
    readonly input: ParsedChangeVnfPkgInput,
    readonly state: OperationState,
  ) {}

  /** GRACEFUL cancel: the operation stops between two VNFC steps. */
  stopIfCancelled(): void {
    if (this.state.isCancelPending) throw new StepFailure(cancelledProblem(this.state.cancelMode ?? 'GRACEFUL'));
  }

  /** "VNFC 3/8 VDU1-2": where the rolling update stands, for details and summaries. */
  label(vnfc: VnfcProgress): string {
    const position = this.state.vnfcs.indexOf(vnfc) + 1;
    return `VNFC ${position}/${this.state.vnfcs.length} ${vnfc.vduId}-${vnfc.index}`;
  }

  describe(details: string): void {
    this.state.details = details;
    setCurrentDetails(details);
  }

  async enter(operationState: LcmOperationStateType): Promise<void> {
    this.state.operationState = operationState;
    this.state.stateEnteredTime = new Date().toISOString();
    upsertSearchAttributes([{ key: VNF_LCM_OPERATION_STATE, value: operationState }]);
    await notifyOperation(this.state, this.input.links);
  }

  /**
   * Called before every wait: once this run's history passes the limit, the operation goes on
   * in a fresh run from the same checkpoint, so history stays bounded however long the EM waits.
   */
  async checkpoint(): Promise<void> {
    const info = workflowInfo();
    if (info.historyLength < this.input.tuning.historyEventLimit && !info.continueAsNewSuggested) return;
    await condition(allHandlersFinished);
    await continueAsNew<typeof changeVnfPkg>(this.input, this.state);
  }

  /**
   * Sleeps until a time, after the history checkpoint. `now` may be later than the workflow's
   * clock when a local activity's answer, read in this same task, says so.
   */
  async sleepUntil(at: number, summary: string, now = Date.now()): Promise<void> {
    await this.checkpoint();
    const ms = at - now;
    if (ms > 0) await sleep(ms, { summary });
  }
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

/** The rolling order: VNFCs of the VDUs in vdu_params, highest vnfcResourceInfo index first. */
export function rollingOrder(input: ParsedChangeVnfPkgInput): VnfcProgress[] {
  const vdus = new Set(input.request.additionalParams.vdu_params.map((p) => p.vdu_id));
  return input.vnfcResourceInfo
    .map((vnfc, index) => ({ ...vnfc, index }))
    .filter((vnfc) => vdus.has(vnfc.vduId))
    .reverse()
    .map((vnfc) => ({ id: vnfc.id, vduId: vnfc.vduId, serverId: vnfc.serverId, index: vnfc.index, phase: 'PENDING', actionsDone: 0 }));
}

function initialState(input: ParsedChangeVnfPkgInput): OperationState {
  const now = new Date().toISOString();
  const { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion } = input.target;
  return {
    vnfLcmOpOccId: input.vnfLcmOpOccId,
    vnfInstanceId: input.vnfInstanceId,
    operation: 'CHANGE_VNFPKG',
    operationParams: redactSecrets(input.request),
    target: { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion },
    operationState: 'STARTING',
    stateEnteredTime: now,
    startTime: now,
    vnfcs: rollingOrder(input),
    lcmCoordinations: [],
    rejectedLcmCoordinations: [],
    details: 'starting',
    runs: 1,
  };
}
