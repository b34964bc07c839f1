// What the notifier workflow needs from the notification model, without zod: workflow code
// imports this module, and every module in the workflow bundle is evaluated again for each
// workflow in the worker's cache (zod schemas cost ~1.6 MiB per workflow).
import type { NotificationDraft, NotificationSummary } from './models.ts';

/** States whose entry is announced with START; every other state is a RESULT (SOL003 §5.6.2.2). */
export const START_STATES: ReadonlySet<string> = new Set(['STARTING', 'PROCESSING', 'ROLLING_BACK']);
/** States after which the operation occurrence never changes again: its last notification. */
export const FINAL_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'ROLLED_BACK']);

export function summaryOf(n: NotificationDraft): NotificationSummary {
  return { notificationType: n.notificationType, vnfInstanceId: n.vnfInstanceId, operation: n.operation, operationState: n.operationState };
}
