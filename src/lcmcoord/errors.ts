// The EM's failure vocabulary. Workflow code imports this file, so it holds types and
// constants only (no I/O, nothing that pulls Node into the workflow bundle).
import type { OutboundErrorCode } from '../outbound/errors.ts';

/**
 * The codes of a failed EM exchange. Recorded histories carry them as `Coordination.<code>`,
 * so the set is fixed: the client reads a timeout as `unreachable` and an oversized answer as
 * `malformed` (src/lcmcoord/client.ts).
 */
export type CoordinationFailureCode = Extract<OutboundErrorCode,
  | 'rejected' // the EM refused the request (4xx other than 401): sending it again will not help
  | 'unauthorized' // the EM refused our credentials even after a fresh token
  | 'malformed' // the EM answered something that is not the protocol
  | 'foreign-location' // the EM pointed us at another origin: no credential goes there
  | 'misconfigured' // our own parameters are wrong (certificate mismatch, missing credentials)
  | 'untrusted-certificate' // the EM's TLS certificate failed verification: not retried, it may be an impostor
  | 'server-error' // 5xx other than 503
  | 'unreachable' // connection refused/reset, timeout
  | 'refused-destination' // the egress policy does not let the VNFM reach the EM: nothing was sent
>;

/** The system name of EM failures: their Temporal failure type is `Coordination.<code>`. */
export const COORDINATION_SYSTEM = 'Coordination';
/** What workflow code recognises an EM failure by. */
export const COORDINATION_FAILURE_PREFIX = `${COORDINATION_SYSTEM}.`;
