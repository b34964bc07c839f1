// Activity stubs for workflow code, one per external system: types only cross into the bundle,
// and each system gets its own timeouts and retry policy. Calls that need a deadline-bound
// schedule-to-close add it at the call site.
import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type {
  EmActivities, InventoryActivities, KubernetesActivities, LoadBalancerActivities, NotificationActivities, ScriptActivities, VimActivities,
} from '../activities/index.ts';

const VIM_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 } as const;
const EM_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' } as const;

/**
 * VIM (Heat) exchanges: short, idempotent reads and a PATCH; transient faults retried for a
 * while. The activities heartbeat while a call lasts, so a worker that died is noticed in 10 s.
 */
export const vim = proxyActivities<VimActivities>({ startToCloseTimeout: '1 minute', heartbeatTimeout: '10 seconds', retry: VIM_RETRY });

/**
 * EM (lcmcoord) exchanges. The HTTP client bounds each exchange (connect + response timeouts),
 * so start-to-close is only a backstop; a worker that died mid-call is noticed by heartbeat
 * within 10 s. Retries run until the coordination's deadline, which the caller passes as
 * schedule-to-close.
 */
export const em = proxyActivities<EmActivities>({ startToCloseTimeout: '45 seconds', heartbeatTimeout: '10 seconds', retry: EM_RETRY });

/**
 * Pure reads (a VNFC's stack and its status, a coordination's progress) run as local
 * activities: inside the workflow task that asked for them, with no trip through the server's
 * task queue. A poll then costs one workflow task instead of two, half the history events and
 * server work, and the Retry-After timer starts in the same task that read the answer. Only
 * reads qualify: a worker that dies before the task completes repeats them, which is harmless;
 * the calls that change something (Heat PATCH, POST coordination, cancel) stay regular
 * activities so their outcome is recorded before anything builds on it.
 */
export const vimReads = proxyLocalActivities<VimActivities>({ startToCloseTimeout: '1 minute', retry: VIM_RETRY });
export const emReads = proxyLocalActivities<EmActivities>({ startToCloseTimeout: '45 seconds', retry: EM_RETRY });

/**
 * Kubernetes API exchanges (reads of a rollout, PUTs of a spec, a pod's status patch): short,
 * idempotent, transient faults retried for a while; heartbeating like the VIM's.
 */
export const kubernetes = proxyActivities<KubernetesActivities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout: '10 seconds', retry: VIM_RETRY });
/** Reading a rollout is a pure read: a local activity, like the other polls. */
export const kubernetesReads = proxyLocalActivities<KubernetesActivities>({ startToCloseTimeout: '1 minute', retry: VIM_RETRY });

/** Histories recorded before reads became local activities replay with regular ones. */
export function readsRunLocally(): boolean {
  return patched('reads-as-local-activities');
}

/** User coordinate scripts: bounded by their own timeout; a crashed worker is noticed by heartbeat. */
export const scripts = proxyActivities<ScriptActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '20 seconds',
  retry: { maximumAttempts: 1 },
});

/**
 * The load balancer switch of a Blue-Green change: the package's script, bounded by its own
 * timeout. Unlike other scripts it is run again when it fails (a switch sets the whole pool, so
 * running it twice is safe), a few times, before the step fails.
 */
export const loadBalancer = proxyActivities<LoadBalancerActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
});

/** The VNFM's own inventory (a local file): fast, idempotent, retried until it succeeds. */
export const inventory = proxyActivities<InventoryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * Which subscriptions a notification is for (a read of the VNFM's own store): an operation asks
 * it in its own workflow task before it starts a notifier, so that nobody subscribed costs nothing.
 */
export const notificationReads = proxyLocalActivities<NotificationActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

/**
 * Subscriber deliveries (one POST each). A subscriber may be down for a while: back off to one
 * attempt a minute and keep trying for a day; the notifier workflow shortens this for a
 * subscriber that has already exhausted a day (see notifications.ts).
 */
export const notifications = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
