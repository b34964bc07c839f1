// Coordination of one VNFC with the EM (SOL002 v3.6.1 lcmcoord): POST, then poll the
// Location while the EM works, honouring Retry-After; a 503 means "post again later".
// Every wait is a workflow timer bounded by the coordination's deadline, which counts from
// the first request and includes request time. Progress lives in `vnfc.coordination`, so a
// restart, a continue-as-new or a retry picks up the exchange where it stood.
import type { EmTarget } from '../lcmcoord/client.ts';
import type { LcmCoord, LcmCoordRequest } from '../lcmcoord/models.ts';
import type { VnfcParam } from '../sol003/models.ts';
import { COORDINATION_FAILURE_PREFIX } from '../lcmcoord/errors.ts';
import { em, emReads, readsRunLocally, scripts } from './activities.ts';
import type { OperationContext } from './change-vnfpkg.ts';
import type { OpenCoordination, VnfcProgress, VnfcStep } from './operation-state.ts';
import { applicationCause, asStep, isTimeout, StepFailure, upstreamStatus } from './step-failure.ts';

export { StepFailure };

/** The new VNFC after a change, or the old one after a rollback: its parameters, script and package. */
export type VnfcSide = 'new' | 'old';

export async function coordinateVnfc(ctx: OperationContext, vnfc: VnfcProgress, step: VnfcStep, side: VnfcSide): Promise<void> {
  const vduParam = ctx.input.request.additionalParams.vdu_params.find((p) => p.vdu_id === vnfc.vduId);
  const param = side === 'new' ? vduParam?.new_vnfc_param : vduParam?.old_vnfc_param;
  const actions = ctx.input.target.coordinationActionNames;
  await runUserScript(ctx, vnfc, step, side, param);
  if (!param) return; // no EM named for this VDU: nothing to coordinate, as in Tacker
  while (step.actionsDone < actions.length) {
    await runCoordination(ctx, vnfc, step, param, actions[step.actionsDone] as string);
    step.actionsDone += 1;
    step.coordination = undefined;
  }
}

/** After a FORCEFUL cancel: the EM is told to stop every coordination still open (best effort). */
export async function cancelOpenCoordinations(ctx: OperationContext): Promise<void> {
  for (const vnfc of ctx.state.vnfcs) {
    for (const [step, side] of [[vnfc, 'new'], [vnfc.rollback, 'old']] as const) {
      const location = step?.coordination?.location;
      const param = paramsOf(ctx, vnfc, side);
      if (step?.coordination && location && param) {
        await cancelAtEm(ctx, vnfc, step.coordination.actionName, { endpoint: param.endpoint, authentication: param.authentication }, location);
      }
      if (step) step.coordination = undefined;
    }
  }
}

function paramsOf(ctx: OperationContext, vnfc: VnfcProgress, side: VnfcSide): VnfcParam | undefined {
  const vduParam = ctx.input.request.additionalParams.vdu_params.find((p) => p.vdu_id === vnfc.vduId);
  return side === 'new' ? vduParam?.new_vnfc_param : vduParam?.old_vnfc_param;
}

/**
 * The package's coordinate-new-vnf script (Tacker's interface) runs once per VNFC, before the
 * EM is asked, for VNFC-side work such as configuring the new VNFC over SSH.
 */
async function runUserScript(ctx: OperationContext, vnfc: VnfcProgress, step: VnfcStep, side: VnfcSide, param: VnfcParam | undefined): Promise<void> {
  const script = ctx.input.request.additionalParams[side === 'new' ? 'lcm-operation-coordinate-new-vnf' : 'lcm-operation-coordinate-old-vnf'];
  const packageDir = side === 'new' ? ctx.input.target.contentDir : ctx.input.sourceContentDir;
  if (!script || !packageDir || step.scriptDone) return;
  ctx.describe(`${ctx.label(vnfc)}: running ${script}`);
  await asStep(422, `VNFC ${vnfc.id}`, () => scripts.runCoordinateScript.executeWithOptions({ summary: `${script} for ${vnfc.vduId}-${vnfc.index}` }, [{
      packageDir,
      script,
      timeoutMs: ctx.input.tuning.scriptTimeoutSec * 1000,
      params: {
        operation: 'CHANGE_VNFPKG',
        vnfInstanceId: ctx.input.vnfInstanceId,
        vnfLcmOpOccId: ctx.input.vnfLcmOpOccId,
        vnfc: { id: vnfc.id, vduId: vnfc.vduId, serverId: vnfc.serverId, index: vnfc.index },
        side,
        vnfcParam: param ?? null,
      },
    }]));
  step.scriptDone = true;
}

async function runCoordination(ctx: OperationContext, vnfc: VnfcProgress, step: VnfcStep, param: VnfcParam, actionName: string): Promise<void> {
  const target: EmTarget = { endpoint: param.endpoint, authentication: param.authentication };
  const timeoutSec = param.timeout ?? ctx.input.tuning.defaultCoordinationTimeoutSec;
  if (step.coordination?.actionName !== actionName) {
    const now = Date.now();
    step.coordination = { actionName, firstRequestAt: now, deadlineAt: now + timeoutSec * 1000, nextExchangeAt: now };
  }
  const open = step.coordination;
  const label = `${ctx.label(vnfc)}: coordination ${actionName}`;
  const reads = readsRunLocally() ? emReads : em;
  /** When the EM last answered: a wait counts from there, not from when the workflow got to read the answer. */
  let answeredAt = 0;

  for (;;) {
    const now = Math.max(Date.now(), answeredAt);
    if (now < open.nextExchangeAt) {
      const waitS = Math.ceil((open.nextExchangeAt - now) / 1000);
      ctx.describe(`${ctx.label(vnfc)}: waiting for EM, next ${open.location ? 'poll' : 'request'} in ${waitS} s`);
      await ctx.sleepUntil(Math.min(open.nextExchangeAt, open.deadlineAt), `${label}: wait ${waitS} s for the EM`, now);
    }
    if (Date.now() >= open.deadlineAt) return timeOut(ctx, vnfc, step, open, target, timeoutSec);

    if (open.location === undefined) {
      ctx.describe(`${label}: requesting`);
      const outcome = await withinDeadline(ctx, vnfc, step, open, target, timeoutSec, (options) =>
        em.requestCoordination.executeWithOptions({ ...options, summary: `POST coordination ${actionName} for ${vnfc.vduId}-${vnfc.index}` },
          [target, coordinationRequest(ctx, vnfc, actionName, param)]));
      answeredAt = answerTime(outcome);
      if (outcome.kind === 'finished') {
        record(ctx, open, outcome.coordination.id, answeredAt, undefined, outcome.coordination);
        return verdict(vnfc, step, outcome.coordination);
      }
      const delayMs = pollDelay(ctx, outcome.retryAfterMs);
      open.nextExchangeAt = answeredAt + delayMs;
      if (outcome.kind === 'accepted') {
        open.location = outcome.location;
        record(ctx, open, coordinationIdOf(outcome.location), undefined, outcome.retryAfterMs === undefined ? undefined : open.nextExchangeAt);
      } else {
        ctx.state.rejectedLcmCoordinations.push({
          coordinationActionName: actionName,
          rejectionTime: new Date(answeredAt).toISOString(),
          endpointType: 'MGMT',
          delay: new Date(open.nextExchangeAt).toISOString(),
        });
      }
      continue;
    }

    const location = open.location;
    const outcome = await withinDeadline(ctx, vnfc, step, open, target, timeoutSec, (options) =>
      reads.readCoordination.executeWithOptions({ ...options, summary: `GET coordination ${actionName} for ${vnfc.vduId}-${vnfc.index}` },
        [target, location]));
    answeredAt = answerTime(outcome);
    if (outcome.kind === 'finished') {
      record(ctx, open, outcome.coordination.id, answeredAt, undefined, outcome.coordination);
      return verdict(vnfc, step, outcome.coordination);
    }
    open.nextExchangeAt = answeredAt + pollDelay(ctx, outcome.retryAfterMs);
    const recordEntry = open.recordIndex === undefined ? undefined : ctx.state.lcmCoordinations[open.recordIndex];
    if (recordEntry && outcome.retryAfterMs !== undefined) recordEntry.delay = new Date(open.nextExchangeAt).toISOString();
  }
}

/**
 * Runs one exchange with a schedule-to-close equal to what is left of the deadline, so
 * retries of 5xx and network faults never outlive the coordination. A non-retryable failure
 * (4xx, malformed answer, foreign Location) fails the step with the EM's own detail.
 */
async function withinDeadline<T>(
  ctx: OperationContext, vnfc: VnfcProgress, step: VnfcStep, open: OpenCoordination, target: EmTarget, timeoutSec: number,
  exchange: (options: { scheduleToCloseTimeout: number; startToCloseTimeout: number }) => Promise<T>,
): Promise<T> {
  const remaining = Math.max(open.deadlineAt - Date.now(), 1000);
  try {
    return await exchange({ scheduleToCloseTimeout: remaining, startToCloseTimeout: Math.min(remaining, 45_000) });
  } catch (err) {
    if (isTimeout(err)) return timeOut(ctx, vnfc, step, open, target, timeoutSec);
    const failure = applicationCause(err);
    if (!failure?.type?.startsWith(COORDINATION_FAILURE_PREFIX)) throw err;
    step.coordination = undefined;
    const status = upstreamStatus(failure);
    throw StepFailure.of(status && status >= 400 && status < 500 ? status : 502,
      `coordination ${open.actionName} for VNFC ${vnfc.id} failed: ${failure.message}`);
  }
}

/** The deadline passed without a result: cancel at the EM (best effort) and fail the step. */
async function timeOut(
  ctx: OperationContext, vnfc: VnfcProgress, step: VnfcStep, open: OpenCoordination, target: EmTarget, timeoutSec: number,
): Promise<never> {
  if (open.location) {
    ctx.describe(`${ctx.label(vnfc)}: coordination ${open.actionName} timed out; cancelling it at the EM`);
    await cancelAtEm(ctx, vnfc, open.actionName, target, open.location);
  }
  step.coordination = undefined;
  throw StepFailure.of(504, `coordination ${open.actionName} for VNFC ${vnfc.id} timed out after ${timeoutSec} s`);
}

/** POST {Location}/cancel, best effort: an EM that is down or refuses does not change the outcome. */
async function cancelAtEm(ctx: OperationContext, vnfc: VnfcProgress, actionName: string, target: EmTarget, location: string): Promise<void> {
  try {
    await em.cancelCoordination.executeWithOptions({
      summary: `cancel coordination ${actionName} for ${vnfc.vduId}-${vnfc.index}`,
      startToCloseTimeout: '45 seconds', scheduleToCloseTimeout: '2 minutes', retry: { maximumAttempts: 3 },
    }, [target, location]);
  } catch {
    ctx.describe(`${ctx.label(vnfc)}: the EM did not accept the cancel of coordination ${actionName}`);
  }
}

function verdict(vnfc: VnfcProgress, step: VnfcStep, coordination: LcmCoord): void {
  if (coordination.coordinationResult === 'CONTINUE') return;
  step.coordination = undefined;
  throw new StepFailure(coordination.error ?? {
    status: 409,
    title: 'Conflict',
    detail: `EM answered ${coordination.coordinationResult} to coordination ${coordination.coordinationActionName} for VNFC ${vnfc.id}`,
  });
}

/** Creates or completes this coordination's entry in lcmCoordinations. */
function record(ctx: OperationContext, open: OpenCoordination, id: string, endedAt?: number, delayUntil?: number, result?: LcmCoord): void {
  const list = ctx.state.lcmCoordinations;
  if (open.recordIndex === undefined) {
    open.recordIndex = list.push({
      id, coordinationActionName: open.actionName, startTime: new Date(open.firstRequestAt).toISOString(), endpointType: 'MGMT',
    }) - 1;
  }
  const entry = list[open.recordIndex];
  if (!entry) return;
  entry.id = id;
  if (delayUntil !== undefined) entry.delay = new Date(delayUntil).toISOString();
  if (endedAt !== undefined) entry.endTime = new Date(endedAt).toISOString();
  if (result) entry.coordinationResult = result.coordinationResult;
}

/**
 * When the EM answered, by the worker's clock; histories recorded before answers carried the
 * time fall back to the workflow's clock (when the workflow task read the answer).
 */
function answerTime(outcome: { answeredAt?: number }): number {
  return outcome.answeredAt ?? Date.now();
}

/** Delay before the next exchange: Retry-After, floored (0 or negative is no tight loop). */
function pollDelay(ctx: OperationContext, retryAfterMs: number | undefined): number {
  const { minPollIntervalMs, defaultPollIntervalMs, retryAfterScale } = ctx.input.tuning;
  if (retryAfterMs === undefined) return defaultPollIntervalMs * retryAfterScale;
  return Math.max(retryAfterMs * retryAfterScale, minPollIntervalMs * retryAfterScale);
}

function coordinationIdOf(location: string): string {
  const path = location.split('?')[0] ?? location;
  return path.replace(/\/+$/, '').split('/').pop() ?? location;
}

function coordinationRequest(ctx: OperationContext, vnfc: VnfcProgress, actionName: string, param: VnfcParam): LcmCoordRequest {
  return {
    vnfInstanceId: ctx.input.vnfInstanceId,
    vnfLcmOpOccId: ctx.input.vnfLcmOpOccId,
    lcmOperationType: 'CHANGE_VNFPKG',
    coordinationActionName: actionName,
    // The VNFC identity goes last so a user's inputParams cannot misname the VNFC.
    inputParams: { ...param.inputParams, vnfcInstanceId: vnfc.id, vduId: vnfc.vduId },
    _links: { vnfLcmOpOcc: { href: ctx.input.links.vnfLcmOpOcc }, vnfInstance: { href: ctx.input.links.vnfInstance } },
  };
}
