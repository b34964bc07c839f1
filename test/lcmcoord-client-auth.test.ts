// The lcmcoord protocol client's authentication towards the EM: the headers every request
// carries, BASIC, OAuth 2.0 client credentials with one cached token, and mutual TLS with
// certificate-bound tokens, against the reference EM on loopback.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReferenceEm, type ReferenceEm } from '../src/em/server.ts';
import { CoordinationClient, type CoordinationClientOptions, type EmTarget } from '../src/lcmcoord/client.ts';
import { certificateThumbprint } from '../src/outbound/credentials.ts';
import { TlsDispatchers } from '../src/outbound/dispatchers.ts';
import { makeTestPki, type TestPki } from './support/certificates.ts';
import { ManualClock } from './support/clock.ts';
import {
  basicAuth, BASIC_PASSWORD, BASIC_USER, b64, cases, certAuth, COORDINATIONS, coordinationRequest,
  credentialsAuth, emOptions, expectFailure, expectKind, expectNoSecret, failure, lcmCoord, sendJson, startStub,
  useReferenceEm, WRONG_PASSWORD, WRONG_SECRET, type Stub,
} from './support/lcmcoord.ts';

describe('CoordinationClient against the reference EM', () => {
  const fx = useReferenceEm();
  const { freshClient, target, program } = fx;

  describe('request headers', () => {
    let stub: Stub;
    beforeAll(async () => {
      stub = await startStub((req, res, url) => {
        if (req.method === 'GET') return sendJson(res, 200, lcmCoord('c-1', `${url}${req.path}`));
        if (req.path.endsWith('/cancel')) return res.writeHead(202).end();
        res.writeHead(202, { Location: `${COORDINATIONS}/c-1` }).end();
      });
    });
    afterAll(async () => {
      await stub.close();
    });

    const stubTarget = (): EmTarget => ({ endpoint: stub.url, authentication: basicAuth() });
    cases([
      {
        name: 'POST coordinations carries Version 1.0.0, Accept, Content-Type application/json and the JSON body',
        call: (t: EmTarget) => fx.client.requestCoordination(t, coordinationRequest()),
        method: 'POST', path: COORDINATIONS, json: true,
      },
      {
        name: 'GET coordination carries Version 1.0.0 and Accept',
        call: (t: EmTarget) => fx.client.readCoordination(t, `${stub.url}${COORDINATIONS}/c-1`),
        method: 'GET', path: `${COORDINATIONS}/c-1`, json: false,
      },
      {
        name: 'POST cancel carries Version 1.0.0 and Accept',
        call: (t: EmTarget) => fx.client.cancelCoordination(t, `${stub.url}${COORDINATIONS}/c-1`),
        method: 'POST', path: `${COORDINATIONS}/c-1/cancel`, json: false,
      },
    ], async ({ call, method, path, json }) => {
      stub.requests.length = 0;

      await call(stubTarget());

      expect(stub.requests).toHaveLength(1);
      const [request] = stub.requests;
      expect(`${request?.method} ${request?.path}`).toBe(`${method} ${path}`);
      expect(request?.headers.version).toBe('1.0.0');
      expect(request?.headers.accept).toBe('application/json');
      expect(request?.headers.authorization).toBe(`Basic ${b64(`${BASIC_USER}:${BASIC_PASSWORD}`)}`);
      if (json) {
        expect(request?.headers['content-type']).toBe('application/json');
        expect(JSON.parse(request?.body ?? '')).toEqual(coordinationRequest());
      } else {
        expect(request?.headers['content-type']).toBeUndefined();
        expect(request?.body).toBe('');
      }
    });
  });

  describe('authentication', () => {
    it('fifty reads with OAUTH2_CLIENT_CREDENTIALS make exactly one token request', async () => {
      program({ default: { mode: 'async', never: true } });
      const c = freshClient();
      const t = target(credentialsAuth(fx.em.url));

      const { location } = expectKind(await c.requestCoordination(t, coordinationRequest()), 'accepted');
      for (let i = 0; i < 50; i += 1) expect((await c.readCoordination(t, location)).kind).toBe('ongoing');

      expect(fx.em.requests.counts()).toEqual({ apiRequests: 51, tokenRequests: 1 });
      expect(c.tokens.tokenRequests).toBe(1);
      expect(new Set(fx.em.requests.entries().filter((e) => e.path.startsWith('/lcmcoord/')).map((e) => `${e.authScheme} ${e.status}`)))
        .toEqual(new Set(['bearer 202']));
    });

    it('concurrent first requests share one token request', async () => {
      const c = freshClient();
      const t = target(credentialsAuth(fx.em.url));

      await Promise.all(Array.from({ length: 5 }, () => c.requestCoordination(t, coordinationRequest())));

      expect(fx.em.requests.counts()).toEqual({ apiRequests: 5, tokenRequests: 1 });
    });

    it('a token that expires during a wait is replaced before the next request, without a 401', async () => {
      // One clock for the EM and the VNFM, moved by the test: the wait outlives the token.
      const clock = new ManualClock();
      const shortLived = await startReferenceEm(emOptions({
        auth: { oauth2: { tokenLifetimeSeconds: 60 } }, behaviour: { default: { mode: 'async', never: true } }, now: clock.now,
      }));
      const c = new CoordinationClient({ responseTimeoutMs: 5_000 }, { now: clock.now });
      try {
        const t: EmTarget = { endpoint: shortLived.url, authentication: credentialsAuth(shortLived.url) };
        const { location } = expectKind(await c.requestCoordination(t, coordinationRequest()), 'accepted');
        expect((await c.readCoordination(t, location)).kind).toBe('ongoing');
        expect(shortLived.requests.counts().tokenRequests).toBe(1);

        clock.advance(61_000);
        expect((await c.readCoordination(t, location)).kind).toBe('ongoing');

        expect(shortLived.requests.counts()).toEqual({ apiRequests: 3, tokenRequests: 2 });
        expect(shortLived.requests.entries().map((e) => e.status)).not.toContain(401);
      } finally {
        await c.close();
        await shortLived.close();
      }
    });

    it('a 401 for a token the EM expired early gives one refresh and one repeat, and the call succeeds', async () => {
      program({ default: { mode: 'async', never: true } });
      const c = freshClient();
      const t = target(credentialsAuth(fx.em.url));
      const { location } = expectKind(await c.requestCoordination(t, coordinationRequest()), 'accepted');
      fx.em.requests.clear();

      fx.em.expireTokens();
      expect((await c.readCoordination(t, location)).kind).toBe('ongoing');

      expect(fx.em.requests.entries().map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
        `GET ${new URL(location).pathname} 401`, 'POST /oauth2/token 200', `GET ${new URL(location).pathname} 202`,
      ]);
    });

    it('a second 401 after a fresh token is unauthorized, not retryable, after exactly one refresh and one repeat', async () => {
      program({ default: { status: 401 } });
      const c = freshClient();

      const error = await expectFailure(c.requestCoordination(target(credentialsAuth(fx.em.url)), coordinationRequest()), 'unauthorized', false);

      expect(error.status).toBe(401);
      expect(fx.em.requests.counts()).toEqual({ apiRequests: 2, tokenRequests: 2 });
    });

    it('BASIC with a wrong password is unauthorized, not retryable, and not repeated', async () => {
      const error = await expectFailure(fx.client.requestCoordination(target(basicAuth(WRONG_PASSWORD)), coordinationRequest()), 'unauthorized', false);

      expect(error.status).toBe(401);
      expect(fx.em.requests.counts()).toEqual({ apiRequests: 1, tokenRequests: 0 });
    });

    it('a wrong client secret is refused at the token endpoint as unauthorized, and no API request is sent', async () => {
      const c = freshClient();

      await expectFailure(c.requestCoordination(target(credentialsAuth(fx.em.url, WRONG_SECRET)), coordinationRequest()), 'unauthorized', false);

      expect(fx.em.requests.counts()).toEqual({ apiRequests: 0, tokenRequests: 1 });
    });

    it('a wrong client secret is never handed the token cached for the right one: the token endpoint refuses it', async () => {
      // The attack: the client id and token endpoint of a VNFC whose coordination already holds a
      // token, with a guessed secret. A cache keyed by endpoint and client id alone would answer
      // with the cached token, and the EM would accept it.
      program({ default: { mode: 'async', never: true } });
      const c = freshClient();
      expectKind(await c.requestCoordination(target(credentialsAuth(fx.em.url)), coordinationRequest()), 'accepted');

      const error = await expectFailure(c.requestCoordination(target(credentialsAuth(fx.em.url, WRONG_SECRET)), coordinationRequest()), 'unauthorized', false);

      expect(error.status).toBe(401);
      expect(fx.em.requests.counts()).toEqual({ apiRequests: 1, tokenRequests: 2 });
      expect(fx.em.requests.entries().filter((e) => e.path.startsWith('/lcmcoord/')).map((e) => e.status)).toEqual([202]);
    });

    cases([
      { name: 'a refused BASIC password', auth: () => basicAuth(WRONG_PASSWORD), behaviour: {} },
      { name: 'a 401 to a correct BASIC password', auth: () => basicAuth(), behaviour: { status: 401 } },
      { name: 'a refused client secret', auth: () => credentialsAuth(fx.em.url, WRONG_SECRET), behaviour: {} },
      { name: 'a 401 to a fresh token', auth: () => credentialsAuth(fx.em.url), behaviour: { status: 401 } },
      { name: 'a 403 with BASIC', auth: () => basicAuth(), behaviour: { status: 403 } },
      { name: 'a token endpoint that is down', auth: () => credentialsAuth('http://127.0.0.1:1'), behaviour: {} },
      { name: 'an API endpoint that is down, with BASIC', auth: () => basicAuth(), behaviour: {}, endpoint: 'http://127.0.0.1:1' },
    ].map((row) => ({ ...row, name: `no secret appears in the error for ${row.name}` })), async ({ auth, behaviour, endpoint }) => {
      program({ default: behaviour });
      const c = freshClient();

      const error = await failure(c.requestCoordination({ endpoint: endpoint ?? fx.em.url, authentication: auth() }, coordinationRequest()));

      expectNoSecret(error);
    });
  });

});

describe('CoordinationClient over TLS', () => {
  let pki: TestPki;
  let em: ReferenceEm;
  const clients: CoordinationClient[] = [];
  const newClient = (options: CoordinationClientOptions = {}) => {
    const c = new CoordinationClient({ responseTimeoutMs: 5_000, ...options });
    clients.push(c);
    return c;
  };
  const withClientCertificate = () => newClient({
    tls: { caPem: pki.ca, clientCertPem: pki.clients.vnfm?.cert, clientKeyPem: pki.clients.vnfm?.key },
  });

  beforeAll(async () => {
    pki = makeTestPki(['vnfm', 'stranger']);
    em = await startReferenceEm(emOptions({ tls: { ...pki.server, ca: pki.ca } }));
  });
  beforeEach(() => {
    em.requests.clear();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await em.close();
    pki.remove();
  });

  it('OAUTH2_CLIENT_CERT over mutual TLS coordinates with a token bound to the client certificate', async () => {
    const c = withClientCertificate();
    const auth = certAuth(em.url, certificateThumbprint(pki.clients.vnfm?.cert ?? ''));

    const outcome = await c.requestCoordination({ endpoint: em.url, authentication: auth }, coordinationRequest());

    expect(outcome.kind).toBe('finished');
    expect(em.requests.entries().map((e) => `${e.method} ${e.path} ${e.authScheme} ${e.status}`)).toEqual([
      'POST /oauth2/token client-certificate 200', `POST ${COORDINATIONS} bearer 201`,
    ]);
  });

  cases([
    {
      name: 'a certificateRef that does not match the configured certificate is misconfigured before any request',
      client: () => withClientCertificate(),
      fingerprint: () => certificateThumbprint(pki.clients.stranger?.cert ?? ''),
    },
    {
      name: 'OAUTH2_CLIENT_CERT without a configured client certificate is misconfigured before any request',
      client: () => newClient({ tls: { caPem: pki.ca } }),
      fingerprint: () => certificateThumbprint(pki.clients.vnfm?.cert ?? ''),
    },
  ], async ({ client, fingerprint }) => {
    const c = client();

    const error = await expectFailure(c.requestCoordination({ endpoint: em.url, authentication: certAuth(em.url, fingerprint()) }, coordinationRequest()), 'misconfigured', false);

    expect(error.detail).toContain('certificate');
    expect(em.requests.counts()).toEqual({ apiRequests: 0, tokenRequests: 0 });
    expect(c.apiRequests).toBe(0);
  });

  it('BASIC over https trusts the EM through the configured CA, without a client certificate', async () => {
    const c = newClient({ tls: { caPem: pki.ca } });

    expect((await c.requestCoordination({ endpoint: em.url, authentication: basicAuth() }, coordinationRequest())).kind).toBe('finished');
  });

  cases([
    { name: 'an EM whose certificate comes from a CA the client was not given is refused (verification is on by default)', auth: () => basicAuth() },
    { name: 'a token endpoint whose certificate comes from an untrusted CA is refused before the secret is sent', auth: () => credentialsAuth(em.url) },
  ], async ({ auth }) => {
    const c = newClient();

    const error = await expectFailure(c.requestCoordination({ endpoint: em.url, authentication: auth() }, coordinationRequest()), 'untrusted-certificate', false);

    expect(error.detail).toMatch(/certificate/);
    expect(em.requests.counts()).toEqual({ apiRequests: 0, tokenRequests: 0 });
  });

  it('skips verification only for an origin listed explicitly as insecure, and logs that once', async () => {
    const lines: string[] = [];
    const c = new CoordinationClient({ tls: { insecureOrigins: [em.url] } });
    clients.push(c);
    expect((await c.requestCoordination({ endpoint: em.url, authentication: basicAuth() }, coordinationRequest())).kind).toBe('finished');
    const other = new CoordinationClient({ tls: { insecureOrigins: ['https://127.0.0.1:1'] } });
    clients.push(other);
    await expectFailure(other.requestCoordination({ endpoint: em.url, authentication: basicAuth() }, coordinationRequest()), 'untrusted-certificate', false);
    new TlsDispatchers({ connectTimeoutMs: 1000, insecureOrigins: [em.url], log: (l) => lines.push(l) });
    expect(lines).toEqual([`TLS certificate verification is OFF for ${new URL(em.url).origin} (configured explicitly)`]);
  });
});
