// What the gateway makes of Temporal's gRPC errors: the engine unreachable is a 503 with
// Retry-After, never a 500. Codes are @grpc/grpc-js's `status`, the client's own. The same for
// the PostgreSQL of a cluster's records (restarting, or out of reach).
import { setTimeout as delay } from 'node:timers/promises';
import { status as grpcStatus } from '@grpc/grpc-js';
import { HttpProblem } from '../http/problem.ts';
import { isDatabaseUnavailable } from '../persistence/postgres.ts';

const RETRY_AFTER_SECONDS = '5';

/** gRPC UNAVAILABLE / DEADLINE_EXCEEDED from Temporal: the VNFM's engine is unreachable, try again later. */
export function temporalUnavailable(err: unknown): HttpProblem | undefined {
  if (!grpcCodes(err).some((code) => code === grpcStatus.UNAVAILABLE || code === grpcStatus.DEADLINE_EXCEEDED)) return undefined;
  return new HttpProblem(503, 'the workflow engine (Temporal) is not reachable now; try again later', { 'Retry-After': RETRY_AFTER_SECONDS });
}

/** The cluster's PostgreSQL restarting or out of reach: the records cannot be read now, try again later. */
export function recordsUnavailable(err: unknown): HttpProblem | undefined {
  if (!isDatabaseUnavailable(err)) return undefined;
  return new HttpProblem(503, 'the VNFM\'s records (PostgreSQL) are not reachable now; try again later', { 'Retry-After': RETRY_AFTER_SECONDS });
}

/** How long a GET waits for a workflow task to be retried before it gives up. */
const NOT_READY_WAIT_MS = 10_000;

/**
 * While a run's last workflow task has failed or timed out (its worker died, or was so busy
 * that the task outlived its 10 s timeout), the server refuses queries at once with
 * FAILED_PRECONDITION; the task's next attempt normally succeeds within seconds. Measured under
 * 500 concurrent operations on one saturated worker: such GETs answered 500 after 50 ms.
 */
export async function queryWhenReady<T>(query: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + NOT_READY_WAIT_MS;
  for (let pauseMs = 50; ; pauseMs = Math.min(pauseMs * 2, 1_000)) {
    try {
      return await query();
    } catch (err) {
      if (!grpcCodes(err).includes(grpcStatus.FAILED_PRECONDITION)) throw err;
      if (Date.now() + pauseMs > giveUpAt) {
        throw new HttpProblem(503, `the operation's workflow is not answering now (its last workflow task failed or timed out and is being retried); try again later`, { 'Retry-After': RETRY_AFTER_SECONDS });
      }
      await delay(pauseMs);
    }
  }
}

/** gRPC status codes of an error and of its cause (the client wraps some). */
function grpcCodes(err: unknown): unknown[] {
  return [err, (err as { cause?: unknown } | undefined)?.cause].map((e) => (e as { code?: unknown } | undefined)?.code);
}
