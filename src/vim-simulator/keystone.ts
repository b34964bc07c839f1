// Keystone v3 password authentication: issues project-scoped tokens with a service catalog
// pointing at this simulator's Heat and Nova. Tokens live in memory only: after a restart
// clients get a 401 and must re-authenticate, as they must after a real token revocation.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { App } from '../http/app.ts';
import { OpenStackFault, speaks } from './openstack-faults.ts';

export const KEYSTONE_PATH = '/identity/v3';
const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
const REGION = 'RegionOne';
const DEFAULT_DOMAIN = { id: 'default', name: 'Default' };

export interface IdentityConfig {
  username: string;
  password: string;
  projectName: string;
}

export interface KeystoneDeps {
  identity: IdentityConfig;
  tokens: TokenRegistry;
  project: { id: string; userId: string };
  publicUrl(request: FastifyRequest): string;
}

export class TokenRegistry {
  private readonly expiries = new Map<string, number>();

  issue(now: number): { token: string; expiresAt: number } {
    this.forgetExpired(now);
    const token = `gAAAAA${randomBytes(48).toString('base64url')}`;
    const expiresAt = now + TOKEN_LIFETIME_MS;
    this.expiries.set(token, expiresAt);
    return { token, expiresAt };
  }

  isValid(token: string, now: number): boolean {
    const expiresAt = this.expiries.get(token);
    return expiresAt !== undefined && now < expiresAt;
  }

  /** Lets tests exercise a client's re-authentication on 401. */
  revokeAll(): void {
    this.expiries.clear();
  }

  private forgetExpired(now: number): void {
    for (const [token, expiresAt] of this.expiries) if (expiresAt <= now) this.expiries.delete(token);
  }
}

/** keystonemiddleware's check in front of every other OpenStack endpoint. */
export function requireToken(headers: IncomingHttpHeaders, tokens: TokenRegistry, publicUrl: string): void {
  const header = headers['x-auth-token'];
  const token = Array.isArray(header) ? header[0] : header;
  if (!token || !tokens.isValid(token, Date.now())) throw unauthorized(publicUrl);
}

const DomainRef = z.looseObject({ id: z.string().optional(), name: z.string().optional() });

const PasswordAuthRequest = z.looseObject({
  auth: z.looseObject({
    identity: z.looseObject({
      methods: z.array(z.string()),
      password: z.looseObject({
        user: z.looseObject({ name: z.string(), password: z.string(), domain: DomainRef.optional() }),
      }),
    }),
    scope: z.looseObject({
      project: z.looseObject({ id: z.string().optional(), name: z.string().optional(), domain: DomainRef.optional() }),
    }),
  }),
});
type PasswordAuthRequest = z.infer<typeof PasswordAuthRequest>;

export function keystoneRoutes(scope: App, deps: KeystoneDeps): void {
  speaks(scope, 'keystone');
  scope.post(`${KEYSTONE_PATH}/auth/tokens`, { schema: { body: PasswordAuthRequest } }, async (request, reply) => {
    const base = deps.publicUrl(request);
    if (!credentialsMatch(request.body, deps)) throw unauthorized(base);
    const now = Date.now();
    const { token, expiresAt } = deps.tokens.issue(now);
    return reply.code(201).header('X-Subject-Token', token).send(tokenBody(deps, base, now, expiresAt));
  });
}

function credentialsMatch(request: PasswordAuthRequest, deps: KeystoneDeps): boolean {
  const { identity, scope } = request.auth;
  const user = identity.password.user;
  const project = scope.project;
  return identity.methods.includes('password')
    && user.name === deps.identity.username
    && isDefaultDomain(user.domain)
    && sameSecret(user.password, deps.identity.password)
    && (project.id === deps.project.id || (project.id === undefined && project.name === deps.identity.projectName && isDefaultDomain(project.domain)));
}

function isDefaultDomain(domain: z.infer<typeof DomainRef> | undefined): boolean {
  return domain === undefined || domain.id === DEFAULT_DOMAIN.id || domain.name === DEFAULT_DOMAIN.name;
}

/** Compares digests in constant time, so response timing does not reveal the password. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function unauthorized(base: string): OpenStackFault {
  return new OpenStackFault(401, 'The request you have made requires authentication.', 'Unauthorized', {
    'WWW-Authenticate': `Keystone uri="${base}${KEYSTONE_PATH}"`,
  });
}

function tokenBody(deps: KeystoneDeps, base: string, issuedAt: number, expiresAt: number): unknown {
  return {
    token: {
      methods: ['password'],
      user: { id: deps.project.userId, name: deps.identity.username, domain: DEFAULT_DOMAIN, password_expires_at: null },
      audit_ids: [randomBytes(16).toString('base64url')],
      issued_at: keystoneTime(issuedAt),
      expires_at: keystoneTime(expiresAt),
      project: { id: deps.project.id, name: deps.identity.projectName, domain: DEFAULT_DOMAIN },
      is_domain: false,
      roles: [{ id: 'b0e2d2b4d6b04d8b9d0c3e4a5f6a7b8c', name: 'admin' }, { id: '9fe2ff9ee4384b1894a90878d3e92bab', name: 'member' }],
      catalog: [
        catalogEntry('identity', 'keystone', `${base}/identity`),
        catalogEntry('orchestration', 'heat', `${base}/heat/v1/${deps.project.id}`),
        catalogEntry('compute', 'nova', `${base}/compute/v2.1`),
      ],
    },
  };
}

function catalogEntry(type: string, name: string, url: string): unknown {
  const endpoint = (iface: string): unknown => ({
    id: createHash('md5').update(`${type}/${iface}`).digest('hex'),
    interface: iface, region: REGION, region_id: REGION, url,
  });
  return { id: createHash('md5').update(type).digest('hex'), type, name, endpoints: [endpoint('public'), endpoint('internal')] };
}

/** Keystone writes microseconds: 2024-01-01T00:00:00.000000Z. */
function keystoneTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
