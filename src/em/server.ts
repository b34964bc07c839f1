// The reference Element Manager: the server side of the ETSI NFV-SOL 002 v3.6.1 VNF LCM
// Coordination API (lcmcoord 1.0.0), with programmable answers for client tests.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createApp, inScope, type App, type AppOptions } from '../http/app.ts';
import { acceptForm } from '../http/body-parsers.ts';
import { listen } from '../http/listen.ts';
import { HttpProblem } from '../http/problem.ts';
import {
  LCMCOORD_API_VERSION, LCMCOORD_BASE_PATH, LcmCoordRequest,
  type ApiVersionInformation, type LcmCoordResultType, type ProblemDetails, type ReceivedLcmCoord,
} from '../lcmcoord/models.ts';
import { Authenticator, OAuthError, type AuthConfig, type AuthMethod, type AuthScheme, type Credentials } from './auth.ts';
import { BehaviourConfig, BehaviourStore, type Behaviour, type BehaviourConfigInput, type CoordinationSubject } from './behaviour.ts';

export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA of the client certificates; when given, the server asks for one (mutual TLS). */
  ca?: string | Buffer;
}

export interface ReferenceEmOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  behaviour?: BehaviourConfigInput;
  auth?: {
    /** Default BASIC and OAUTH2_CLIENT_CREDENTIALS, plus OAUTH2_CLIENT_CERT with mutual TLS; [] = open. */
    methods?: AuthMethod[];
    /** Default tacker / tacker. */
    basic?: Credentials;
    /** Default client tacker / tacker, tokens valid for an hour. */
    oauth2?: { clientId?: string; clientSecret?: string; tokenLifetimeSeconds?: number };
  };
  /** Serve https; with `ca`, mutual TLS. */
  tls?: TlsOptions;
  /** Receives one line per request; default stdout. */
  log?: (line: string) => void;
  /** The EM's clock for token lifetimes; default the system clock (tests give one they can move). */
  now?: () => number;
}

export interface RequestLogEntry {
  /** Arrival, ms since the epoch. */
  time: number;
  method: string;
  path: string;
  /** null while unanswered, or when the connection closed without an answer. */
  status: number | null;
  authScheme: AuthScheme;
  coordinationId?: string;
  coordinationActionName?: string;
  vnfcInstanceId?: string;
}

export interface RequestCounts {
  /** Requests under /lcmcoord/. */
  apiRequests: number;
  tokenRequests: number;
}

export interface ReferenceEm {
  /** The apiRoot, e.g. `http://127.0.0.1:6789`. */
  readonly url: string;
  readonly behaviours: BehaviourStore;
  readonly requests: RequestLog;
  /** Makes every token issued so far expired. */
  expireTokens(): void;
  /**
   * Ends the coordinations held open by a `never` behaviour (those matching `match`, or all)
   * with the given result; answers how many. A test holds a VNFC in coordination this way for
   * exactly as long as it needs, then lets it go.
   */
  finishHeld(result?: 'CONTINUE' | 'ABORT', match?: { vnfcInstanceId?: string }): number;
  close(): Promise<void>;
}

const COORDINATIONS_PATH = `${LCMCOORD_BASE_PATH}/coordinations`;
const API_PATH_PREFIX = '/lcmcoord/';
const TOKEN_PATH = '/oauth2/token';
const ADMIN_PATH_PREFIX = '/admin/';
const DEFAULT_CREDENTIAL = 'tacker';
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
/** Used when a 503 must carry Retry-After and the rule gives none. */
const DEFAULT_503_RETRY_AFTER_SECONDS = 1;
const OVERSIZED_BODY_BYTES = 5 * 1024 * 1024;
const MAX_FORM_BYTES = 64 * 1024;

export async function startReferenceEm(options: ReferenceEmOptions = {}): Promise<ReferenceEm> {
  const log = options.log ?? ((line: string) => console.log(line));
  const behaviours = new BehaviourStore(options.behaviour);
  const requests = new RequestLog();
  const authenticator = new Authenticator(authConfigOf(options));
  const closing = new AbortController();
  const secure = options.tls !== undefined;
  const coordinations = new CoordinationApi(behaviours, closing.signal, secure);

  // Answers are held on purpose (`delayMs`), as long as a test asks: no idle timeout.
  const app = createApp({ log, connectionTimeout: 0, ...(options.tls && { https: httpsOptions(options.tls) }) });
  app.addHook('onRequest', (request, reply, done) => {
    requests.track(request.raw, reply.raw, log);
    done();
  });
  // Closing releases the responses held by `delayMs`, then ends every connection.
  app.addHook('preClose', (done) => {
    closing.abort();
    done();
  });
  inScope(app, (api) => {
    api.addHook('onRequest', (request, reply, done) => {
      guardApi(request, reply, authenticator);
      done();
    });
    coordinations.register(api);
    apiVersionsRoutes(api);
  });
  if (authenticator.acceptsOAuth2) inScope(app, (token) => tokenEndpoint(token, authenticator));
  inScope(app, (admin) => adminRoutes(admin, behaviours, requests, coordinations));
  const url = await listen(app, options.host ?? '127.0.0.1', options.port ?? 0);

  let closed: Promise<void> | undefined;
  const close = () => (closed ??= app.close());
  return {
    url, behaviours, requests, close,
    expireTokens: () => authenticator.expireTokens(),
    finishHeld: (result = 'CONTINUE', match = {}) => coordinations.finishHeld(result, match),
  };
}

function authConfigOf({ auth = {}, tls, now = Date.now }: ReferenceEmOptions): AuthConfig {
  const mutualTls = tls?.ca !== undefined;
  const defaultMethods: AuthMethod[] = ['BASIC', 'OAUTH2_CLIENT_CREDENTIALS', ...(mutualTls ? ['OAUTH2_CLIENT_CERT' as const] : [])];
  return {
    methods: auth.methods ?? defaultMethods,
    basic: auth.basic ?? { userName: DEFAULT_CREDENTIAL, password: DEFAULT_CREDENTIAL },
    oauth2: {
      clientId: auth.oauth2?.clientId ?? DEFAULT_CREDENTIAL,
      clientSecret: auth.oauth2?.clientSecret ?? DEFAULT_CREDENTIAL,
      tokenLifetimeSeconds: auth.oauth2?.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
    },
    now,
  };
}

function httpsOptions(tls: TlsOptions): AppOptions['https'] {
  // Clients without a certificate may still use Basic or plain OAuth2, so an absent or
  // untrusted certificate is judged per request (auth.ts) instead of failing the handshake.
  const mutual = tls.ca !== undefined ? { ca: tls.ca, requestCert: true, rejectUnauthorized: false } : {};
  return { cert: tls.cert, key: tls.key, ...mutual };
}

// --- Guard of the lcmcoord API: authentication, then the Version header (SOL013 §4.9) ---

function guardApi(request: FastifyRequest, reply: FastifyReply, authenticator: Authenticator): void {
  reply.header('Version', LCMCOORD_API_VERSION);
  annotate(request.raw, { authScheme: authenticator.authenticate(request.raw) });
  // The API versions resource exists to discover versions, so it answers whatever Version says.
  if (!request.url.split('?')[0]?.endsWith('/api_versions')) requireSupportedVersion(request.raw);
}

function requireSupportedVersion(req: IncomingMessage): void {
  const version = req.headers.version;
  if (version === undefined) {
    throw new HttpProblem(400, `the Version header is required; supported: ${LCMCOORD_API_VERSION}`);
  }
  if (version !== LCMCOORD_API_VERSION) {
    throw new HttpProblem(406, `API version ${String(version)} is not supported; supported: ${LCMCOORD_API_VERSION}`);
  }
}

function mediaTypeOf(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

// --- Coordinations ---

interface Coordination {
  readonly id: string;
  readonly request: LcmCoordRequest;
  readonly behaviour: Behaviour;
  /** async: GETs still to answer with 202. */
  pollsLeft: number;
  /** Set once finished. */
  result?: LcmCoordResultType;
}

class CoordinationApi {
  private readonly coordinations = new Map<string, Coordination>();

  constructor(
    private readonly behaviours: BehaviourStore,
    private readonly closing: AbortSignal,
    private readonly secure: boolean,
  ) {}

  register(api: App): void {
    const params = { params: z.object({ id: z.string() }) };
    api.post(COORDINATIONS_PATH, { schema: { body: LcmCoordRequest } }, (request, reply) => this.create(request.body, request.raw, reply));
    api.get(`${COORDINATIONS_PATH}/:id`, { schema: params }, (request, reply) => this.read(request.params.id, request.raw, reply));
    api.post(`${COORDINATIONS_PATH}/:id/cancel`, { schema: params }, async (request, reply) => this.cancel(request.params.id, request.raw, reply));
  }

  private async create(request: LcmCoordRequest, req: IncomingMessage, reply: FastifyReply): Promise<FastifyReply> {
    const subject = subjectOf(request);
    annotate(req, subject);
    const matched = this.behaviours.match(subject);
    const { behaviour } = matched;
    await this.hold(behaviour.delayMs);
    if (behaviour.status !== undefined) throw programmedProblem(behaviour.status, behaviour);
    if (this.behaviours.takeRejection(matched)) throw programmedProblem(behaviour.rejectWith, behaviour);

    const coordination = this.start(request, behaviour);
    annotate(req, { coordinationId: coordination.id });
    const location = `${behaviour.locationOrigin ?? originOf(req, this.secure)}${COORDINATIONS_PATH}/${coordination.id}`;
    if (coordination.result !== undefined) {
      if (!behaviour.withoutLocation) reply.header('Location', location);
      return sendCoordination(reply.code(201), this.render(coordination, req), behaviour);
    }
    return reply.code(202).header('Location', location).headers(retryAfterHeader(behaviour)).send();
  }

  private async read(id: string, req: IncomingMessage, reply: FastifyReply): Promise<FastifyReply> {
    const coordination = this.find(req, id);
    await this.hold(coordination.behaviour.delayMs);
    advance(coordination);
    if (coordination.result === undefined) return reply.code(202).headers(retryAfterHeader(coordination.behaviour)).send();
    return sendCoordination(reply.code(200), this.render(coordination, req), coordination.behaviour);
  }

  private cancel(id: string, req: IncomingMessage, reply: FastifyReply): FastifyReply {
    const coordination = this.find(req, id);
    if (coordination.result !== undefined) {
      throw new HttpProblem(409, `coordination ${coordination.id} has already finished with ${coordination.result}`);
    }
    coordination.result = 'CANCELLED';
    return reply.code(202).send();
  }

  /** Ends held (`never`) coordinations that are still open; the next GET of each gets the result. */
  finishHeld(result: 'CONTINUE' | 'ABORT', match: { vnfcInstanceId?: string }): number {
    let finished = 0;
    for (const coordination of this.coordinations.values()) {
      if (coordination.result !== undefined || !coordination.behaviour.never) continue;
      if (match.vnfcInstanceId !== undefined && subjectOf(coordination.request).vnfcInstanceId !== match.vnfcInstanceId) continue;
      coordination.result = result;
      finished += 1;
    }
    return finished;
  }

  private start(request: LcmCoordRequest, behaviour: Behaviour): Coordination {
    const coordination: Coordination = { id: randomUUID(), request, behaviour, pollsLeft: behaviour.polls };
    if (behaviour.mode === 'sync' && !behaviour.never) coordination.result = behaviour.result;
    this.coordinations.set(coordination.id, coordination);
    return coordination;
  }

  private find(req: IncomingMessage, id: string): Coordination {
    const coordination = this.coordinations.get(id);
    if (!coordination) throw new HttpProblem(404, `no coordination with id ${id}`);
    annotate(req, { coordinationId: coordination.id, ...subjectOf(coordination.request) });
    return coordination;
  }

  private render(coordination: Coordination, req: IncomingMessage): ReceivedLcmCoord {
    const { id, request, behaviour, result = 'CONTINUE' } = coordination;
    return {
      id,
      coordinationResult: result,
      vnfInstanceId: request.vnfInstanceId,
      vnfLcmOpOccId: request.vnfLcmOpOccId,
      lcmOperationType: request.lcmOperationType,
      coordinationActionName: request.coordinationActionName,
      ...(behaviour.outputParams && { outputParams: behaviour.outputParams }),
      ...(behaviour.warnings !== undefined && { warnings: behaviour.warnings }),
      ...(result === 'ABORT' && { error: abortProblem(behaviour) }),
      _links: {
        ...(!behaviour.withoutSelfLink && { self: { href: `${originOf(req, this.secure)}${COORDINATIONS_PATH}/${id}` } }),
        vnfLcmOpOcc: request._links.vnfLcmOpOcc,
        vnfInstance: request._links.vnfInstance,
      },
    };
  }

  /** Holds a response for `delayMs`; closing the EM releases it. */
  private async hold(delayMs: number): Promise<void> {
    if (delayMs === 0) return;
    try {
      await sleep(delayMs, undefined, { signal: this.closing });
    } catch {
      throw new HttpProblem(503, 'the reference EM is shutting down', { 'Retry-After': String(DEFAULT_503_RETRY_AFTER_SECONDS) });
    }
  }
}

/** One GET of an ongoing async coordination: count a poll, or finish. */
function advance(coordination: Coordination): void {
  if (coordination.result !== undefined || coordination.behaviour.never) return;
  if (coordination.pollsLeft > 0) {
    coordination.pollsLeft -= 1;
    return;
  }
  coordination.result = coordination.behaviour.result;
}

function subjectOf(request: LcmCoordRequest): CoordinationSubject {
  const vnfcInstanceId = request.inputParams?.vnfcInstanceId;
  return {
    coordinationActionName: request.coordinationActionName,
    ...(typeof vnfcInstanceId === 'string' && { vnfcInstanceId }),
  };
}

function abortProblem(behaviour: Behaviour): ProblemDetails {
  return { status: 409, title: 'Coordination aborted', detail: behaviour.error ?? 'the EM aborted the coordination' };
}

function programmedProblem(status: number, behaviour: Behaviour): HttpProblem {
  const headers: Record<string, string> = {};
  if (status === 503) headers['Retry-After'] = retryAfterValue(behaviour.retryAfter ?? DEFAULT_503_RETRY_AFTER_SECONDS, behaviour.retryAfterDate);
  // RFC 6585 §4: a 429 may say when to come back; it need not.
  if (status === 429 && behaviour.retryAfter !== undefined) headers['Retry-After'] = retryAfterValue(behaviour.retryAfter, behaviour.retryAfterDate);
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="reference-em", error="invalid_token"';
  const detail = status === 503 ? 'the EM cannot take this coordination now; send it again after Retry-After'
    : status === 429 ? 'the EM takes too many coordinations now; send it again later' : `the reference EM is programmed to answer ${status}`;
  return new HttpProblem(status, detail, headers);
}

function retryAfterHeader(behaviour: Behaviour): Record<string, string> {
  return behaviour.retryAfter === undefined ? {} : { 'Retry-After': retryAfterValue(behaviour.retryAfter, behaviour.retryAfterDate) };
}

/** Retry-After as delay-seconds or as an IMF-fixdate HTTP-date (RFC 9110 §10.2.3). */
export function retryAfterValue(seconds: number, asHttpDate: boolean): string {
  if (!asHttpDate) return String(seconds);
  // HTTP-dates have whole seconds: round up so that a client never comes back early.
  return new Date(Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000).toUTCString();
}

/** Origin the client used to reach us (Host header), so that links work behind port mappings. */
function originOf(req: IncomingMessage, secure: boolean): string {
  const scheme = secure ? 'https' : 'http';
  const local = `${hostLiteral(req.socket.localAddress ?? '127.0.0.1')}:${req.socket.localPort ?? 0}`;
  try {
    return new URL(`${scheme}://${req.headers.host ?? local}`).origin;
  } catch {
    return `${scheme}://${local}`;
  }
}

function hostLiteral(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** Sends an LcmCoord, or the broken variant of it the behaviour asks for. */
function sendCoordination(reply: FastifyReply, body: ReceivedLcmCoord, behaviour: Behaviour): FastifyReply {
  switch (behaviour.malformed) {
    case undefined:
      return reply.send(body);
    case 'missing-field': {
      const incomplete: Partial<ReceivedLcmCoord> = { ...body };
      delete incomplete.coordinationResult;
      return reply.send(incomplete);
    }
    case 'oversized':
      return reply.send({ ...body, outputParams: { ...body.outputParams, padding: 'x'.repeat(OVERSIZED_BODY_BYTES) } });
    case 'not-json':
      return reply.type('application/json').send(JSON.stringify(body).slice(0, 40));
  }
}

// --- API versions (SOL013 §9.3) ---

function apiVersionsRoutes(api: App): void {
  const information: ApiVersionInformation = {
    uriPrefix: LCMCOORD_BASE_PATH,
    apiVersions: [{ version: LCMCOORD_API_VERSION, isDeprecated: false }],
  };
  api.get(`${LCMCOORD_BASE_PATH}/api_versions`, () => information);
  api.get('/lcmcoord/api_versions', () => information);
}

// --- OAuth 2.0 token endpoint ---

function tokenEndpoint(scope: App, authenticator: Authenticator): void {
  acceptForm(scope);
  scope.post(TOKEN_PATH, { bodyLimit: MAX_FORM_BYTES }, async (request, reply) => {
    if (mediaTypeOf(request.raw) !== 'application/x-www-form-urlencoded') {
      throw new OAuthError(400, 'invalid_request', 'the token request must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(request.body as Record<string, string>);
    const { token, clientAuthentication } = authenticator.issueToken(request.raw, form);
    annotate(request.raw, { authScheme: clientAuthentication });
    return reply.headers({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).send(token);
  });
}

// --- Admin endpoints (no Version header, no authentication) ---

const FinishHeldRequest = z.strictObject({
  result: z.enum(['CONTINUE', 'ABORT']).default('CONTINUE'),
  vnfcInstanceId: z.string().min(1).optional(),
});

function adminRoutes(admin: App, behaviours: BehaviourStore, requests: RequestLog, coordinations: CoordinationApi): void {
  admin.get('/admin/behaviours', () => behaviours.current());
  admin.put('/admin/behaviours', { schema: { body: BehaviourConfig } }, (request) => behaviours.set(request.body));
  admin.delete('/admin/behaviours', async (_request, reply) => {
    behaviours.reset();
    return reply.code(204).send();
  });
  admin.post('/admin/held-coordinations/finish', { schema: { body: FinishHeldRequest } }, (request) => {
    const { result, vnfcInstanceId } = request.body;
    return { finished: coordinations.finishHeld(result, { vnfcInstanceId }) };
  });
  admin.get('/admin/requests', () => ({ ...requests.counts(), requests: requests.entries() }));
  admin.delete('/admin/requests', async (_request, reply) => {
    requests.clear();
    return reply.code(204).send();
  });
}

// --- Request log ---

interface TrackedRequest {
  entry: Omit<RequestLogEntry, 'status'>;
  res: ServerResponse;
}

const tracked = new WeakMap<IncomingMessage, TrackedRequest>();

/** Adds what a handler learnt (coordination, VNFC, auth scheme) to the request's log entry. */
function annotate(req: IncomingMessage, facts: Partial<Omit<RequestLogEntry, 'time' | 'method' | 'path' | 'status'>>): void {
  const request = tracked.get(req);
  if (request) Object.assign(request.entry, facts);
}

/** The requests the EM received (admin requests excluded), oldest first, bounded in size. */
export class RequestLog {
  private requests: TrackedRequest[] = [];
  private tally: RequestCounts = { apiRequests: 0, tokenRequests: 0 };

  constructor(private readonly capacity = 10_000) {}

  entries(): RequestLogEntry[] {
    return this.requests.map(({ entry, res }) => ({ ...entry, status: statusOf(res) }));
  }

  counts(): RequestCounts {
    return { ...this.tally };
  }

  clear(): void {
    this.requests = [];
    this.tally = { apiRequests: 0, tokenRequests: 0 };
  }

  /** Records a request on arrival and prints `method path status` once it is answered. */
  track(req: IncomingMessage, res: ServerResponse, log: (line: string) => void): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const request: TrackedRequest = { entry: { time: Date.now(), method: req.method ?? '', path, authScheme: 'none' }, res };
    tracked.set(req, request);
    res.once('close', () => log(`${request.entry.method} ${path} ${statusOf(res) ?? 'no response'}`));
    if (path.startsWith(ADMIN_PATH_PREFIX)) return;
    if (path.startsWith(API_PATH_PREFIX)) this.tally.apiRequests += 1;
    if (path === TOKEN_PATH) this.tally.tokenRequests += 1;
    this.requests.push(request);
    if (this.requests.length > this.capacity) this.requests.shift();
  }
}

function statusOf(res: ServerResponse): number | null {
  return res.headersSent ? res.statusCode : null;
}
