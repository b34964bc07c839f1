// The one error of outgoing HTTP, in the manner of undici's own (lib/core/errors.js): a fixed
// `name`, a stable `code` callers branch on (never the message text), and whether the same
// request may succeed later. Messages name methods, URLs without userinfo, statuses and the
// peer's own explanation; never a credential or a token.
import type { ProblemDetails } from '../http/problem.ts';

export type OutboundErrorCode =
  | 'unreachable' // connection refused, reset or closed, name not resolved
  | 'timeout' // no answer, or no next piece of it, within the bound
  | 'untrusted-certificate' // the peer's TLS certificate failed verification: it may be an impostor
  | 'too-large' // a body over its size cap (refused unread, or not sent)
  | 'malformed' // the peer answered something that is not the protocol
  | 'unauthorized' // the peer (or its token endpoint) refused our credentials
  | 'rejected' // the peer refused the request (4xx): the same request will not do better
  | 'busy' // the peer asks for the request again later (408, 429, and what a protocol adds)
  | 'server-error' // the peer failed (5xx)
  | 'misconfigured' // our own parameters are wrong: nothing was sent
  | 'foreign-location' // the peer pointed at another origin: no credential goes there
  | 'refused-destination'; // the egress policy does not let the VNFM reach that host: nothing was sent

const RETRYABLE: ReadonlySet<OutboundErrorCode> = new Set(['unreachable', 'timeout', 'busy', 'server-error']);

export interface OutboundErrorOptions {
  /** The peer's HTTP status, when it answered. */
  status?: number;
  /** The peer's ProblemDetails, when it sent one. */
  problem?: ProblemDetails;
  cause?: unknown;
}

export class OutboundError extends Error {
  override readonly name = 'OutboundError';
  readonly code: OutboundErrorCode;
  /** Whether sending the same request again may succeed: a property of the code. */
  readonly retryable: boolean;
  readonly status?: number;
  readonly problem?: ProblemDetails;
  /** The message, as a ProblemDetails `detail` built from this error takes it. */
  readonly detail: string;

  constructor(code: OutboundErrorCode, message: string, options: OutboundErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = RETRYABLE.has(code);
    this.detail = message;
    if (options.status !== undefined) this.status = options.status;
    if (options.problem !== undefined) this.problem = options.problem;
  }
}

/** RFC 9110's reading of a status no protocol rule claimed: 408, 429 and 5xx are "later". */
export function codeForStatus(status: number): OutboundErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 408 || status === 429) return 'busy';
  if (status >= 500) return 'server-error';
  if (status >= 400) return 'rejected';
  return 'malformed';
}
