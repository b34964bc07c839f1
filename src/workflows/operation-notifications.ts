// The operation's side of its notifications: on each state change the operation builds the
// VnfLcmOperationOccurrenceNotification (SOL003 §5.5.2.17) and hands it to its notifier
// workflow (notifications.ts), starting the notifier with the first notification a subscription
// matches: an operation nobody subscribed to starts no workflow and sends no signal.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  CancellationScope, ChildWorkflowCancellationType, getExternalWorkflowHandle, log, ParentClosePolicy, patched, startChild, uuid4,
} from '@temporalio/workflow';
import { START_STATES } from '../lcm/operation-lifecycle.ts';
import type { OperationNotificationDraft as NotificationDraft } from '../notifications/models.ts';
import { summaryOf } from '../notifications/summary.ts';
import { VNF_INSTANCE_ID, VNF_LCM_OPERATION } from '../search-attributes.ts';
import { notificationReads } from './activities.ts';
import { affectedVnfcsOf } from './affected-vnfcs.ts';
import { deliverOperationNotifications, NOTIFICATIONS_PATCH, notifierWorkflowId, notifySignal } from './notifications.ts';
import type { OperationState } from './operation-state.ts';

/** Operations recorded before it started a notifier for every operation, subscribed to or not. */
export const NOTIFIER_WHEN_SUBSCRIBED_PATCH = 'notifier-when-subscribed';

export interface OccurrenceLinks {
  vnfLcmOpOcc: string;
  vnfInstance: string;
}

/** One per run of an operation: its notifications leave in the order the operation emits them. */
export class OccurrenceNotifications {
  /** This run has started (or found) the notifier. */
  private notifierKnown = false;
  /** The hand-over of the previous notification. */
  private previous: Promise<void> = Promise.resolve();

  constructor(
    private readonly state: OperationState,
    private readonly links: OccurrenceLinks,
  ) {}

  /**
   * Tells the subscribers that the operation entered its current state: builds the notification
   * now (from the state as it is at the call) and hands it to the notifier. Hand-overs are
   * chained, so notifications keep their order even if one call is not awaited; the caller
   * should await it all the same, so that it has left before the run ends. Does nothing in
   * histories recorded before notifications existed.
   */
  announce(): Promise<void> {
    if (!patched(NOTIFICATIONS_PATCH)) return Promise.resolve();
    const notification = operationNotification(this.state, this.links);
    // Not cancellable: cancelling the operation's work must not cancel telling the subscribers.
    const next = this.previous.catch(() => undefined).then(() => CancellationScope.nonCancellable(() => this.send(notification)));
    this.previous = next;
    return next;
  }

  /**
   * Until a notifier exists, a notification goes only where a subscription wants it: the match
   * is a local activity (no task through the server). Once the notifier has one notification it
   * gets every later one, so that it sees the final result, and ends.
   */
  private async send(notification: NotificationDraft): Promise<void> {
    if (!this.state.notifierStarted && patched(NOTIFIER_WHEN_SUBSCRIBED_PATCH)) {
      const subscriptions = await notificationReads.matchingSubscriptions.executeWithOptions(
        { summary: `subscriptions for ${notification.operationState} (${notification.notificationStatus})` }, [summaryOf(notification)]);
      if (subscriptions.length === 0) return;
    }
    await this.handOver(notification);
  }

  private async handOver(notification: NotificationDraft): Promise<void> {
    const workflowId = notifierWorkflowId(this.state.vnfLcmOpOccId);
    this.state.notifierStarted = true;
    if (!this.notifierKnown) {
      this.notifierKnown = true;
      if (await this.startNotifier(workflowId, notification)) return;
    }
    try {
      await getExternalWorkflowHandle(workflowId).signal(notifySignal, notification);
    } catch (err) {
      // The notifier has ended (idle past its timeout, or terminated by hand): a new one takes over.
      log.warn(`notifier ${workflowId} did not take notification ${notification.id}: ${(err as Error).message}; starting a new one`);
      if (!(await this.startNotifier(workflowId, notification))) {
        log.warn(`notification ${notification.id} (${notification.operationState}) dropped: the notifier neither took it nor could be started`);
      }
    }
  }

  /** Starts the notifier with the notification; false when one is running already. */
  private async startNotifier(workflowId: string, notification: NotificationDraft): Promise<boolean> {
    const { state } = this;
    try {
      await startChild(deliverOperationNotifications, {
        workflowId,
        args: [{ vnfLcmOpOccId: state.vnfLcmOpOccId, initial: [notification] }],
        // The notifier outlives the operation's last run.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        staticSummary: `notifications of ${state.operation} ${state.vnfLcmOpOccId} (VNF ${state.vnfInstanceId})`,
        // Found by the operation's own attributes in the Web UI (the state is the operation's alone).
        ...(patched(NOTIFIER_WHEN_SUBSCRIBED_PATCH)
          ? { typedSearchAttributes: [{ key: VNF_INSTANCE_ID, value: state.vnfInstanceId }, { key: VNF_LCM_OPERATION, value: state.operation }] }
          : {}),
      });
      return true;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw err;
    }
  }
}

/** SOL003 §5.5.2.17, built from the operation state; id and timeStamp are deterministic workflow values. */
export function operationNotification(state: OperationState, links: OccurrenceLinks): NotificationDraft {
  const result = !START_STATES.has(state.operationState);
  const affectedVnfcs = affectedVnfcsOf(state);
  return {
    id: uuid4(),
    notificationType: 'VnfLcmOperationOccurrenceNotification',
    timeStamp: new Date().toISOString(),
    notificationStatus: result ? 'RESULT' : 'START',
    operationState: state.operationState,
    vnfInstanceId: state.vnfInstanceId,
    operation: state.operation,
    isAutomaticInvocation: false,
    vnfLcmOpOccId: state.vnfLcmOpOccId,
    ...(result && affectedVnfcs.length > 0 ? { affectedVnfcs } : {}),
    ...(state.operation === 'CHANGE_VNFPKG' && state.operationState === 'COMPLETED' ? { modificationsTriggeredByVnfPkgChange: state.target } : {}),
    ...(state.changedInfo && state.operationState === 'COMPLETED' ? { changedInfo: state.changedInfo } : {}),
    ...(state.error ? { error: state.error } : {}),
    _links: { vnfInstance: { href: links.vnfInstance }, vnfLcmOpOcc: { href: links.vnfLcmOpOcc } },
  };
}
