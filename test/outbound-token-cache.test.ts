// The outbound kit's OAuth 2.0 token cache on its own: what is cached under which key, when a
// token is renewed, what concurrent callers share, what a refused token does. The token
// endpoint is a function that issues numbered tokens to the client whose secret it knows; the
// lifetimes run on a clock the test moves. The lcmcoord client tests cover the same cache
// against the reference EM's real token endpoint.
import { describe, expect, it } from 'vitest';
import type { TokenCredentials } from '../src/outbound/credentials.ts';
import { OutboundError } from '../src/outbound/errors.ts';
import { TokenCache } from '../src/outbound/token-cache.ts';
import type { IssuedToken } from '../src/outbound/token-request.ts';
import { ManualClock } from './support/clock.ts';

const ENDPOINT = 'https://em.example/oauth2/token';
const RIGHT = 'right-secret-3b9e';
const WRONG = 'wrong-secret-77c1';

const secret = (clientSecret: string, clientId = 'vnfm'): TokenCredentials => ({ kind: 'client-secret', tokenEndpoint: ENDPOINT, clientId, clientSecret });
const certificate = (thumbprint: string): TokenCredentials => ({ kind: 'client-certificate', tokenEndpoint: ENDPOINT, clientId: 'vnfm', thumbprint });

/** A token endpoint that knows one secret per client id and issues `token-1`, `token-2`, … */
function tokenEndpoint(secrets: Record<string, string> = { vnfm: RIGHT }, lifetimeMs?: number) {
  const issuedTo: string[] = [];
  const request = (credentials: TokenCredentials): Promise<IssuedToken> => {
    if (credentials.kind === 'client-secret' && secrets[credentials.clientId] !== credentials.clientSecret) {
      return Promise.reject(new OutboundError('unauthorized', `token endpoint refused client ${credentials.clientId}`, { status: 401 }));
    }
    issuedTo.push(credentials.clientId);
    return Promise.resolve({ accessToken: `token-${issuedTo.length}`, ...(lifetimeMs === undefined ? {} : { lifetimeMs }) });
  };
  return { request, issuedTo };
}

function cacheOn(endpoint: ReturnType<typeof tokenEndpoint>, clock = new ManualClock()) {
  return new TokenCache({ refreshMarginMs: 30_000, defaultLifetimeMs: 300_000 }, endpoint.request, clock.now);
}

describe('TokenCache', () => {
  it('a caller with a wrong client secret is never handed the token issued for the right one', async () => {
    const endpoint = tokenEndpoint();
    const cache = cacheOn(endpoint);
    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-1');

    await expect(cache.bearer(secret(WRONG))).rejects.toMatchObject({ code: 'unauthorized', status: 401 });

    expect(cache.tokenRequests).toBe(2);
    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-1');
  });

  it('a token bound to one client certificate is not handed out for another', async () => {
    const endpoint = tokenEndpoint();
    const cache = cacheOn(endpoint);

    expect(await cache.bearer(certificate('thumbprint-a'))).toBe('Bearer token-1');
    expect(await cache.bearer(certificate('thumbprint-b'))).toBe('Bearer token-2');
    expect(await cache.bearer(certificate('thumbprint-a'))).toBe('Bearer token-1');
  });

  it('one token per token endpoint and client id serves every later request', async () => {
    const endpoint = tokenEndpoint({ vnfm: RIGHT, other: RIGHT });
    const cache = cacheOn(endpoint);

    for (let i = 0; i < 10; i += 1) expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-1');
    expect(await cache.bearer(secret(RIGHT, 'other'))).toBe('Bearer token-2');

    expect(endpoint.issuedTo).toEqual(['vnfm', 'other']);
  });

  it('concurrent callers share one token request', async () => {
    const endpoint = tokenEndpoint();
    const cache = cacheOn(endpoint);

    const tokens = await Promise.all(Array.from({ length: 5 }, () => cache.bearer(secret(RIGHT))));

    expect(new Set(tokens)).toEqual(new Set(['Bearer token-1']));
    expect(cache.tokenRequests).toBe(1);
  });

  it('a token is renewed the refresh margin before it expires, not earlier', async () => {
    const clock = new ManualClock();
    const cache = cacheOn(tokenEndpoint(undefined, 120_000), clock);
    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-1');

    clock.advance(89_000);
    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-1');
    clock.advance(1_000);
    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-2');
  });

  it('a token shorter-lived than twice the margin is renewed half-way through its life', async () => {
    const clock = new ManualClock();
    const cache = cacheOn(tokenEndpoint(undefined, 20_000), clock);
    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-1');

    clock.advance(9_000);
    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-1');
    clock.advance(1_000);
    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-2');
  });

  it('a token without expires_in lives the default lifetime', async () => {
    const clock = new ManualClock();
    const cache = cacheOn(tokenEndpoint(), clock);
    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-1');

    clock.advance(269_000);
    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-1');
    clock.advance(1_000);
    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-2');
  });

  it('a refused token is forgotten, but a newer one a concurrent caller fetched is kept', async () => {
    const cache = cacheOn(tokenEndpoint());
    const refused = await cache.bearer(secret(RIGHT));

    cache.invalidate(secret(RIGHT), refused);
    const fresh = await cache.bearer(secret(RIGHT));
    cache.invalidate(secret(RIGHT), refused);

    expect(fresh).toBe('Bearer token-2');
    expect(await cache.bearer(secret(RIGHT))).toBe(fresh);
    expect(cache.tokenRequests).toBe(2);
  });

  it('a refused token request is not cached: the next caller asks again', async () => {
    const secrets: Record<string, string> = {};
    const cache = cacheOn(tokenEndpoint(secrets));
    await expect(cache.bearer(secret(RIGHT))).rejects.toBeInstanceOf(OutboundError);

    secrets.vnfm = RIGHT;

    expect(await cache.bearer(secret(RIGHT))).toBe('Bearer token-1');
    expect(cache.tokenRequests).toBe(2);
  });
});
