// Coordination of one VNFC with the EM (SOL002 v3.6.1 lcmcoord): POST, then poll the Location
// while the EM works, honouring Retry-After; a 503 means "post again later". Every wait is a
// workflow timer bounded by the coordination's deadline, which counts from the first request
// and includes request time. Progress lives in the VNFC step's `coordination`, so a restart, a
// continue-as-new or a retry picks up the exchange where it stood.
import type { EmTarget } from '../lcmcoord/client.ts';
import { COORDINATION_FAILURE_PREFIX } from '../lcmcoord/errors.ts';
import type { LcmCoordRequest, ReceivedLcmCoord as LcmCoord } from '../lcmcoord/models.ts';
import type { VnfcParam } from '../sol003/models.ts';
import { em, emReads, readsRunLocally, scripts } from './activities.ts';
import type { ChangeContext, CoordinationInput, VnfcSide } from './change-context.ts';
import type { OpenCoordination, VnfcProgress, VnfcStep } from './operation-state.ts';
import { applicationCause, asStep, isTimeout, StepFailure, upstreamStatus } from './step-failure.ts';

/** Any change's context: coordination reads only what every change's input has. */
type Context = ChangeContext<CoordinationInput>;

/** The VNFC's coordinate script (if any), then every coordination action of the destination VNFD, in order. */
export async function coordinateVnfc(ctx: Context, vnfc: VnfcProgress, step: VnfcStep, side: VnfcSide): Promise<void> {
  const param = ctx.vnfcParam(vnfc, side);
  const actions = ctx.input.target.coordinationActionNames;
  await runUserScript(ctx, vnfc, step, side, param);
  // No EM named for this VDU (Tacker's documented body has no endpoint): only its script runs, as in Tacker.
  if (!param?.endpoint) return;
  while (step.actionsDone < actions.length) {
    await new Coordination(ctx, vnfc, step, { ...param, endpoint: param.endpoint }, actions[step.actionsDone] as string).run();
    step.actionsDone += 1;
    step.coordination = undefined;
  }
}

/** After a FORCEFUL cancel: the EM is told to stop every coordination still open (best effort). */
export async function cancelOpenCoordinations(ctx: Context): Promise<void> {
  for (const vnfc of ctx.state.vnfcs) {
    for (const [step, side] of [[vnfc, 'new'], [vnfc.rollback, 'old']] as const) {
      if (step) await cancelOpenCoordination(ctx, vnfc, step, side);
    }
  }
}

/** The coordination the step has open, if any, is cancelled at the EM (best effort) and forgotten. */
export async function cancelOpenCoordination(ctx: Context, vnfc: VnfcProgress, step: VnfcStep, side: VnfcSide): Promise<void> {
  const open = step.coordination;
  const param = ctx.vnfcParam(vnfc, side);
  if (open?.location && param?.endpoint) await cancelAtEm(ctx, vnfc, open.actionName, emTarget({ ...param, endpoint: param.endpoint }), open.location);
  step.coordination = undefined;
}

/**
 * The package's coordinate-new-vnf script (Tacker's interface) runs once per VNFC, before the
 * EM is asked, for VNFC-side work such as configuring the new VNFC over SSH.
 */
async function runUserScript(ctx: Context, vnfc: VnfcProgress, step: VnfcStep, side: VnfcSide, param: VnfcParam | undefined): Promise<void> {
  const script = ctx.input.request.additionalParams[side === 'new' ? 'lcm-operation-coordinate-new-vnf' : 'lcm-operation-coordinate-old-vnf'];
  const packageId = side === 'new' ? ctx.input.target.packageId : ctx.input.sourcePackageId;
  if (!script || !packageId || step.scriptDone) return;
  ctx.describe(`${ctx.label(vnfc)}: running ${script}`);
  await asStep(422, `VNFC ${vnfc.id}`, () => scripts.runCoordinateScript.executeWithOptions({ summary: `${script} for ${vnfc.vduId}-${vnfc.index}` }, [{
    packageId,
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

/** One coordination action of one VNFC, from its first request to the EM's verdict or the deadline. */
class Coordination {
  private readonly target: EmTarget;
  private readonly timeoutSec: number;
  private readonly open: OpenCoordination;
  /** Polls run as local activities, except in histories recorded before they did. */
  private readonly reads: typeof em;
  /** When the EM last answered: a wait counts from there, not from when the workflow got to read the answer. */
  private answeredAt = 0;

  constructor(
    private readonly ctx: Context,
    private readonly vnfc: VnfcProgress,
    private readonly step: VnfcStep,
    private readonly param: VnfcParam & { endpoint: string },
    private readonly actionName: string,
  ) {
    this.target = emTarget(param);
    this.timeoutSec = param.timeout ?? ctx.input.tuning.defaultCoordinationTimeoutSec;
    if (step.coordination?.actionName !== actionName) {
      const now = Date.now();
      step.coordination = { actionName, firstRequestAt: now, deadlineAt: now + this.timeoutSec * 1000, nextExchangeAt: now };
    }
    this.open = step.coordination;
    this.reads = readsRunLocally() ? emReads : em;
  }

  /** Requests the coordination until the EM takes it, then polls it until the EM's verdict. */
  async run(): Promise<void> {
    for (;;) {
      await this.waitForNextExchange();
      if (Date.now() >= this.open.deadlineAt) return this.timeOut();
      const verdict = this.open.location === undefined ? await this.request() : await this.poll(this.open.location);
      if (verdict) return this.judge(verdict);
    }
  }

  private async waitForNextExchange(): Promise<void> {
    const now = Math.max(Date.now(), this.answeredAt);
    if (now >= this.open.nextExchangeAt) return;
    const waitS = Math.ceil((this.open.nextExchangeAt - now) / 1000);
    this.ctx.describe(`${this.ctx.label(this.vnfc)}: waiting for EM, next ${this.open.location ? 'poll' : 'request'} in ${waitS} s`);
    await this.ctx.sleepUntil(Math.min(this.open.nextExchangeAt, this.open.deadlineAt), `${this.label()}: wait ${waitS} s for the EM`, now);
  }

  /** POST: the EM answers at once (201), takes it for later (202), or is busy (503). */
  private async request(): Promise<LcmCoord | undefined> {
    this.ctx.describe(`${this.label()}: requesting`);
    const outcome = await this.exchange((options) => em.requestCoordination.executeWithOptions(
      { ...options, summary: `POST coordination ${this.actionName} for ${this.subject()}` },
      [this.target, coordinationRequest(this.ctx, this.vnfc, this.actionName, this.param)]));
    this.answeredAt = answerTime(outcome);
    if (outcome.kind === 'finished') return outcome.coordination;
    this.open.nextExchangeAt = this.answeredAt + (outcome.kind === 'busy' ? this.busyDelay(outcome.retryAfterMs) : this.pollDelay(outcome.retryAfterMs));
    if (outcome.kind === 'accepted') {
      this.open.location = outcome.location;
      this.record(coordinationIdOf(outcome.location), { delayUntil: outcome.retryAfterMs === undefined ? undefined : this.open.nextExchangeAt });
    } else {
      this.ctx.state.rejectedLcmCoordinations.push({
        coordinationActionName: this.actionName,
        rejectionTime: new Date(this.answeredAt).toISOString(),
        endpointType: 'MGMT',
        delay: new Date(this.open.nextExchangeAt).toISOString(),
      });
    }
    return undefined;
  }

  /** GET of the Location: the verdict, or "still working" with maybe a Retry-After. */
  private async poll(location: string): Promise<LcmCoord | undefined> {
    const outcome = await this.exchange((options) => this.reads.readCoordination.executeWithOptions(
      { ...options, summary: `GET coordination ${this.actionName} for ${this.subject()}` }, [this.target, location]));
    this.answeredAt = answerTime(outcome);
    if (outcome.kind === 'finished') return outcome.coordination;
    this.open.nextExchangeAt = this.answeredAt + this.pollDelay(outcome.retryAfterMs);
    const entry = this.open.recordIndex === undefined ? undefined : this.ctx.state.lcmCoordinations[this.open.recordIndex];
    if (entry && outcome.retryAfterMs !== undefined) entry.delay = new Date(this.open.nextExchangeAt).toISOString();
    return undefined;
  }

  /** CONTINUE goes on; ABORT or CANCELLED fails the step with the EM's error. */
  private judge(coordination: LcmCoord): void {
    this.record(coordination.id, { endedAt: this.answeredAt, result: coordination });
    if (coordination.coordinationResult === 'CONTINUE') return;
    this.step.coordination = undefined;
    throw new StepFailure(coordination.error ?? {
      status: 409,
      title: 'Conflict',
      detail: `EM answered ${coordination.coordinationResult} to coordination ${coordination.coordinationActionName} for VNFC ${this.vnfc.id}`,
    });
  }

  /**
   * Runs one exchange with a schedule-to-close equal to what is left of the deadline, so
   * retries of 5xx and network faults never outlive the coordination. A non-retryable failure
   * (4xx, malformed answer, foreign Location) fails the step with the EM's own detail.
   */
  private async exchange<T>(call: (options: { scheduleToCloseTimeout: number; startToCloseTimeout: number }) => Promise<T>): Promise<T> {
    const remaining = Math.max(this.open.deadlineAt - Date.now(), 1000);
    try {
      return await call({ scheduleToCloseTimeout: remaining, startToCloseTimeout: Math.min(remaining, 45_000) });
    } catch (err) {
      if (isTimeout(err)) return this.timeOut();
      const failure = applicationCause(err);
      if (!failure?.type?.startsWith(COORDINATION_FAILURE_PREFIX)) throw err;
      this.step.coordination = undefined;
      const status = upstreamStatus(failure);
      throw StepFailure.of(status && status >= 400 && status < 500 ? status : 502,
        `coordination ${this.actionName} for VNFC ${this.vnfc.id} failed: ${failure.message}`);
    }
  }

  /** The deadline passed without a result: cancel at the EM (best effort) and fail the step. */
  private async timeOut(): Promise<never> {
    if (this.open.location) {
      this.ctx.describe(`${this.ctx.label(this.vnfc)}: coordination ${this.actionName} timed out; cancelling it at the EM`);
      await cancelAtEm(this.ctx, this.vnfc, this.actionName, this.target, this.open.location);
    }
    this.step.coordination = undefined;
    throw StepFailure.of(504, `coordination ${this.actionName} for VNFC ${this.vnfc.id} timed out after ${this.timeoutSec} s`);
  }

  /**
   * Delay before posting again after a 503 or 429: Retry-After when the EM gives one; without
   * it, doubling from the default poll interval on each refusal in a row, up to a minute, so an
   * overloaded EM is not asked again and again at the same pace.
   */
  private busyDelay(retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) {
      this.open.busyStreak = 0;
      return this.pollDelay(retryAfterMs);
    }
    const streak = this.open.busyStreak ?? 0;
    this.open.busyStreak = streak + 1;
    const { defaultPollIntervalMs, retryAfterScale } = this.ctx.input.tuning;
    return Math.min(defaultPollIntervalMs * 2 ** streak, Math.max(defaultPollIntervalMs, MAX_BUSY_BACKOFF_MS)) * retryAfterScale;
  }

  /** Delay before the next exchange: Retry-After, floored (0 or negative is no tight loop). */
  private pollDelay(retryAfterMs: number | undefined): number {
    const { minPollIntervalMs, defaultPollIntervalMs, retryAfterScale } = this.ctx.input.tuning;
    if (retryAfterMs === undefined) return defaultPollIntervalMs * retryAfterScale;
    return Math.max(retryAfterMs * retryAfterScale, minPollIntervalMs * retryAfterScale);
  }

  /** Creates or completes this coordination's entry in lcmCoordinations. */
  private record(id: string, { endedAt, delayUntil, result }: { endedAt?: number; delayUntil?: number; result?: LcmCoord }): void {
    const list = this.ctx.state.lcmCoordinations;
    if (this.open.recordIndex === undefined) {
      this.open.recordIndex = list.push({
        id, coordinationActionName: this.actionName, startTime: new Date(this.open.firstRequestAt).toISOString(), endpointType: 'MGMT',
      }) - 1;
    }
    const entry = list[this.open.recordIndex];
    if (!entry) return;
    entry.id = id;
    if (delayUntil !== undefined) entry.delay = new Date(delayUntil).toISOString();
    if (endedAt !== undefined) entry.endTime = new Date(endedAt).toISOString();
    if (result) entry.coordinationResult = result.coordinationResult;
  }

  private label(): string {
    return `${this.ctx.label(this.vnfc)}: coordination ${this.actionName}`;
  }

  private subject(): string {
    return `${this.vnfc.vduId}-${this.vnfc.index}`;
  }
}

/** POST {Location}/cancel, best effort: an EM that is down or refuses does not change the outcome. */
async function cancelAtEm(ctx: Context, vnfc: VnfcProgress, actionName: string, target: EmTarget, location: string): Promise<void> {
  try {
    await em.cancelCoordination.executeWithOptions({
      summary: `cancel coordination ${actionName} for ${vnfc.vduId}-${vnfc.index}`,
      startToCloseTimeout: '45 seconds', scheduleToCloseTimeout: '2 minutes', retry: { maximumAttempts: 3 },
    }, [target, location]);
  } catch {
    ctx.describe(`${ctx.label(vnfc)}: the EM did not accept the cancel of coordination ${actionName}`);
  }
}

/** The longest back-off between two requests an EM refused without Retry-After. */
const MAX_BUSY_BACKOFF_MS = 60_000;

function emTarget(param: VnfcParam & { endpoint: string }): EmTarget {
  return { endpoint: param.endpoint, authentication: param.authentication };
}

/**
 * When the EM answered, by the worker's clock; histories recorded before answers carried the
 * time fall back to the workflow's clock (when the workflow task read the answer).
 */
function answerTime(outcome: { answeredAt?: number }): number {
  return outcome.answeredAt ?? Date.now();
}

function coordinationIdOf(location: string): string {
  const path = location.split('?')[0] ?? location;
  return path.replace(/\/+$/, '').split('/').pop() ?? location;
}

function coordinationRequest(ctx: Context, vnfc: VnfcProgress, actionName: string, param: VnfcParam & { endpoint: string }): LcmCoordRequest {
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
