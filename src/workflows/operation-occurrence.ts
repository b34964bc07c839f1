// One VNF LCM operation occurrence as a workflow lives it (SOL003 §5.6.2.2), whatever the
// operation: its state and the checked transitions between states (src/lcm/operation-lifecycle.ts),
// the operator tasks and their validators, the notifications of each state change, the wait in
// FAILED_TEMP for an operator's choice, and the checkpoint that continues a long operation in a
// fresh run. An operation plugs in only what is its own: how it goes forward, how it rolls back.
//
//   STARTING → PROCESSING ─ forward ─→ COMPLETED
//                  ↓ a step fails (or is cancelled)
//              FAILED_TEMP ─ retry → PROCESSING (resumes at the failed step)
//                          ─ rollback → ROLLING_BACK ─ rollback ─→ ROLLED_BACK (or FAILED_TEMP)
//                          ─ fail → FAILED
import {
  allHandlersFinished, CancellationScope, condition, isCancellation, makeContinueAsNewFunc, patched, setCurrentDetails, setHandler,
  sleep, upsertMemo, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { ProblemDetails } from '../http/problem.ts';
import { reasonPhrase } from '../http/reason-phrases.ts';
import {
  canTransition, CANCELLABLE_STATES, operatorTaskRefusal, type OperationStateName, type OperatorTaskName,
} from '../lcm/operation-lifecycle.ts';
import { VNF_INSTANCE_ID, VNF_LCM_OPERATION, VNF_LCM_OPERATION_STATE } from '../search-attributes.ts';
import { cancelUpdate, failUpdate, operationQuery, retryUpdate, rollbackUpdate } from './messages.ts';
import { reportEndToInstance } from './operation-end.ts';
import { OCCURRENCE_MEMO, OCCURRENCE_VIEW_MAX_CHARS, occurrenceView } from './occurrence-view.ts';
import { OccurrenceNotifications, type OccurrenceLinks } from './operation-notifications.ts';
import type { OperationState } from './operation-state.ts';
import { StepFailure } from './step-failure.ts';

/** What an operation brings to its occurrence: its own work, forward and back. */
export interface OperationBodies {
  /** The operation's work, from where it stands: a retry or a new run calls it again. */
  forward(): Promise<void>;
  /** Reverts what `forward` did, from where it stands; without it the rollback task is refused. */
  rollback?(): Promise<void>;
  /** Records the outcome once `forward` has succeeded (not cancellable: the work is done). */
  commit?(): Promise<void>;
  /** After a FORCEFUL cancel stopped the work: tells the remote systems to stop too (not cancellable). */
  afterForcefulCancel?(): Promise<void>;
  /** What the UI says once the operation is COMPLETED, or ROLLED_BACK. */
  completedDetails(): string;
  rolledBackDetails?(): string;
}

export interface OccurrenceRun {
  /** The occurrence's state: new (STARTING), or carried over from the previous run. */
  state: OperationState;
  /** True when a previous run continued as new into this one. */
  resumed: boolean;
  links: OccurrenceLinks;
  /** Continue-as-new once a run's history passes this many events (checkpoint). */
  historyEventLimit?: number;
  /** Continues the workflow as new with this state and memo (the operation's own workflow function). */
  continueAsNew?: (state: OperationState, memo?: Record<string, unknown>) => Promise<never>;
}

/**
 * The occurrence of one run of changeVnfPkg, whatever the kind of change (rolling, Blue-Green,
 * Kubernetes): new, or resumed from the state the previous run handed over; past the input's
 * history limit it continues as new as the same workflow, with the same input and the memo that
 * holds its view.
 */
export function changeOccurrence(
  input: { links: OccurrenceLinks; tuning: { historyEventLimit: number } }, state: OperationState, resumed: boolean,
): OperationOccurrence {
  state.runs += resumed ? 1 : 0;
  return new OperationOccurrence({
    state,
    resumed,
    links: input.links,
    historyEventLimit: input.tuning.historyEventLimit,
    continueAsNew: (next, memo) => makeContinueAsNewFunc(memo ? { memo } : {})(input, next),
  });
}

/** Operations recorded before the lifecycle was shared set these attributes themselves, CHANGE_VNFPKG only. */
const SEARCH_ATTRIBUTES_AT_START_PATCH = 'search-attributes-at-start';
/** Runs recorded before the occurrence's view was kept in the memo publish nothing (the gateway queries them). */
export const OCCURRENCE_MEMO_PATCH = 'occurrence-view-memo';

export class OperationOccurrence {
  readonly state: OperationState;
  private readonly notifications: OccurrenceNotifications;
  /** The operator's choice in FAILED_TEMP, until the loop takes it. */
  private chosenTask?: Exclude<OperatorTaskName, 'cancel'>;
  /** The scope the current direction runs in: a FORCEFUL cancel cancels it. */
  private running?: CancellationScope;
  /** This run keeps the view in the memo (not in runs recorded before it did). */
  private publishing = false;
  /** The view as last published (JSON), and as it is now. */
  private publishedView?: string;
  private currentView = '';

  constructor(private readonly run: OccurrenceRun) {
    this.state = run.state;
    this.notifications = new OccurrenceNotifications(this.state, run.links);
  }

  /** Runs the occurrence to a final state, and answers it. */
  async perform(bodies: OperationBodies): Promise<OperationState> {
    this.registerHandlers();
    this.startPublishing();
    if (this.run.resumed) this.describe(this.state.details);
    else await this.begin();

    for (;;) {
      if (this.state.operationState === 'PROCESSING' || this.state.operationState === 'ROLLING_BACK') {
        const error = await this.runDirection(bodies);
        if (!error) return this.finish(bodies);
        this.state.error = error;
        this.state.isCancelPending = false;
        this.state.cancelMode = undefined;
        await this.enter('FAILED_TEMP');
        this.describe(`FAILED_TEMP: ${error.detail}; waiting for ${this.allowedTasksInWords()}`);
      }
      // FAILED_TEMP: nothing runs until an operator chooses a task; a wait that costs no history.
      await condition(() => this.chosenTask !== undefined);
      const task = this.chosenTask;
      this.chosenTask = undefined;
      if (task === 'fail') return this.end('FAILED', `FAILED: ${this.state.error?.detail ?? 'failed by the operator'}`);
      if (task === 'rollback') this.state.direction = 'ROLLBACK';
      this.state.error = undefined;
      await this.enter(this.state.direction === 'ROLLBACK' ? 'ROLLING_BACK' : 'PROCESSING');
    }
  }

  // --- For the operation's bodies ---

  /** What the operation is doing now, in words: the op occ's details and the UI's current details. */
  describe(details: string): void {
    this.state.details = details;
    setCurrentDetails(details);
  }

  /** GRACEFUL cancel: the operation stops at a safe point, between two steps. */
  stopIfCancelled(): void {
    if (this.state.isCancelPending) throw new StepFailure(cancelledProblem(this.state.cancelMode ?? 'GRACEFUL'));
  }

  /**
   * Called before every wait and every step: once this run's history passes the limit, the
   * operation goes on in a fresh run from the same state, so history stays bounded however
   * long the operation waits.
   */
  async checkpoint(): Promise<void> {
    const { historyEventLimit, continueAsNew } = this.run;
    if (!continueAsNew || historyEventLimit === undefined) return;
    const info = workflowInfo();
    if (info.historyLength < historyEventLimit && !info.continueAsNewSuggested) return;
    await condition(allHandlersFinished);
    this.publish();
    // The server does not carry a memo into the next run: the view goes with it, readable at once.
    await continueAsNew(this.state, this.publishing ? workflowInfo().memo : undefined);
  }

  /**
   * Sleeps until a time, after the checkpoint. `now` may be later than the workflow's clock when
   * a local activity's answer, read in this same task, says so.
   */
  async sleepUntil(at: number, summary: string, now = Date.now()): Promise<void> {
    await this.checkpoint();
    const ms = at - now;
    if (ms > 0) await sleep(ms, { summary });
  }

  // --- The life of the occurrence ---

  private async begin(): Promise<void> {
    if (this.state.operation === 'CHANGE_VNFPKG' || patched(SEARCH_ATTRIBUTES_AT_START_PATCH)) {
      upsertSearchAttributes([
        { key: VNF_INSTANCE_ID, value: this.state.vnfInstanceId },
        { key: VNF_LCM_OPERATION, value: this.state.operation },
      ]);
    }
    await this.notifications.announce(); // START for STARTING, the state the occurrence was created in
    await this.enter('PROCESSING');
  }

  /** Runs the current direction; answers the error that stopped it, or undefined when it succeeded. */
  private async runDirection(bodies: OperationBodies): Promise<ProblemDetails | undefined> {
    const scope = new CancellationScope();
    this.running = scope;
    try {
      await scope.run(() => (this.state.direction === 'ROLLBACK' ? this.rollBack(bodies) : bodies.forward()));
      return undefined;
    } catch (err) {
      return await this.failureOf(err, bodies);
    } finally {
      this.running = undefined;
    }
  }

  private async rollBack(bodies: OperationBodies): Promise<void> {
    // The lifecycle table admits the rollback task only for operations that bring a rollback.
    if (!bodies.rollback) throw StepFailure.of(500, `operation ${this.state.vnfLcmOpOccId} (${this.state.operation}) has no rollback`);
    await bodies.rollback();
  }

  /** The error of a step that failed or was cancelled; anything else is a bug and fails the workflow task. */
  private async failureOf(err: unknown, bodies: OperationBodies): Promise<ProblemDetails> {
    if (err instanceof StepFailure) return err.problem;
    if (isCancellation(err) && this.state.isCancelPending) {
      const stopRemoteWork = bodies.afterForcefulCancel?.bind(bodies);
      if (stopRemoteWork) await CancellationScope.nonCancellable(stopRemoteWork);
      return cancelledProblem(this.state.cancelMode ?? 'FORCEFUL');
    }
    throw err;
  }

  private async finish(bodies: OperationBodies): Promise<OperationState> {
    if (this.state.direction === 'ROLLBACK') {
      return this.end('ROLLED_BACK', bodies.rolledBackDetails?.() ?? 'rolled back');
    }
    await bodies.commit?.();
    return this.end('COMPLETED', bodies.completedDetails());
  }

  /** A final state: the instance is freed before anyone can read it (and start the next operation). */
  private async end(final: 'COMPLETED' | 'FAILED' | 'ROLLED_BACK', details: string): Promise<OperationState> {
    await reportEndToInstance(this.state);
    await this.enter(final);
    this.describe(details);
    await condition(allHandlersFinished);
    // Now, in the same task as the result: a change left to the publisher would come after it.
    this.publish();
    return this.state;
  }

  /** Enters a state (a transition the lifecycle allows), makes it searchable, and announces it. */
  private async enter(next: OperationStateName): Promise<void> {
    const from = this.state.operationState;
    if (!canTransition(from, next)) throw new Error(`operation ${this.state.vnfLcmOpOccId}: no transition from ${from} to ${next}`);
    this.state.operationState = next;
    this.state.stateEnteredTime = new Date().toISOString();
    // SOL003: isCancelPending is true only while a running operation is being cancelled.
    if (!CANCELLABLE_STATES.has(next)) {
      this.state.isCancelPending = false;
      this.state.cancelMode = undefined;
    }
    upsertSearchAttributes([{ key: VNF_LCM_OPERATION_STATE, value: next }]);
    await this.notifications.announce();
  }

  // --- The view in the memo, for readers that must not wait for a worker (the gateway) ---

  /**
   * From now on, every change of the view is published in the workflow task that made it: the
   * condition is evaluated after every job of every activation, so the memo is upserted in the
   * same task as the change (a cancel accepted, a coordination recorded, a state entered), and
   * never while nothing changed (a poll that only moved the next exchange time).
   */
  private startPublishing(): void {
    if (!patched(OCCURRENCE_MEMO_PATCH)) return;
    this.publishing = true;
    // What the memo holds already (the entity's view of STARTING, or the previous run's) is not published again.
    this.publishedView = JSON.stringify(workflowInfo().memo?.[OCCURRENCE_MEMO]);
    // Not cancellable: a FORCEFUL cancel of the work must not stop the publishing of its outcome.
    void CancellationScope.nonCancellable(async () => {
      for (;;) {
        await condition(() => this.viewChanged());
        this.publish();
      }
    });
  }

  private viewChanged(): boolean {
    this.currentView = JSON.stringify(occurrenceView(this.state));
    return this.currentView !== this.publishedView;
  }

  /** Upserts the view if it changed since it was last published; a view too large for a memo is withdrawn. */
  private publish(): void {
    if (!this.publishing || !this.viewChanged()) return;
    this.publishedView = this.currentView;
    upsertMemo({ [OCCURRENCE_MEMO]: this.currentView.length <= OCCURRENCE_VIEW_MAX_CHARS ? occurrenceView(this.state) : undefined });
  }

  private allowedTasksInWords(): string {
    const tasks = (['retry', 'rollback', 'fail'] as const).filter((task) => !operatorTaskRefusal(task, this.state));
    return tasks.join(', ').replace(/, (\w+)$/, ' or $1');
  }

  // --- The operator tasks (SOL003 §5.4.14–17) and the query, all answering the state ---

  private registerHandlers(): void {
    setHandler(operationQuery, () => this.state);
    const choose = (task: Exclude<OperatorTaskName, 'cancel'>) => async (): Promise<OperationState> => {
      this.chosenTask = task;
      await condition(() => (task === 'fail' ? this.state.operationState === 'FAILED' : this.state.operationState !== 'FAILED_TEMP'));
      return this.state;
    };
    const refuseUnlessAllowed = (task: Exclude<OperatorTaskName, 'cancel'>) => (): void => {
      const refusal = this.chosenTask
        ? `operation ${this.state.vnfLcmOpOccId} has the ${this.chosenTask} task under way already`
        : operatorTaskRefusal(task, this.state);
      if (refusal) throw new Error(refusal);
    };
    setHandler(retryUpdate, choose('retry'), { validator: refuseUnlessAllowed('retry') });
    setHandler(rollbackUpdate, choose('rollback'), { validator: refuseUnlessAllowed('rollback') });
    setHandler(failUpdate, choose('fail'), { validator: refuseUnlessAllowed('fail') });
    setHandler(cancelUpdate, ({ cancelMode }) => {
      this.state.isCancelPending = true;
      this.state.cancelMode = cancelMode;
      if (cancelMode === 'FORCEFUL') this.running?.cancel();
      return this.state;
    }, {
      validator: ({ cancelMode }: { cancelMode: 'GRACEFUL' | 'FORCEFUL' }) => {
        if (cancelMode !== 'GRACEFUL' && cancelMode !== 'FORCEFUL') throw new Error(`cancelMode must be GRACEFUL or FORCEFUL, not ${String(cancelMode)}`);
        const refusal = operatorTaskRefusal('cancel', this.state, cancelMode);
        if (refusal) throw new Error(refusal);
      },
    });
  }
}

function cancelledProblem(mode: 'GRACEFUL' | 'FORCEFUL'): ProblemDetails {
  return { status: 409, title: reasonPhrase(409), detail: `the operation was cancelled by the operator (${mode})` };
}
