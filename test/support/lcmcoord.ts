// The lcmcoord client's tests share these: credentials, targets and requests, assertions on
// outcomes and errors, a stub for answers the reference EM cannot give, and the fixture of a
// reference EM with a client in front of it.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { BehaviourConfigInput } from '../../src/em/behaviour.ts';
import { startReferenceEm, type ReferenceEm, type ReferenceEmOptions } from '../../src/em/server.ts';
import { listen } from '../../src/http/listen.ts';
import { CoordinationClient, type CoordinationClientOptions, type EmTarget } from '../../src/lcmcoord/client.ts';
import type { CoordinationFailureCode } from '../../src/lcmcoord/errors.ts';
import { OutboundError } from '../../src/outbound/errors.ts';
import type { EmAuthentication, LcmCoord, LcmCoordRequest } from '../../src/lcmcoord/models.ts';

export const BASIC_USER = 'vnfm';
export const BASIC_PASSWORD = 'basic-pw-9f3c1d';
export const CLIENT_ID = 'vnfm-client';
export const CLIENT_SECRET = 'client-secret-7a2e4b';
export const WRONG_PASSWORD = 'wrong-pw-51d0aa';
export const WRONG_SECRET = 'wrong-secret-c4e881';
export const COORDINATIONS = '/lcmcoord/v1/coordinations';

export const b64 = (text: string) => Buffer.from(text).toString('base64');
/** Secrets in clear and as they travel in an Authorization header. */
export const SECRETS = [BASIC_PASSWORD, CLIENT_SECRET, WRONG_PASSWORD, WRONG_SECRET].flatMap((secret) => [
  secret, b64(`${BASIC_USER}:${secret}`), b64(`${CLIENT_ID}:${secret}`),
]);

// --- Targets and requests ---

export function basicAuth(password = BASIC_PASSWORD): EmAuthentication {
  return { authType: ['BASIC'], paramsBasic: { userName: BASIC_USER, password } };
}

export function credentialsAuth(emUrl: string, clientPassword = CLIENT_SECRET): EmAuthentication {
  return {
    authType: ['OAUTH2_CLIENT_CREDENTIALS'],
    paramsOauth2ClientCredentials: { clientId: CLIENT_ID, clientPassword, tokenEndpoint: `${emUrl}/oauth2/token` },
  };
}

export function certAuth(emUrl: string, fingerprint: string): EmAuthentication {
  return {
    authType: ['OAUTH2_CLIENT_CERT'],
    paramsOauth2ClientCert: { clientId: CLIENT_ID, certificateRef: { type: 'x5t#S256', value: fingerprint }, tokenEndpoint: `${emUrl}/oauth2/token` },
  };
}

export function coordinationRequest(vnfcInstanceId = 'vnfc-0'): LcmCoordRequest {
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

export function lcmCoord(id: string, self: string): LcmCoord {
  const request = coordinationRequest();
  return {
    id, coordinationResult: 'CONTINUE', vnfInstanceId: request.vnfInstanceId, vnfLcmOpOccId: request.vnfLcmOpOccId,
    lcmOperationType: request.lcmOperationType, coordinationActionName: request.coordinationActionName,
    _links: { self: { href: self }, vnfLcmOpOcc: request._links.vnfLcmOpOcc, vnfInstance: request._links.vnfInstance },
  };
}

export function emOptions(extra: Partial<ReferenceEmOptions> = {}): ReferenceEmOptions {
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

export function expectKind<T extends { kind: string }, K extends T['kind']>(outcome: T, kind: K): Extract<T, { kind: K }> {
  expect(outcome.kind).toBe(kind);
  return outcome as Extract<T, { kind: K }>;
}

/** The OutboundError a call fails with; every one is checked for leaked secrets. */
export async function failure(call: Promise<unknown>): Promise<OutboundError> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OutboundError);
  const error = err as OutboundError;
  expectNoSecret(error);
  return error;
}

export function expectNoSecret(error: OutboundError): void {
  const text = [error.message, error.detail, error.stack ?? '', String(error), JSON.stringify(error)].join('\n');
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

export async function expectFailure(call: Promise<unknown>, code: CoordinationFailureCode, retryable: boolean): Promise<OutboundError> {
  const error = await failure(call);
  expect({ code: error.code, retryable: error.retryable, detail: error.detail }).toMatchObject({ code, retryable });
  return error;
}

/** Table-driven tests, each named in full for its behaviour (it.each would truncate long names). */
export function cases<T extends { name: string }>(table: readonly T[], run: (row: T) => Promise<void>): void {
  for (const row of table) it(row.name, () => run(row));
}

// --- A stub server for answers the reference EM cannot give ---

export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Stub {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

export async function startStub(answer: (req: StubRequest, res: ServerResponse, url: string) => void = (_req, res) => res.writeHead(404).end()): Promise<Stub> {
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

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers }).end(text);
}

// --- A reference EM with a client in front of it ---

export interface ReferenceEmFixture {
  readonly em: ReferenceEm;
  /** One client for the whole file (its token cache lives across tests). */
  readonly client: CoordinationClient;
  /** A client of its own (own token cache, own options), closed after the test. */
  freshClient: (options?: CoordinationClientOptions) => CoordinationClient;
  target: (authentication?: EmAuthentication) => EmTarget;
  program: (config: BehaviourConfigInput) => void;
  /** Programs the EM, POSTs a coordination it accepts asynchronously, and answers its Location. */
  accepted: (config?: BehaviourConfigInput) => Promise<string>;
}

/** Registers the hooks of a describe block: one EM and client for the block, behaviour and log reset per test. */
export function useReferenceEm(): ReferenceEmFixture {
  let em: ReferenceEm | undefined;
  let client: CoordinationClient | undefined;
  const clients: CoordinationClient[] = [];
  const fixture: ReferenceEmFixture = {
    get em() {
      if (!em) throw new Error('the reference EM is not started');
      return em;
    },
    get client() {
      if (!client) throw new Error('the client is not created');
      return client;
    },
    freshClient: (options = {}) => {
      const c = new CoordinationClient({ responseTimeoutMs: 5_000, ...options });
      clients.push(c);
      return c;
    },
    target: (authentication = basicAuth()) => ({ endpoint: fixture.em.url, authentication }),
    program: (config) => {
      fixture.em.behaviours.set(config);
    },
    accepted: async (config = { default: { mode: 'async', never: true } }) => {
      fixture.program(config);
      return expectKind(await fixture.client.requestCoordination(fixture.target(), coordinationRequest()), 'accepted').location;
    },
  };

  beforeAll(async () => {
    em = await startReferenceEm(emOptions());
    client = new CoordinationClient({ responseTimeoutMs: 5_000 });
  });
  beforeEach(() => {
    fixture.em.behaviours.reset();
    fixture.em.requests.clear();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await client?.close();
    await em?.close();
  });
  return fixture;
}
