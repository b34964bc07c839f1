// The reference Element Manager: the server side of the ETSI NFV-SOL 002 v3.6.1 VNF LCM
// Coordination API (lcmcoord 1.0.0), with programmable answers for client tests.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { HttpProblem } from '../http/problem.ts';
import { listen, Router, sendEmpty, sendJson, type RequestContext } from '../http/server.ts';
import {
  LCMCOORD_API_VERSION, LCMCOORD_BASE_PATH, LcmCoordRequest,
  type ApiVersionInformation, type LcmCoord, type LcmCoordResultType, type ProblemDetails,
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

  const router = new Router({ log, before: (ctx) => guardApi(ctx, authenticator) });
  coordinations.register(router);
  registerApiVersions(router);
  if (authenticator.acceptsOAuth2) registerTokenEndpoint(router, authenticator);
  registerAdmin(router, behaviours, requests, coordinations);

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    requests.track(req, res, log);
    void router.handle(req, res);
  };
  const server = options.tls ? createTlsServer(options.tls, onRequest) : createHttpServer(onRequest);
  const listened = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  const url = secure ? listened.replace(/^http:/, 'https:') : listened;

  let closed: Promise<void> | undefined;
  const close = () => (closed ??= shutDown(server, closing));
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

function createTlsServer(tls: TlsOptions, onRequest: (req: IncomingMessage, res: ServerResponse) => void): Server {
  // Clients without a certificate may still use Basic or plain OAuth2, so an absent or
  // untrusted certificate is judged per request (auth.ts) instead of failing the handshake.
  const mutual = tls.ca !== undefined ? { ca: tls.ca, requestCert: true, rejectUnauthorized: false } : {};
  return createHttpsServer({ cert: tls.cert, key: tls.key, ...mutual }, onRequest);
}

async function shutDown(server: Server, closing: AbortController): Promise<void> {
  closing.abort(); // releases responses held by `delayMs`
  const stopped = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  server.closeAllConnections();
  await stopped;
}

// --- Guard of the lcmcoord API: authentication, then the Version header (SOL013 §4.9) ---

function guardApi(ctx: RequestContext, authenticator: Authenticator): void {
  const path = ctx.url.pathname;
  if (!path.startsWith(API_PATH_PREFIX)) return;
  ctx.res.setHeader('Version', LCMCOORD_API_VERSION);
  annotate(ctx.req, { authScheme: authenticator.authenticate(ctx.req) });
  // The API versions resource exists to discover versions, so it answers whatever Version says.
  if (!path.endsWith('/api_versions')) requireSupportedVersion(ctx.req);
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

function requireMediaType(req: IncomingMessage, expected: string): void {
  const given = mediaTypeOf(req);
  if (given !== expected) throw new HttpProblem(415, `Content-Type must be ${expected}, got ${given || 'none'}`);
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

  register(router: Router): void {
    router
      .on('POST', COORDINATIONS_PATH, (ctx) => this.create(ctx))
      .on('GET', `${COORDINATIONS_PATH}/:id`, (ctx) => this.read(ctx))
      .on('POST', `${COORDINATIONS_PATH}/:id/cancel`, (ctx) => this.cancel(ctx));
  }

  private async create(ctx: RequestContext): Promise<void> {
    const { req, res } = ctx;
    requireMediaType(req, 'application/json');
    const request = await ctx.json(LcmCoordRequest);
    const subject = subjectOf(request);
    annotate(req, subject);
    const matched = this.behaviours.match(subject);
    const { behaviour } = matched;
    await this.hold(behaviour.delayMs);
    if (behaviour.status !== undefined) throw programmedProblem(behaviour.status, behaviour);
    if (this.behaviours.takeRejection(matched)) throw programmedProblem(503, behaviour);

    const coordination = this.start(request, behaviour);
    annotate(req, { coordinationId: coordination.id });
    const location = `${behaviour.locationOrigin ?? originOf(req, this.secure)}${COORDINATIONS_PATH}/${coordination.id}`;
    if (coordination.result !== undefined) {
      sendCoordination(res, 201, this.render(coordination, req), behaviour, { Location: location });
    } else {
      sendEmpty(res, 202, { Location: location, ...retryAfterHeader(behaviour) });
    }
  }

  private async read({ req, res, params }: RequestContext): Promise<void> {
    const coordination = this.find(req, params.id);
    await this.hold(coordination.behaviour.delayMs);
    advance(coordination);
    if (coordination.result === undefined) {
      sendEmpty(res, 202, retryAfterHeader(coordination.behaviour));
    } else {
      sendCoordination(res, 200, this.render(coordination, req), coordination.behaviour);
    }
  }

  private cancel({ req, res, params }: RequestContext): void {
    const coordination = this.find(req, params.id);
    if (coordination.result !== undefined) {
      throw new HttpProblem(409, `coordination ${coordination.id} has already finished with ${coordination.result}`);
    }
    coordination.result = 'CANCELLED';
    sendEmpty(res, 202);
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

  private find(req: IncomingMessage, id: string | undefined): Coordination {
    const coordination = id === undefined ? undefined : this.coordinations.get(id);
    if (!coordination) throw new HttpProblem(404, `no coordination with id ${id}`);
    annotate(req, { coordinationId: coordination.id, ...subjectOf(coordination.request) });
    return coordination;
  }

  private render(coordination: Coordination, req: IncomingMessage): LcmCoord {
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
        self: { href: `${originOf(req, this.secure)}${COORDINATIONS_PATH}/${id}` },
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
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="reference-em", error="invalid_token"';
  const detail = status === 503 ? 'the EM cannot take this coordination now; send it again after Retry-After' : `the reference EM is programmed to answer ${status}`;
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
function sendCoordination(res: ServerResponse, status: number, body: LcmCoord, behaviour: Behaviour, headers: Record<string, string> = {}): void {
  switch (behaviour.malformed) {
    case undefined:
      return sendJson(res, status, body, headers);
    case 'missing-field': {
      const incomplete: Partial<LcmCoord> = { ...body };
      delete incomplete.coordinationResult;
      return sendJson(res, status, incomplete, headers);
    }
    case 'oversized':
      return sendJson(res, status, { ...body, outputParams: { ...body.outputParams, padding: 'x'.repeat(OVERSIZED_BODY_BYTES) } }, headers);
    case 'not-json':
      return sendText(res, status, 'application/json', JSON.stringify(body).slice(0, 40), headers);
  }
}

function sendText(res: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string>): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

// --- API versions (SOL013 §9.3) ---

function registerApiVersions(router: Router): void {
  const information: ApiVersionInformation = {
    uriPrefix: LCMCOORD_BASE_PATH,
    apiVersions: [{ version: LCMCOORD_API_VERSION, isDeprecated: false }],
  };
  const answer = ({ res }: RequestContext) => sendJson(res, 200, information);
  router.on('GET', `${LCMCOORD_BASE_PATH}/api_versions`, answer).on('GET', '/lcmcoord/api_versions', answer);
}

// --- OAuth 2.0 token endpoint ---

function registerTokenEndpoint(router: Router, authenticator: Authenticator): void {
  router.on('POST', TOKEN_PATH, async ({ req, res }) => {
    if (mediaTypeOf(req) !== 'application/x-www-form-urlencoded') {
      throw new OAuthError(400, 'invalid_request', 'the token request must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(await readText(req, MAX_FORM_BYTES));
    const { token, clientAuthentication } = authenticator.issueToken(req, form);
    annotate(req, { authScheme: clientAuthentication });
    sendJson(res, 200, token, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  });
}

async function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw new HttpProblem(413, `request body exceeds ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// --- Admin endpoints (no Version header, no authentication) ---

const FinishHeldRequest = z.strictObject({
  result: z.enum(['CONTINUE', 'ABORT']).default('CONTINUE'),
  vnfcInstanceId: z.string().min(1).optional(),
});

function registerAdmin(router: Router, behaviours: BehaviourStore, requests: RequestLog, coordinations: CoordinationApi): void {
  router
    .on('GET', '/admin/behaviours', ({ res }) => sendJson(res, 200, behaviours.current()))
    .on('PUT', '/admin/behaviours', async (ctx) => {
      requireMediaType(ctx.req, 'application/json');
      sendJson(ctx.res, 200, behaviours.set(await ctx.json(BehaviourConfig)));
    })
    .on('DELETE', '/admin/behaviours', ({ res }) => {
      behaviours.reset();
      sendEmpty(res, 204);
    })
    .on('POST', '/admin/held-coordinations/finish', async (ctx) => {
      requireMediaType(ctx.req, 'application/json');
      const { result, vnfcInstanceId } = await ctx.json(FinishHeldRequest);
      sendJson(ctx.res, 200, { finished: coordinations.finishHeld(result, { vnfcInstanceId }) });
    })
    .on('GET', '/admin/requests', ({ res }) => sendJson(res, 200, { ...requests.counts(), requests: requests.entries() }))
    .on('DELETE', '/admin/requests', ({ res }) => {
      requests.clear();
      sendEmpty(res, 204);
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
