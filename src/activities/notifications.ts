// Activities towards subscribers (NFVO and others): which subscriptions a notification is
// for, and one delivery of one notification to one subscription. Subscriber credentials are
// read here from the subscription store; they never pass through workflow history.
import type { InventoryStore } from '../inventory/store.ts';
import type { NotificationClient } from '../notifications/client.ts';
import { addressedTo, matchesFilter, type NotificationDraft, type NotificationSummary } from '../notifications/models.ts';
import type { SubscriptionStore } from '../notifications/store.ts';
import { secretValues } from '../sol003/redact.ts';
import { asApplicationFailure } from './failures.ts';

export type DeliveryOutcome =
  | { kind: 'delivered'; status: number }
  /** The subscription was deleted after the notification was matched: nothing to send. */
  | { kind: 'subscription-gone' };

/** `inventory`: where the VNF's identity is looked up for filters on it (vnfdIds, products, names). */
export function createNotificationActivities(store: SubscriptionStore, client: NotificationClient, inventory?: InventoryStore) {
  return {
    /** Ids of the subscriptions whose filter the notification passes, oldest first. */
    async matchingSubscriptions(summary: NotificationSummary): Promise<string[]> {
      const identity = summary.instance ?? await inventory?.instance(summary.vnfInstanceId);
      return (await store.list())
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .filter((s) => matchesFilter(s.filter, summary, identity))
        .map((s) => s.id);
    },

    /**
     * One POST of one notification to one subscription. 2xx → delivered; 4xx other than
     * 408/429 → non-retryable failure; anything else (5xx, 408, 429, refused, timeout) →
     * retryable failure, for the workflow's retry policy.
     */
    async deliverNotification({ subscriptionId, notification }: { subscriptionId: string; notification: NotificationDraft }): Promise<DeliveryOutcome> {
      const subscription = await store.get(subscriptionId);
      if (!subscription) return { kind: 'subscription-gone' };
      const { status } = await asApplicationFailure('Notification',
        () => client.deliver(subscription, addressedTo(notification, subscriptionId, subscription.verbosity)),
        { context: `subscription ${subscriptionId}`, secrets: secretValues(subscription.authentication) });
      return { kind: 'delivered', status };
    },
  };
}
