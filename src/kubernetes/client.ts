// The VNFM's Kubernetes client: @kubernetes/client-node's own API classes (the generic object
// API and CoreV1's pod status), talking HTTP through the outbound kit instead of node-fetch, so
// that a Kubernetes VIM someone names in a request passes the egress policy, TLS is verified
// against the VIM's own CA (or the configured one), every exchange is bounded in time and size,
// and every failure is an OutboundError with a stable code (a KubernetesApiError when the API
// server answered with a Status).
import { createHash } from 'node:crypto';
import {
  ApiException, CoreV1Api, createConfiguration, KubeConfig, KubernetesObjectApi, PatchStrategy, ResponseContext,
  ServerConfiguration, setHeaderOptions, wrapHttpLibrary, type RequestContext, type V1ObjectMeta,
} from '@kubernetes/client-node';
import { TlsDispatchers } from '../outbound/dispatchers.ts';
import type { EgressPolicy } from '../outbound/egress.ts';
import { codeForStatus, OutboundError } from '../outbound/errors.ts';
import { exchange, type ExchangeLimits } from '../outbound/exchange.ts';
import type { KubernetesTarget } from './vim-connection.ts';

/** A Kubernetes object as JSON: what activities read and write. */
export interface KubeResource {
  apiVersion: string;
  kind: string;
  metadata?: V1ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface KubernetesClientOptions {
  /** Bound on one exchange with an API server. */
  requestTimeoutMs: number;
  /** Largest answer read (a list of pods is the largest one). Default 8 MiB. */
  maxResponseBytes?: number;
  /** Extra CA trusted for API servers whose vimConnectionInfo names no ssl_ca_cert. */
  caPem?: string;
  /** Origins whose certificate is not verified (TLS_INSECURE_ORIGINS). */
  insecureOrigins?: readonly string[];
  egress?: EgressPolicy;
}

/** The API server answered with an error Status: its HTTP code and reason (NotFound, Conflict …). */
export class KubernetesApiError extends OutboundError {
  constructor(readonly statusCode: number, readonly reason: string, message: string) {
    super(statusCode === 409 && reason === 'Conflict' ? 'busy' : codeForStatus(statusCode), message, { status: statusCode });
  }
}

export class KubernetesClient {
  private readonly apis = new Map<string, KubernetesApi>();

  constructor(private readonly options: KubernetesClientOptions) {}

  /** The API of one server with one identity (kept: its discovery cache and connections are reused). */
  api(target: KubernetesTarget): KubernetesApi {
    const key = createHash('sha256').update(JSON.stringify(target)).digest('hex');
    let api = this.apis.get(key);
    if (!api) {
      api = new KubernetesApi(target, this.options);
      this.apis.set(key, api);
    }
    return api;
  }

  async close(): Promise<void> {
    await Promise.all([...this.apis.values()].map((api) => api.close()));
    this.apis.clear();
  }
}

export class KubernetesApi {
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly dispatchers: TlsDispatchers;

  constructor(private readonly target: KubernetesTarget, options: KubernetesClientOptions) {
    this.dispatchers = new TlsDispatchers({
      connectTimeoutMs: options.requestTimeoutMs,
      // A VIM's own CA is the only one trusted for it; without one, the system's and the configured CA.
      caPem: target.caCertPem ?? options.caPem,
      systemRoots: target.caCertPem === undefined,
      clientCertPem: target.clientCertPem,
      clientKeyPem: target.clientKeyPem,
      insecureOrigins: options.insecureOrigins,
      ...(options.egress ? { lookup: options.egress.lookup } : {}),
      log: () => undefined,
    });
    const limits: ExchangeLimits = { responseTimeoutMs: options.requestTimeoutMs, totalTimeoutMs: options.requestTimeoutMs, maxResponseBytes: options.maxResponseBytes ?? 8 * 1024 * 1024 };
    const withCertificate = target.clientCertPem !== undefined;
    const httpApi = wrapHttpLibrary({
      send: async (request: RequestContext) => {
        const url = request.getUrl();
        await options.egress?.check(url);
        const body = request.getBody();
        const answer = await exchange({
          method: request.getHttpMethod(),
          url,
          headers: request.getHeaders(),
          ...(typeof body === 'string' ? { body } : {}),
        }, this.dispatchers.for(url, withCertificate), limits);
        const text = answer.text;
        return new ResponseContext(answer.status, answer.headers as Record<string, string>, {
          text: () => Promise.resolve(text),
          binary: () => Promise.resolve(Buffer.from(text)),
        });
      },
    });
    const config = new KubeConfig();
    config.loadFromClusterAndUser(
      { name: 'vim', server: target.endpoint, skipTLSVerify: false },
      { name: 'vnfm', ...(target.bearerToken ? { token: target.bearerToken } : {}) },
    );
    const configuration = createConfiguration({ baseServer: new ServerConfiguration(target.endpoint, {}), authMethods: { default: config }, httpApi });
    this.objects = new KubernetesObjectApi(configuration);
    this.core = new CoreV1Api(configuration);
  }

  /** The object, or undefined when the API server has none (404). */
  async read(ref: ResourceRef): Promise<KubeResource | undefined> {
    try {
      return plain(await this.call(`read ${describe(ref)}`, () => this.objects.read(header(ref))));
    } catch (err) {
      if (err instanceof KubernetesApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  async create(object: KubeResource): Promise<KubeResource> {
    return plain(await this.call(`create ${describe(refOf(object))}`, () => this.objects.create(object)));
  }

  /** PUT: the whole object, conditional on its metadata.resourceVersion when it carries one. */
  async replace(object: KubeResource): Promise<KubeResource> {
    return plain(await this.call(`replace ${describe(refOf(object))}`, () => this.objects.replace(object)));
  }

  /** JSON merge patch (RFC 7386): `null` removes a field. */
  async mergePatch(ref: ResourceRef, patch: Record<string, unknown>): Promise<KubeResource> {
    const body = { ...patch, apiVersion: ref.apiVersion, kind: ref.kind, metadata: { ...(patch.metadata as object | undefined), name: ref.name, namespace: ref.namespace } };
    return plain(await this.call(`patch ${describe(ref)}`, () => this.objects.patch(body, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch)));
  }

  /** A strategic merge patch of a pod's status subresource (conditions merge by type). */
  async patchPodStatus(namespace: string, name: string, patch: Record<string, unknown>): Promise<void> {
    await this.call(`patch status of pod ${namespace}/${name}`, () => this.core.patchNamespacedPodStatus(
      { name, namespace, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)));
  }

  /** Deletes with the given propagation; false when there was nothing to delete. */
  async delete(ref: ResourceRef, propagationPolicy: 'Foreground' | 'Background' = 'Foreground'): Promise<boolean> {
    try {
      await this.call(`delete ${describe(ref)}`, () => this.objects.delete(header(ref), undefined, undefined, undefined, undefined, propagationPolicy));
      return true;
    } catch (err) {
      if (err instanceof KubernetesApiError && err.statusCode === 404) return false;
      throw err;
    }
  }

  async list(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<KubeResource[]> {
    const list = await this.call(`list ${kind} in ${namespace}`, () => this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector));
    // Items of a list come without apiVersion and kind (the list names them once).
    return (list.items).map((item) => ({ ...plain(item), apiVersion, kind }));
  }

  async close(): Promise<void> {
    await this.dispatchers.close();
  }

  /** Runs one client call; whatever it fails with leaves as an OutboundError naming what was done where. */
  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    const where = `Kubernetes ${new URL(this.target.endpoint).host}: ${what}`;
    try {
      return await run();
    } catch (err) {
      if (err instanceof ApiException) throw statusError(err as ApiException<unknown>, where);
      if (err instanceof OutboundError) throw new OutboundError(err.code, `${where}: ${err.message}`, { status: err.status, cause: err });
      throw new OutboundError('malformed', `${where}: ${(err as Error).message}`, { cause: err });
    }
  }
}

function statusError(err: ApiException<unknown>, where: string): KubernetesApiError {
  let body = err.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      // not a Status: the code alone says what happened
    }
  }
  const status = (typeof body === 'object' && body !== null ? body : {}) as { message?: unknown; reason?: unknown };
  const message = typeof status.message === 'string' ? status.message : `HTTP ${err.code}`;
  return new KubernetesApiError(err.code, typeof status.reason === 'string' ? status.reason : '', `${where}: ${message}`);
}

/** client-node's typed models as plain JSON (dates back to strings), as they went over the wire. */
function plain<T>(value: T): KubeResource {
  return JSON.parse(JSON.stringify(value)) as KubeResource;
}

/** What the generic object API needs to find an object: apiVersion, kind, name and namespace. */
function header(ref: ResourceRef): { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
}

export function refOf(object: KubeResource): ResourceRef {
  return {
    apiVersion: object.apiVersion ?? 'v1', kind: object.kind ?? '', name: object.metadata?.name ?? '',
    ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

export function describe(ref: ResourceRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}
