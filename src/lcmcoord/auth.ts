import { createHash, X509Certificate } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { CoordinationError } from './errors.ts';
import { TokenResponse, type EmAuthentication } from './models.ts';
import { networkFailure, readCappedText, requestWithin } from './http.ts';

/** How a request to the EM is authenticated, once the authType preference is resolved. */
export type ResolvedAuth =
  | { kind: 'basic'; userName: string; password: string }
  | { kind: 'client-credentials'; tokenEndpoint: string; clientId: string; clientSecret: string }
  | { kind: 'client-cert'; tokenEndpoint: string; clientId: string; fingerprint: string }
  | { kind: 'none' };

/** Chooses the strongest authType the parameters allow: CERT, then CREDENTIALS, then BASIC. */
export function resolveAuth(auth: EmAuthentication | undefined): ResolvedAuth {
  if (!auth) return { kind: 'none' };
  const types = new Set(auth.authType);
  const cert = auth.paramsOauth2ClientCert;
  if (types.has('OAUTH2_CLIENT_CERT') && cert) {
    return { kind: 'client-cert', tokenEndpoint: cert.tokenEndpoint, clientId: cert.clientId, fingerprint: cert.certificateRef.value };
  }
  const creds = auth.paramsOauth2ClientCredentials;
  if (types.has('OAUTH2_CLIENT_CREDENTIALS') && creds?.tokenEndpoint && creds.clientId && creds.clientPassword !== undefined) {
    return { kind: 'client-credentials', tokenEndpoint: creds.tokenEndpoint, clientId: creds.clientId, clientSecret: creds.clientPassword };
  }
  const basic = auth.paramsBasic;
  if (types.has('BASIC') && basic?.userName !== undefined && basic.password !== undefined) {
    return { kind: 'basic', userName: basic.userName, password: basic.password };
  }
  throw new CoordinationError('misconfigured', `authentication lists ${auth.authType.join(', ')} but gives no usable parameters for any of them`);
}

/** x5t#S256 (RFC 7515 §4.1.8): base64url, unpadded SHA-256 of the certificate's DER. */
export function certificateThumbprint(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('base64url');
}

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

interface CachedToken {
  accessToken: string;
  /** When to fetch a new one: the refresh margin before expiry, or half-way for short-lived tokens. */
  refreshAt: number;
}

/**
 * OAuth 2.0 client-credentials tokens, cached per token endpoint and client until shortly
 * before they expire: one token serves every request of a long wait (Tacker asks per request).
 */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();
  tokenRequests = 0;

  constructor(
    private readonly options: { refreshMarginMs: number; defaultLifetimeMs: number; requestTimeoutMs: number; maxResponseBytes: number },
    private readonly now: () => number = Date.now,
  ) {}

  async bearer(auth: Extract<ResolvedAuth, { kind: 'client-credentials' | 'client-cert' }>, dispatcher: Dispatcher): Promise<string> {
    const key = `${auth.tokenEndpoint}\u0000${auth.clientId}`;
    const cached = this.tokens.get(key);
    if (cached && cached.refreshAt > this.now()) return `Bearer ${cached.accessToken}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetchToken(auth, dispatcher).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const token = await pending;
    this.tokens.set(key, token);
    return `Bearer ${token.accessToken}`;
  }

  /**
   * Forgets the token the EM refused (given as the Authorization value sent), unless a
   * concurrent request has already replaced it with a newer one.
   */
  invalidate(auth: Extract<ResolvedAuth, { kind: 'client-credentials' | 'client-cert' }>, refused: string | undefined): void {
    const key = `${auth.tokenEndpoint}\u0000${auth.clientId}`;
    const cached = this.tokens.get(key);
    if (cached && (refused === undefined || refused === `Bearer ${cached.accessToken}`)) this.tokens.delete(key);
  }

  private async fetchToken(auth: Extract<ResolvedAuth, { kind: 'client-credentials' | 'client-cert' }>, dispatcher: Dispatcher): Promise<CachedToken> {
    this.tokenRequests += 1;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
    if (auth.kind === 'client-credentials') headers.Authorization = basicAuthorization(auth.clientId, auth.clientSecret);
    else form.set('client_id', auth.clientId); // RFC 8705 §2: the TLS client certificate authenticates the client
    const startedAt = this.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await requestWithin(auth.tokenEndpoint, { method: 'POST', headers, body: form.toString(), dispatcher }, this.options.requestTimeoutMs);
    } catch (err) {
      throw networkFailure(err, `token endpoint ${auth.tokenEndpoint} unreachable`);
    }
    let text: string;
    try {
      text = await readCappedText(res.body, this.options.maxResponseBytes);
    } catch (err) {
      if (err instanceof CoordinationError) throw err;
      throw networkFailure(err, `token endpoint ${auth.tokenEndpoint}: reading the response failed`);
    }
    if (res.statusCode >= 500) throw new CoordinationError('server-error', `token endpoint ${auth.tokenEndpoint} answered ${res.statusCode}`, res.statusCode);
    if (res.statusCode !== 200) {
      throw new CoordinationError('unauthorized', `token endpoint ${auth.tokenEndpoint} refused client ${auth.clientId} with ${res.statusCode}`, res.statusCode);
    }
    let parsed;
    try {
      parsed = TokenResponse.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) throw new CoordinationError('malformed', `token endpoint ${auth.tokenEndpoint} returned no valid token response`);
    const lifetimeMs = parsed.data.expires_in ? parsed.data.expires_in * 1000 : this.options.defaultLifetimeMs;
    // A margin longer than the token's life would make every request fetch a token.
    const marginMs = Math.min(this.options.refreshMarginMs, lifetimeMs / 2);
    return { accessToken: parsed.data.access_token, refreshAt: startedAt + lifetimeMs - marginMs };
  }
}
