// Delivery of notifications to subscribers (SOL003 §5.4.20, SOL013 §10): POST the notification
// to the callbackUri, and the test GET at subscription time. One method, one HTTP exchange
// (plus one repeat with a fresh token after a 401); errors are classified, never retried here:
// the workflow owns retries. No Temporal imports here.
import type { Dispatcher } from 'undici';
import { TlsDispatchers } from '../http/tls-dispatchers.ts';
import { z } from 'zod';
import { ProblemDetails } from '../http/problem.ts';
import { basicAuthorization, TokenCache, type ResolvedAuth } from '../lcmcoord/auth.ts';
import { CoordinationError } from '../lcmcoord/errors.ts';
import { networkFailure, readCappedText, requestWithin } from '../lcmcoord/http.ts';
import { VNFLCM_API_VERSION } from '../sol003/models.ts';
import type { SubscriptionAuthentication, VnfLcmOperationOccurrenceNotification } from './models.ts';

export const NotificationClientOptions = z.object({
  connectTimeoutMs: z.number().int().positive().default(5_000),
  /** Bound on waiting for the subscriber's response headers (connecting included) and between body chunks. */
  responseTimeoutMs: z.number().int().positive().default(10_000),
  /** Response bodies are read (to reuse the connection, and for a problem detail) up to this size. */
  maxResponseBytes: z.number().int().positive().default(64 * 1024),
  /** A notification larger than this is not sent (it would never fit later either). */
  maxNotificationBytes: z.number().int().positive().default(1024 * 1024),
  tokenRefreshMarginMs: z.number().int().nonnegative().default(30_000),
  defaultTokenLifetimeMs: z.number().int().positive().default(300_000),
  /** PEM of extra CAs to trust for https callbacks and token endpoints, besides Node's root CAs. */
  caPem: z.string().optional(),
  /** Subscriber origins whose certificate is not verified: an explicit, logged, per-endpoint exception. */
  insecureOrigins: z.array(z.url()).default([]),
});
export type NotificationClientOptions = z.input<typeof NotificationClientOptions>;

/** Where a subscriber listens and how the VNFM proves itself to it. */
export interface SubscriberTarget {
  callbackUri: string;
  authentication?: SubscriptionAuthentication;
}

/** A failed exchange with a subscriber; `retryable` says whether sending it again can help. */
export class NotificationError extends Error {
  constructor(
    readonly detail: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(detail);
    this.name = 'NotificationError';
  }
}

type SubscriberAuth = Extract<ResolvedAuth, { kind: 'basic' | 'client-credentials' | 'none' }>;

/**
 * The method the VNFM uses among those the subscriber offers: client credentials before Basic.
 * OAUTH2_CLIENT_CERT alone is refused when the subscription is created, so never reaches here.
 */
export function subscriberAuth(auth: SubscriptionAuthentication | undefined): SubscriberAuth {
  if (!auth) return { kind: 'none' };
  const creds = auth.paramsOauth2ClientCredentials;
  if (auth.authType.includes('OAUTH2_CLIENT_CREDENTIALS') && creds) {
    return { kind: 'client-credentials', tokenEndpoint: creds.tokenEndpoint, clientId: creds.clientId, clientSecret: creds.clientPassword };
  }
  const basic = auth.paramsBasic;
  if (auth.authType.includes('BASIC') && basic) return { kind: 'basic', userName: basic.userName, password: basic.password };
  throw new NotificationError(`authentication ${auth.authType.join(', ')} is not supported for notifications; use BASIC or OAUTH2_CLIENT_CREDENTIALS`, false);
}

interface Answer {
  status: number;
  text: string;
  authorization?: string;
}

export class NotificationClient {
  readonly tokens: TokenCache;
  /** Exchanges with subscribers (not counting token requests). */
  requests = 0;
  private readonly options: z.output<typeof NotificationClientOptions>;
  private readonly dispatchers: TlsDispatchers;

  constructor(options: NotificationClientOptions = {}) {
    this.options = NotificationClientOptions.parse(options);
    this.dispatchers = new TlsDispatchers({
      connectTimeoutMs: this.options.connectTimeoutMs, caPem: this.options.caPem, insecureOrigins: this.options.insecureOrigins,
    });
    this.tokens = new TokenCache({
      refreshMarginMs: this.options.tokenRefreshMarginMs,
      defaultLifetimeMs: this.options.defaultTokenLifetimeMs,
      requestTimeoutMs: this.options.responseTimeoutMs,
      maxResponseBytes: this.options.maxResponseBytes,
    });
  }

  /**
   * SOL003 §5.4.20.3.2: at subscription time the VNFM tests the endpoint with a GET, which
   * must answer 204 No Content. Throws a NotificationError whose detail says what went wrong.
   */
  async testCallback(target: SubscriberTarget): Promise<void> {
    const answer = await this.exchange(target, 'GET');
    if (answer.status !== 204) {
      throw new NotificationError(`GET ${target.callbackUri} answered ${answer.status}${problemSuffix(answer.text)}; the notification endpoint must answer 204 No Content`, false, answer.status);
    }
  }

  /** POSTs one notification. Any 2xx is success (SOL003 expects 204); the error says whether to send it again. */
  async deliver(target: SubscriberTarget, notification: VnfLcmOperationOccurrenceNotification): Promise<{ status: number }> {
    const body = JSON.stringify(notification);
    const size = Buffer.byteLength(body);
    if (size > this.options.maxNotificationBytes) {
      throw new NotificationError(`notification ${notification.id} is ${size} bytes, over the ${this.options.maxNotificationBytes}-byte limit`, false);
    }
    const answer = await this.exchange(target, 'POST', body);
    if (answer.status >= 200 && answer.status < 300) return { status: answer.status };
    const detail = `POST ${target.callbackUri} answered ${answer.status}${problemSuffix(answer.text)}`;
    throw new NotificationError(detail, isRetryableStatus(answer.status), answer.status);
  }

  async close(): Promise<void> {
    await this.dispatchers.close();
  }

  /** One request; on 401 with a cached token, one fresh token and one repeat (RFC 6750 invalid_token). */
  private async exchange(target: SubscriberTarget, method: 'GET' | 'POST', body?: string): Promise<Answer> {
    const auth = subscriberAuth(target.authentication);
    const first = await this.send(target.callbackUri, auth, method, body);
    if (first.status !== 401 || auth.kind !== 'client-credentials') return first;
    this.tokens.invalidate(auth, first.authorization);
    return this.send(target.callbackUri, auth, method, body);
  }

  private async send(url: string, auth: SubscriberAuth, method: 'GET' | 'POST', body?: string): Promise<Answer> {
    const headers: Record<string, string> = { Version: VNFLCM_API_VERSION, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const authorization = await this.authorization(auth);
    if (authorization) headers.Authorization = authorization;
    this.requests += 1;
    let res: Dispatcher.ResponseData;
    try {
      res = await requestWithin(url, { method, headers, body, dispatcher: this.dispatchers.for(url) }, this.options.responseTimeoutMs);
    } catch (err) {
      throw fromCoordinationError(networkFailure(err, `${method} ${url} failed`));
    }
    let text: string;
    try {
      text = await readCappedText(res.body, this.options.maxResponseBytes);
    } catch (err) {
      // An oversized body does not undo the status the subscriber answered.
      if (err instanceof CoordinationError) return { status: res.statusCode, text: '', authorization };
      throw fromCoordinationError(networkFailure(err, `${method} ${url}: reading the response failed`));
    }
    return { status: res.statusCode, text, authorization };
  }

  private async authorization(auth: SubscriberAuth): Promise<string | undefined> {
    switch (auth.kind) {
      case 'basic':
        return basicAuthorization(auth.userName, auth.password);
      case 'client-credentials':
        try {
          return await this.tokens.bearer(auth, this.dispatchers.for(auth.tokenEndpoint));
        } catch (err) {
          if (err instanceof CoordinationError) throw fromCoordinationError(err);
          throw err;
        }
      case 'none':
        return undefined;
    }
  }
}

/**
 * 408 and 429 are "later", 5xx is "later"; any other 4xx will not change by sending the same
 * notification again; 1xx/3xx are not answers a notification endpoint gives (redirects are
 * not followed: credentials go to the callbackUri only).
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function fromCoordinationError(err: CoordinationError): NotificationError {
  return new NotificationError(err.detail, err.retryable, err.status);
}

function problemSuffix(text: string): string {
  try {
    const parsed = ProblemDetails.safeParse(JSON.parse(text));
    return parsed.success ? `: ${parsed.data.detail}` : '';
  } catch {
    return '';
  }
}
