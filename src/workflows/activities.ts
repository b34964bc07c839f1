// Activity stubs for workflow code: types only cross into the bundle, options are chosen per
// external system. Calls that need a deadline-bound schedule-to-close add it at the call site.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

/** VIM (Heat) exchanges: short, idempotent reads and a PATCH; transient faults retried for a while. */
export const vim = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/**
 * EM (lcmcoord) exchanges. The HTTP client bounds each exchange (connect + response timeouts),
 * so start-to-close only catches a worker that died mid-call; retries run until the
 * coordination's deadline, which the caller passes as schedule-to-close.
 */
export const em = proxyActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** User coordinate scripts: bounded by their own timeout; a crashed worker is noticed by heartbeat. */
export const scripts = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '20 seconds',
  retry: { maximumAttempts: 1 },
});

/** The VNFM's own inventory (a local file): fast, idempotent, retried until it succeeds. */
export const inventory = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * Subscriber deliveries (one POST each). A subscriber may be down for a while: back off to one
 * attempt a minute and keep trying for a day; the notifier workflow shortens this for a
 * subscriber that has already exhausted a day (see notifications.ts).
 */
export const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
