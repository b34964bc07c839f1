// Notification delivery: one notifier workflow per operation occurrence (workflowId
// `${vnfLcmOpOccId}/notifications`), fed by the operation through `notifySignal`; and one per
// VnfIdentifierCreationNotification or VnfIdentifierDeletionNotification, started by the
// gateway with the one notification it carries (identifierNotifierWorkflowId in messages.ts).
//
// Ordering: notifications are matched against the subscriptions in the order they were emitted;
// each matching subscription has its own lane, which delivers its notifications strictly one
// after the other (the next is sent only once the previous one is delivered or abandoned).
// Lanes are independent: a subscriber that is down holds up its own lane only.
//
// Retries: a delivery is one activity with a server-side retry policy (1 s doubling to one
// attempt a minute, for up to 24 h). A notification that still fails after that, or that the
// subscriber refuses (4xx other than 408/429), is abandoned and the lane moves on. A lane whose
// last delivery was abandoned is "degraded": its next notifications get a few quick attempts
// only, until one gets through again. So a subscriber that stays down costs at most a day plus
// a few seconds per later notification, and never delays any other subscriber.
//
// History: deliveries retry on the server (a few events each, however many attempts), and the
// run continues as new, lanes and all, once its history passes a limit. A delivery in flight at
// that moment is cancelled and sent again by the next run (at-least-once; the notification id
// lets a subscriber spot the repeat). The workflow ends when the operation's final RESULT
// (COMPLETED, FAILED, ROLLED_BACK) has been matched and every lane is empty.
import {
  allHandlersFinished, CancellationScope, condition, continueAsNew, defineSignal, isCancellation, log, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { NotificationDraft } from '../notifications/models.ts';
import { isLastNotification, labelOf, summaryOf } from '../notifications/summary.ts';
import { notifications } from './activities.ts';

/** Operation workflows recorded before notifications existed replay without them. */
export const NOTIFICATIONS_PATCH = 'notifications-v1';

/** A notification of the operation, in the order the operation emits them. */
export const notifySignal = defineSignal<[NotificationDraft]>('notify');

export function notifierWorkflowId(vnfLcmOpOccId: string): string {
  return `${vnfLcmOpOccId}/notifications`;
}


export interface NotifierTuning {
  /** Continue-as-new once a run's history passes this many events. */
  historyEventLimit: number;
  /** With nothing to deliver and no final result yet, end after this long (a later notification starts a new notifier). */
  idleTimeoutMs: number;
  /** Attempts per notification for a subscriber whose previous notification was abandoned. */
  degradedAttempts: number;
}

const DEFAULT_TUNING: NotifierTuning = { historyEventLimit: 2_000, idleTimeoutMs: 7 * 24 * 3600 * 1000, degradedAttempts: 3 };

export interface NotifierInput {
  /** The operation occurrence whose notifications these are; absent for an identifier notification. */
  vnfLcmOpOccId?: string;
  /** Notifications that arrive with the start (the one that caused it). */
  initial?: NotificationDraft[];
  tuning?: Partial<NotifierTuning>;
}

interface Lane {
  /** Ids of the notifications still to deliver to this subscription, in order. */
  pending: string[];
  /** The previous notification was abandoned: try the next ones briefly only. */
  degraded: boolean;
}

/** What a run hands to the next one at continue-as-new. */
export interface NotifierState {
  /** Received, not yet matched against the subscriptions. */
  inbox: NotificationDraft[];
  /** Matched notifications that some lane still has to deliver, by id. */
  notifications: Record<string, NotificationDraft>;
  /** Per subscription id. */
  lanes: Record<string, Lane>;
  finalDispatched: boolean;
  delivered: number;
  abandoned: number;
  runs: number;
}

export interface NotifierResult {
  delivered: number;
  abandoned: number;
  runs: number;
  ended: 'final-result-delivered' | 'idle';
}

export async function deliverOperationNotifications(input: NotifierInput, carried?: NotifierState): Promise<NotifierResult> {
  const tuning: NotifierTuning = { ...DEFAULT_TUNING, ...input.tuning };
  const state: NotifierState = carried ?? {
    inbox: [...(input.initial ?? [])], notifications: {}, lanes: {}, finalDispatched: false, delivered: 0, abandoned: 0, runs: 0,
  };
  state.runs += 1;

  setHandler(notifySignal, (notification) => {
    if (state.notifications[notification.id] || state.inbox.some((n) => n.id === notification.id)) return;
    state.inbox.push(notification);
  });

  // Every lane runs in this scope, so that continue-as-new can stop them all at once.
  const lanesScope = new CancellationScope();
  const running = new Set<string>();

  const deliver = (subscriptionId: string, notification: NotificationDraft, degraded: boolean) =>
    notifications.deliverNotification.executeWithOptions({
      summary: `${labelOf(notification)} to subscription ${subscriptionId}`,
      ...(degraded ? { retry: { maximumAttempts: tuning.degradedAttempts } } : {}),
    }, [{ subscriptionId, notification }]);

  async function runLane(subscriptionId: string): Promise<void> {
    try {
      for (;;) {
        const lane = state.lanes[subscriptionId];
        const id = lane?.pending[0];
        const notification = id === undefined ? undefined : state.notifications[id];
        if (!lane || id === undefined || !notification) {
          delete state.lanes[subscriptionId];
          return;
        }
        try {
          const outcome = await deliver(subscriptionId, notification, lane.degraded);
          if (outcome.kind === 'delivered') state.delivered += 1;
          lane.degraded = false;
        } catch (err) {
          if (isCancellation(err)) return; // a new run takes over; the notification stays at the head
          state.abandoned += 1;
          lane.degraded = true;
          log.warn(`notification ${id} (${labelOf(notification)}) to subscription ${subscriptionId} abandoned: ${failureMessage(err)}`);
        }
        lane.pending.shift();
        if (!Object.values(state.lanes).some((l) => l.pending.includes(id))) delete state.notifications[id];
      }
    } finally {
      running.delete(subscriptionId);
    }
  }

  const startLane = (subscriptionId: string): void => {
    if (running.has(subscriptionId)) return;
    running.add(subscriptionId);
    void lanesScope.run(() => runLane(subscriptionId));
  };

  /** Matches the next notification against the subscriptions as they are now, and queues it on their lanes. */
  async function dispatch(notification: NotificationDraft): Promise<void> {
    const ids = await notifications.matchingSubscriptions.executeWithOptions(
      { summary: `subscriptions for ${labelOf(notification)}` },
      [summaryOf(notification)],
    );
    if (ids.length > 0) state.notifications[notification.id] = notification;
    for (const id of ids) {
      (state.lanes[id] ??= { pending: [], degraded: false }).pending.push(notification.id);
      startLane(id);
    }
    if (isLastNotification(notification)) state.finalDispatched = true;
  }

  const quiet = (): boolean => state.inbox.length === 0 && Object.keys(state.lanes).length === 0;
  const newRunDue = (): boolean => {
    const info = workflowInfo();
    return info.historyLength >= tuning.historyEventLimit || info.continueAsNewSuggested;
  };
  const ready = (): boolean => state.inbox.length > 0 || (state.finalDispatched && quiet()) || newRunDue();

  for (const id of Object.keys(state.lanes)) startLane(id);
  for (;;) {
    if (quiet() && !state.finalDispatched) {
      if (!(await condition(ready, tuning.idleTimeoutMs))) return finish('idle');
    } else {
      // Also wake when the lanes drain, so that an idle notifier starts its idle timer.
      await condition(() => ready() || quiet());
    }
    if (newRunDue()) {
      lanesScope.cancel();
      await condition(() => running.size === 0);
      await condition(allHandlersFinished);
      await continueAsNew<typeof deliverOperationNotifications>({ vnfLcmOpOccId: input.vnfLcmOpOccId, tuning: input.tuning }, state);
    }
    const next = state.inbox[0];
    if (next) {
      await dispatch(next);
      state.inbox.shift();
    } else if (state.finalDispatched && quiet()) {
      return finish('final-result-delivered');
    }
  }

  async function finish(ended: NotifierResult['ended']): Promise<NotifierResult> {
    await condition(allHandlersFinished);
    return { delivered: state.delivered, abandoned: state.abandoned, runs: state.runs, ended };
  }
}

/** The activity's own message (the HTTP outcome), rather than Temporal's wrapper. */
function failureMessage(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err as Error).message;
}
