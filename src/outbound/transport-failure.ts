// What a request that got no (complete) answer failed on, as an OutboundError: a certificate
// that fails verification, a timeout, or anything else on the way (refused, reset, DNS).
import { OutboundError } from './errors.ts';

/** OpenSSL and Node codes of a server certificate that failed verification (not a network fault). */
const CERTIFICATE_ERRORS: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE', 'CERT_REVOKED', 'INVALID_CA',
  'INVALID_PURPOSE', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** undici's own timeouts: connecting, waiting for headers, waiting for the next body chunk. */
const TIMEOUT_ERRORS: ReadonlySet<string> = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/**
 * A failed request as an OutboundError. A certificate that fails verification is not retried
 * (a wrong CA does not fix itself, and the peer may be an impostor); a timeout and any other
 * fault on the way are. `what` names the request (`GET https://…`); undici's and Node's own
 * texts carry no header values, so no credential reaches the message.
 */
export function transportFailure(err: unknown, what: string): OutboundError {
  if (err instanceof OutboundError) return err;
  const code = errorCode(err);
  if (code !== undefined && CERTIFICATE_ERRORS.has(code)) {
    return new OutboundError('untrusted-certificate', `${what} failed: the server's TLS certificate failed verification: ${describe(err)}`, { cause: err });
  }
  if (code !== undefined && TIMEOUT_ERRORS.has(code)) return new OutboundError('timeout', `${what} failed: ${describe(err)}`, { cause: err });
  return new OutboundError('unreachable', `${what} failed: ${describe(err)}`, { cause: err });
}

interface ErrorLike {
  code?: string;
  message?: string;
  cause?: ErrorLike;
}

function errorCode(err: unknown): string | undefined {
  const e = err as ErrorLike | undefined;
  return e?.code ?? e?.cause?.code;
}

function describe(err: unknown): string {
  const e = err as ErrorLike | undefined;
  const message = e?.message || e?.cause?.message;
  return [errorCode(err), message].filter(Boolean).join(' ') || String(err);
}
