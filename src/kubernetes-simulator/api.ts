// The Kubernetes REST API over the cluster: discovery, and per resource list (or Table), watch,
// create, get, replace, patch (merge, JSON, strategic) and delete, with the `status`
// subresource. Paths, query parameters, status codes and Status errors are the API server's,
// so that kubectl and @kubernetes/client-node work against it unchanged.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { applyDefaults, validate } from './admission.ts';
import type { App } from '../http/app.ts';
import { acceptJson } from '../http/body-parsers.ts';
import { HttpProblem } from '../http/problem.ts';
import type { Cluster } from './cluster.ts';
import { clone, isJsonObject, scalarText, type JsonObject, type KubeObject } from './objects.ts';
import { applyPatch, PATCH_TYPES, PatchError } from './patches.ts';
import {
  apiGroupList, apiResourceList, apiVersionOf, coreVersions, RESOURCE_TYPES, resourceByPath, SERVER_VERSION, type ResourceType,
} from './resources.ts';
import { openApiDocument } from './openapi.ts';
import { matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.ts';
import { deletedStatus, KubeStatusError } from './status.ts';
import { toTable, wantsTable } from './table.ts';
import { serveWatch } from './watch.ts';

export interface KubernetesApiDeps {
  cluster: Cluster;
  /** host:port clients reach the server at (serverAddressByClientCIDRs). */
  serverAddress(request: FastifyRequest): string;
  /** The authenticated user, or undefined (a 401). */
  authenticate(request: FastifyRequest): string | undefined;
}

type Query = Record<string, string | undefined>;

interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Paths anyone may read, as the system:public-info-viewer role allows. */
export function publicRoutes(scope: App): void {
  scope.get('/version', () => SERVER_VERSION);
  for (const path of ['/healthz', '/livez', '/readyz']) scope.get(path, (_request, reply) => reply.type('text/plain').send('ok'));
}

export function kubernetesApiRoutes(scope: App, deps: KubernetesApiDeps): void {
  acceptJson(scope, ['application/json', PATCH_TYPES.merge, PATCH_TYPES.json, PATCH_TYPES.strategic]);
  scope.setErrorHandler((error, _request, reply) => {
    const status = asStatusError(error);
    return reply.code(status.code).type('application/json').serializer(JSON.stringify).send(status.toStatus());
  });
  scope.addHook('onRequest', (request, _reply, done) => {
    if (deps.authenticate(request) === undefined) throw new KubeStatusError(401, 'Unauthorized', 'Unauthorized');
    done();
  });

  scope.get('/api', (request) => coreVersions(deps.serverAddress(request)));
  scope.get('/apis', () => apiGroupList());
  scope.get('/api/v1', () => apiResourceList('', 'v1'));
  scope.get('/apis/apps/v1', () => apiResourceList('apps', 'v1'));
  scope.get('/openapi/v2', (request, reply) => {
    const { contentType, body } = openApiDocument(request.headers.accept);
    return reply.type(contentType).send(body);
  });

  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
  scope.route({ method: [...methods], url: '/api/v1/*', handler: (request, reply) => handle(deps.cluster, '', request, reply) });
  scope.route({ method: [...methods], url: '/apis/apps/v1/*', handler: (request, reply) => handle(deps.cluster, 'apps', request, reply) });
}

async function handle(cluster: Cluster, group: '' | 'apps', request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const rest = (request.params as { '*'?: string })['*'] ?? '';
  const target = parseTarget(group, rest.split('/').filter(Boolean).map(decodeURIComponent));
  const query = request.query as Query;
  const body = request.body;
  switch (request.method) {
    case 'GET':
      if (target.name) return reply.send(read(cluster, target, request));
      if (query.watch === 'true' || query.watch === '1') {
        serveWatch(request, reply, { store: cluster.store, type: target.type, namespace: target.namespace, labelSelector: query.labelSelector, fieldSelector: query.fieldSelector, resourceVersion: query.resourceVersion, timeoutSeconds: Number(query.timeoutSeconds) || undefined });
        return reply;
      }
      return reply.send(list(cluster, target, query, request));
    case 'POST':
      if (target.name) throw new KubeStatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      return reply.code(201).send(create(cluster, target, body, query));
    case 'PUT':
      return reply.send(replace(cluster, requireName(target), body, query));
    case 'PATCH':
      return reply.send(patch(cluster, requireName(target), body, String(request.headers['content-type'] ?? '').split(';')[0] ?? '', query));
    case 'DELETE':
      if (!target.name) return reply.send(deleteCollection(cluster, target, query));
      return reply.send(remove(cluster, target, body, query));
    default:
      throw new KubeStatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }
}

/** `namespaces/{ns}/{resource}[/{name}[/{sub}]]` or `{resource}[/{name}[/{sub}]]`. */
function parseTarget(group: '' | 'apps', segments: string[]): Target {
  const notFound = () => new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
  let target: Target;
  const namespacedType = segments[0] === 'namespaces' && segments.length >= 3 ? resourceByPath(group, 'v1', segments[2] as string) : undefined;
  if (namespacedType?.namespaced) {
    if (segments.length > 5) throw notFound();
    target = { type: namespacedType, namespace: segments[1], name: segments[3], subresource: segments[4] };
  } else {
    const type = resourceByPath(group, 'v1', segments[0] ?? '');
    if (!type || segments.length > 3 || (type.namespaced && segments.length > 1)) throw notFound();
    target = { type, name: segments[1], subresource: segments[2] };
  }
  if (target.subresource !== undefined && !target.type.subresources.includes(target.subresource)) throw notFound();
  return target;
}

function requireName(target: Target): Target & { name: string } {
  if (!target.name) throw new KubeStatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  return target as Target & { name: string };
}

function existing(cluster: Cluster, target: Target & { name: string }): KubeObject {
  const object = cluster.store.get(target.type, target.namespace, target.name);
  if (!object) throw KubeStatusError.notFound(target.type, target.name);
  return object;
}

function read(cluster: Cluster, target: Target, request: FastifyRequest): unknown {
  const object = existing(cluster, requireName(target));
  if (wantsTable(request.headers.accept)) return toTable(target.type, [object], cluster.store.currentResourceVersion, (request.query as Query).includeObject);
  return object;
}

function list(cluster: Cluster, target: Target, query: Query, request: FastifyRequest): unknown {
  const labels = selectorsOf(query);
  const fields = fieldsOf(query);
  const items = cluster.store.list(target.type, target.namespace).filter((o) => matchesLabels(o.metadata.labels, labels) && fields(o));
  const resourceVersion = cluster.store.currentResourceVersion;
  if (wantsTable(request.headers.accept)) return toTable(target.type, items, resourceVersion, query.includeObject);
  return {
    kind: `${target.type.kind}List`,
    apiVersion: apiVersionOf(target.type),
    metadata: { resourceVersion: String(resourceVersion) },
    // As the API server lists them: items without kind and apiVersion (the list says them once).
    items: items.map(({ kind: _kind, apiVersion: _apiVersion, ...item }) => item),
  };
}

function create(cluster: Cluster, target: Target, body: unknown, query: Query): KubeObject {
  const object = incoming(target, body);
  const namespace = target.namespace;
  if (target.type.namespaced) {
    if (object.metadata.namespace && object.metadata.namespace !== namespace) {
      throw KubeStatusError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    object.metadata.namespace = namespace;
    if (!cluster.store.get(RESOURCE_TYPES[0] as ResourceType, undefined, namespace ?? '')) {
      throw KubeStatusError.notFound(RESOURCE_TYPES[0] as ResourceType, namespace ?? '');
    }
  } else {
    delete object.metadata.namespace;
  }
  if (target.type.subresources.includes('status') || target.type.kind === 'Namespace') delete object.status;
  applyDefaults(target.type, object, () => cluster.serviceAddress());
  const name = object.metadata.name || object.metadata.generateName || '';
  const errors = validate(target.type, { ...object, metadata: { ...object.metadata, name: object.metadata.name || `${name}x` } });
  if (errors.length) throw KubeStatusError.invalid(target.type, name, errors);
  if (object.metadata.name && cluster.store.get(target.type, object.metadata.namespace, object.metadata.name)) {
    throw KubeStatusError.alreadyExists(target.type, object.metadata.name);
  }
  if (query.dryRun === 'All') return object;
  const stored = cluster.store.create(target.type, object);
  cluster.kick();
  return stored;
}

function replace(cluster: Cluster, target: Target & { name: string }, body: unknown, query: Query): KubeObject {
  const current = existing(cluster, target);
  const object = incoming(target, body);
  if (object.metadata.name !== target.name) {
    throw KubeStatusError.badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${target.name})`);
  }
  return store(cluster, target, current, object, query);
}

function patch(cluster: Cluster, target: Target & { name: string }, body: unknown, contentType: string, query: Query): KubeObject {
  const current = existing(cluster, target);
  let patched: JsonObject;
  try {
    patched = applyPatch(contentType, current as unknown as JsonObject, body);
  } catch (err) {
    if (err instanceof PatchError) throw new KubeStatusError(err.message.startsWith('unsupported') ? 415 : 422, err.message.startsWith('unsupported') ? 'UnsupportedMediaType' : 'Invalid', err.message);
    throw err;
  }
  const object = incoming(target, patched);
  if (object.metadata.name !== target.name) throw KubeStatusError.badRequest('a patch may not change the name');
  return store(cluster, target, current, object, query);
}

/** The write of an update or patch: status subresource or main resource, precondition, defaults, validation. */
function store(cluster: Cluster, target: Target & { name: string }, current: KubeObject, object: KubeObject, query: Query): KubeObject {
  const expected = object.metadata.resourceVersion || undefined;
  if (expected !== undefined && expected !== current.metadata.resourceVersion) throw KubeStatusError.conflict(target.type, target.name);
  let next: KubeObject;
  if (target.subresource === 'status') {
    next = { ...clone(current), status: object.status };
  } else {
    next = {
      ...object,
      metadata: { ...object.metadata, namespace: current.metadata.namespace, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, resourceVersion: current.metadata.resourceVersion },
      // The main resource does not write the status of a kind that has a status subresource.
      ...(target.type.subresources.includes('status') || target.type.kind === 'Namespace' ? { status: current.status } : {}),
    };
    applyDefaults(target.type, next, () => cluster.serviceAddress());
    const errors = validate(target.type, next, current);
    if (errors.length) throw KubeStatusError.invalid(target.type, target.name, errors);
  }
  if (query.dryRun === 'All') return next;
  const stored = cluster.store.update(target.type, next);
  cluster.kick();
  return stored;
}

function remove(cluster: Cluster, target: Target, body: unknown, query: Query): unknown {
  const object = existing(cluster, requireName(target));
  const options = isJsonObject(body) ? body : {};
  const policy = query.propagationPolicy ?? (scalarText(options.propagationPolicy) || 'Background');
  if (!['Background', 'Foreground', 'Orphan'].includes(policy)) throw KubeStatusError.badRequest(`unsupported propagationPolicy ${policy}`);
  if (query.dryRun === 'All') return object;
  const gone = cluster.delete(target.type, object, policy as 'Background' | 'Foreground' | 'Orphan');
  return target.type.kind === 'Pod' ? gone : deletedStatus(target.type, object.metadata.name, object.metadata.uid);
}

function deleteCollection(cluster: Cluster, target: Target, query: Query): unknown {
  const labels = selectorsOf(query);
  const fields = fieldsOf(query);
  const doomed = cluster.store.list(target.type, target.namespace).filter((o) => matchesLabels(o.metadata.labels, labels) && fields(o));
  for (const object of doomed) cluster.delete(target.type, object, 'Background');
  return { kind: `${target.type.kind}List`, apiVersion: apiVersionOf(target.type), metadata: { resourceVersion: String(cluster.store.currentResourceVersion) }, items: doomed };
}

/** A request body as an object of the target's kind, with only the metadata a client may set. */
function incoming(target: Target, body: unknown): KubeObject {
  if (!isJsonObject(body)) throw KubeStatusError.badRequest('the request body is not a JSON object');
  const apiVersion = apiVersionOf(target.type);
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
    throw KubeStatusError.badRequest(`the API version in the data (${scalarText(body.apiVersion)}) does not match the expected API version (${apiVersion})`);
  }
  if (body.kind !== undefined && body.kind !== target.type.kind) {
    throw KubeStatusError.badRequest(`the kind in the data (${scalarText(body.kind)}) does not match the expected kind (${target.type.kind})`);
  }
  const meta = isJsonObject(body.metadata) ? body.metadata : {};
  const rest = clone(body);
  delete rest.metadata;
  const text = (key: string) => (typeof meta[key] === 'string' ? meta[key] : undefined);
  return {
    ...rest,
    apiVersion,
    kind: target.type.kind,
    metadata: {
      name: text('name') ?? '',
      ...(text('generateName') ? { generateName: text('generateName') } : {}),
      ...(text('namespace') ? { namespace: text('namespace') } : {}),
      resourceVersion: text('resourceVersion') ?? '',
      uid: '',
      creationTimestamp: '',
      ...(isJsonObject(meta.labels) ? { labels: meta.labels as Record<string, string> } : {}),
      ...(isJsonObject(meta.annotations) ? { annotations: meta.annotations as Record<string, string> } : {}),
      ...(Array.isArray(meta.ownerReferences) ? { ownerReferences: meta.ownerReferences as unknown as KubeObject['metadata']['ownerReferences'] } : {}),
    },
  };
}

function selectorsOf(query: Query) {
  try {
    return parseLabelSelector(query.labelSelector);
  } catch (err) {
    throw KubeStatusError.badRequest((err as Error).message);
  }
}

function fieldsOf(query: Query) {
  try {
    return parseFieldSelector(query.fieldSelector);
  } catch (err) {
    if (err instanceof SelectorError) throw KubeStatusError.badRequest(err.message);
    throw err;
  }
}

/** Any error in this scope as a Status: the kit's parsers raise HttpProblems (400, 413, 415). */
function asStatusError(error: unknown): KubeStatusError {
  if (error instanceof KubeStatusError) return error;
  if (error instanceof HttpProblem) {
    const reasons: Record<number, KubeStatusError['reason']> = { 400: 'BadRequest', 401: 'Unauthorized', 404: 'NotFound', 405: 'MethodNotAllowed', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType' };
    return new KubeStatusError(error.status, reasons[error.status] ?? 'BadRequest', error.detail);
  }
  const { statusCode, message } = error as { statusCode?: number; message?: string };
  if (statusCode === 415) return new KubeStatusError(415, 'UnsupportedMediaType', message ?? 'unsupported media type');
  if (statusCode === 413) return new KubeStatusError(413, 'RequestEntityTooLarge', message ?? 'request entity too large');
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return KubeStatusError.badRequest(message ?? 'bad request');
  return new KubeStatusError(500, 'InternalError', 'an internal error occurred');
}
