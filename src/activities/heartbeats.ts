// Liveness for activities that wait on a remote system. Without heartbeats a worker that dies
// in the middle of an exchange is noticed only when start-to-close expires (45 s for the EM);
// with them, within the heartbeat timeout. Exchanges that answer within a second send none.
import { Context } from '@temporalio/activity';

const HEARTBEAT_EVERY_MS = 1_000;

type AsyncFunctions = Record<string, (...args: never[]) => Promise<unknown>>;

/** The same activities, each heartbeating while its call lasts (regular activities only). */
export function withHeartbeats<T extends AsyncFunctions>(activities: T): T {
  return Object.fromEntries(Object.entries(activities).map(([name, fn]) => [name, async (...args: never[]) => {
    const context = Context.current();
    // A local activity is watched through its workflow task, not through heartbeats.
    if (context.info.isLocal) return fn(...args);
    const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await fn(...args);
    } finally {
      clearInterval(beat);
    }
  }])) as T;
}
