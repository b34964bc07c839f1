// OAuth 2.0 client-credentials tokens, cached until shortly before they expire: one token
// serves every request of a long wait (Tacker asks for one per request), and callers that need
// the same token at the same time share one token request.
//
// A token is cached per token endpoint, client id AND credential: a hash of the client secret,
// or the thumbprint of the client certificate. A caller holding a wrong secret for a known
// client id must reach the token endpoint and be refused there, never be handed the token
// issued to the caller with the right one.
import { createHash } from 'node:crypto';
import type { TokenCredentials } from './credentials.ts';
import type { IssuedToken } from './token-request.ts';

export interface TokenCacheOptions {
  /** A token is renewed this long before it expires (at most half its lifetime). */
  refreshMarginMs: number;
  /** Lifetime assumed for a token whose response has no expires_in. */
  defaultLifetimeMs: number;
}

interface CachedToken {
  accessToken: string;
  /** When to fetch a new one: the refresh margin before expiry, or half-way for short-lived tokens. */
  refreshAt: number;
}

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();
  /** Token requests made (a shared one counts once). */
  tokenRequests = 0;

  /** `now` is the clock of token lifetimes (tests give one they can move). */
  constructor(
    private readonly options: TokenCacheOptions,
    private readonly request: (credentials: TokenCredentials) => Promise<IssuedToken>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The Authorization value for these credentials: `Bearer <token>`. */
  async bearer(credentials: TokenCredentials): Promise<string> {
    const key = cacheKey(credentials);
    const cached = this.tokens.get(key);
    if (cached && cached.refreshAt > this.now()) return `Bearer ${cached.accessToken}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetch(credentials).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const token = await pending;
    this.tokens.set(key, token);
    return `Bearer ${token.accessToken}`;
  }

  /**
   * Forgets the token a peer refused (given as the Authorization value sent), unless a
   * concurrent request has already replaced it with a newer one.
   */
  invalidate(credentials: TokenCredentials, refused: string): void {
    const key = cacheKey(credentials);
    const cached = this.tokens.get(key);
    if (cached && refused === `Bearer ${cached.accessToken}`) this.tokens.delete(key);
  }

  private async fetch(credentials: TokenCredentials): Promise<CachedToken> {
    this.tokenRequests += 1;
    const startedAt = this.now();
    const issued = await this.request(credentials);
    const lifetimeMs = issued.lifetimeMs ?? this.options.defaultLifetimeMs;
    // A margin longer than the token's life would make every request fetch a token.
    const marginMs = Math.min(this.options.refreshMarginMs, lifetimeMs / 2);
    return { accessToken: issued.accessToken, refreshAt: startedAt + lifetimeMs - marginMs };
  }
}

function cacheKey(credentials: TokenCredentials): string {
  const proof = credentials.kind === 'client-secret'
    ? `secret:${createHash('sha256').update(credentials.clientSecret).digest('base64url')}`
    : `certificate:${credentials.thumbprint}`;
  return [credentials.tokenEndpoint, credentials.clientId, proof].join('\u0000');
}
