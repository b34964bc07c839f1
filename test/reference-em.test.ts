// Conformance of the reference EM to the SOL002 lcmcoord API, in the manner of the ETSI NFV
// API tests: one behaviour per test, real HTTP on loopback, the EM started in-process.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProblemDetails } from '../src/http/problem.ts';
import { ApiVersionInformation, LcmCoord, type LcmCoordRequest, TokenResponse } from '../src/lcmcoord/models.ts';
import { certificateThumbprintOfPem } from '../src/em/auth.ts';
import type { BehaviourConfigInput } from '../src/em/behaviour.ts';
import { startReferenceEm, type ReferenceEm, type ReferenceEmOptions } from '../src/em/server.ts';
import { ManualClock } from './support/clock.ts';

const BASIC_USER = 'vnfm';
const BASIC_PASSWORD = 'basic-s3cret';
const CLIENT_ID = 'vnfm-client';
const CLIENT_SECRET = 'client-s3cret';
const COORDINATIONS = '/lcmcoord/v1/coordinations';
const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

interface CallOptions {
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: unknown;
  dispatcher?: Dispatcher;
}

async function call(url: string, { method = 'GET', headers = {}, body, dispatcher }: CallOptions = {}): Promise<Reply> {
  const json = body === undefined || typeof body === 'string' ? {} : { 'Content-Type': 'application/json' };
  const payload = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
  const response = await request(url, { method, headers: { ...json, ...headers }, body: payload, dispatcher });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

function header(reply: Reply, name: string): string | undefined {
  const value = reply.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

function bodyOf(reply: Reply): unknown {
  return JSON.parse(reply.text) as unknown;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

const API_HEADERS = { Version: '1.0.0', Authorization: basic(BASIC_USER, BASIC_PASSWORD) };

function coordinationRequest(overrides: Partial<LcmCoordRequest> = {}): LcmCoordRequest {
  return {
    vnfInstanceId: 'vnf-1',
    vnfLcmOpOccId: 'op-1',
    lcmOperationType: 'CHANGE_VNFPKG',
    coordinationActionName: 'prv.example.coordination_test',
    inputParams: { vnfcInstanceId: 'vnfc-0' },
    _links: {
      vnfLcmOpOcc: { href: 'http://vnfm.example/vnflcm/v2/vnf_lcm_op_occs/op-1' },
      vnfInstance: { href: 'http://vnfm.example/vnflcm/v2/vnf_instances/vnf-1' },
    },
    ...overrides,
  };
}

function forVnfc(vnfcInstanceId: string): LcmCoordRequest {
  return coordinationRequest({ inputParams: { vnfcInstanceId } });
}

function expectProblem(reply: Reply, status: number): ProblemDetails {
  expect(reply.status).toBe(status);
  expect(header(reply, 'content-type')).toBe('application/problem+json');
  const problem = ProblemDetails.parse(bodyOf(reply));
  expect(problem.status).toBe(status);
  expect(problem.detail).not.toBe('');
  return problem;
}

function baseOptions(): ReferenceEmOptions {
  return {
    auth: {
      basic: { userName: BASIC_USER, password: BASIC_PASSWORD },
      oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    },
  };
}

describe('reference EM over HTTP', () => {
  let em: ReferenceEm;
  const logLines: string[] = [];

  const post = (request: LcmCoordRequest | string, headers: Record<string, string> = API_HEADERS) =>
    call(`${em.url}${COORDINATIONS}`, { method: 'POST', headers, body: request });
  const get = (location: string, headers: Record<string, string> = API_HEADERS) => call(location, { headers });
  const cancel = (location: string) => call(`${location}/cancel`, { method: 'POST', headers: API_HEADERS });
  const program = (behaviour: BehaviourConfigInput) => em.behaviours.set(behaviour);

  beforeAll(async () => {
    em = await startReferenceEm({ ...baseOptions(), log: (line) => logLines.push(line) });
  });
  afterAll(async () => {
    await em.close();
  });
  beforeEach(() => {
    em.behaviours.reset();
    em.requests.clear();
  });

  describe('coordination resource', () => {
    it('answers a synchronous coordination with 201, an LcmCoord and its Location', async () => {
      const reply = await post(coordinationRequest());

      expect(reply.status).toBe(201);
      expect(header(reply, 'content-type')).toBe('application/json');
      expect(header(reply, 'version')).toBe('1.0.0');
      const coordination = LcmCoord.parse(bodyOf(reply));
      expect(coordination.coordinationResult).toBe('CONTINUE');
      expect(coordination.coordinationActionName).toBe('prv.example.coordination_test');
      expect(header(reply, 'location')).toBe(`${em.url}${COORDINATIONS}/${coordination.id}`);
      expect(coordination._links.self.href).toBe(header(reply, 'location'));
      expect(coordination._links.vnfLcmOpOcc.href).toBe('http://vnfm.example/vnflcm/v2/vnf_lcm_op_occs/op-1');
      expect(coordination._links.vnfInstance.href).toBe('http://vnfm.example/vnflcm/v2/vnf_instances/vnf-1');
    });

    it('reads a finished synchronous coordination back with 200', async () => {
      const created = await post(coordinationRequest());

      const reply = await get(header(created, 'location') ?? '');

      expect(reply.status).toBe(200);
      expect(LcmCoord.parse(bodyOf(reply))).toEqual(LcmCoord.parse(bodyOf(created)));
    });

    it('carries an error ProblemDetails on ABORT', async () => {
      program({ default: { result: 'ABORT', error: 'traffic could not be drained' } });

      const reply = await post(coordinationRequest());

      expect(reply.status).toBe(201);
      const coordination = LcmCoord.parse(bodyOf(reply));
      expect(coordination.coordinationResult).toBe('ABORT');
      expect(coordination.error?.detail).toBe('traffic could not be drained');
      expect(coordination.error?.status).toBeGreaterThanOrEqual(400);
    });

    it('answers an asynchronous coordination with 202 and Location, then GET 202 N times, then 200', async () => {
      program({ default: { mode: 'async', polls: 2 } });

      const created = await post(coordinationRequest());
      expect(created.status).toBe(202);
      expect(created.text).toBe('');
      const location = header(created, 'location') ?? '';
      expect(location).toMatch(new RegExp(`^${em.url}${COORDINATIONS}/[^/]+$`));

      const polls = [await get(location), await get(location)];
      expect(polls.map((poll) => poll.status)).toEqual([202, 202]);
      expect(polls.map((poll) => poll.text)).toEqual(['', '']);
      const done = await get(location);
      expect(done.status).toBe(200);
      const coordination = LcmCoord.parse(bodyOf(done));
      expect(coordination.coordinationResult).toBe('CONTINUE');
      expect(coordination._links.self.href).toBe(location);
    });

    it('sends Retry-After in delay-seconds on 202 responses, including 0', async () => {
      program({ rules: [{ match: { vnfcInstanceId: 'vnfc-zero' }, mode: 'async', polls: 1, retryAfter: 0 }], default: { mode: 'async', polls: 1, retryAfter: 7 } });

      const created = await post(coordinationRequest());
      expect(header(created, 'retry-after')).toBe('7');
      expect(header(await get(header(created, 'location') ?? ''), 'retry-after')).toBe('7');
      expect(header(await post(forVnfc('vnfc-zero')), 'retry-after')).toBe('0');
    });

    it('sends Retry-After as an HTTP-date when asked to', async () => {
      program({ default: { mode: 'async', polls: 1, retryAfter: 3, retryAfterDate: true } });

      const created = await post(coordinationRequest());

      const retryAfter = header(created, 'retry-after') ?? '';
      expect(retryAfter).toMatch(IMF_FIXDATE);
      // Against the answer's own Date header: 3 s, rounded up to the next whole second.
      const delay = Date.parse(retryAfter) - Date.parse(header(created, 'date') ?? '');
      expect(delay).toBeGreaterThanOrEqual(3000);
      expect(delay).toBeLessThanOrEqual(4000);
    });

    it('refuses with 503, Retry-After and ProblemDetails, then accepts the same POST', async () => {
      program({ default: { reject503: 2, retryAfter: 2 } });

      const refusals = [await post(coordinationRequest()), await post(coordinationRequest())];
      for (const refusal of refusals) {
        expectProblem(refusal, 503);
        expect(header(refusal, 'retry-after')).toBe('2');
      }
      const accepted = await post(coordinationRequest());
      expect(accepted.status).toBe(201);
    });

    it('counts 503 refusals per VNFC', async () => {
      program({ default: { reject503: 1 } });

      expect((await post(forVnfc('vnfc-a'))).status).toBe(503);
      expect((await post(forVnfc('vnfc-b'))).status).toBe(503);
      expect((await post(forVnfc('vnfc-a'))).status).toBe(201);
    });

    it('always sends Retry-After with a 503, an HTTP-date when asked to', async () => {
      program({ default: { reject503: 1, retryAfterDate: true } });

      const refusal = await post(coordinationRequest());

      expectProblem(refusal, 503);
      expect(header(refusal, 'retry-after')).toMatch(IMF_FIXDATE);
    });

    it('accepts a cancel of an ongoing coordination with 202; it then reads as CANCELLED', async () => {
      program({ default: { mode: 'async', never: true } });
      const location = header(await post(coordinationRequest()), 'location') ?? '';
      expect((await get(location)).status).toBe(202);
      expect((await get(location)).status).toBe(202);

      const cancelled = await cancel(location);

      expect(cancelled.status).toBe(202);
      const reply = await get(location);
      expect(reply.status).toBe(200);
      expect(LcmCoord.parse(bodyOf(reply)).coordinationResult).toBe('CANCELLED');
    });

    it('refuses to cancel a finished coordination with 409', async () => {
      const location = header(await post(coordinationRequest()), 'location') ?? '';

      expectProblem(await cancel(location), 409);
    });

    it('refuses a second cancel with 409', async () => {
      program({ default: { mode: 'async', never: true } });
      const location = header(await post(coordinationRequest()), 'location') ?? '';
      expect((await cancel(location)).status).toBe(202);

      expectProblem(await cancel(location), 409);
    });

    it('answers 404 for an unknown coordination id', async () => {
      expectProblem(await get(`${em.url}${COORDINATIONS}/no-such-id`), 404);
      expectProblem(await cancel(`${em.url}${COORDINATIONS}/no-such-id`), 404);
    });

    it('answers DELETE on coordinations with 405 and Allow', async () => {
      const reply = await call(`${em.url}${COORDINATIONS}`, { method: 'DELETE', headers: API_HEADERS });

      expectProblem(reply, 405);
      expect(header(reply, 'allow')).toBe('POST');
    });
  });

  describe('answers in the shapes of EMs the VNFM did not write', () => {
    it('leaves _links.self out of the LcmCoord with withoutSelfLink, as Tacker\'s sample EMs do', async () => {
      program({ default: { withoutSelfLink: true } });

      const body = bodyOf(await post(coordinationRequest())) as { _links: Record<string, unknown> };

      expect(Object.keys(body._links).sort()).toEqual(['vnfInstance', 'vnfLcmOpOcc']);
    });

    it('answers a synchronous 201 without Location with withoutLocation, as Tacker\'s sample EMs do', async () => {
      program({ default: { withoutLocation: true } });

      const reply = await post(coordinationRequest());

      expect(reply.status).toBe(201);
      expect(header(reply, 'location')).toBeUndefined();
      expect(LcmCoord.parse(bodyOf(reply)).coordinationResult).toBe('CONTINUE');
    });

    it.each([
      ['a string, as SOL002\'s OpenAPI file has it', 'drain took 3 s'],
      ['a list of strings, as SOL002\'s data-model table has it', ['drain took 3 s', 'one session was cut']],
    ])('sends warnings as %s', async (_shape, warnings) => {
      program({ default: { warnings } });

      expect(LcmCoord.parse(bodyOf(await post(coordinationRequest()))).warnings).toEqual(warnings);
    });

    it('refuses with 429 Too Many Requests and Retry-After with rejectWith 429, then accepts the same POST', async () => {
      program({ default: { reject503: 1, rejectWith: 429, retryAfter: 3 } });

      const refusal = await post(coordinationRequest());

      expectProblem(refusal, 429);
      expect(header(refusal, 'retry-after')).toBe('3');
      expect((await post(coordinationRequest())).status).toBe(201);
    });

    it('refuses with 429 without Retry-After when no retryAfter is programmed', async () => {
      program({ default: { reject503: 1, rejectWith: 429 } });

      const refusal = await post(coordinationRequest());

      expectProblem(refusal, 429);
      expect(header(refusal, 'retry-after')).toBeUndefined();
    });
  });

  describe('request validation', () => {
    it('answers 400 when the Version header is missing', async () => {
      const { Authorization } = API_HEADERS;

      const problem = expectProblem(await post(coordinationRequest(), { Authorization }), 400);

      expect(problem.detail).toContain('Version');
    });

    it('answers 406 for Version 2.0.0', async () => {
      const problem = expectProblem(await post(coordinationRequest(), { ...API_HEADERS, Version: '2.0.0' }), 406);

      expect(problem.detail).toContain('2.0.0');
    });

    it('answers 400 with a precise detail for a body that is not an LcmCoordRequest', async () => {
      const incomplete: Partial<LcmCoordRequest> = coordinationRequest();
      delete incomplete.lcmOperationType;

      const problem = expectProblem(await post(JSON.stringify(incomplete), { ...API_HEADERS, 'Content-Type': 'application/json' }), 400);

      expect(problem.detail).toContain('lcmOperationType');
    });

    it('answers 400 for a body that is not JSON', async () => {
      expectProblem(await post('{"vnfInstanceId":', { ...API_HEADERS, 'Content-Type': 'application/json' }), 400);
    });

    it('answers 415 for a body that is not application/json', async () => {
      const reply = await post(JSON.stringify(coordinationRequest()), { ...API_HEADERS, 'Content-Type': 'text/plain' });

      expectProblem(reply, 415);
    });

    it('serves ApiVersionInformation without requiring the Version header', async () => {
      const { Authorization } = API_HEADERS;

      const reply = await call(`${em.url}/lcmcoord/v1/api_versions`, { headers: { Authorization } });

      expect(reply.status).toBe(200);
      expect(ApiVersionInformation.parse(bodyOf(reply))).toEqual({
        uriPrefix: '/lcmcoord/v1',
        apiVersions: [{ version: '1.0.0', isDeprecated: false }],
      });
    });
  });

  describe('programmable behaviour', () => {
    it('matches rules by VNFC id and action name, first match wins, default otherwise', async () => {
      program({
        rules: [
          { match: { vnfcInstanceId: 'vnfc-1' }, result: 'ABORT', error: 'vnfc-1 is busy' },
          { match: { coordinationActionName: 'prv.example.async' }, mode: 'async' },
          { match: { vnfcInstanceId: 'vnfc-1' }, mode: 'async' },
        ],
      });

      const first = await post(forVnfc('vnfc-1'));
      expect(first.status).toBe(201);
      expect(LcmCoord.parse(bodyOf(first)).coordinationResult).toBe('ABORT');
      expect((await post(coordinationRequest({ coordinationActionName: 'prv.example.async' }))).status).toBe(202);
      const other = await post(forVnfc('vnfc-2'));
      expect(other.status).toBe(201);
      expect(LcmCoord.parse(bodyOf(other)).coordinationResult).toBe('CONTINUE');
    });

    it('answers a programmed status with ProblemDetails', async () => {
      program({ default: { status: 403 } });

      expectProblem(await post(coordinationRequest()), 403);
    });

    it('points Location at a foreign origin when asked to', async () => {
      program({ default: { mode: 'async', locationOrigin: 'http://other.example:1234' } });

      const created = await post(coordinationRequest());

      expect(header(created, 'location')).toMatch(/^http:\/\/other\.example:1234\/lcmcoord\/v1\/coordinations\/[^/]+$/);
    });

    it('holds the response for delayMs', async () => {
      program({ default: { delayMs: 300 } });
      const started = Date.now();

      expect((await post(coordinationRequest())).status).toBe(201);

      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('sends a body that is not JSON when malformed is not-json', async () => {
      program({ default: { malformed: 'not-json' } });

      const reply = await post(coordinationRequest());

      expect(reply.status).toBe(201);
      expect(() => bodyOf(reply)).toThrow();
    });

    it('leaves coordinationResult out when malformed is missing-field', async () => {
      program({ default: { mode: 'async', malformed: 'missing-field' } });
      const location = header(await post(coordinationRequest()), 'location') ?? '';

      const reply = await get(location);

      expect(reply.status).toBe(200);
      expect(LcmCoord.safeParse(bodyOf(reply)).success).toBe(false);
    });

    it('sends a body of several megabytes when malformed is oversized', async () => {
      program({ default: { malformed: 'oversized' } });

      const reply = await post(coordinationRequest());

      expect(Buffer.byteLength(reply.text)).toBeGreaterThan(4 * 1024 * 1024);
    });
  });

  describe('admin endpoints', () => {
    it('replaces, shows and resets the behaviour without Version or credentials', async () => {
      const put = await call(`${em.url}/admin/behaviours`, { method: 'PUT', body: { default: { mode: 'async' } } });
      expect(put.status).toBe(200);
      expect((await post(coordinationRequest())).status).toBe(202);

      const shown = await call(`${em.url}/admin/behaviours`);
      expect(bodyOf(shown)).toMatchObject({ rules: [], default: { mode: 'async' } });

      expect((await call(`${em.url}/admin/behaviours`, { method: 'DELETE' })).status).toBe(204);
      expect((await post(coordinationRequest())).status).toBe(201);
    });

    it('rejects an invalid behaviour with 400 and keeps the current one', async () => {
      const reply = await call(`${em.url}/admin/behaviours`, { method: 'PUT', body: { default: { mode: 'sometimes' } } });

      expect(expectProblem(reply, 400).detail).toContain('default.mode');
      expect((await post(coordinationRequest())).status).toBe(201);
    });

    it('logs each request with its coordination, VNFC and auth scheme, and counts API requests', async () => {
      const location = header(await post(forVnfc('vnfc-7')), 'location') ?? '';
      await get(location);

      const reply = await call(`${em.url}/admin/requests`);

      const log = bodyOf(reply) as { apiRequests: number; tokenRequests: number; requests: Record<string, unknown>[] };
      expect(log.apiRequests).toBe(2);
      expect(log.tokenRequests).toBe(0);
      const id = location.split('/').pop();
      expect(log.requests).toEqual([
        expect.objectContaining({ method: 'POST', path: COORDINATIONS, status: 201, coordinationId: id, vnfcInstanceId: 'vnfc-7', coordinationActionName: 'prv.example.coordination_test', authScheme: 'basic' }),
        expect.objectContaining({ method: 'GET', path: `${COORDINATIONS}/${id}`, status: 200, coordinationId: id, vnfcInstanceId: 'vnfc-7', authScheme: 'basic' }),
      ]);
      expect(typeof log.requests[0]?.time).toBe('number');
      expect(JSON.stringify(log)).not.toContain(BASIC_PASSWORD);
    });
  });

  describe('authentication', () => {
    it('answers 401 with WWW-Authenticate when no credentials are given', async () => {
      const reply = await post(coordinationRequest(), { Version: '1.0.0' });

      expectProblem(reply, 401);
      expect(header(reply, 'www-authenticate')).toContain('Basic realm=');
      expect(header(reply, 'www-authenticate')).toContain('Bearer realm=');
    });

    it('answers 401 for a wrong password', async () => {
      const reply = await post(coordinationRequest(), { ...API_HEADERS, Authorization: basic(BASIC_USER, 'wrong') });

      expectProblem(reply, 401);
      expect(header(reply, 'www-authenticate')).toContain('Basic');
    });

    it('issues a token for client credentials, and accepts it as Bearer', async () => {
      const token = await fetchToken(em.url, { Authorization: basic(CLIENT_ID, CLIENT_SECRET) });

      const reply = await post(coordinationRequest(), { Version: '1.0.0', Authorization: `Bearer ${token.access_token}` });

      expect(reply.status).toBe(201);
      expect(em.requests.counts()).toEqual({ apiRequests: 1, tokenRequests: 1 });
      expect(em.requests.entries()[1]?.authScheme).toBe('bearer');
    });

    it('refuses a wrong client secret at the token endpoint with 401 invalid_client', async () => {
      const reply = await tokenRequest(em.url, { Authorization: basic(CLIENT_ID, 'wrong') });

      expect(expectProblem(reply, 401)).toMatchObject({ error: 'invalid_client' });
    });

    it('refuses another grant type with 400 unsupported_grant_type', async () => {
      const reply = await tokenRequest(em.url, { Authorization: basic(CLIENT_ID, CLIENT_SECRET) }, 'grant_type=password');

      expect(expectProblem(reply, 400)).toMatchObject({ error: 'unsupported_grant_type' });
    });

    it('answers 401 invalid_token for an unknown token', async () => {
      const reply = await post(coordinationRequest(), { Version: '1.0.0', Authorization: 'Bearer not-a-token' });

      expectProblem(reply, 401);
      expect(header(reply, 'www-authenticate')).toContain('error="invalid_token"');
    });

    it('answers 401 for a token the test expired', async () => {
      const token = await fetchToken(em.url, { Authorization: basic(CLIENT_ID, CLIENT_SECRET) });
      em.expireTokens();

      const reply = await post(coordinationRequest(), { Version: '1.0.0', Authorization: `Bearer ${token.access_token}` });

      expect(expectProblem(reply, 401).detail).toContain('expired');
    });

    it('never writes passwords, secrets or tokens to its log', async () => {
      const token = await fetchToken(em.url, { Authorization: basic(CLIENT_ID, CLIENT_SECRET) });
      await post(coordinationRequest(), { Version: '1.0.0', Authorization: `Bearer ${token.access_token}` });
      await post(coordinationRequest());

      const text = logLines.join('\n');
      expect(text).toContain(`POST ${COORDINATIONS} 201`);
      for (const secret of [BASIC_PASSWORD, CLIENT_SECRET, token.access_token, 'Basic ', 'Bearer ']) expect(text).not.toContain(secret);
    });
  });

  it('expires tokens after their lifetime', async () => {
    const clock = new ManualClock();
    const shortLived = await startReferenceEm({
      ...baseOptions(), auth: { ...baseOptions().auth, oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tokenLifetimeSeconds: 1 } }, log: () => {}, now: clock.now,
    });
    try {
      const token = await fetchToken(shortLived.url, { Authorization: basic(CLIENT_ID, CLIENT_SECRET) });
      expect(token.expires_in).toBe(1);
      const bearer = { Version: '1.0.0', Authorization: `Bearer ${token.access_token}` };
      const api = `${shortLived.url}${COORDINATIONS}`;
      expect((await call(api, { method: 'POST', headers: bearer, body: coordinationRequest() })).status).toBe(201);

      clock.advance(1_000);

      const reply = await call(api, { method: 'POST', headers: bearer, body: coordinationRequest() });
      expectProblem(reply, 401);
      expect(header(reply, 'www-authenticate')).toContain('error="invalid_token"');
    } finally {
      await shortLived.close();
    }
  });
});

it('releases a hanging request when it is closed', async () => {
  const hanging = await startReferenceEm({ ...baseOptions(), behaviour: { default: { delayMs: 600_000 } }, log: () => {} });
  const outcome = call(`${hanging.url}${COORDINATIONS}`, { method: 'POST', headers: API_HEADERS, body: coordinationRequest() })
    .then(() => 'answered', () => 'connection closed');
  await vi.waitFor(() => expect(hanging.requests.entries()).toHaveLength(1));
  expect(hanging.requests.entries()[0]?.status).toBeNull();

  await hanging.close();

  // The EM would hold the answer 10 minutes, far beyond this test's time limit: the outcome
  // arrives only because close released it.
  expect(await outcome).toBe('connection closed');
});

it('runs as a process configured from the environment and a YAML behaviour file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reference-em-main-'));
  const config = join(dir, 'behaviour.yaml');
  writeFileSync(config, 'default:\n  mode: async\n  retryAfter: 4\n');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/em/main.ts'], {
    env: { ...process.env, EM_PORT: '0', EM_CONFIG: config, EM_BASIC_USER: BASIC_USER, EM_BASIC_PASSWORD: BASIC_PASSWORD },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await listeningUrl(child.stdout);

    const reply = await call(`${url}${COORDINATIONS}`, { method: 'POST', headers: API_HEADERS, body: coordinationRequest() });

    expect(reply.status).toBe(202);
    expect(header(reply, 'retry-after')).toBe('4');
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Resolves with the announced URL; keeps draining stdout so that the child's log lines never hit a closed pipe. */
function listeningUrl(stdout: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    stdout.on('data', (chunk) => {
      seen += String(chunk);
      const url = /reference EM listening on (\S+)/.exec(seen)?.[1];
      if (url) resolve(url);
    });
    stdout.once('end', () => reject(new Error(`the reference EM exited before listening; output: ${seen}`)));
  });
}

function tokenRequest(baseUrl: string, headers: Record<string, string>, form = 'grant_type=client_credentials', dispatcher?: Dispatcher): Promise<Reply> {
  return call(`${baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: form,
    dispatcher,
  });
}

async function fetchToken(baseUrl: string, headers: Record<string, string>, form?: string, dispatcher?: Dispatcher): Promise<TokenResponse> {
  const reply = await tokenRequest(baseUrl, headers, form, dispatcher);
  expect(reply.status).toBe(200);
  expect(header(reply, 'cache-control')).toBe('no-store');
  return TokenResponse.parse(bodyOf(reply));
}

// --- Mutual TLS: certificates made at test time ---

interface Pki {
  dir: string;
  ca: string;
  server: { cert: string; key: string };
  clientA: { cert: string; key: string };
  clientB: { cert: string; key: string };
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function issueCertificate(dir: string, name: string, extensions: string): { cert: string; key: string } {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
  return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
}

function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'reference-em-pki-'));
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=reference-em test CA');
  const client = 'extendedKeyUsage=clientAuth\n';
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    server: issueCertificate(dir, 'server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'),
    clientA: issueCertificate(dir, 'client-a', client),
    clientB: issueCertificate(dir, 'client-b', client),
  };
}

describe('reference EM over mutual TLS', () => {
  let pki: Pki;
  let em: ReferenceEm;
  let asClientA: Agent;
  let asClientB: Agent;
  let withoutCertificate: Agent;

  beforeAll(async () => {
    pki = makePki();
    em = await startReferenceEm({ ...baseOptions(), tls: { ...pki.server, ca: pki.ca }, log: () => {} });
    asClientA = new Agent({ connect: { ca: pki.ca, ...pki.clientA } });
    asClientB = new Agent({ connect: { ca: pki.ca, ...pki.clientB } });
    withoutCertificate = new Agent({ connect: { ca: pki.ca } });
  });
  beforeEach(() => {
    em.requests.clear();
  });
  afterAll(async () => {
    await Promise.all([asClientA, asClientB, withoutCertificate].map((agent) => agent.close()));
    await em.close();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  const postOver = (dispatcher: Dispatcher, headers: Record<string, string>) =>
    call(`${em.url}${COORDINATIONS}`, { method: 'POST', headers: { Version: '1.0.0', ...headers }, body: coordinationRequest(), dispatcher });

  it('serves https', () => {
    expect(em.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('accepts a token bound to certificate A over a connection with certificate A', async () => {
    const token = await fetchToken(em.url, { Authorization: basic(CLIENT_ID, CLIENT_SECRET) }, undefined, asClientA);

    const reply = await postOver(asClientA, { Authorization: `Bearer ${token.access_token}` });

    expect(reply.status).toBe(201);
  });

  it('rejects a token bound to certificate A over a connection with certificate B', async () => {
    const token = await fetchToken(em.url, { Authorization: basic(CLIENT_ID, CLIENT_SECRET) }, undefined, asClientA);

    const reply = await postOver(asClientB, { Authorization: `Bearer ${token.access_token}` });

    expect(expectProblem(reply, 401).detail).toContain('certificate');
    expect(header(reply, 'www-authenticate')).toContain('error="invalid_token"');
  });

  it('rejects a certificate-bound token over a connection without a certificate', async () => {
    const token = await fetchToken(em.url, { Authorization: basic(CLIENT_ID, CLIENT_SECRET) }, undefined, asClientA);

    expectProblem(await postOver(withoutCertificate, { Authorization: `Bearer ${token.access_token}` }), 401);
  });

  it('issues a token to a client authenticated by its certificate and client_id alone', async () => {
    const token = await fetchToken(em.url, {}, `grant_type=client_credentials&client_id=${CLIENT_ID}`, asClientB);

    expect((await postOver(asClientB, { Authorization: `Bearer ${token.access_token}` })).status).toBe(201);
    expect(em.requests.entries().find((entry) => entry.path === '/oauth2/token')?.authScheme).toBe('client-certificate');
  });

  it('refuses certificate authentication at the token endpoint without a certificate', async () => {
    const reply = await tokenRequest(em.url, {}, `grant_type=client_credentials&client_id=${CLIENT_ID}`, withoutCertificate);

    expectProblem(reply, 401);
  });

  it('still accepts Basic over https without a client certificate', async () => {
    expect((await postOver(withoutCertificate, { Authorization: basic(BASIC_USER, BASIC_PASSWORD) })).status).toBe(201);
  });

  it('computes the x5t#S256 thumbprint as base64url SHA-256 of the DER', () => {
    const der = Buffer.from(pki.clientA.cert.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const expected = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64url');

    expect(certificateThumbprintOfPem(pki.clientA.cert)).toBe(expected);
  });
});
