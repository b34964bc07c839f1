// The part of a notification a subscription filter looks at, and how the notifier names it,
// without zod: the notifier workflow imports this module, and every module in the workflow
// bundle is evaluated again for each workflow in the worker's cache.
import { FINAL_STATES } from '../lcm/operation-lifecycle.ts';
import type { NotificationDraft, NotificationSummary } from './models.ts';

export function summaryOf(n: NotificationDraft): NotificationSummary {
  if (n.notificationType !== 'VnfLcmOperationOccurrenceNotification') {
    return { notificationType: n.notificationType, vnfInstanceId: n.vnfInstanceId, instance: n.instance };
  }
  return { notificationType: n.notificationType, vnfInstanceId: n.vnfInstanceId, operation: n.operation, operationState: n.operationState };
}

/** How the notifier's activities name the notification in the UI: `COMPLETED (RESULT)`, `VnfIdentifierCreationNotification`. */
export function labelOf(n: NotificationDraft): string {
  return n.notificationType === 'VnfLcmOperationOccurrenceNotification' ? `${n.operationState} (${n.notificationStatus})` : n.notificationType;
}

/** The last notification its notifier will be given: an operation's final RESULT, or an identifier notification (there is one). */
export function isLastNotification(n: NotificationDraft): boolean {
  return n.notificationType !== 'VnfLcmOperationOccurrenceNotification' || FINAL_STATES.has(n.operationState);
}
