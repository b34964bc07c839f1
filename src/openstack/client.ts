// OpenStack protocol client: Keystone v3 password tokens, Heat v1 and Nova v2.1, over undici.
// Every method is one exchange with the service (plus a token request when the cached one is
// missing, near expiry or refused). Failures surface as OpenStackError, classified retryable
// or not, so an activity can hand the decision to Temporal's retry policy. Credentials and
// tokens never appear in errors: details quote only methods, paths, statuses and the
// service's own error message.
import { Agent, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { describeZodError } from '../http/problem.ts';
import {
  HeatResourceListResponse, HeatStackCreatedResponse, HeatStackResponse, KeystoneTokenResponse, NovaFaultBody, NovaServerResponse,
  OpenStackErrorBody, type CatalogEntry, type HeatResource, type HeatStack, type NovaServer,
} from './models.ts';

export const VimConnection = z.object({
  /** Keystone v3 base URL, e.g. https://keystone.example.net:5000/v3. */
  authUrl: z.url({ protocol: /^https?$/ }),
  username: z.string().min(1),
  password: z.string().min(1),
  projectName: z.string().min(1),
  userDomainName: z.string().min(1).default('Default'),
  projectDomainName: z.string().min(1).default('Default'),
  /** Catalog region to use; without it the first public endpoint of each service is taken. */
  region: z.string().min(1).optional(),
  /** CA certificate(s), PEM, trusted instead of the system roots. */
  caCertPem: z.string().min(1).optional(),
  insecureSkipVerify: z.boolean().default(false),
});
export type VimConnection = z.infer<typeof VimConnection>;
/** What a caller may pass: the defaulted fields may be left out. */
export type VimConnectionInput = z.input<typeof VimConnection>;

export interface OpenStackClientOptions {
  /** Bound on connecting, on waiting for headers, and on the whole exchange. Default 30 s. */
  requestTimeoutMs?: number;
  /** Larger responses are refused (a misbehaving endpoint must not exhaust memory). Default 4 MiB. */
  maxResponseBytes?: number;
}

export interface OpenStackErrorInit {
  detail: string;
  retryable: boolean;
  status?: number;
}

/** A failed exchange with an OpenStack service; `retryable` says whether the same call may succeed later. */
export class OpenStackError extends Error {
  readonly status?: number;
  readonly retryable: boolean;
  readonly detail: string;

  constructor(init: OpenStackErrorInit) {
    super(init.detail);
    this.name = 'OpenStackError';
    this.detail = init.detail;
    this.retryable = init.retryable;
    if (init.status !== undefined) this.status = init.status;
  }
}

export interface ListResourcesOptions {
  /** How many levels of nested stacks to include (Heat `nested_depth`). Default 0. */
  nestedDepth?: number;
}

export interface UpdateStackRequest {
  /** New values of existing template parameters; the others keep their values (PATCH semantics). */
  parameters: Record<string, string | number | boolean>;
}

type ServiceType = 'orchestration' | 'compute';

const SERVICE_LABEL: Record<ServiceType | 'identity', string> = {
  identity: 'Keystone',
  orchestration: 'Heat',
  compute: 'Nova',
};

/** Nova renders `flavor.original_name` from this microversion on. */
const NOVA_MICROVERSION = '2.47';
/** A token is replaced this long before Keystone says it expires, so no request races its expiry. */
const TOKEN_REFRESH_MARGIN_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

interface Session {
  token: string;
  refreshAt: number;
  catalog: CatalogEntry[];
}

interface ServiceCall {
  service: ServiceType;
  method: Dispatcher.HttpMethod;
  /** Path below the service's catalog endpoint, already escaped. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  contentType: string;
}

export class OpenStackClient {
  readonly #connection: VimConnection;
  readonly #dispatcher: Agent;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  #session?: Session;
  #pendingAuthentication?: Promise<Session>;

  constructor(connection: VimConnectionInput, options: OpenStackClientOptions = {}) {
    const parsed = VimConnection.safeParse(connection);
    if (!parsed.success) {
      throw new OpenStackError({ retryable: false, detail: `VIM connection is invalid: ${describeZodError(parsed.error)}` });
    }
    this.#connection = parsed.data;
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#dispatcher = new Agent({
      connect: {
        timeout: this.#timeoutMs,
        rejectUnauthorized: !parsed.data.insecureSkipVerify,
        ...(parsed.data.caCertPem ? { ca: parsed.data.caCertPem } : {}),
      },
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /**
   * Heat stack show. Without the id, Heat answers the name lookup with a 302 to the canonical
   * `/stacks/{name}/{id}`; we take the id from it and ask our catalog endpoint, so the token
   * never follows a Location to another host.
   */
  async showStack(stackName: string, stackId?: string): Promise<HeatStack> {
    const path = stackId === undefined ? stackPath(stackName) : stackPath(stackName, stackId);
    const response = await this.#call({ service: 'orchestration', method: 'GET', path }, [200, 302]);
    if (response.status === 200) return parseBody(HeatStackResponse, response, 'Heat stack show').stack;
    const canonical = canonicalStackFromLocation(response);
    const followed = await this.#call({ service: 'orchestration', method: 'GET', path: stackPath(canonical.name, canonical.id) }, [200]);
    return parseBody(HeatStackResponse, followed, 'Heat stack show').stack;
  }

  async listResources(stackName: string, stackId: string, options: ListResourcesOptions = {}): Promise<HeatResource[]> {
    const depth = options.nestedDepth ?? 0;
    const path = `${stackPath(stackName, stackId)}/resources${depth > 0 ? `?nested_depth=${depth}` : ''}`;
    const response = await this.#call({ service: 'orchestration', method: 'GET', path }, [200]);
    return parseBody(HeatResourceListResponse, response, 'Heat resource list').resources;
  }

  /** Heat PATCH update (existing template, new parameter values); resolves when Heat accepted it (202). */
  async updateStack(stackName: string, stackId: string, update: UpdateStackRequest): Promise<void> {
    await this.#call(
      { service: 'orchestration', method: 'PATCH', path: stackPath(stackName, stackId), body: { parameters: update.parameters } },
      [202],
    );
  }

  /** Heat stack create (POST /stacks) from a template; resolves with the new stack's id (201). */
  async createStack(stackName: string, template: Record<string, unknown>, parameters: Record<string, string> = {}): Promise<{ id: string }> {
    const response = await this.#call(
      { service: 'orchestration', method: 'POST', path: '/stacks', body: { stack_name: stackName, template, parameters, timeout_mins: 60 } },
      [201],
    );
    return parseBody(HeatStackCreatedResponse, response, 'Heat stack create').stack;
  }

  /** Heat stack delete; a stack that is already gone counts as deleted. */
  async deleteStack(stackName: string, stackId: string): Promise<void> {
    await this.#call({ service: 'orchestration', method: 'DELETE', path: stackPath(stackName, stackId) }, [204, 404]);
  }

  async showServer(serverId: string): Promise<NovaServer> {
    const response = await this.#call({
      service: 'compute', method: 'GET', path: `/servers/${encodeURIComponent(serverId)}`,
      headers: { 'OpenStack-API-Version': `compute ${NOVA_MICROVERSION}` },
    }, [200]);
    return parseBody(NovaServerResponse, response, 'Nova server show').server;
  }

  /** Releases pooled connections. */
  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  /** One exchange with a service; a 401 means the token was revoked, so it re-authenticates once. */
  async #call(call: ServiceCall, expected: number[]): Promise<RawResponse> {
    let session = await this.#currentSession();
    let response = await this.#send(session, call);
    if (response.status === 401) {
      session = await this.#authenticateReplacing(session);
      response = await this.#send(session, call);
    }
    if (!expected.includes(response.status)) throw errorFromResponse(response, `${SERVICE_LABEL[call.service]} ${call.method} ${call.path}`);
    return response;
  }

  async #send(session: Session, call: ServiceCall): Promise<RawResponse> {
    const url = `${serviceEndpoint(session.catalog, call.service, this.#connection.region)}${call.path}`;
    return this.#exchange(`${SERVICE_LABEL[call.service]} ${call.method} ${call.path}`, url, {
      method: call.method,
      headers: { 'X-Auth-Token': session.token, ...call.headers },
      body: call.body,
    });
  }

  async #currentSession(): Promise<Session> {
    if (this.#session && Date.now() < this.#session.refreshAt) return this.#session;
    return this.#authenticateReplacing(this.#session);
  }

  /** Concurrent callers that find the same stale token share one token request. */
  async #authenticateReplacing(stale: Session | undefined): Promise<Session> {
    const current = this.#session;
    if (current && current !== stale) return current;
    this.#pendingAuthentication ??= this.#authenticate().finally(() => (this.#pendingAuthentication = undefined));
    return this.#pendingAuthentication;
  }

  async #authenticate(): Promise<Session> {
    const connection = this.#connection;
    const operation = `Keystone POST /auth/tokens (user '${connection.username}', project '${connection.projectName}')`;
    const response = await this.#exchange(operation, `${trimSlash(connection.authUrl)}/auth/tokens`, {
      method: 'POST',
      body: passwordAuthRequest(connection),
    });
    if (response.status === 401) {
      throw new OpenStackError({ status: 401, retryable: false, detail: `${operation}: the credentials were refused` });
    }
    if (response.status !== 201 && response.status !== 200) throw errorFromResponse(response, operation);
    const token = headerValue(response.headers['x-subject-token']);
    if (!token) throw new OpenStackError({ status: response.status, retryable: false, detail: `${operation}: the response has no X-Subject-Token header` });
    const body = parseBody(KeystoneTokenResponse, response, 'Keystone token response');
    const session: Session = {
      token,
      refreshAt: Date.parse(body.token.expires_at) - TOKEN_REFRESH_MARGIN_MS,
      catalog: body.token.catalog,
    };
    this.#session = session;
    return session;
  }

  async #exchange(operation: string, url: string, init: { method: Dispatcher.HttpMethod; headers?: Record<string, string>; body?: unknown }): Promise<RawResponse> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'durable-vnfm', ...init.headers };
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['Content-Type'] = 'application/json';
    }
    try {
      const response = await request(url, {
        method: init.method, headers, body, dispatcher: this.#dispatcher, signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const text = await readCapped(response.body, response.headers['content-length'], this.#maxResponseBytes, operation);
      return {
        status: response.statusCode,
        headers: response.headers,
        text,
        contentType: headerValue(response.headers['content-type']) ?? '',
      };
    } catch (err) {
      if (err instanceof OpenStackError) throw err;
      throw transportError(err, operation, this.#timeoutMs);
    }
  }
}

function passwordAuthRequest(connection: VimConnection): unknown {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: connection.username, domain: { name: connection.userDomainName }, password: connection.password },
        },
      },
      scope: { project: { name: connection.projectName, domain: { name: connection.projectDomainName } } },
    },
  };
}

function serviceEndpoint(catalog: CatalogEntry[], service: ServiceType, region: string | undefined): string {
  const endpoint = catalog
    .filter((entry) => entry.type === service)
    .flatMap((entry) => entry.endpoints)
    .find((candidate) => candidate.interface === 'public'
      && (region === undefined || candidate.region_id === region || candidate.region === region));
  if (!endpoint) {
    const where = region === undefined ? '' : ` in region '${region}'`;
    throw new OpenStackError({ retryable: false, detail: `the Keystone catalog has no public ${service} endpoint${where}` });
  }
  return trimSlash(endpoint.url);
}

function stackPath(stackName: string, stackId?: string): string {
  const name = `/stacks/${encodeURIComponent(stackName)}`;
  return stackId === undefined ? name : `${name}/${encodeURIComponent(stackId)}`;
}

function canonicalStackFromLocation(response: RawResponse): { name: string; id: string } {
  const location = headerValue(response.headers.location);
  const match = location ? /\/stacks\/([^/?#]+)\/([^/?#]+)\/?(?:[?#].*)?$/.exec(location) : null;
  if (!match?.[1] || !match[2]) {
    throw new OpenStackError({
      status: response.status, retryable: false,
      detail: `Heat redirected a stack lookup to ${location === undefined ? 'no Location' : `'${location}'`}, not to /stacks/{name}/{id}`,
    });
  }
  return { name: decodeURIComponent(match[1]), id: decodeURIComponent(match[2]) };
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  contentLength: string | string[] | undefined,
  maxBytes: number,
  operation: string,
): Promise<string> {
  const tooLarge = (): OpenStackError => {
    body.destroy();
    return new OpenStackError({ retryable: false, detail: `${operation}: the response exceeds ${maxBytes} bytes` });
  };
  if (Number(headerValue(contentLength) ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody<S extends z.ZodType>(schema: S, response: RawResponse, what: string): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(response.text);
  } catch {
    const contentType = response.contentType || 'no content type';
    throw new OpenStackError({
      status: response.status, retryable: false,
      detail: `${what} is not JSON (${contentType}): ${excerpt(response.text)}`,
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new OpenStackError({ status: response.status, retryable: false, detail: `${what} is malformed: ${describeZodError(parsed.error)}` });
  }
  return parsed.data;
}

function errorFromResponse(response: RawResponse, operation: string): OpenStackError {
  const explanation = serviceErrorMessage(response.text);
  return new OpenStackError({
    status: response.status,
    retryable: isRetryableStatus(response.status),
    detail: `${operation} answered ${response.status}${explanation ? `: ${explanation}` : ''}`,
  });
}

/**
 * 5xx, 408 and 429 are transient by definition. Heat answers 409 while another action runs
 * on the stack, which also clears by itself.
 */
function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 409 || status === 429;
}

function serviceErrorMessage(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text.trim() ? excerpt(text) : undefined;
  }
  const common = OpenStackErrorBody.safeParse(value);
  if (common.success && (common.data.error?.message ?? common.data.explanation)) {
    return common.data.error?.message ?? common.data.explanation;
  }
  const nova = NovaFaultBody.safeParse(value);
  if (nova.success) return Object.values(nova.data)[0]?.message;
  return undefined;
}

// TLS verification failures are configuration errors: retrying cannot fix a wrong CA.
const TLS_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_NOT_YET_VALID',
]);

function transportError(err: unknown, operation: string, timeoutMs: number): OpenStackError {
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as { code?: unknown }).code;
  if (error.name === 'TimeoutError' || error.name === 'AbortError' || (typeof code === 'string' && code.endsWith('_TIMEOUT'))) {
    return new OpenStackError({ retryable: true, detail: `${operation}: no complete response within ${timeoutMs} ms` });
  }
  if (typeof code === 'string' && TLS_ERROR_CODES.has(code)) {
    return new OpenStackError({ retryable: false, detail: `${operation}: TLS verification failed (${code}): ${error.message}` });
  }
  const cause = typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  return new OpenStackError({ retryable: true, detail: `${operation}: connection failed (${cause})` });
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return '(empty body)';
  return JSON.stringify(flat.length > 120 ? `${flat.slice(0, 120)}…` : flat);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
