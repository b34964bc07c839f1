// The gateway's OpenAPI 3.1 document (GET /openapi.json), made by @fastify/swagger from the
// routes as they are declared: each route's zod schemas (params, query, headers, body) and
// answers go through the zod provider's jsonSchemaTransform, the wire models are components,
// and the ProblemDetails a route can give are added by the scopes that give them
// (`answerInScope`: authentication, the Version check, validation, 405). Nothing here lists
// the routes, so the document cannot drift from them.
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemDetails, PROBLEM_CONTENT_TYPE } from '../http/problem.ts';
import { ApiVersionInformation, TokenResponse } from '../lcmcoord/models.ts';
import { LccnSubscription, LccnSubscriptionRequest } from '../notifications/models.ts';
import {
  CancelMode, ChangeCurrentVnfPkgRequestAnyVim, CreateVnfRequest, InstantiateVnfRequest, TerminateVnfRequest,
  VNFLCM_API_VERSION, VnfInfoModificationRequest, VnfInstance, VnfLcmOpOcc,
} from '../sol003/models.ts';
import { CreateVnfPkgInfoRequest, UploadVnfPkgFromUriRequest, VNFPKGM_API_VERSION, VnfPkgInfo, VnfPkgInfoModifications } from '../sol005/models.ts';
import { problem, type Answer } from './answers.ts';
import { TOKEN_PATH, TokenRequest } from './auth.ts';

type SchemaMeta = { id?: string; [key: string]: unknown };
type JsonObject = Record<string, unknown>;

/**
 * The wire models that are components of the document, by name (request models appear as
 * `<name>Input`). ChangeCurrentVnfPkgRequest is the body as the route takes it, for any VIM.
 */
export const COMPONENTS = {
  ProblemDetails, ApiVersionInformation, TokenRequest, TokenResponse,
  CreateVnfRequest, InstantiateVnfRequest, TerminateVnfRequest, ChangeCurrentVnfPkgRequest: ChangeCurrentVnfPkgRequestAnyVim, CancelMode,
  VnfInfoModificationRequest, VnfInstance, VnfLcmOpOcc,
  LccnSubscriptionRequest, LccnSubscription, CreateVnfPkgInfoRequest, VnfPkgInfoModifications, UploadVnfPkgFromUriRequest, VnfPkgInfo,
} satisfies Record<string, z.ZodType>;

/**
 * The registry the document is made from: the components by id, metadata of request bodies that
 * are streams (`describeStream`), and, for every other schema, zod's global metadata (field
 * descriptions), as z.toJSONSchema would show them.
 */
const apiSchemas = z.registry<SchemaMeta>();
apiSchemas._map = new (class extends WeakMap<z.core.$ZodType, SchemaMeta> {
  override get(schema: z.core.$ZodType): SchemaMeta | undefined {
    return super.get(schema) ?? z.globalRegistry.get(schema);
  }
})();
for (const [id, schema] of Object.entries(COMPONENTS)) apiSchemas.add(schema, { id });

/** A body the route reads as a stream, documented as the bytes of its media type. */
export function describeStream<S extends z.ZodType>(schema: S, mediaType: string): S {
  apiSchemas.add(schema, bare(z.toJSONSchema(z.file().mime(mediaType), { target: 'draft-2020-12', io: 'input' })));
  return schema;
}

const TAGS = {
  vnflcm: `SOL003 VNF lifecycle management, API version ${VNFLCM_API_VERSION}`,
  vnfpkgm: `SOL005 VNF package management, API version ${VNFPKGM_API_VERSION}`,
  gateway: 'Token endpoint and this document',
};
export type Tag = keyof typeof TAGS;

/** Registers the document's generator on the app (`app.swagger()`); the routes are declared after it. */
export function registerOpenApi(app: FastifyInstance, apiRoot: string): void {
  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'durable-vnfm gateway',
        version: `vnflcm ${VNFLCM_API_VERSION}, vnfpkgm ${VNFPKGM_API_VERSION}`,
        description: 'ETSI NFV-SOL 003 VNF LCM (vnflcm v2) and SOL 005 VNF package management (vnfpkgm v1), as OpenStack Tacker serves them. '
          + `Every error is a ProblemDetails (${PROBLEM_CONTENT_TYPE}) with status and detail.`,
      },
      servers: [{ url: apiRoot }],
      tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
      security: [{ apiToken: [] }, { bearer: [] }, { basic: [] }, { oauth2: [] }],
      components: {
        securitySchemes: {
          apiToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'a static API token, as python-tackerclient sends it' },
          bearer: { type: 'http', scheme: 'bearer', description: 'a static API token or a token from the token endpoint' },
          basic: { type: 'http', scheme: 'basic' },
          oauth2: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: `${apiRoot}${TOKEN_PATH}`, scopes: {} } } },
        },
      },
    },
    transform: documentRoute,
    transformObject: documentObject,
  });
}

/**
 * Adds answers to every route declared in this scope from now on (a route's own description of
 * a status wins): the ProblemDetails that the scope's hooks and the kit give.
 */
export function answerInScope(scope: FastifyInstance, answers: (route: RouteOptions) => Record<number, Answer>): void {
  scope.addHook('onRoute', (route) => {
    const own = (route.schema?.response ?? {}) as Record<string, unknown>;
    route.schema = { ...route.schema, response: { ...answers(route), ...own } };
  });
}

/** What every route of the gateway can answer besides its own answers: the kit's errors. */
export function kitAnswers(route: RouteOptions): Record<number, Answer> {
  const { schema } = route;
  const answers: Record<number, Answer> = {};
  if (schema?.body !== undefined || schema?.querystring !== undefined || schema?.params !== undefined) {
    answers[400] = problem('a parameter or the body is invalid (detail names the field), or the body is not valid JSON');
  }
  if (schema?.params !== undefined) answers[404] = problem('no such resource');
  answers[405] = problem('the method is not supported on this resource (Allow names those that are)', { Allow: z.string().describe('the supported methods') });
  if (schema?.body !== undefined) {
    answers[413] = problem('the request body is too large');
    answers[415] = problem('the Content-Type is not supported here');
  }
  return answers;
}

const transformRoute = createJsonSchemaTransform({ schemaRegistry: apiSchemas });
const transformDocument = createJsonSchemaTransformObject({ schemaRegistry: apiSchemas });

/** One route's part of the document: the zod provider's schemas, plus answer headers, bodiless answers and header names. */
const documentRoute: typeof transformRoute = (route) => {
  const answers = (route.schema?.response ?? {}) as Record<string, Answer>;
  const { schema, url } = transformRoute(route);
  const responses = schema.response as Record<string, JsonObject> | undefined;
  // SOL013 §4.9: every answer of an API says its version (version-header.ts sets it).
  const version = apiVersionOf(route.url);
  for (const [status, answer] of Object.entries(answers)) {
    const documented = responses?.[status];
    if (!documented) continue;
    // A bodiless answer is `type: null` to @fastify/swagger (no content at all).
    if (Object.keys(answer.content).length === 0) documented.type = 'null';
    const headers = { ...answer.headers, ...(version && { Version: z.string().describe(`the API version of the answer (${version})`) }) };
    if (Object.keys(headers).length > 0) documented.headers = Object.fromEntries(Object.entries(headers).map(([name, header]) => [name, headerSchema(header)]));
  }
  if (schema.headers) schema.headers = canonicalHeaderNames(schema.headers as JsonObject);
  return { schema, url: namedWildcard(url, schema as JsonObject) };
};

/** The one wildcard route (a package artifact) documents its `*` as SOL005 names it. */
export const WILDCARD_PARAMETER = 'artifactPath';

/** `/…/*` as `/…/{artifactPath}`, its parameter renamed to match. */
function namedWildcard(url: string, schema: JsonObject): string {
  if (!url.endsWith('*')) return url;
  const params = schema.params as { properties?: JsonObject; required?: string[] } | undefined;
  if (params?.properties && '*' in params.properties) {
    params.properties = Object.fromEntries(Object.entries(params.properties).map(([name, value]) => [name === '*' ? WILDCARD_PARAMETER : name, value]));
    params.required = params.required?.map((name) => (name === '*' ? WILDCARD_PARAMETER : name));
  }
  return `${url.slice(0, -1)}{${WILDCARD_PARAMETER}}`;
}

/** The whole document: the components the operations use (transitively), and response headers marked required. */
const documentObject: typeof transformDocument = (document) => {
  const object = transformDocument(document) as JsonObject & { paths?: JsonObject; components?: { schemas?: Record<string, unknown> } };
  const schemas = object.components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const name = key === '$ref' && typeof value === 'string' ? value.replace('#/components/schemas/', '') : undefined;
      if (name !== undefined && !used.has(name)) {
        used.add(name);
        visit(schemas[name]);
      } else {
        visit(value);
      }
    }
  };
  visit(object.paths);
  if (object.components) object.components.schemas = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)).sort(([a], [b]) => a.localeCompare(b)));
  liftRequiredHeaders(object.paths);
  return object as ReturnType<typeof transformDocument>;
};

const REQUIRED = 'x-required';

/** The version an answer under this path carries, if the path is one of an API's. */
function apiVersionOf(url: string): string | undefined {
  if (url.startsWith('/vnflcm/v1/')) return '1.3.0';
  if (url.startsWith('/vnflcm/')) return VNFLCM_API_VERSION;
  if (url.startsWith('/vnfpkgm/')) return VNFPKGM_API_VERSION;
  return undefined;
}

/** A response header as @fastify/swagger takes it (its description beside the schema); required unless optional. */
function headerSchema(header: z.ZodType): JsonObject {
  return { ...bare(z.toJSONSchema(header, { target: 'draft-2020-12', io: 'output' })), ...(!header.safeParse(undefined).success && { [REQUIRED]: true }) };
}

/** @fastify/swagger puts a response header's schema as it is under `schema`; `required` belongs beside it. */
function liftRequiredHeaders(paths: unknown): void {
  for (const item of Object.values((paths ?? {}) as Record<string, Record<string, { responses?: Record<string, { headers?: Record<string, { required?: boolean; schema?: JsonObject }> }> }>>)) {
    for (const operation of Object.values(item)) {
      for (const response of Object.values(operation.responses ?? {})) {
        for (const header of Object.values(response.headers ?? {})) {
          if (header.schema?.[REQUIRED] === undefined) continue;
          delete header.schema[REQUIRED];
          header.required = true;
        }
      }
    }
  }
}

/** Node gives handlers header names in lower case; the document names them as clients write them (`Version`). */
function canonicalHeaderNames(schema: JsonObject): JsonObject {
  const canonical = (name: string): string => name.replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
  const properties = (schema.properties ?? {}) as JsonObject;
  // Other headers are allowed (additionalProperties), which is no parameter of the document.
  const rest = { ...schema };
  delete rest.additionalProperties;
  return {
    ...rest,
    properties: Object.fromEntries(Object.entries(properties).map(([name, value]) => [canonical(name), value])),
    ...(Array.isArray(schema.required) && { required: (schema.required as string[]).map(canonical) }),
  };
}

/** Without the dialect keyword: inside an OpenAPI 3.1 document the dialect is implied. */
function bare(schema: object): JsonObject {
  const rest: JsonObject = { ...schema };
  delete rest.$schema;
  return rest;
}
