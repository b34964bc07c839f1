// Who may call the gateway: an API token (Tacker's `X-Auth-Token`, or `Authorization: Bearer`),
// HTTP Basic, or an OAuth 2.0 client-credentials bearer token issued by the gateway's own token
// endpoint. Tokens are HMAC-signed and self-contained, so any gateway replica accepts them; a
// token is exactly `<claims>.<HMAC>`, signed with a key of its own (keys.ts), and names a client
// that is still configured.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { HttpProblem } from '../http/problem.ts';
import { derivedKey } from './keys.ts';

export const GatewayAuthConfig = z.object({
  /** Static API tokens, e.g. for `openstack --os-auth-type admin_token --os-token …`. */
  apiTokens: z.array(z.string().min(8)).default([]),
  basic: z.array(z.object({ userName: z.string().min(1), password: z.string().min(1) })).default([]),
  oauth2Clients: z.array(z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) })).default([]),
  /** HMAC key for issued tokens; random per process when unset (tokens then die with it). */
  tokenSecret: z.string().min(16).default(() => randomBytes(32).toString('base64url')),
  tokenLifetimeSec: z.number().int().positive().default(3600),
});
export type GatewayAuthConfig = z.input<typeof GatewayAuthConfig>;

export const TOKEN_PATH = '/oauth2/token';

/** RFC 6749 §4.4.2 access token request; the client authenticates by HTTP Basic (or, RFC 6749 §2.3.1, in the form). */
export const TokenRequest = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});
export type TokenRequest = z.infer<typeof TokenRequest>;
const REALM = 'durable-vnfm';

export interface Principal {
  name: string;
  method: 'token' | 'basic' | 'oauth2';
}

/** An issued token: base64url claims, a dot, the base64url HMAC-SHA256 (43 characters). */
const ISSUED_TOKEN = /^[A-Za-z0-9_-]{1,512}\.[A-Za-z0-9_-]{43}$/;
const Claims = z.strictObject({ sub: z.string().min(1), exp: z.number().int() });

export class GatewayAuthenticator {
  private readonly config: z.output<typeof GatewayAuthConfig>;
  private readonly tokenKey: Buffer;

  constructor(config: GatewayAuthConfig, private readonly now: () => number = Date.now) {
    this.config = GatewayAuthConfig.parse(config);
    this.tokenKey = derivedKey(this.config.tokenSecret, 'bearer-tokens');
    if (!this.config.apiTokens.length && !this.config.basic.length && !this.config.oauth2Clients.length) {
      throw new Error('the gateway has no credentials configured (GATEWAY_API_TOKENS, GATEWAY_BASIC_USERS or GATEWAY_OAUTH2_CLIENTS)');
    }
  }

  /** The caller, or a 401 with one challenge per accepted scheme. */
  authenticate(req: IncomingMessage): Principal {
    const xAuthToken = header(req, 'x-auth-token');
    if (xAuthToken !== undefined) {
      if (this.config.apiTokens.some((t) => same(t, xAuthToken))) return { name: 'api-token', method: 'token' };
      throw this.unauthorized('the X-Auth-Token is not valid');
    }
    const authorization = header(req, 'authorization');
    if (!authorization) throw this.unauthorized('no credentials: send X-Auth-Token, Authorization: Bearer or Authorization: Basic');
    const [scheme = '', value = ''] = authorization.split(/\s+/, 2);
    if (/^bearer$/i.test(scheme)) {
      if (this.config.apiTokens.some((t) => same(t, value))) return { name: 'api-token', method: 'token' };
      const client = this.verifyIssuedToken(value);
      if (client) return { name: client, method: 'oauth2' };
      throw this.unauthorized('the bearer token is not valid or has expired', 'invalid_token');
    }
    if (/^basic$/i.test(scheme)) {
      const [user, password] = decodeBasic(value);
      if (this.config.basic.some((b) => same(b.userName, user) && same(b.password, password))) return { name: user, method: 'basic' };
      throw this.unauthorized('the Basic credentials are not valid');
    }
    throw this.unauthorized(`authorization scheme ${scheme} is not supported`);
  }

  /** OAuth 2.0 token endpoint (RFC 6749 §4.4): client credentials by HTTP Basic (or in the form). */
  issueToken(req: IncomingMessage, form: TokenRequest): { access_token: string; token_type: 'Bearer'; expires_in: number } {
    const authorization = header(req, 'authorization') ?? '';
    const [scheme = '', value = ''] = authorization.split(/\s+/, 2);
    const [clientId, secret] = /^basic$/i.test(scheme) ? decodeBasic(value) : [form.client_id ?? '', form.client_secret ?? ''];
    if (!this.config.oauth2Clients.some((c) => same(c.clientId, clientId) && same(c.clientSecret, secret))) {
      throw new HttpProblem(401, 'the client credentials are not valid', { 'WWW-Authenticate': `Basic realm="${REALM}"` });
    }
    const expiresAt = Math.floor(this.now() / 1000) + this.config.tokenLifetimeSec;
    const payload = Buffer.from(JSON.stringify({ sub: clientId, exp: expiresAt })).toString('base64url');
    return { access_token: `${payload}.${this.sign(payload)}`, token_type: 'Bearer', expires_in: this.config.tokenLifetimeSec };
  }

  /** The client a token was issued to: exactly our format, our signature, not expired, a client still configured. */
  private verifyIssuedToken(token: string): string | undefined {
    if (!ISSUED_TOKEN.test(token)) return undefined;
    const [payload = '', signature = ''] = token.split('.');
    if (!same(this.sign(payload), signature)) return undefined;
    let claims: z.infer<typeof Claims>;
    try {
      claims = Claims.parse(JSON.parse(Buffer.from(payload, 'base64url').toString()));
    } catch {
      return undefined;
    }
    if (claims.exp * 1000 <= this.now()) return undefined;
    return this.config.oauth2Clients.some((c) => same(c.clientId, claims.sub)) ? claims.sub : undefined;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.tokenKey).update(payload).digest('base64url');
  }

  private unauthorized(detail: string, bearerError?: string): HttpProblem {
    const bearer = `Bearer realm="${REALM}"${bearerError ? `, error="${bearerError}"` : ''}`;
    return new HttpProblem(401, detail, { 'WWW-Authenticate': `${bearer}, Basic realm="${REALM}"` });
  }
}

/** Whether the request offers a credential at all: only those attempts are guesses worth throttling. */
export function presentsCredentials(req: IncomingMessage): boolean {
  return header(req, 'x-auth-token') !== undefined || header(req, 'authorization') !== undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decodeBasic(value: string): [string, string] {
  const text = Buffer.from(value, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
}

/** Constant-time comparison, so a wrong guess takes as long as a near miss. */
function same(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
