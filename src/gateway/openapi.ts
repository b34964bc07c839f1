// The gateway's API as an OpenAPI 3.1 document (GET /openapi.json). Every schema in it is
// generated from zod with z.toJSONSchema: request bodies from the very schemas the routes
// parse (as input: what is accepted), response bodies from the schemas the responses are
// typed with (as output: what is sent). The operation table below is checked against the
// router's registered routes by test/openapi.test.ts, so the document cannot drift.
import { z } from 'zod';
import { ProblemDetails, PROBLEM_CONTENT_TYPE } from '../http/problem.ts';
import { TokenResponse } from '../lcmcoord/models.ts';
import { LccnSubscription, LccnSubscriptionRequest } from '../notifications/models.ts';
import {
  CancelMode, ChangeCurrentVnfPkgRequest, CreateVnfRequest, InstantiateVnfRequest, TerminateVnfRequest,
  VNFLCM_API_VERSION, VnfInstance, VnfLcmOpOcc,
} from '../sol003/models.ts';
import {
  CreateVnfPkgInfoRequest, VNFPKGM_API_VERSION, VnfPkgInfo, VnfPkgInfoModifications,
} from '../sol005/models.ts';
import { ApiVersionInformation } from '../lcmcoord/models.ts';
import { TOKEN_PATH } from './auth.ts';


/** RFC 6749 §4.4.2 access token request; the client authenticates by HTTP Basic (or, RFC 6749 §2.3.1, in the form). */
export const TokenRequest = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});

/** Request bodies, by component name: the schemas the routes parse. */
export const REQUEST_MODELS = {
  CreateVnfRequest, InstantiateVnfRequest, TerminateVnfRequest, ChangeCurrentVnfPkgRequest, CancelMode,
  LccnSubscriptionRequest, CreateVnfPkgInfoRequest, VnfPkgInfoModifications, TokenRequest,
} satisfies Record<string, z.ZodType>;

/** Response bodies, by component name: the schemas the responses are typed with. */
export const RESPONSE_MODELS = {
  ProblemDetails, ApiVersionInformation, VnfInstance, VnfLcmOpOcc, LccnSubscription, VnfPkgInfo,
  VnfPkgInfoModifications, TokenResponse,
} satisfies Record<string, z.ZodType>;

type RequestModel = keyof typeof REQUEST_MODELS;
type ResponseModel = keyof typeof RESPONSE_MODELS;
type JsonSchema = Record<string, unknown>;

/** A JSON-like body of a request model (default media type application/json), or raw content. */
type Body = { model: RequestModel; mediaTypes?: string[] } | { content: Record<string, JsonSchema> };

interface Success {
  status: number;
  description: string;
  /** A JSON body of this model (an array of it with `list`). */
  model?: ResponseModel;
  list?: boolean;
  /** Non-JSON bodies: media type → schema. */
  content?: Record<string, JsonSchema>;
  location?: boolean;
  /** Paging (SOL013 §5.4.2.3). */
  link?: boolean;
}

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template ({id}) below the apiRoot. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** The API version served; the Version header must name one of its major version (none: no header checked). */
  version?: string;
  /** Reachable without credentials. */
  public?: boolean;
  query?: ('filter' | 'nextpage_opaque_marker')[];
  body?: Body;
  ok: Success[];
  /** ProblemDetails answers beyond the ones every operation of its kind has; status → when. */
  problems?: Record<number, string>;
}

const VNFLCM = '/vnflcm/v2';
const VNFPKGM = '/vnfpkgm/v1';
const TAG_LCM = 'vnflcm';
const TAG_PKGM = 'vnfpkgm';
const TAG_GATEWAY = 'gateway';
const lcm = { tag: TAG_LCM, version: VNFLCM_API_VERSION } as const;
const pkgm = { tag: TAG_PKGM, version: VNFPKGM_API_VERSION } as const;
const binary = (mediaType: string): JsonSchema => jsonSchema(z.file().mime(mediaType), 'input');

const OPERATIONS: Operation[] = [
  // --- SOL003 VNF LCM (vnflcm v2) ---
  {
    method: 'get', path: `${VNFLCM}/api_versions`, operationId: 'getVnfLcmApiVersions', tag: TAG_LCM,
    summary: 'API versions of the VNF LCM interface (no Version header needed)',
    ok: [{ status: 200, description: 'the supported versions', model: 'ApiVersionInformation' }],
  },
  {
    ...lcm, method: 'get', path: `${VNFLCM}/vnf_instances`, operationId: 'listVnfInstances',
    summary: 'VNF instances',
    ok: [{ status: 200, description: 'every VNF instance', model: 'VnfInstance', list: true }],
  },
  {
    ...lcm, method: 'post', path: `${VNFLCM}/vnf_instances`, operationId: 'createVnfInstance',
    summary: 'Create a VNF instance resource (NOT_INSTANTIATED) from an onboarded VNF package',
    body: { model: 'CreateVnfRequest' },
    ok: [{ status: 201, description: 'created', model: 'VnfInstance', location: true }],
    problems: { 422: 'no onboarded, enabled VNF package has the vnfdId' },
  },
  {
    ...lcm, method: 'get', path: `${VNFLCM}/vnf_instances/{id}`, operationId: 'getVnfInstance',
    summary: 'One VNF instance',
    ok: [{ status: 200, description: 'the VNF instance', model: 'VnfInstance' }],
  },
  {
    ...lcm, method: 'delete', path: `${VNFLCM}/vnf_instances/{id}`, operationId: 'deleteVnfInstance',
    summary: 'Delete a NOT_INSTANTIATED VNF instance resource',
    ok: [{ status: 204, description: 'deleted' }],
    problems: { 409: 'the VNF instance is INSTANTIATED' },
  },
  {
    ...lcm, method: 'post', path: `${VNFLCM}/vnf_instances/{id}/instantiate`, operationId: 'instantiateVnf',
    summary: 'Instantiate a VNF instance',
    body: { model: 'InstantiateVnfRequest' },
    ok: [{ status: 202, description: 'accepted; Location is the VNF LCM operation occurrence', location: true }],
    problems: { 409: 'the VNF instance is INSTANTIATED or has an LCM operation in progress', 422: 'the request does not fit the VNFD' },
  },
  {
    ...lcm, method: 'post', path: `${VNFLCM}/vnf_instances/{id}/terminate`, operationId: 'terminateVnf',
    summary: 'Terminate a VNF instance',
    body: { model: 'TerminateVnfRequest' },
    ok: [{ status: 202, description: 'accepted; Location is the VNF LCM operation occurrence', location: true }],
    problems: { 409: 'the VNF instance is NOT_INSTANTIATED or has an LCM operation in progress' },
  },
  {
    ...lcm, method: 'post', path: `${VNFLCM}/vnf_instances/{id}/change_vnfpkg`, operationId: 'changeCurrentVnfPkg',
    summary: 'Change the current VNF package: a rolling update of the VNFCs, coordinated with the EM',
    body: { model: 'ChangeCurrentVnfPkgRequest' },
    ok: [{ status: 202, description: 'accepted; Location is the VNF LCM operation occurrence', location: true }],
    problems: {
      409: 'the VNF instance is not INSTANTIATED, or an LCM operation on it is in progress or in FAILED_TEMP',
      422: 'the destination package, a VDU or a coordinate script named in the request does not exist',
    },
  },
  {
    ...lcm, method: 'get', path: `${VNFLCM}/vnf_lcm_op_occs`, operationId: 'listVnfLcmOpOccs',
    summary: 'VNF LCM operation occurrences (SOL013 attribute filter, paged)',
    query: ['filter', 'nextpage_opaque_marker'],
    ok: [{ status: 200, description: 'the matching occurrences; Link names the next page', model: 'VnfLcmOpOcc', list: true, link: true }],
  },
  {
    ...lcm, method: 'get', path: `${VNFLCM}/vnf_lcm_op_occs/{id}`, operationId: 'getVnfLcmOpOcc',
    summary: 'One VNF LCM operation occurrence',
    ok: [{ status: 200, description: 'the occurrence', model: 'VnfLcmOpOcc' }],
  },
  ...(['retry', 'rollback'] as const).map((task): Operation => ({
    ...lcm, method: 'post', path: `${VNFLCM}/vnf_lcm_op_occs/{id}/${task}`, operationId: `${task}VnfLcmOpOcc`,
    summary: `${task === 'retry' ? 'Retry' : 'Roll back'} an operation in FAILED_TEMP`,
    ok: [{ status: 202, description: 'accepted' }],
    problems: { 409: `the occurrence is not in FAILED_TEMP, or ${task} is not allowed` },
  })),
  {
    ...lcm, method: 'post', path: `${VNFLCM}/vnf_lcm_op_occs/{id}/fail`, operationId: 'failVnfLcmOpOcc',
    summary: 'Mark an operation in FAILED_TEMP as FAILED',
    ok: [{ status: 200, description: 'the occurrence, now FAILED', model: 'VnfLcmOpOcc' }],
    problems: { 409: 'the occurrence is not in FAILED_TEMP' },
  },
  {
    ...lcm, method: 'post', path: `${VNFLCM}/vnf_lcm_op_occs/{id}/cancel`, operationId: 'cancelVnfLcmOpOcc',
    summary: 'Cancel an operation in STARTING, PROCESSING or ROLLING_BACK',
    body: { model: 'CancelMode' },
    ok: [{ status: 202, description: 'accepted' }],
    problems: { 409: 'the occurrence is not in STARTING, PROCESSING or ROLLING_BACK' },
  },
  {
    ...lcm, method: 'get', path: `${VNFLCM}/subscriptions`, operationId: 'listSubscriptions',
    summary: 'Subscriptions to lifecycle change notifications (SOL013 attribute filter)',
    query: ['filter'],
    ok: [{ status: 200, description: 'the matching subscriptions', model: 'LccnSubscription', list: true }],
  },
  {
    ...lcm, method: 'post', path: `${VNFLCM}/subscriptions`, operationId: 'createSubscription',
    summary: 'Subscribe to lifecycle change notifications (the callbackUri is tested first)',
    body: { model: 'LccnSubscriptionRequest' },
    ok: [
      { status: 201, description: 'created', model: 'LccnSubscription', location: true },
      { status: 303, description: 'the same subscription exists; Location names it', location: true },
    ],
    problems: { 422: 'a filter attribute or authentication type this VNFM does not support' },
  },
  {
    ...lcm, method: 'get', path: `${VNFLCM}/subscriptions/{id}`, operationId: 'getSubscription',
    summary: 'One subscription (never its authentication)',
    ok: [{ status: 200, description: 'the subscription', model: 'LccnSubscription' }],
  },
  {
    ...lcm, method: 'delete', path: `${VNFLCM}/subscriptions/{id}`, operationId: 'deleteSubscription',
    summary: 'Delete a subscription',
    ok: [{ status: 204, description: 'deleted' }],
  },

  // --- SOL005 VNF package management (vnfpkgm v1) ---
  {
    method: 'get', path: `${VNFPKGM}/api_versions`, operationId: 'getVnfPkgmApiVersions', tag: TAG_PKGM,
    summary: 'API versions of the VNF package management interface (no Version header needed)',
    ok: [{ status: 200, description: 'the supported versions', model: 'ApiVersionInformation' }],
  },
  {
    ...pkgm, method: 'post', path: `${VNFPKGM}/vnf_packages`, operationId: 'createVnfPackage',
    summary: 'Create a VNF package resource (CREATED), to upload content to',
    body: { model: 'CreateVnfPkgInfoRequest' },
    ok: [{ status: 201, description: 'created', model: 'VnfPkgInfo', location: true }],
    problems: { 415: 'the Content-Type is not application/json' },
  },
  {
    ...pkgm, method: 'get', path: `${VNFPKGM}/vnf_packages`, operationId: 'listVnfPackages',
    summary: 'VNF packages (SOL013 attribute filter)',
    query: ['filter'],
    ok: [{ status: 200, description: 'the matching packages', model: 'VnfPkgInfo', list: true }],
  },
  {
    ...pkgm, method: 'get', path: `${VNFPKGM}/vnf_packages/{id}`, operationId: 'getVnfPackage',
    summary: 'One VNF package',
    ok: [{ status: 200, description: 'the package', model: 'VnfPkgInfo' }],
  },
  {
    ...pkgm, method: 'patch', path: `${VNFPKGM}/vnf_packages/{id}`, operationId: 'modifyVnfPackage',
    summary: 'Enable or disable a VNF package, or merge-patch its userDefinedData',
    body: { model: 'VnfPkgInfoModifications', mediaTypes: ['application/merge-patch+json', 'application/json'] },
    ok: [{ status: 200, description: 'the modifications applied', model: 'VnfPkgInfoModifications' }],
    problems: { 409: 'the package is not ONBOARDED, or already in that operational state', 415: 'the Content-Type is not application/merge-patch+json' },
  },
  {
    ...pkgm, method: 'delete', path: `${VNFPKGM}/vnf_packages/{id}`, operationId: 'deleteVnfPackage',
    summary: 'Delete a DISABLED VNF package that no VNF instance uses',
    ok: [{ status: 204, description: 'deleted' }],
    problems: { 409: 'the package is ENABLED, IN_USE or being onboarded' },
  },
  {
    ...pkgm, method: 'put', path: `${VNFPKGM}/vnf_packages/{id}/package_content`, operationId: 'uploadVnfPackageContent',
    summary: 'Upload the package content (a CSAR); onboarded before the answer',
    body: { content: { 'application/zip': binary('application/zip') } },
    ok: [{ status: 202, description: 'the package is ONBOARDED' }],
    problems: {
      400: 'the Version header is missing, or the body is not a ZIP archive',
      409: 'the package is not CREATED, or its vnfdId is onboarded already',
      413: 'the package exceeds the size or file-count limits',
      415: 'the Content-Type is not application/zip',
      422: 'the CSAR is invalid (metadata, VNFD, unsafe paths)',
    },
  },
  {
    ...pkgm, method: 'get', path: `${VNFPKGM}/vnf_packages/{id}/package_content`, operationId: 'getVnfPackageContent',
    summary: 'The package content (the CSAR)',
    ok: [{ status: 200, description: 'the CSAR', content: { 'application/zip': binary('application/zip') } }],
    problems: { 406: 'the Version header or the Accept header is not supported', 409: 'the package is not ONBOARDED' },
  },
  {
    ...pkgm, method: 'get', path: `${VNFPKGM}/vnf_packages/{id}/vnfd`, operationId: 'getVnfd',
    summary: 'The VNFD of the package: one YAML file as text/plain, or a ZIP of its files',
    ok: [{
      status: 200, description: 'the VNFD',
      content: { 'text/plain': jsonSchema(z.string(), 'output'), 'application/zip': binary('application/zip') },
    }],
    problems: { 406: 'the Version header is not supported, or Accept allows no form the VNFD has', 409: 'the package is not ONBOARDED' },
  },

  // --- the gateway itself ---
  {
    method: 'post', path: TOKEN_PATH, operationId: 'issueToken', tag: TAG_GATEWAY, public: true,
    summary: 'OAuth 2.0 client-credentials token endpoint (client authentication by HTTP Basic)',
    body: { model: 'TokenRequest', mediaTypes: ['application/x-www-form-urlencoded'] },
    ok: [{ status: 200, description: 'a bearer token for the API', model: 'TokenResponse' }],
    problems: { 400: 'grant_type is not client_credentials', 401: 'the client credentials are not valid' },
  },
  {
    method: 'get', path: '/openapi.json', operationId: 'getOpenApiDocument', tag: TAG_GATEWAY, public: true,
    summary: 'This document',
    ok: [{ status: 200, description: 'the OpenAPI 3.1 document', content: { 'application/json': jsonSchema(z.looseObject({ openapi: z.string() }), 'output') } }],
  },
];

/** Default reason per ProblemDetails status; an operation's `problems` refine it. */
const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'bad request: the Version header is missing, or a parameter or the body is invalid',
  401: 'no valid credentials (WWW-Authenticate names the accepted schemes)',
  404: 'no such resource',
  405: 'the method is not supported on this resource (Allow names those that are)',
  406: 'the API version named in the Version header is not supported',
  409: 'conflict with the state of the resource',
  413: 'the request body is too large',
  415: 'the Content-Type is not supported',
  422: 'the request is well formed but cannot be processed',
};

/** The OpenAPI 3.1 document of the gateway served at apiRoot. */
export function openApiDocument(apiRoot: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method] = operationObject(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'durable-vnfm gateway',
      version: `vnflcm ${VNFLCM_API_VERSION}, vnfpkgm ${VNFPKGM_API_VERSION}`,
      description: 'ETSI NFV-SOL 003 VNF LCM (vnflcm v2) and SOL 005 VNF package management (vnfpkgm v1), as OpenStack Tacker serves them. '
        + `Every error is a ProblemDetails (${PROBLEM_CONTENT_TYPE}) with status and detail.`,
    },
    servers: [{ url: apiRoot }],
    tags: [
      { name: TAG_LCM, description: `SOL003 VNF lifecycle management, API version ${VNFLCM_API_VERSION}` },
      { name: TAG_PKGM, description: `SOL005 VNF package management, API version ${VNFPKGM_API_VERSION}` },
      { name: TAG_GATEWAY, description: 'Token endpoint and this document' },
    ],
    security: [{ apiToken: [] }, { bearer: [] }, { basic: [] }, { oauth2: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        apiToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'a static API token, as python-tackerclient sends it' },
        bearer: { type: 'http', scheme: 'bearer', description: 'a static API token or a token from the token endpoint' },
        basic: { type: 'http', scheme: 'basic' },
        oauth2: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: `${apiRoot}${TOKEN_PATH}`, scopes: {} } } },
      },
    },
  };
}

function operationObject(op: Operation): Record<string, unknown> {
  const parameters: unknown[] = [];
  for (const [, name] of op.path.matchAll(/\{([^}]+)\}/g)) {
    parameters.push({ name, in: 'path', required: true, description: 'identifier of the resource', schema: jsonSchema(z.string().min(1), 'input') });
  }
  for (const name of op.query ?? []) {
    parameters.push(name === 'filter'
      ? { name, in: 'query', required: false, description: 'SOL013 §5.2 attribute filter, e.g. (eq,operationState,COMPLETED)', schema: jsonSchema(z.string(), 'input') }
      : { name, in: 'query', required: false, description: 'the marker of the next page, from the Link header', schema: jsonSchema(z.string(), 'input') });
  }
  if (op.version) {
    const major = op.version.split('.')[0] ?? '';
    parameters.push({
      name: 'Version', in: 'header', required: true,
      description: `the API version (SOL013 §4.9): ${op.version}, or any ${major}.x.y`,
      schema: { ...jsonSchema(z.string().regex(new RegExp(`^${major}\\.\\d+\\.\\d+$`)), 'input'), examples: [op.version] },
    });
  }
  const responses: Record<string, unknown> = {};
  for (const ok of op.ok) responses[String(ok.status)] = successResponse(ok);
  for (const [status, description] of Object.entries(problemStatuses(op))) responses[status] = problemResponse(Number(status), description);
  return {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: requestBody(op.body) } : {}),
    responses,
    ...(op.public ? { security: [] } : {}),
  };
}

/** Which ProblemDetails an operation can answer, and why: derived from what it checks, then refined. */
function problemStatuses(op: Operation): Record<number, string> {
  const statuses: Record<number, string> = {};
  const add = (status: number): void => void (statuses[status] = PROBLEM_DESCRIPTIONS[status] ?? 'error');
  if (op.version || op.body || op.query?.length) add(400);
  if (!op.public) add(401);
  if (op.path.includes('{')) add(404);
  add(405);
  if (op.version) add(406);
  if (op.body) add(413);
  return { ...statuses, ...op.problems };
}

function successResponse(ok: Success): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  if (ok.location) headers.Location = { required: true, description: 'the resource', schema: jsonSchema(z.url(), 'output') };
  if (ok.link) headers.Link = { required: false, description: 'rel="next": the next page', schema: jsonSchema(z.string(), 'output') };
  const model = ok.model && (ok.list ? { type: 'array', items: ref(ok.model) } : ref(ok.model));
  const content = model ? { 'application/json': { schema: model } } : ok.content && mediaTypes(ok.content);
  return {
    description: ok.description,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(content ? { content } : {}),
  };
}

function problemResponse(status: number, description: string): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  if (status === 401) headers['WWW-Authenticate'] = { required: true, description: 'the accepted schemes', schema: jsonSchema(z.string(), 'output') };
  if (status === 405) headers.Allow = { required: true, description: 'the supported methods', schema: jsonSchema(z.string(), 'output') };
  return {
    description,
    ...(Object.keys(headers).length ? { headers } : {}),
    content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('ProblemDetails') } },
  };
}

function requestBody(body: Body): Record<string, unknown> {
  const content = 'model' in body
    ? Object.fromEntries((body.mediaTypes ?? ['application/json']).map((type) => [type, ref(body.model)]))
    : body.content;
  return { required: true, content: mediaTypes(content) };
}

function mediaTypes(schemas: Record<string, JsonSchema>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schemas).map(([type, schema]) => [type, { schema }]));
}

function ref(model: RequestModel | ResponseModel): JsonSchema {
  return { $ref: `#/components/schemas/${model}` };
}

/**
 * components/schemas: request models as zod inputs, response models as zod outputs, each
 * generated once with references between registered models. A model that is both (e.g. the
 * PATCH modifications) must come out the same both ways, or the document would lie for one.
 */
function componentSchemas(): Record<string, JsonSchema> {
  const requests = registrySchemas(REQUEST_MODELS, 'input');
  const responses = registrySchemas(RESPONSE_MODELS, 'output');
  for (const [name, schema] of Object.entries(requests)) {
    if (name in responses && JSON.stringify(responses[name]) !== JSON.stringify(schema)) {
      throw new Error(`${name} is a request and a response model, and its input and output JSON Schemas differ`);
    }
  }
  return Object.fromEntries(Object.entries({ ...responses, ...requests }).sort(([a], [b]) => a.localeCompare(b)));
}

function registrySchemas(models: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(models)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io, uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, bare(schema)]));
}

/** One zod schema as an inline JSON Schema (parameters, headers, non-JSON bodies). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return bare(z.toJSONSchema(schema, { target: 'draft-2020-12', io }));
}

/** Without the dialect and id keywords: inside an OpenAPI 3.1 document the dialect is implied. */
function bare(schema: object): JsonSchema {
  const rest: JsonSchema = { ...schema };
  delete rest.$schema;
  delete rest.$id;
  return rest;
}
