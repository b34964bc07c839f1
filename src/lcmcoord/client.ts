// Client of the ETSI NFV-SOL 002 v3.6.1 LCM Coordination API (lcmcoord 1.0.0).
// One method, one HTTP exchange; each returns a typed classification of the EM's answer and
// leaves all waiting to the caller (the workflow owns time). No Temporal imports here.
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { describeZodError } from '../http/problem.ts';
import { TlsDispatchers } from '../http/tls-dispatchers.ts';
import { basicAuthorization, certificateThumbprint, resolveAuth, TokenCache, type ResolvedAuth } from './auth.ts';
import { CoordinationError } from './errors.ts';
import { networkFailure, readCappedText, requestWithin } from './http.ts';
import {
  LCMCOORD_API_VERSION, LCMCOORD_BASE_PATH, LcmCoord, ProblemDetails, type EmAuthentication, type LcmCoordRequest,
} from './models.ts';
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
  | { kind: 'finished'; coordination: LcmCoord; location?: string }
  | { kind: 'accepted'; location: string; retryAfterMs?: number }
  | { kind: 'busy'; retryAfterMs?: number; detail: string };

export type ReadOutcome =
  | { kind: 'ongoing'; retryAfterMs?: number }
  | { kind: 'finished'; coordination: LcmCoord };

export type CancelOutcome = { kind: 'accepted' } | { kind: 'already-finished' };

interface Exchange {
  status: number;
  headers: Record<string, string | undefined>;
  text: string;
  /** The Authorization value sent, so that a refused token is the one forgotten. */
  authorization?: string;
}

export class CoordinationClient {
  readonly tokens: TokenCache;
  apiRequests = 0;
  private readonly options: z.output<typeof CoordinationClientOptions>;
  private readonly dispatchers: TlsDispatchers;
  private readonly clientCertThumbprint?: string;

  /** `now` is the clock of token lifetimes (tests give one they can move). */
  constructor(options: CoordinationClientOptions = {}, now: () => number = Date.now) {
    this.options = CoordinationClientOptions.parse(options);
    const { tls } = this.options;
    this.dispatchers = new TlsDispatchers({ connectTimeoutMs: this.options.connectTimeoutMs, ...tls });
    if (tls.clientCertPem && tls.clientKeyPem) this.clientCertThumbprint = certificateThumbprint(tls.clientCertPem);
    this.tokens = new TokenCache({
      refreshMarginMs: this.options.tokenRefreshMarginMs,
      defaultLifetimeMs: this.options.defaultTokenLifetimeMs,
      requestTimeoutMs: this.options.responseTimeoutMs,
      maxResponseBytes: this.options.maxResponseBytes,
    }, now);
  }

  /** POST /coordinations: 201 finished, 202 accepted (poll Location), 503 busy (post again later). */
  async requestCoordination(target: EmTarget, body: LcmCoordRequest): Promise<PostOutcome> {
    const url = `${apiRoot(target.endpoint)}${LCMCOORD_BASE_PATH}/coordinations`;
    const res = await this.exchange(target, 'POST', url, JSON.stringify(body));
    switch (res.status) {
      case 201:
        return { kind: 'finished', coordination: parseCoordination(res.text), location: res.headers.location };
      case 202:
        return { kind: 'accepted', location: this.checkedLocation(target, res.headers.location, url), retryAfterMs: retryAfterOf(res) };
      case 503:
        return { kind: 'busy', retryAfterMs: retryAfterOf(res), detail: problemDetail(res) ?? 'EM is not able to coordinate now' };
      default:
        throw unexpected(res, 'POST coordination');
    }
  }

  /** GET the coordination at Location: 202 ongoing, 200 finished. */
  async readCoordination(target: EmTarget, location: string): Promise<ReadOutcome> {
    const res = await this.exchange(target, 'GET', this.checkedLocation(target, location));
    switch (res.status) {
      case 200:
        return { kind: 'finished', coordination: parseCoordination(res.text) };
      case 202:
        return { kind: 'ongoing', retryAfterMs: retryAfterOf(res) };
      default:
        throw unexpected(res, 'GET coordination');
    }
  }

  /** POST {Location}/cancel: 202 accepted; 409 means the coordination already finished. */
  async cancelCoordination(target: EmTarget, location: string): Promise<CancelOutcome> {
    const res = await this.exchange(target, 'POST', `${this.checkedLocation(target, location).replace(/\/$/, '')}/cancel`);
    if (res.status === 202) return { kind: 'accepted' };
    if (res.status === 409) return { kind: 'already-finished' };
    throw unexpected(res, 'cancel coordination');
  }

  async close(): Promise<void> {
    await this.dispatchers.close();
  }

  /**
   * A Location must resolve to the endpoint's origin: credentials never travel elsewhere.
   * A relative reference is resolved against the URI of the request it answered (RFC 9110
   * §10.2.2), or, for one handed back by the caller, against the endpoint.
   */
  private checkedLocation(target: EmTarget, location: string | undefined, requestUrl = `${apiRoot(target.endpoint)}/`): string {
    if (!location) throw new CoordinationError('malformed', 'EM answered 202 without the mandatory Location header');
    let resolved: URL;
    try {
      resolved = new URL(location, requestUrl);
    } catch {
      throw new CoordinationError('malformed', `EM sent an unparseable Location "${location}"`);
    }
    const expected = new URL(target.endpoint).origin;
    if (resolved.origin !== expected) {
      throw new CoordinationError('foreign-location', `EM sent Location ${resolved.origin} which is not the endpoint's origin ${expected}; not following it`);
    }
    return resolved.toString();
  }

  /** One request; on 401 with a token, one refresh and one repeat (RFC 6750 invalid_token). */
  private async exchange(target: EmTarget, method: 'GET' | 'POST', url: string, body?: string): Promise<Exchange> {
    const auth = resolveAuth(target.authentication);
    const first = await this.send(auth, method, url, body);
    if (first.status !== 401 || (auth.kind !== 'client-credentials' && auth.kind !== 'client-cert')) {
      if (first.status === 401) throw new CoordinationError('unauthorized', `EM refused the credentials for ${method} ${url} (401)`, 401);
      return first;
    }
    this.tokens.invalidate(auth, first.authorization);
    const second = await this.send(auth, method, url, body);
    if (second.status === 401) throw new CoordinationError('unauthorized', `EM refused a freshly issued token for ${method} ${url} (401)`, 401);
    return second;
  }

  private async send(auth: ResolvedAuth, method: Dispatcher.HttpMethod, url: string, body?: string): Promise<Exchange> {
    const dispatcher = this.dispatcherFor(auth, url);
    const headers: Record<string, string> = { Version: LCMCOORD_API_VERSION, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const authorization = await this.authorization(auth);
    if (authorization) headers.Authorization = authorization;
    this.apiRequests += 1;
    let res: Dispatcher.ResponseData;
    try {
      res = await requestWithin(url, { method, headers, body, dispatcher }, this.options.responseTimeoutMs);
    } catch (err) {
      throw networkFailure(err, `${method} ${url} failed`);
    }
    let text: string;
    try {
      text = await readCappedText(res.body, this.options.maxResponseBytes);
    } catch (err) {
      if (err instanceof CoordinationError) throw err;
      throw networkFailure(err, `${method} ${url}: reading the response failed`);
    }
    const flat: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(res.headers)) flat[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
    return { status: res.statusCode, headers: flat, text, authorization };
  }

  private dispatcherFor(auth: ResolvedAuth, url: string): Dispatcher {
    if (auth.kind !== 'client-cert') return this.dispatchers.for(url);
    if (!this.clientCertThumbprint) {
      throw new CoordinationError('misconfigured', 'OAUTH2_CLIENT_CERT requested but the worker has no client certificate configured');
    }
    if (auth.fingerprint !== this.clientCertThumbprint) {
      throw new CoordinationError('misconfigured', `certificateRef x5t#S256 ${auth.fingerprint} does not match the configured client certificate (${this.clientCertThumbprint})`);
    }
    return this.dispatchers.for(url, true);
  }

  private async authorization(auth: ResolvedAuth): Promise<string | undefined> {
    switch (auth.kind) {
      case 'basic':
        return basicAuthorization(auth.userName, auth.password);
      case 'client-credentials':
      case 'client-cert':
        return this.tokens.bearer(auth, this.dispatcherFor(auth, auth.tokenEndpoint));
      case 'none':
        return undefined;
    }
  }
}

function apiRoot(endpoint: string): string {
  return endpoint.replace(/\/+$/, '');
}

function retryAfterOf(res: Exchange): number | undefined {
  return parseRetryAfter(res.headers['retry-after'], Date.now(), res.headers.date);
}

function parseCoordination(text: string): LcmCoord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CoordinationError('malformed', `EM returned a body that is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const parsed = LcmCoord.safeParse(value);
  if (!parsed.success) throw new CoordinationError('malformed', `EM returned an invalid LcmCoord: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

function problemOf(res: Exchange): ProblemDetails | undefined {
  try {
    const parsed = ProblemDetails.safeParse(JSON.parse(res.text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function problemDetail(res: Exchange): string | undefined {
  return problemOf(res)?.detail;
}

function unexpected(res: Exchange, what: string): CoordinationError {
  const problem = problemOf(res);
  const detail = `EM answered ${what} with ${res.status}${problem ? `: ${problem.detail}` : ''}`;
  if (res.status >= 500) return new CoordinationError('server-error', detail, res.status, problem);
  if (res.status >= 400) return new CoordinationError('rejected', detail, res.status, problem);
  return new CoordinationError('malformed', `${detail} (not a status the protocol allows here)`, res.status, problem);
}
