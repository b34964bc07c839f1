// Client of the ETSI NFV-SOL 002 v3.6.1 LCM Coordination API (lcmcoord 1.0.0).
// One method, one HTTP exchange; each returns a typed classification of the EM's answer and
// leaves all waiting to the caller (the workflow owns time). No Temporal imports here.
import { z } from 'zod';
import { describeZodError } from '../http/problem.ts';
import { OutboundClient } from '../outbound/client.ts';
import type { EgressPolicy } from '../outbound/egress.ts';
import { isTokenCredentials } from '../outbound/credentials.ts';
import { OutboundError, type OutboundErrorCode } from '../outbound/errors.ts';
import { describeRequest, problemIn, type Answer } from '../outbound/exchange.ts';
import type { TokenCache } from '../outbound/token-cache.ts';
import { resolveAuth } from './auth.ts';
import type { CoordinationFailureCode } from './errors.ts';
import { LCMCOORD_API_VERSION, LCMCOORD_BASE_PATH, ReceivedLcmCoord, type EmAuthentication, type LcmCoordRequest } from './models.ts';
import { parseRetryAfter } from './retry-after.ts';

export const CoordinationClientOptions = z.object({
  connectTimeoutMs: z.number().int().positive().default(5_000),
  /** Bound on waiting for the EM's response headers (connecting included) and between body chunks. */
  responseTimeoutMs: z.number().int().positive().default(30_000),
  maxResponseBytes: z.number().int().positive().default(1024 * 1024),
  /** A token is renewed this long before it expires. */
  tokenRefreshMarginMs: z.number().int().nonnegative().default(30_000),
  /** Lifetime assumed for a token whose response has no expires_in. */
  defaultTokenLifetimeMs: z.number().int().positive().default(300_000),
  tls: z.object({
    /** PEM of extra CAs to trust; Node's bundled root CAs are trusted as well. */
    caPem: z.string().optional(),
    /** Client certificate and key for OAUTH2_CLIENT_CERT (mutual TLS). */
    clientCertPem: z.string().optional(),
    clientKeyPem: z.string().optional(),
    /** Origins whose certificate is not verified: an explicit, logged, per-endpoint exception. */
    insecureOrigins: z.array(z.url()).default([]),
  }).default({ insecureOrigins: [] }),
});
export type CoordinationClientOptions = z.input<typeof CoordinationClientOptions>;

/** Where the EM is and how to authenticate to it: the per-VNFC parameters of the request. */
export interface EmTarget {
  endpoint: string;
  authentication?: EmAuthentication;
}

export type PostOutcome =
  | { kind: 'finished'; coordination: ReceivedLcmCoord; location?: string }
  | { kind: 'accepted'; location: string; retryAfterMs?: number }
  /** 503 (SOL002) or 429 (RFC 6585): post the same request again after the delay. */
  | { kind: 'busy'; retryAfterMs?: number; detail: string; status: 503 | 429 };

export type ReadOutcome =
  | { kind: 'ongoing'; retryAfterMs?: number }
  | { kind: 'finished'; coordination: ReceivedLcmCoord };

export type CancelOutcome = { kind: 'accepted' } | { kind: 'already-finished' };

export class CoordinationClient {
  private readonly http: OutboundClient;

  /**
   * `egress`: where EM endpoints, token endpoints and Locations may point (a server always has
   * one); `now`: the clock of token lifetimes (tests give one they can move).
   */
  constructor(options: CoordinationClientOptions = {}, { egress, now = Date.now }: { egress?: EgressPolicy; now?: () => number } = {}) {
    const parsed = CoordinationClientOptions.parse(options);
    this.http = new OutboundClient({
      limits: { responseTimeoutMs: parsed.responseTimeoutMs, maxResponseBytes: parsed.maxResponseBytes },
      tls: { connectTimeoutMs: parsed.connectTimeoutMs, ...parsed.tls },
      tokens: { refreshMarginMs: parsed.tokenRefreshMarginMs, defaultLifetimeMs: parsed.defaultTokenLifetimeMs },
      egress,
    }, now);
  }

  get tokens(): TokenCache {
    return this.http.tokens;
  }

  /** Requests sent to EMs, token requests not counted. */
  get apiRequests(): number {
    return this.http.requests;
  }

  /** POST /coordinations: 201 finished, 202 accepted (poll Location), 503 or 429 busy (post again later). */
  async requestCoordination(target: EmTarget, body: LcmCoordRequest): Promise<PostOutcome> {
    const url = `${apiRoot(target.endpoint)}${LCMCOORD_BASE_PATH}/coordinations`;
    const res = await this.exchange(target, 'POST', url, JSON.stringify(body));
    switch (res.status) {
      case 201:
        return { kind: 'finished', coordination: parseCoordination(res.text), location: res.headers.location };
      case 202:
        return { kind: 'accepted', location: checkedLocation(target, res.headers.location, url), retryAfterMs: retryAfterOf(res) };
      case 503:
      case 429:
        return { kind: 'busy', status: res.status, retryAfterMs: retryAfterOf(res), detail: problemIn(res)?.detail ?? 'EM is not able to coordinate now' };
      default:
        throw unexpected(res, 'POST coordination');
    }
  }

  /** GET the coordination at Location: 202 ongoing, 200 finished; 503 or 429 is "ask again later" too. */
  async readCoordination(target: EmTarget, location: string): Promise<ReadOutcome> {
    const res = await this.exchange(target, 'GET', checkedLocation(target, location));
    switch (res.status) {
      case 200:
        return { kind: 'finished', coordination: parseCoordination(res.text) };
      case 202:
      case 503:
      case 429:
        return { kind: 'ongoing', retryAfterMs: retryAfterOf(res) };
      default:
        throw unexpected(res, 'GET coordination');
    }
  }

  /** POST {Location}/cancel: 202 accepted; 409 means the coordination already finished. */
  async cancelCoordination(target: EmTarget, location: string): Promise<CancelOutcome> {
    const res = await this.exchange(target, 'POST', `${checkedLocation(target, location).replace(/\/$/, '')}/cancel`);
    if (res.status === 202) return { kind: 'accepted' };
    if (res.status === 409) return { kind: 'already-finished' };
    throw unexpected(res, 'cancel coordination');
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** One exchange (the kit repeats it once with a fresh token after a 401); a final 401 is unauthorized. */
  private async exchange(target: EmTarget, method: 'GET' | 'POST', url: string, body?: string): Promise<Answer> {
    const headers: Record<string, string> = { Version: LCMCOORD_API_VERSION, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const credentials = resolveAuth(target.authentication);
    let res: Answer;
    try {
      res = await this.http.send({ method, url, headers, body }, credentials);
    } catch (err) {
      throw inEmTerms(err);
    }
    if (res.status === 401) {
      const refused = isTokenCredentials(credentials) ? 'a freshly issued token' : 'the credentials';
      throw new OutboundError('unauthorized', `EM refused ${refused} for ${describeRequest(method, url)} (401)`, { status: 401 });
    }
    return res;
  }
}

/**
 * A Location must resolve to the endpoint's origin: credentials never travel elsewhere.
 * A relative reference is resolved against the URI of the request it answered (RFC 9110
 * §10.2.2), or, for one handed back by the caller, against the endpoint.
 */
function checkedLocation(target: EmTarget, location: string | undefined, requestUrl = `${apiRoot(target.endpoint)}/`): string {
  if (!location) throw new OutboundError('malformed', 'EM answered 202 without the mandatory Location header');
  let resolved: URL;
  try {
    resolved = new URL(location, requestUrl);
  } catch {
    throw new OutboundError('malformed', `EM sent an unparseable Location "${location}"`);
  }
  const expected = new URL(target.endpoint).origin;
  if (resolved.origin !== expected) {
    throw new OutboundError('foreign-location', `EM sent Location ${resolved.origin} which is not the endpoint's origin ${expected}; not following it`);
  }
  return resolved.toString();
}

/** How the kit's codes read in the EM's fixed vocabulary (see errors.ts). */
const EM_CODE: Record<OutboundErrorCode, CoordinationFailureCode> = {
  'unreachable': 'unreachable',
  'timeout': 'unreachable',
  'untrusted-certificate': 'untrusted-certificate',
  'too-large': 'malformed',
  'malformed': 'malformed',
  'unauthorized': 'unauthorized',
  'rejected': 'rejected',
  'busy': 'server-error',
  'server-error': 'server-error',
  'misconfigured': 'misconfigured',
  'foreign-location': 'foreign-location',
  'refused-destination': 'refused-destination',
};

/**
 * An oversized answer keeps no status: the workflow turns a 4xx status into the step's own
 * status, and an answer it could not read has always failed the step as 502.
 */
function inEmTerms(err: unknown): unknown {
  if (!(err instanceof OutboundError) || EM_CODE[err.code] === err.code) return err;
  const status = err.code === 'too-large' ? undefined : err.status;
  return new OutboundError(EM_CODE[err.code], err.message, { status, problem: err.problem, cause: err });
}

function apiRoot(endpoint: string): string {
  return endpoint.replace(/\/+$/, '');
}

function retryAfterOf(res: Answer): number | undefined {
  return parseRetryAfter(res.headers['retry-after'], Date.now(), res.headers.date);
}

function parseCoordination(text: string): ReceivedLcmCoord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new OutboundError('malformed', `EM returned a body that is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const parsed = ReceivedLcmCoord.safeParse(value);
  if (!parsed.success) throw new OutboundError('malformed', `EM returned an invalid LcmCoord: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** SOL002: any other 4xx is a refusal, 5xx (503 aside) a failure of the EM, anything else not the protocol. */
function unexpected(res: Answer, what: string): OutboundError {
  const problem = problemIn(res);
  const detail = `EM answered ${what} with ${res.status}${problem ? `: ${problem.detail}` : ''}`;
  if (res.status >= 500) return new OutboundError('server-error', detail, { status: res.status, problem });
  if (res.status >= 400) return new OutboundError('rejected', detail, { status: res.status, problem });
  return new OutboundError('malformed', `${detail} (not a status the protocol allows here)`, { status: res.status, problem });
}
