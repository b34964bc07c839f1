// Authentication of the VNFM at the reference EM: HTTP Basic, OAuth 2.0 client credentials
// (token endpoint on the same server) and mutual TLS with certificate-bound tokens (RFC 8705).
import { createHash, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { HttpProblem } from '../http/problem.ts';
import type { ProblemDetails, TokenResponse } from '../lcmcoord/models.ts';

export const AUTH_METHODS = ['BASIC', 'OAUTH2_CLIENT_CREDENTIALS', 'OAUTH2_CLIENT_CERT'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** How a request was authenticated; this is what the request log records, never the credential. */
export type AuthScheme = 'none' | 'basic' | 'bearer' | 'client-certificate';

export interface IssuedTokenResponse {
  token: TokenResponse;
  /** How the client authenticated at the token endpoint. */
  clientAuthentication: AuthScheme;
}

export interface Credentials {
  userName: string;
  password: string;
}

export interface OAuth2Client {
  clientId: string;
  clientSecret: string;
  /** Lifetime of issued tokens; small values let tests see tokens expire. */
  tokenLifetimeSeconds: number;
}

export interface AuthConfig {
  /** Accepted methods; an empty list leaves the API open. */
  methods: readonly AuthMethod[];
  basic: Credentials;
  oauth2: OAuth2Client;
  /** The EM's clock, for token expiry (tests give one they can move). */
  now: () => number;
}

const REALM = 'reference-em';

interface IssuedToken {
  expiresAt: number;
  /** `cnf.x5t#S256`: the token is only valid over TLS with this client certificate. */
  certificateThumbprint?: string;
}

/** base64url (unpadded) SHA-256 of a certificate's DER: the `x5t#S256` of RFC 8705 §3.1. */
export function certificateThumbprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('base64url');
}

export function certificateThumbprintOfPem(pem: string | Buffer): string {
  return certificateThumbprint(new X509Certificate(pem).raw);
}

/** Thumbprint of the client certificate of this TLS connection, if one was presented and verified. */
export function clientCertificateThumbprint(req: IncomingMessage): string | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const der = socket.getPeerCertificate().raw as Buffer | undefined;
  return der ? certificateThumbprint(der) : undefined;
}

/** An OAuth 2.0 token endpoint error (RFC 6749 §5.2), rendered as ProblemDetails with the OAuth members added. */
export class OAuthError extends HttpProblem {
  constructor(status: number, readonly code: string, detail: string, headers: Record<string, string> = {}) {
    super(status, detail, headers);
  }

  override toProblemDetails(): ProblemDetails {
    return { ...super.toProblemDetails(), error: this.code, error_description: this.detail };
  }
}

export class Authenticator {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(private readonly config: AuthConfig) {}

  get acceptsOAuth2(): boolean {
    return this.accepts('OAUTH2_CLIENT_CREDENTIALS') || this.accepts('OAUTH2_CLIENT_CERT');
  }

  /** Checks the credential of an API request; throws a 401 with a WWW-Authenticate challenge. */
  authenticate(req: IncomingMessage): AuthScheme {
    if (this.config.methods.length === 0) return 'none';
    const authorization = req.headers.authorization;
    if (!authorization) throw this.unauthorized('no credentials were presented');
    const [scheme = '', value = ''] = splitOnce(authorization.trim(), ' ');
    switch (scheme.toLowerCase()) {
      case 'basic':
        this.checkBasic(value.trim());
        return 'basic';
      case 'bearer':
        this.checkBearer(value.trim(), clientCertificateThumbprint(req));
        return 'bearer';
      default:
        throw this.unauthorized(`authorization scheme "${scheme}" is not accepted`);
    }
  }

  /** Handles a token request whose form body is given; binds the token to the TLS client certificate if any. */
  issueToken(req: IncomingMessage, form: URLSearchParams): IssuedTokenResponse {
    const grantType = form.get('grant_type');
    if (!grantType) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') {
      throw new OAuthError(400, 'unsupported_grant_type', `grant_type "${grantType}" is not supported; use client_credentials`);
    }
    const thumbprint = clientCertificateThumbprint(req);
    const clientAuthentication = this.authenticateClient(req.headers.authorization, form.get('client_id'), thumbprint);
    this.pruneExpiredTokens();
    const accessToken = randomBytes(32).toString('base64url');
    const lifetime = this.config.oauth2.tokenLifetimeSeconds;
    this.tokens.set(accessToken, { expiresAt: this.config.now() + lifetime * 1000, certificateThumbprint: thumbprint });
    return { token: { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime }, clientAuthentication };
  }

  /** Makes every token issued so far expired (tests of the client's refresh on 401). */
  expireTokens(): void {
    for (const token of this.tokens.values()) token.expiresAt = 0;
  }

  private accepts(method: AuthMethod): boolean {
    return this.config.methods.includes(method);
  }

  private checkBasic(encoded: string): void {
    if (!this.accepts('BASIC')) throw this.unauthorized('Basic authentication is not accepted');
    const credentials = decodeBasic(encoded);
    const { userName, password } = this.config.basic;
    if (!credentials || !safeEqual(credentials.userName, userName) || !safeEqual(credentials.password, password)) {
      throw this.unauthorized('user name or password is wrong');
    }
  }

  private checkBearer(accessToken: string, presentedThumbprint: string | undefined): void {
    if (!this.acceptsOAuth2) throw this.unauthorized('Bearer tokens are not accepted');
    const token = this.tokens.get(accessToken);
    if (!token) throw this.invalidToken('the access token is unknown');
    if (token.expiresAt <= this.config.now()) throw this.invalidToken('the access token has expired');
    if (token.certificateThumbprint === undefined) {
      if (!this.accepts('OAUTH2_CLIENT_CREDENTIALS')) throw this.invalidToken('the access token is not bound to a client certificate');
      return;
    }
    if (presentedThumbprint !== token.certificateThumbprint) {
      throw this.invalidToken('the access token is bound to another client certificate than the one presented');
    }
  }

  private authenticateClient(authorization: string | undefined, formClientId: string | null, thumbprint: string | undefined): AuthScheme {
    const basic = authorization?.match(/^\s*basic\s+(\S+)\s*$/i)?.[1];
    const credentials = basic ? decodeBasic(basic) : undefined;
    const { clientId, clientSecret } = this.config.oauth2;
    if (credentials && credentials.password !== '') {
      if (sameCredential(credentials.userName, clientId) && sameCredential(credentials.password, clientSecret)) return 'basic';
      throw this.invalidClient('client id or secret is wrong');
    }
    // tls_client_auth (RFC 8705 §2.1): the verified certificate authenticates the client named by client_id.
    const claimedId = formClientId ?? (credentials ? formDecode(credentials.userName) : undefined);
    if (this.accepts('OAUTH2_CLIENT_CERT') && thumbprint && claimedId !== undefined && safeEqual(claimedId, clientId)) {
      return 'client-certificate';
    }
    throw this.invalidClient('client authentication failed: give the client id and secret by HTTP Basic, or a client certificate and client_id');
  }

  private pruneExpiredTokens(): void {
    const now = this.config.now();
    for (const [value, token] of this.tokens) if (token.expiresAt <= now) this.tokens.delete(value);
  }

  private challenges(bearerError?: string): string {
    const challenges: string[] = [];
    if (this.accepts('BASIC')) challenges.push(`Basic realm="${REALM}"`);
    if (this.acceptsOAuth2) {
      challenges.push(bearerError ? `Bearer realm="${REALM}", error="invalid_token", error_description="${bearerError}"` : `Bearer realm="${REALM}"`);
    }
    return challenges.join(', ');
  }

  private unauthorized(detail: string): HttpProblem {
    return new HttpProblem(401, detail, { 'WWW-Authenticate': this.challenges() });
  }

  private invalidToken(detail: string): HttpProblem {
    return new HttpProblem(401, detail, { 'WWW-Authenticate': this.challenges(detail) });
  }

  private invalidClient(detail: string): OAuthError {
    return new OAuthError(401, 'invalid_client', detail, { 'WWW-Authenticate': `Basic realm="${REALM}"` });
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}

function decodeBasic(encoded: string): Credentials | undefined {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  if (!decoded.includes(':')) return undefined;
  const [userName, password] = splitOnce(decoded, ':');
  return { userName, password };
}

/**
 * client_secret_basic (RFC 6749 §2.3.1) form-encodes id and secret before base64, many clients
 * do not: accept both spellings.
 */
function sameCredential(given: string, expected: string): boolean {
  return safeEqual(given, expected) || safeEqual(formDecode(given), expected);
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Compares secrets in constant time (digests have equal length whatever the inputs). */
function safeEqual(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
