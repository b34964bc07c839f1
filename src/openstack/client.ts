// OpenStack protocol client: Keystone v3 password tokens, Heat v1 and Nova v2.1, over undici.
// Every method is one exchange with the service (plus a token request when the cached one is
// missing, near expiry or refused). Failures surface as the outbound kit's OutboundError with
// a code (Heat's 409 counts as busy), so an activity can hand the decision to Temporal's retry
// policy. Credentials and tokens never appear in errors: details quote only methods, paths,
// statuses and the service's own error message.
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { describeZodError } from '../http/problem.ts';
import { OutboundClient } from '../outbound/client.ts';
import { codeForStatus, OutboundError, type OutboundErrorCode } from '../outbound/errors.ts';
import type { Answer } from '../outbound/exchange.ts';
import {
  HeatResourceListResponse, HeatStackCreatedResponse, HeatStackResponse, HeatTemplate, KeystoneTokenResponse, NovaFaultBody, NovaServerResponse,
  OpenStackErrorBody, type CatalogEntry, type HeatResource, type HeatStack, type NovaServer,
} from './models.ts';
import type { VimIdentity } from './vim-connection-info.ts';

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
  /** Where the warning of a VIM whose certificates are not verified goes. Default console.warn. */
  log?: (line: string) => void;
}

export interface ListResourcesOptions {
  /** How many levels of nested stacks to include (Heat `nested_depth`). Default 0. */
  nestedDepth?: number;
}

export interface UpdateStackRequest {
  /** New values of existing template parameters; the others keep their values (PATCH semantics). */
  parameters?: Record<string, string | number | boolean>;
  /** A new template for the stack: Heat creates the resources it adds and deletes those it lacks. */
  template?: HeatTemplate;
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

export class OpenStackClient {
  readonly #connection: VimConnection;
  readonly #http: OutboundClient;
  #session?: Session;
  #pendingAuthentication?: Promise<Session>;

  /** Which VIM this client drives, and as whom: no password, no certificate. */
  get vim(): VimIdentity {
    const { authUrl, username, projectName, userDomainName, projectDomainName, region } = this.#connection;
    return { authUrl, username, projectName, userDomainName, projectDomainName, ...(region ? { region } : {}) };
  }

  constructor(connection: VimConnectionInput, options: OpenStackClientOptions = {}) {
    const parsed = VimConnection.safeParse(connection);
    if (!parsed.success) throw new OutboundError('misconfigured', `VIM connection is invalid: ${describeZodError(parsed.error)}`);
    this.#connection = parsed.data;
    const timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const log = options.log ?? console.warn;
    this.#http = new OutboundClient({
      limits: { totalTimeoutMs: timeoutMs, maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES },
      tls: {
        connectTimeoutMs: timeoutMs,
        caPem: parsed.data.caCertPem,
        systemRoots: false,
        // Keystone and every endpoint of its catalog are the one configured VIM.
        insecureOrigins: parsed.data.insecureSkipVerify ? 'all' : [],
        log: (line) => log(`VIM ${parsed.data.authUrl}: ${line}`),
      },
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

  /**
   * Heat PATCH update: new parameter values and/or a new template, the rest as it is; resolves
   * when Heat accepted it (202).
   */
  async updateStack(stackName: string, stackId: string, update: UpdateStackRequest): Promise<void> {
    const body: Record<string, unknown> = {};
    if (update.template) body.template = update.template;
    if (update.parameters || !update.template) body.parameters = update.parameters ?? {};
    await this.#call({ service: 'orchestration', method: 'PATCH', path: stackPath(stackName, stackId), body }, [202]);
  }

  /** Heat stack template show: the template the stack was created or last updated with. */
  async getTemplate(stackName: string, stackId: string): Promise<HeatTemplate> {
    const response = await this.#call({ service: 'orchestration', method: 'GET', path: `${stackPath(stackName, stackId)}/template` }, [200]);
    return parseBody(HeatTemplate, response, 'Heat template show');
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
    await this.#http.close();
  }

  /** One exchange with a service; a 401 means the token was revoked, so it re-authenticates once. */
  async #call(call: ServiceCall, expected: number[]): Promise<Answer> {
    let session = await this.#currentSession();
    let response = await this.#send(session, call);
    if (response.status === 401) {
      session = await this.#authenticateReplacing(session);
      response = await this.#send(session, call);
    }
    if (!expected.includes(response.status)) throw errorFromResponse(response, `${SERVICE_LABEL[call.service]} ${call.method} ${call.path}`);
    return response;
  }

  async #send(session: Session, call: ServiceCall): Promise<Answer> {
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
      throw new OutboundError('unauthorized', `${operation}: the credentials were refused`, { status: 401 });
    }
    if (response.status !== 201 && response.status !== 200) throw errorFromResponse(response, operation);
    const token = response.headers['x-subject-token'];
    if (!token) throw new OutboundError('malformed', `${operation}: the response has no X-Subject-Token header`, { status: response.status });
    const body = parseBody(KeystoneTokenResponse, response, 'Keystone token response');
    const session: Session = {
      token,
      refreshAt: Date.parse(body.token.expires_at) - TOKEN_REFRESH_MARGIN_MS,
      catalog: body.token.catalog,
    };
    this.#session = session;
    return session;
  }

  async #exchange(operation: string, url: string, init: { method: Dispatcher.HttpMethod; headers?: Record<string, string>; body?: unknown }): Promise<Answer> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'durable-vnfm', ...init.headers };
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['Content-Type'] = 'application/json';
    }
    return this.#http.send({ method: init.method, url, headers, body, what: operation });
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
    throw new OutboundError('misconfigured', `the Keystone catalog has no public ${service} endpoint${where}`);
  }
  return trimSlash(endpoint.url);
}

function stackPath(stackName: string, stackId?: string): string {
  const name = `/stacks/${encodeURIComponent(stackName)}`;
  return stackId === undefined ? name : `${name}/${encodeURIComponent(stackId)}`;
}

function canonicalStackFromLocation(response: Answer): { name: string; id: string } {
  const location = response.headers.location;
  const match = location ? /\/stacks\/([^/?#]+)\/([^/?#]+)\/?(?:[?#].*)?$/.exec(location) : null;
  if (!match?.[1] || !match[2]) {
    throw new OutboundError('malformed', `Heat redirected a stack lookup to ${location === undefined ? 'no Location' : `'${location}'`}, not to /stacks/{name}/{id}`, {
      status: response.status,
    });
  }
  return { name: decodeURIComponent(match[1]), id: decodeURIComponent(match[2]) };
}

function parseBody<S extends z.ZodType>(schema: S, response: Answer, what: string): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(response.text);
  } catch {
    const contentType = response.headers['content-type'] || 'no content type';
    throw new OutboundError('malformed', `${what} is not JSON (${contentType}): ${excerpt(response.text)}`, { status: response.status });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new OutboundError('malformed', `${what} is malformed: ${describeZodError(parsed.error)}`, { status: response.status });
  }
  return parsed.data;
}

function errorFromResponse(response: Answer, operation: string): OutboundError {
  const explanation = serviceErrorMessage(response.text);
  return new OutboundError(codeForServiceStatus(response.status), `${operation} answered ${response.status}${explanation ? `: ${explanation}` : ''}`, {
    status: response.status,
  });
}

/**
 * 5xx, 408 and 429 are transient by definition. Heat answers 409 while another action runs
 * on the stack, which also clears by itself.
 */
function codeForServiceStatus(status: number): OutboundErrorCode {
  return status === 409 ? 'busy' : codeForStatus(status);
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

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return '(empty body)';
  return JSON.stringify(flat.length > 120 ? `${flat.slice(0, 120)}…` : flat);
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
