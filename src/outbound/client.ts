// The outgoing HTTP every protocol client is built on: TLS dispatchers, bounded exchanges,
// the credentials' Authorization header, and OAuth 2.0 tokens from one cache. A 401 to a
// bearer token is answered by forgetting that token and repeating the request once with a
// fresh one (RFC 6750 invalid_token); what any other status means is the protocol's business.
import type { Dispatcher } from 'undici';
import { basicAuthorization, certificateThumbprint, NO_CREDENTIALS, isTokenCredentials, type Credentials } from './credentials.ts';
import { TlsDispatchers, type TlsDispatcherOptions } from './dispatchers.ts';
import type { EgressPolicy } from './egress.ts';
import { OutboundError } from './errors.ts';
import { exchange, type Answer, type ExchangeLimits, type OutboundRequest } from './exchange.ts';
import { TokenCache, type TokenCacheOptions } from './token-cache.ts';
import { requestToken } from './token-request.ts';

export interface OutboundOptions {
  limits: ExchangeLimits;
  tls: TlsDispatcherOptions;
  /** Where requests may go; without one, anywhere (for peers the operator configured, such as the VIM). */
  egress?: EgressPolicy;
  /** For OAuth 2.0 client credentials; by default renewed 30 s before expiry, 5 min when the lifetime is not given. */
  tokens?: TokenCacheOptions;
}

const DEFAULT_TOKEN_OPTIONS: TokenCacheOptions = { refreshMarginMs: 30_000, defaultLifetimeMs: 300_000 };

export class OutboundClient {
  readonly tokens: TokenCache;
  /** Requests sent to peers, token requests not counted. */
  requests = 0;
  private readonly dispatchers: TlsDispatchers;
  private readonly clientCertThumbprint?: string;

  /** `now` is the clock of token lifetimes (tests give one they can move). */
  constructor(private readonly options: OutboundOptions, now: () => number = Date.now) {
    this.dispatchers = new TlsDispatchers({ ...options.tls, ...(options.egress ? { lookup: options.egress.lookup } : {}) });
    if (this.dispatchers.hasClientCertificate && options.tls.clientCertPem) {
      this.clientCertThumbprint = certificateThumbprint(options.tls.clientCertPem);
    }
    this.tokens = new TokenCache(options.tokens ?? DEFAULT_TOKEN_OPTIONS, (credentials) => requestToken(credentials, async (req) => {
      await this.options.egress?.check(req.url);
      return exchange(req, this.dispatcherFor(credentials, req.url), this.options.limits);
    }), now);
  }

  /**
   * One request with the credentials' Authorization, and the answer whatever its status.
   * Credentials that cannot be used (a client certificate that is not the configured one)
   * fail as `misconfigured` before anything is sent.
   */
  async send(req: OutboundRequest, credentials: Credentials = NO_CREDENTIALS): Promise<Answer> {
    await this.options.egress?.check(req.url);
    const first = await this.sendOnce(req, credentials);
    if (first.answer.status !== 401 || !isTokenCredentials(credentials) || first.authorization === undefined) return first.answer;
    this.tokens.invalidate(credentials, first.authorization);
    return (await this.sendOnce(req, credentials)).answer;
  }

  async close(): Promise<void> {
    await this.dispatchers.close();
  }

  private async sendOnce(req: OutboundRequest, credentials: Credentials): Promise<{ answer: Answer; authorization?: string }> {
    const dispatcher = this.dispatcherFor(credentials, req.url);
    const authorization = await this.authorization(credentials);
    const headers = authorization === undefined ? req.headers : { ...req.headers, Authorization: authorization };
    this.requests += 1;
    return { answer: await exchange({ ...req, headers }, dispatcher, this.options.limits), authorization };
  }

  private authorization(credentials: Credentials): Promise<string | undefined> {
    switch (credentials.kind) {
      case 'none':
        return Promise.resolve(undefined);
      case 'basic':
        return Promise.resolve(basicAuthorization(credentials.userName, credentials.password));
      case 'client-secret':
      case 'client-certificate':
        return this.tokens.bearer(credentials);
    }
  }

  /** The certificate flow goes over mutual TLS with the configured certificate, which must be the one named. */
  private dispatcherFor(credentials: Credentials, url: string): Dispatcher {
    if (credentials.kind !== 'client-certificate') return this.dispatchers.for(url);
    if (!this.clientCertThumbprint) {
      throw new OutboundError('misconfigured', 'a token bound to a client certificate was asked for, but no client certificate is configured');
    }
    if (credentials.thumbprint !== this.clientCertThumbprint) {
      throw new OutboundError('misconfigured', `the client certificate asked for (x5t#S256 ${credentials.thumbprint}) is not the configured one (${this.clientCertThumbprint})`);
    }
    return this.dispatchers.for(url, true);
  }
}
