// The lcmcoord protocol client against the reference EM on loopback: one behaviour per test,
// real HTTP(S), no mocks. Answers the EM cannot give come from a tiny node:http stub.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BehaviourConfigInput } from '../src/em/behaviour.ts';
import { startReferenceEm, type ReferenceEm, type ReferenceEmOptions } from '../src/em/server.ts';
import { listen } from '../src/http/server.ts';
import { certificateThumbprint } from '../src/lcmcoord/auth.ts';
import { TlsDispatchers } from '../src/http/tls-dispatchers.ts';
import { CoordinationClient, type CoordinationClientOptions, type EmTarget } from '../src/lcmcoord/client.ts';
import { CoordinationError, type CoordinationErrorReason } from '../src/lcmcoord/errors.ts';
import type { EmAuthentication, LcmCoord, LcmCoordRequest } from '../src/lcmcoord/models.ts';
import { makeTestPki, type TestPki } from './support/certificates.ts';

const BASIC_USER = 'vnfm';
const BASIC_PASSWORD = 'basic-pw-9f3c1d';
const CLIENT_ID = 'vnfm-client';
const CLIENT_SECRET = 'client-secret-7a2e4b';
const WRONG_PASSWORD = 'wrong-pw-51d0aa';
const WRONG_SECRET = 'wrong-secret-c4e881';
const COORDINATIONS = '/lcmcoord/v1/coordinations';

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** Secrets in clear and as they travel in an Authorization header. */
const SECRETS = [BASIC_PASSWORD, CLIENT_SECRET, WRONG_PASSWORD, WRONG_SECRET].flatMap((secret) => [
  secret, b64(`${BASIC_USER}:${secret}`), b64(`${CLIENT_ID}:${secret}`),
]);

// --- Targets and requests ---

function basicAuth(password = BASIC_PASSWORD): EmAuthentication {
  return { authType: ['BASIC'], paramsBasic: { userName: BASIC_USER, password } };
}

function credentialsAuth(emUrl: string, clientPassword = CLIENT_SECRET): EmAuthentication {
  return {
    authType: ['OAUTH2_CLIENT_CREDENTIALS'],
    paramsOauth2ClientCredentials: { clientId: CLIENT_ID, clientPassword, tokenEndpoint: `${emUrl}/oauth2/token` },
  };
}

function certAuth(emUrl: string, fingerprint: string): EmAuthentication {
  return {
    authType: ['OAUTH2_CLIENT_CERT'],
    paramsOauth2ClientCert: { clientId: CLIENT_ID, certificateRef: { type: 'x5t#S256', value: fingerprint }, tokenEndpoint: `${emUrl}/oauth2/token` },
  };
}

function coordinationRequest(vnfcInstanceId = 'vnfc-0'): LcmCoordRequest {
  return {
    vnfInstanceId: 'vnf-1',
    vnfLcmOpOccId: 'op-1',
    lcmOperationType: 'CHANGE_VNFPKG',
    coordinationActionName: 'prv.example.coordination_test',
    inputParams: { vnfcInstanceId },
    _links: {
      vnfLcmOpOcc: { href: 'http://vnfm.example/vnflcm/v2/vnf_lcm_op_occs/op-1' },
      vnfInstance: { href: 'http://vnfm.example/vnflcm/v2/vnf_instances/vnf-1' },
    },
  };
}

function lcmCoord(id: string, self: string): LcmCoord {
  const request = coordinationRequest();
  return {
    id, coordinationResult: 'CONTINUE', vnfInstanceId: request.vnfInstanceId, vnfLcmOpOccId: request.vnfLcmOpOccId,
    lcmOperationType: request.lcmOperationType, coordinationActionName: request.coordinationActionName,
    _links: { self: { href: self }, vnfLcmOpOcc: request._links.vnfLcmOpOcc, vnfInstance: request._links.vnfInstance },
  };
}

function emOptions(extra: Partial<ReferenceEmOptions> = {}): ReferenceEmOptions {
  return {
    log: () => {},
    ...extra,
    auth: {
      basic: { userName: BASIC_USER, password: BASIC_PASSWORD },
      ...extra.auth,
      oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...extra.auth?.oauth2 },
    },
  };
}

// --- Assertions ---

function expectKind<T extends { kind: string }, K extends T['kind']>(outcome: T, kind: K): Extract<T, { kind: K }> {
  expect(outcome.kind).toBe(kind);
  return outcome as Extract<T, { kind: K }>;
}

/** The CoordinationError a call fails with; every one is checked for leaked secrets. */
async function failure(call: Promise<unknown>): Promise<CoordinationError> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CoordinationError);
  const error = err as CoordinationError;
  expectNoSecret(error);
  return error;
}

function expectNoSecret(error: CoordinationError): void {
  const text = [error.message, error.detail, error.stack ?? '', String(error), JSON.stringify(error)].join('\n');
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

async function expectFailure(call: Promise<unknown>, reason: CoordinationErrorReason, retryable: boolean): Promise<CoordinationError> {
  const error = await failure(call);
  expect({ reason: error.reason, retryable: error.retryable, detail: error.detail }).toMatchObject({ reason, retryable });
  return error;
}

/** Table-driven tests, each named in full for its behaviour (it.each would truncate long names). */
function cases<T extends { name: string }>(table: readonly T[], run: (row: T) => Promise<void>): void {
  for (const row of table) it(row.name, () => run(row));
}

// --- A stub server for answers the reference EM cannot give ---

interface StubRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Stub {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

async function startStub(answer: (req: StubRequest, res: ServerResponse, url: string) => void = (_req, res) => res.writeHead(404).end()): Promise<Stub> {
  const requests: StubRequest[] = [];
  let url = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      answer(request, res, url);
    });
  });
  url = await listen(server, '127.0.0.1', 0);
  return {
    url,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers }).end(text);
}

// --- Tests ---

describe('CoordinationClient against the reference EM', () => {
  let em: ReferenceEm;
  let client: CoordinationClient;
  const clients: CoordinationClient[] = [];
  /** A client of its own (own token cache, own options), closed after the test. */
  const freshClient = (options: CoordinationClientOptions = {}) => {
    const c = new CoordinationClient({ responseTimeoutMs: 5_000, ...options });
    clients.push(c);
    return c;
  };
  const target = (authentication: EmAuthentication = basicAuth()): EmTarget => ({ endpoint: em.url, authentication });
  const program = (config: BehaviourConfigInput) => em.behaviours.set(config);
  const accepted = async (config: BehaviourConfigInput = { default: { mode: 'async', never: true } }) => {
    program(config);
    return expectKind(await client.requestCoordination(target(), coordinationRequest()), 'accepted').location;
  };

  beforeAll(async () => {
    em = await startReferenceEm(emOptions());
    client = new CoordinationClient({ responseTimeoutMs: 5_000 });
  });
  beforeEach(() => {
    em.behaviours.reset();
    em.requests.clear();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await client.close();
    await em.close();
  });

  describe('status paths', () => {
    it('201 from a synchronous EM is finished, with the LcmCoord and its Location', async () => {
      const outcome = expectKind(await client.requestCoordination(target(), coordinationRequest()), 'finished');

      expect(outcome.coordination.coordinationResult).toBe('CONTINUE');
      expect(outcome.location).toBe(`${em.url}${COORDINATIONS}/${outcome.coordination.id}`);
    });

    it('201 with ABORT is finished and carries the EM\'s error', async () => {
      program({ default: { result: 'ABORT', error: 'traffic could not be drained' } });

      const outcome = expectKind(await client.requestCoordination(target(), coordinationRequest()), 'finished');

      expect(outcome.coordination.coordinationResult).toBe('ABORT');
      expect(outcome.coordination.error?.detail).toBe('traffic could not be drained');
    });

    it('202 from an asynchronous EM is accepted, with the absolute Location to poll', async () => {
      const location = await accepted({ default: { mode: 'async' } });

      expect(location).toMatch(new RegExp(`^${em.url}${COORDINATIONS}/[0-9a-f-]{36}$`));
    });

    it('GET answers 202 (ongoing) until the EM is done, then 200 (finished) with the result', async () => {
      const location = await accepted({ default: { mode: 'async', polls: 2, outputParams: { drained: true } } });

      expect((await client.readCoordination(target(), location)).kind).toBe('ongoing');
      expect((await client.readCoordination(target(), location)).kind).toBe('ongoing');
      const done = expectKind(await client.readCoordination(target(), location), 'finished');

      expect(done.coordination.coordinationResult).toBe('CONTINUE');
      expect(done.coordination.outputParams).toEqual({ drained: true });
    });

    it('503 is busy, with the delay of Retry-After and the EM\'s detail; the same POST later goes through', async () => {
      program({ default: { reject503: 1, retryAfter: 2 } });

      const busy = expectKind(await client.requestCoordination(target(), coordinationRequest()), 'busy');
      expect(busy.retryAfterMs).toBe(2_000);
      expect(busy.detail).toContain('Retry-After');

      expect((await client.requestCoordination(target(), coordinationRequest())).kind).toBe('finished');
    });

    cases([
      { name: '403 is rejected, not retryable, with the ProblemDetails detail', status: 403, reason: 'rejected', retryable: false },
      { name: '409 is rejected, not retryable, with the ProblemDetails detail', status: 409, reason: 'rejected', retryable: false },
      { name: '400 is rejected, not retryable, with the ProblemDetails detail', status: 400, reason: 'rejected', retryable: false },
      { name: '500 is a server error, retryable', status: 500, reason: 'server-error', retryable: true },
      { name: '502 is a server error, retryable', status: 502, reason: 'server-error', retryable: true },
    ] as const, async ({ status, reason, retryable }) => {
      program({ default: { status } });

      const error = await expectFailure(client.requestCoordination(target(), coordinationRequest()), reason, retryable);

      expect(error.status).toBe(status);
      expect(error.problem).toMatchObject({ status, detail: `the reference EM is programmed to answer ${status}` });
      expect(error.message).toContain(`the reference EM is programmed to answer ${status}`);
    });

    it('GET of a coordination the EM does not know is rejected with its 404 detail', async () => {
      const error = await expectFailure(client.readCoordination(target(), `${em.url}${COORDINATIONS}/no-such-id`), 'rejected', false);

      expect(error.status).toBe(404);
      expect(error.problem?.detail).toContain('no-such-id');
    });
  });

  describe('Retry-After', () => {
    const forms = [
      { form: '0', rule: { retryAfter: 0 }, min: 0, max: 0 },
      { form: 'delay-seconds', rule: { retryAfter: 7 }, min: 7_000, max: 7_000 },
      // The EM rounds the date up to the next second; the client measures it from the EM's Date header.
      { form: 'an HTTP-date', rule: { retryAfter: 5, retryAfterDate: true }, min: 5_000, max: 6_000 },
    ];
    const places = [
      {
        place: 'on a POST 202',
        mode: { mode: 'async' as const },
        read: async (c: CoordinationClient, t: EmTarget) => expectKind(await c.requestCoordination(t, coordinationRequest()), 'accepted').retryAfterMs,
      },
      {
        place: 'on a GET 202',
        mode: { mode: 'async' as const, polls: 1 },
        read: async (c: CoordinationClient, t: EmTarget) => {
          const { location } = expectKind(await c.requestCoordination(t, coordinationRequest()), 'accepted');
          return expectKind(await c.readCoordination(t, location), 'ongoing').retryAfterMs;
        },
      },
      {
        place: 'on a 503',
        mode: { reject503: 1 },
        read: async (c: CoordinationClient, t: EmTarget) => expectKind(await c.requestCoordination(t, coordinationRequest()), 'busy').retryAfterMs,
      },
    ];
    const retryAfterCases = places.flatMap(({ place, mode, read }) => forms.map(({ form, rule, min, max }) => ({
      name: `Retry-After ${form} ${place} gives retryAfterMs ${min === max ? min : `${min}..${max}`}`,
      behaviour: { ...mode, ...rule }, read, min, max,
    })));

    cases(retryAfterCases, async ({ behaviour, read, min, max }) => {
      program({ default: behaviour });

      const retryAfterMs = await read(client, target());

      expect(retryAfterMs).toBeGreaterThanOrEqual(min);
      expect(retryAfterMs).toBeLessThanOrEqual(max);
    });

    cases([
      { name: 'no Retry-After on a POST 202 leaves retryAfterMs unset', place: places[0] },
      { name: 'no Retry-After on a GET 202 leaves retryAfterMs unset', place: places[1] },
    ], async ({ place }) => {
      program({ default: place?.mode ?? {} });

      expect(await place?.read(client, target())).toBeUndefined();
    });

    it('an HTTP-date is measured against the EM\'s Date header, so a skewed EM clock does not change the wait', async () => {
      const emNow = Math.floor(Date.now() / 1000) * 1000 - 3_600_000; // the EM's clock is an hour behind
      const stub = await startStub((_req, res) => res.writeHead(202, {
        Location: `${COORDINATIONS}/c-1`, Date: new Date(emNow).toUTCString(), 'Retry-After': new Date(emNow + 10_000).toUTCString(),
      }).end());
      try {
        const outcome = await client.requestCoordination({ endpoint: stub.url }, coordinationRequest());

        expect(expectKind(outcome, 'accepted').retryAfterMs).toBe(10_000);
      } finally {
        await stub.close();
      }
    });

    it('an unreadable Retry-After leaves retryAfterMs unset instead of inventing a delay', async () => {
      const stub = await startStub((_req, res) => res.writeHead(202, { Location: `${COORDINATIONS}/c-1`, 'Retry-After': '1.5' }).end());
      try {
        const outcome = await client.requestCoordination({ endpoint: stub.url }, coordinationRequest());

        expect(expectKind(outcome, 'accepted').retryAfterMs).toBeUndefined();
      } finally {
        await stub.close();
      }
    });
  });

  describe('Location', () => {
    let stub: Stub;
    let location: string | undefined;
    beforeAll(async () => {
      stub = await startStub((req, res, url) => {
        if (req.method === 'POST') return res.writeHead(202, location === undefined ? {} : { Location: location }).end();
        sendJson(res, 200, lcmCoord('c-1', `${url}${req.path}`));
      });
    });
    beforeEach(() => {
      stub.requests.length = 0;
    });
    afterAll(async () => {
      await stub.close();
    });

    it('a 202 without Location is malformed, not retryable', async () => {
      location = undefined;

      const error = await expectFailure(client.requestCoordination({ endpoint: stub.url }, coordinationRequest()), 'malformed', false);

      expect(error.detail).toContain('Location');
    });

    it('an unparseable Location is malformed', async () => {
      location = 'http://[::1';

      const error = await expectFailure(client.requestCoordination({ endpoint: stub.url }, coordinationRequest()), 'malformed', false);

      expect(error.detail).toContain('http://[::1');
    });

    cases([
      { name: 'an absolute-path Location is resolved against the endpoint\'s origin', given: '/em/lcmcoord/v1/coordinations/c-1', path: '/em/lcmcoord/v1/coordinations/c-1' },
      { name: 'a path-relative Location is resolved against the URI of the POST', given: 'coordinations/c-2', path: '/em/lcmcoord/v1/coordinations/c-2' },
      { name: 'a dot-segment Location is resolved against the URI of the POST', given: './coordinations/c-3', path: '/em/lcmcoord/v1/coordinations/c-3' },
    ].map((row) => ({ ...row, name: `${row.name}, and the poll goes there` })), async ({ given, path }) => {
      location = given;
      const em2: EmTarget = { endpoint: `${stub.url}/em` };

      const outcome = expectKind(await client.requestCoordination(em2, coordinationRequest()), 'accepted');
      expect(outcome.location).toBe(`${stub.url}${path}`);
      expect((await client.readCoordination(em2, outcome.location)).kind).toBe('finished');

      expect(stub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /em${COORDINATIONS}`, `GET ${path}`]);
    });
  });

  describe('foreign Location', () => {
    let other: Stub;
    beforeAll(async () => {
      other = await startStub();
    });
    beforeEach(() => {
      other.requests.length = 0;
    });
    afterAll(async () => {
      await other.close();
    });

    cases([
      {
        name: 'a POST 202 whose Location points at another origin is refused as foreign-location',
        call: (c: CoordinationClient, t: EmTarget) => {
          em.behaviours.set({ default: { mode: 'async', locationOrigin: other.url } });
          return c.requestCoordination(t, coordinationRequest());
        },
        emRequests: 1,
      },
      {
        name: 'a GET of a Location on another origin is refused as foreign-location before any request',
        call: (c: CoordinationClient, t: EmTarget) => c.readCoordination(t, `${other.url}${COORDINATIONS}/c-1`),
        emRequests: 0,
      },
      {
        name: 'a cancel of a Location on another origin is refused as foreign-location before any request',
        call: (c: CoordinationClient, t: EmTarget) => c.cancelCoordination(t, `${other.url}${COORDINATIONS}/c-1`),
        emRequests: 0,
      },
      {
        name: 'a Location with the EM\'s host and port but another scheme is foreign',
        call: (c: CoordinationClient, t: EmTarget) => c.readCoordination(t, `${em.url.replace(/^http:/, 'https:')}${COORDINATIONS}/c-1`),
        emRequests: 0,
      },
    ].map((row) => ({ ...row, name: `${row.name}, and nothing reaches the other origin` })), async ({ call, emRequests }) => {
      const error = await expectFailure(call(client, target()), 'foreign-location', false);

      expect(error.detail).toContain(em.url);
      expect(other.requests).toEqual([]);
      expect(em.requests.counts().apiRequests).toBe(emRequests);
    });

    it('a foreign Location with OAUTH2 credentials sends neither the token nor the secret elsewhere', async () => {
      program({ default: { mode: 'async', locationOrigin: other.url } });
      const c = freshClient();

      await expectFailure(c.requestCoordination(target(credentialsAuth(em.url)), coordinationRequest()), 'foreign-location', false);

      expect(other.requests).toEqual([]);
      expect(em.requests.counts()).toEqual({ apiRequests: 1, tokenRequests: 1 });
    });
  });

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
        call: (t: EmTarget) => client.requestCoordination(t, coordinationRequest()),
        method: 'POST', path: COORDINATIONS, json: true,
      },
      {
        name: 'GET coordination carries Version 1.0.0 and Accept',
        call: (t: EmTarget) => client.readCoordination(t, `${stub.url}${COORDINATIONS}/c-1`),
        method: 'GET', path: `${COORDINATIONS}/c-1`, json: false,
      },
      {
        name: 'POST cancel carries Version 1.0.0 and Accept',
        call: (t: EmTarget) => client.cancelCoordination(t, `${stub.url}${COORDINATIONS}/c-1`),
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
      const t = target(credentialsAuth(em.url));

      const { location } = expectKind(await c.requestCoordination(t, coordinationRequest()), 'accepted');
      for (let i = 0; i < 50; i += 1) expect((await c.readCoordination(t, location)).kind).toBe('ongoing');

      expect(em.requests.counts()).toEqual({ apiRequests: 51, tokenRequests: 1 });
      expect(c.tokens.tokenRequests).toBe(1);
      expect(new Set(em.requests.entries().filter((e) => e.path.startsWith('/lcmcoord/')).map((e) => `${e.authScheme} ${e.status}`)))
        .toEqual(new Set(['bearer 202']));
    });

    it('concurrent first requests share one token request', async () => {
      const c = freshClient();
      const t = target(credentialsAuth(em.url));

      await Promise.all(Array.from({ length: 5 }, () => c.requestCoordination(t, coordinationRequest())));

      expect(em.requests.counts()).toEqual({ apiRequests: 5, tokenRequests: 1 });
    });

    it('a token that expires during a wait is replaced before the next request, without a 401', async () => {
      const shortLived = await startReferenceEm(emOptions({ auth: { oauth2: { tokenLifetimeSeconds: 1 } }, behaviour: { default: { mode: 'async', never: true } } }));
      try {
        const c = freshClient();
        const t: EmTarget = { endpoint: shortLived.url, authentication: credentialsAuth(shortLived.url) };
        const { location } = expectKind(await c.requestCoordination(t, coordinationRequest()), 'accepted');
        expect((await c.readCoordination(t, location)).kind).toBe('ongoing');
        expect(shortLived.requests.counts().tokenRequests).toBe(1); // cached even though it lives only 1 s

        await sleep(1_100); // the wait outlives the token
        expect((await c.readCoordination(t, location)).kind).toBe('ongoing');

        expect(shortLived.requests.counts()).toEqual({ apiRequests: 3, tokenRequests: 2 });
        expect(shortLived.requests.entries().map((e) => e.status)).not.toContain(401);
      } finally {
        await shortLived.close();
      }
    });

    it('a 401 for a token the EM expired early gives one refresh and one repeat, and the call succeeds', async () => {
      program({ default: { mode: 'async', never: true } });
      const c = freshClient();
      const t = target(credentialsAuth(em.url));
      const { location } = expectKind(await c.requestCoordination(t, coordinationRequest()), 'accepted');
      em.requests.clear();

      em.expireTokens();
      expect((await c.readCoordination(t, location)).kind).toBe('ongoing');

      expect(em.requests.entries().map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
        `GET ${new URL(location).pathname} 401`, 'POST /oauth2/token 200', `GET ${new URL(location).pathname} 202`,
      ]);
    });

    it('a second 401 after a fresh token is unauthorized, not retryable, after exactly one refresh and one repeat', async () => {
      program({ default: { status: 401 } });
      const c = freshClient();

      const error = await expectFailure(c.requestCoordination(target(credentialsAuth(em.url)), coordinationRequest()), 'unauthorized', false);

      expect(error.status).toBe(401);
      expect(em.requests.counts()).toEqual({ apiRequests: 2, tokenRequests: 2 });
    });

    it('BASIC with a wrong password is unauthorized, not retryable, and not repeated', async () => {
      const error = await expectFailure(client.requestCoordination(target(basicAuth(WRONG_PASSWORD)), coordinationRequest()), 'unauthorized', false);

      expect(error.status).toBe(401);
      expect(em.requests.counts()).toEqual({ apiRequests: 1, tokenRequests: 0 });
    });

    it('a wrong client secret is refused at the token endpoint as unauthorized, and no API request is sent', async () => {
      const c = freshClient();

      await expectFailure(c.requestCoordination(target(credentialsAuth(em.url, WRONG_SECRET)), coordinationRequest()), 'unauthorized', false);

      expect(em.requests.counts()).toEqual({ apiRequests: 0, tokenRequests: 1 });
    });

    cases([
      { name: 'a refused BASIC password', auth: () => basicAuth(WRONG_PASSWORD), behaviour: {} },
      { name: 'a 401 to a correct BASIC password', auth: () => basicAuth(), behaviour: { status: 401 } },
      { name: 'a refused client secret', auth: () => credentialsAuth(em.url, WRONG_SECRET), behaviour: {} },
      { name: 'a 401 to a fresh token', auth: () => credentialsAuth(em.url), behaviour: { status: 401 } },
      { name: 'a 403 with BASIC', auth: () => basicAuth(), behaviour: { status: 403 } },
      { name: 'a token endpoint that is down', auth: () => credentialsAuth('http://127.0.0.1:1'), behaviour: {} },
      { name: 'an API endpoint that is down, with BASIC', auth: () => basicAuth(), behaviour: {}, endpoint: 'http://127.0.0.1:1' },
    ].map((row) => ({ ...row, name: `no secret appears in the error for ${row.name}` })), async ({ auth, behaviour, endpoint }) => {
      program({ default: behaviour });
      const c = freshClient();

      const error = await failure(c.requestCoordination({ endpoint: endpoint ?? em.url, authentication: auth() }, coordinationRequest()));

      expectNoSecret(error);
    });
  });

  describe('malformed answers', () => {
    cases([
      {
        name: 'a body that is not JSON is malformed, quoting the start of the body',
        behaviour: { malformed: 'not-json' as const },
        detail: /not JSON: "\{\\"id\\":/,
      },
      {
        name: 'an LcmCoord without coordinationResult is malformed, naming the field',
        behaviour: { malformed: 'missing-field' as const },
        detail: /coordinationResult/,
      },
      {
        name: 'a body larger than maxResponseBytes is malformed',
        behaviour: { malformed: 'oversized' as const },
        detail: /exceeds 65536 bytes/,
      },
    ], async ({ behaviour, detail }) => {
      program({ default: behaviour });
      const c = freshClient({ maxResponseBytes: 64 * 1024 });

      const error = await expectFailure(c.requestCoordination(target(), coordinationRequest()), 'malformed', false);

      expect(error.detail).toMatch(detail);
    });

    it('a final GET 200 without coordinationResult is malformed, naming the field', async () => {
      const location = await accepted({ default: { mode: 'async', malformed: 'missing-field' } });

      const error = await expectFailure(client.readCoordination(target(), location), 'malformed', false);

      expect(error.detail).toContain('coordinationResult');
    });

    it('a POST answered 200 (a status the protocol does not allow there) is malformed', async () => {
      const stub = await startStub((_req, res) => sendJson(res, 200, {}));
      try {
        const error = await expectFailure(client.requestCoordination({ endpoint: stub.url }, coordinationRequest()), 'malformed', false);

        expect(error.status).toBe(200);
      } finally {
        await stub.close();
      }
    });
  });

  describe('unreachable EM', () => {
    it('an EM that hangs is unreachable, retryable, once responseTimeoutMs has passed', async () => {
      program({ default: { delayMs: 60_000 } });
      const c = freshClient({ responseTimeoutMs: 300 });

      const started = Date.now();
      const error = await expectFailure(c.requestCoordination(target(), coordinationRequest()), 'unreachable', true);
      const elapsed = Date.now() - started;

      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(700);
      expect(error.detail).toContain('no response within 300 ms');
    });

    it('an EM that is down is unreachable, retryable; once it is up again the same call succeeds', async () => {
      const first = await startReferenceEm(emOptions());
      const port = Number(new URL(first.url).port);
      await first.close();
      const t: EmTarget = { endpoint: first.url, authentication: basicAuth() };

      const error = await expectFailure(client.requestCoordination(t, coordinationRequest()), 'unreachable', true);
      expect(error.detail).toContain('ECONNREFUSED');

      const again = await startReferenceEm(emOptions({ port }));
      try {
        expect((await client.requestCoordination(t, coordinationRequest())).kind).toBe('finished');
      } finally {
        await again.close();
      }
    });
  });

  describe('cancel', () => {
    it('cancelling an ongoing coordination is accepted, and it then reads CANCELLED', async () => {
      const location = await accepted({ default: { mode: 'async', never: true } });

      expect(await client.cancelCoordination(target(), location)).toEqual({ kind: 'accepted' });

      const read = expectKind(await client.readCoordination(target(), location), 'finished');
      expect(read.coordination.coordinationResult).toBe('CANCELLED');
      expect(em.requests.entries().map((e) => `${e.method} ${e.path}`)).toContain(`POST ${new URL(location).pathname}/cancel`);
    });

    it('cancelling a coordination that has already finished is already-finished', async () => {
      const outcome = expectKind(await client.requestCoordination(target(), coordinationRequest()), 'finished');

      expect(await client.cancelCoordination(target(), outcome.location ?? '')).toEqual({ kind: 'already-finished' });
    });

    it('cancelling a coordination the EM does not know is rejected with its 404', async () => {
      const error = await expectFailure(client.cancelCoordination(target(), `${em.url}${COORDINATIONS}/no-such-id`), 'rejected', false);

      expect(error.status).toBe(404);
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
