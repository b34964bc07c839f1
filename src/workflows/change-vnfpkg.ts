// changeVnfPkg: the SOL003 Change Current VNF Package operation as a rolling update.
// For each VNFC (highest vnfcResourceInfo index first): find its stack resource, update it on
// the VIM, wait for UPDATE_COMPLETE, then coordinate with the EM. Every wait is a workflow
// timer; progress is a checkpoint that survives restarts, retries and continue-as-new.
import {
  ApplicationFailure, allHandlersFinished, condition, continueAsNew, setCurrentDetails, setHandler,
  sleep, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { describeZodError } from '../http/problem.ts';
import { VNF_INSTANCE_ID, VNF_LCM_OPERATION, VNF_LCM_OPERATION_STATE } from '../search-attributes.ts';
import type { LcmOperationStateType } from '../sol003/models.ts';
import { redactSecrets } from '../sol003/redact.ts';
import { ChangeVnfPkgInput, type ParsedChangeVnfPkgInput } from './change-vnfpkg-input.ts';
import { inventory } from './activities.ts';
import { coordinateVnfc, StepFailure } from './coordination.ts';
import { failUpdate, operationQuery, retryUpdate } from './messages.ts';
import type { OperationState, VnfcProgress } from './operation-state.ts';
import { updateVnfcOnVim } from './vim-update.ts';

export async function changeVnfPkg(rawInput: ChangeVnfPkgInput, resumed?: OperationState): Promise<OperationState> {
  const input = parseInput(rawInput);
  const state = resumed ?? initialState(input);
  state.runs += resumed ? 1 : 0;
  let task: 'retry' | 'fail' | undefined;

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
  setHandler(failUpdate, async () => {
    task = 'fail';
    await condition(() => state.operationState === 'FAILED');
    return state;
  }, { validator: onlyWhenFailedTemp });

  const ctx = new OperationContext(input, state);
  if (!resumed) {
    upsertSearchAttributes([
      { key: VNF_INSTANCE_ID, value: input.vnfInstanceId },
      { key: VNF_LCM_OPERATION, value: 'CHANGE_VNFPKG' },
    ]);
    ctx.enter('PROCESSING');
  } else {
    ctx.describe(state.details);
  }

  for (;;) {
    if (state.operationState === 'PROCESSING') {
      try {
        for (const vnfc of state.vnfcs) await advanceVnfc(ctx, vnfc);
        await inventory.recordPackageChange.executeWithOptions(
          { summary: `record ${input.vnfInstanceId} on ${input.target.vnfdId}` },
          [{ vnfInstanceId: input.vnfInstanceId, target: input.target }]);
        ctx.enter('COMPLETED');
        ctx.describe(`completed: ${state.vnfcs.length} VNFCs on ${input.target.vnfdId}`);
        await condition(allHandlersFinished);
        return state;
      } catch (err) {
        if (!(err instanceof StepFailure)) throw err;
        state.error = err.problem;
        ctx.enter('FAILED_TEMP');
        ctx.describe(`FAILED_TEMP: ${err.problem.detail}; waiting for retry, rollback or fail`);
      }
    }
    // FAILED_TEMP: nothing runs until an operator chooses a task; a wait that costs no history.
    await condition(() => task !== undefined);
    if (task === 'fail') {
      ctx.enter('FAILED');
      ctx.describe(`FAILED: ${state.error?.detail ?? 'failed by the operator'}`);
      await condition(allHandlersFinished);
      return state;
    }
    task = undefined;
    state.error = undefined;
    ctx.enter('PROCESSING');
  }
}

async function advanceVnfc(ctx: OperationContext, vnfc: VnfcProgress): Promise<void> {
  if (vnfc.phase === 'DONE') return;
  if (vnfc.phase === 'PENDING' || vnfc.phase === 'UPDATING_VIM') {
    await updateVnfcOnVim(ctx, vnfc);
    vnfc.phase = 'COORDINATING';
  }
  await coordinateVnfc(ctx, vnfc);
  vnfc.phase = 'DONE';
}

/** What the steps of one operation share: input, state, and the operation's voice in the UI. */
export class OperationContext {
  constructor(
    readonly input: ParsedChangeVnfPkgInput,
    readonly state: OperationState,
  ) {}

  /** "VNFC 3/8 VDU1-2": where the rolling update stands, for details and summaries. */
  label(vnfc: VnfcProgress): string {
    const position = this.state.vnfcs.indexOf(vnfc) + 1;
    return `VNFC ${position}/${this.state.vnfcs.length} ${vnfc.vduId}-${vnfc.index}`;
  }

  describe(details: string): void {
    this.state.details = details;
    setCurrentDetails(details);
  }

  enter(operationState: LcmOperationStateType): void {
    this.state.operationState = operationState;
    this.state.stateEnteredTime = new Date().toISOString();
    upsertSearchAttributes([{ key: VNF_LCM_OPERATION_STATE, value: operationState }]);
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

  /** Sleeps until a workflow time, after the history checkpoint. */
  async sleepUntil(at: number, summary: string): Promise<void> {
    await this.checkpoint();
    const ms = at - Date.now();
    if (ms > 0) await sleep(ms, { summary });
  }
}

function parseInput(raw: ChangeVnfPkgInput): ParsedChangeVnfPkgInput {
  const parsed = ChangeVnfPkgInput.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid changeVnfPkg input: ${describeZodError(parsed.error)}`, 'InvalidInput');
  }
  const input = parsed.data;
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
