// Delivery of notifications to subscribers (SOL003 §5.4.20, SOL013 §10): POST the notification
// to the callbackUri, and the test GET at subscription time. One method, one HTTP exchange
// (plus one repeat with a fresh token after a 401); errors are classified, never retried here:
// the workflow owns retries. No Temporal imports here.
import { z } from 'zod';
import { OutboundClient } from '../outbound/client.ts';
import type { EgressPolicy } from '../outbound/egress.ts';
import type { Credentials } from '../outbound/credentials.ts';
import { codeForStatus, OutboundError } from '../outbound/errors.ts';
import { problemIn, type Answer } from '../outbound/exchange.ts';
import type { TokenCache } from '../outbound/token-cache.ts';
import { VNFLCM_API_VERSION } from '../sol003/models.ts';
import type { LccnNotification, SubscriptionAuthentication } from './models.ts';

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

/**
 * The method the VNFM uses among those the subscriber offers: client credentials before Basic.
 * OAUTH2_CLIENT_CERT alone is refused when the subscription is created, so never reaches here.
 */
export function subscriberAuth(auth: SubscriptionAuthentication | undefined): Credentials {
  if (!auth) return { kind: 'none' };
  const creds = auth.paramsOauth2ClientCredentials;
  if (auth.authType.includes('OAUTH2_CLIENT_CREDENTIALS') && creds) {
    return { kind: 'client-secret', tokenEndpoint: creds.tokenEndpoint, clientId: creds.clientId, clientSecret: creds.clientPassword };
  }
  const basic = auth.paramsBasic;
  if (auth.authType.includes('BASIC') && basic) return { kind: 'basic', userName: basic.userName, password: basic.password };
  throw new OutboundError('misconfigured', `authentication ${auth.authType.join(', ')} is not supported for notifications; use BASIC or OAUTH2_CLIENT_CREDENTIALS`);
}

export class NotificationClient {
  private readonly http: OutboundClient;
  private readonly maxNotificationBytes: number;

  /** `egress`: where callback URIs and token endpoints may point (a server always has one). */
  constructor(options: NotificationClientOptions = {}, { egress }: { egress?: EgressPolicy } = {}) {
    const parsed = NotificationClientOptions.parse(options);
    this.maxNotificationBytes = parsed.maxNotificationBytes;
    this.http = new OutboundClient({
      limits: { responseTimeoutMs: parsed.responseTimeoutMs, maxResponseBytes: parsed.maxResponseBytes },
      tls: { connectTimeoutMs: parsed.connectTimeoutMs, caPem: parsed.caPem, insecureOrigins: parsed.insecureOrigins },
      tokens: { refreshMarginMs: parsed.tokenRefreshMarginMs, defaultLifetimeMs: parsed.defaultTokenLifetimeMs },
      egress,
    });
  }

  get tokens(): TokenCache {
    return this.http.tokens;
  }

  /** Exchanges with subscribers (not counting token requests). */
  get requests(): number {
    return this.http.requests;
  }

  /**
   * SOL003 §5.4.20.3.2: at subscription time the VNFM tests the endpoint with a GET, which
   * must answer 204 No Content. Throws an OutboundError whose detail says what went wrong, in
   * words fit for whoever asked for the subscription: the status the endpoint answered, or that
   * it could not be reached (never what it sent back, nor socket details: the test must not
   * work as a probe of other hosts for a caller).
   */
  async testCallback(target: SubscriberTarget): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.exchange(target, 'GET');
    } catch (err) {
      if (!(err instanceof OutboundError) || !UNREACHED.has(err.code)) throw err;
      throw new OutboundError(err.code, `GET ${target.callbackUri} could not be completed`, { cause: err });
    }
    if (answer.status !== 204) {
      throw new OutboundError(codeForStatus(answer.status), `GET ${target.callbackUri} answered ${answer.status}; the notification endpoint must answer 204 No Content`, { status: answer.status });
    }
  }

  /** POSTs one notification. Any 2xx is success (SOL003 expects 204); the error's code says whether to send it again. */
  async deliver(target: SubscriberTarget, notification: LccnNotification): Promise<{ status: number }> {
    const body = JSON.stringify(notification);
    const size = Buffer.byteLength(body);
    if (size > this.maxNotificationBytes) {
      throw new OutboundError('too-large', `notification ${notification.id} is ${size} bytes, over the ${this.maxNotificationBytes}-byte limit`);
    }
    const answer = await this.exchange(target, 'POST', body);
    if (answer.status >= 200 && answer.status < 300) return { status: answer.status };
    throw failed(answer, `POST ${target.callbackUri} answered ${answer.status}${problemSuffix(answer)}`);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private exchange(target: SubscriberTarget, method: 'GET' | 'POST', body?: string): Promise<Answer> {
    const headers: Record<string, string> = { Version: VNFLCM_API_VERSION, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    // The body is read only for a problem detail: an oversized one does not undo the status the subscriber answered.
    return this.http.send({ method, url: target.callbackUri, headers, body, oversizedBody: 'drop' }, subscriberAuth(target.authentication));
  }
}

/**
 * 408 and 429 are "later", 5xx is "later"; any other 4xx will not change by sending the same
 * notification again; 1xx/3xx are not answers a notification endpoint gives (redirects are
 * not followed: credentials go to the callbackUri only).
 */
function failed(answer: Answer, detail: string): OutboundError {
  return new OutboundError(codeForStatus(answer.status), detail, { status: answer.status, problem: problemIn(answer) });
}

/** Codes of a request that got no answer: said alike, so that a caller cannot tell a closed port from a silent one. */
const UNREACHED: ReadonlySet<string> = new Set(['unreachable', 'timeout', 'untrusted-certificate', 'too-large']);

function problemSuffix(answer: Answer): string {
  const problem = problemIn(answer);
  return problem ? `: ${problem.detail}` : '';
}
