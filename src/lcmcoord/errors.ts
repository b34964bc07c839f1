import type { ProblemDetails } from '../http/problem.ts';

export type CoordinationErrorReason =
  | 'rejected' // the EM refused the request (4xx other than 401): sending it again will not help
  | 'unauthorized' // the EM refused our credentials even after a fresh token
  | 'malformed' // the EM answered something that is not the protocol
  | 'foreign-location' // the EM pointed us at another origin: no credential goes there
  | 'misconfigured' // our own parameters are wrong (certificate mismatch, missing credentials)
  | 'untrusted-certificate' // the EM's TLS certificate failed verification: not retried, it may be an impostor
  | 'server-error' // 5xx other than 503
  | 'unreachable'; // connection refused/reset, timeout

const RETRYABLE: ReadonlySet<CoordinationErrorReason> = new Set(['server-error', 'unreachable']);

/** A failed coordination exchange, with the fields a ProblemDetails needs. */
export class CoordinationError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly reason: CoordinationErrorReason,
    readonly detail: string,
    readonly status?: number,
    readonly problem?: ProblemDetails,
  ) {
    super(detail);
    this.name = 'CoordinationError';
    this.retryable = RETRYABLE.has(reason);
  }
}

/** Temporal failure type of a CoordinationError: `Coordination.<reason>`. */
export const COORDINATION_FAILURE_PREFIX = 'Coordination.';
