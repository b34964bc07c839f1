// The part of a notification a subscription filter looks at, without zod: the notifier workflow
// imports this module, and every module in the workflow bundle is evaluated again for each
// workflow in the worker's cache.
import type { NotificationDraft, NotificationSummary } from './models.ts';

export function summaryOf(n: NotificationDraft): NotificationSummary {
  return { notificationType: n.notificationType, vnfInstanceId: n.vnfInstanceId, operation: n.operation, operationState: n.operationState };
}
