import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { CoordinationError } from './errors.ts';

type RequestOptions = { dispatcher: Dispatcher } & Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'signal' | 'headersTimeout' | 'bodyTimeout'>;

/**
 * One undici request whose response headers must arrive within `timeoutMs` (to the
 * millisecond: undici's own headersTimeout ticks every half second, so 300 ms could
 * become 800); each body chunk must follow the previous one within `timeoutMs` as well.
 */
export async function requestWithin(url: string, options: RequestOptions, timeoutMs: number): Promise<Dispatcher.ResponseData> {
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
  }, timeoutMs);
  try {
    return await request(url, { ...options, signal: deadline.signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a response body as text, refusing one larger than the cap instead of buffering it. */
export async function readCappedText(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new CoordinationError('malformed', `response body exceeds ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** OpenSSL and Node codes of a server certificate that failed verification (not a network fault). */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE', 'CERT_REVOKED', 'INVALID_CA',
  'INVALID_PURPOSE', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A failed request as a CoordinationError: a server certificate that fails verification is
 * `untrusted-certificate` (retrying does not help, and the peer may be an impostor); any
 * other failure (refused, reset, timeout) is `unreachable`.
 */
export function networkFailure(err: unknown, what: string): CoordinationError {
  const code = errorCode(err);
  if (code !== undefined && CERTIFICATE_ERRORS.has(code)) {
    return new CoordinationError('untrusted-certificate', `${what}: the server's TLS certificate failed verification: ${describeNetworkError(err)}`);
  }
  return new CoordinationError('unreachable', `${what}: ${describeNetworkError(err)}`);
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

function describeNetworkError(err: unknown): string {
  const e = err as ErrorLike | undefined;
  const message = e?.message || e?.cause?.message;
  return [errorCode(err), message].filter(Boolean).join(' ') || String(err);
}
