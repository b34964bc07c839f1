// The OpenAPI document (GET /openapi.json) against the router it describes: every route is
// documented with its method and path and every documented operation is a route, so neither
// can drift from the other; the document is valid OpenAPI 3.1; its schemas are generated
// from the zod models; and each JSON request body is the schema its route parses.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { GatewayAuthenticator } from '../src/gateway/auth.ts';
import { openApiDocument, REQUEST_MODELS, RESPONSE_MODELS } from '../src/gateway/openapi.ts';
import { createGatewayRouter } from '../src/gateway/routes.ts';
import { listen, type Router } from '../src/http/server.ts';
import { InventoryStore } from '../src/inventory/store.ts';
import { NotificationClient } from '../src/notifications/client.ts';
import { SubscriptionStore } from '../src/notifications/store.ts';
import { PackageRepository } from '../src/packages/repository.ts';

const API_TOKEN = 'openapi-test-token-0123';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface OperationObject {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown; examples?: unknown }[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: { $ref?: string } }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: unknown }>; headers?: Record<string, unknown> }>;
  security?: unknown[];
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, Record<string, unknown>> };
}

let server: Server;
let url: string;
let connection: Connection;
let router: Router;
let inventory: InventoryStore;
let dataDir: string;
let document: Document;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  dataDir = mkdtempSync(join(tmpdir(), 'openapi-'));
  inventory = new InventoryStore(join(dataDir, 'inventory.json'));
  const gateway: { router?: Router } = {};
  server = createServer((req, res) => void gateway.router?.handle(req, res));
  url = await listen(server, '127.0.0.1', 0);
  // Every optional face switched on: authentication, subscriptions, packages.
  router = createGatewayRouter({
    client: new Client({ connection }), taskQueue: 'openapi-unused', inventory, apiRoot: url, defaultCoordinationAction: 'x',
    auth: new GatewayAuthenticator({ apiTokens: [API_TOKEN], oauth2Clients: [{ clientId: 'nfvo', clientSecret: 's3cret-s3cret' }] }),
    subscriptions: { store: new SubscriptionStore(join(dataDir, 'subscriptions.json')), client: new NotificationClient({ responseTimeoutMs: 500 }) },
    packages: new PackageRepository(join(dataDir, 'packages')),
  });
  gateway.router = router;
  const res = await request(`${url}/openapi.json`);
  expect(res.statusCode).toBe(200);
  document = (await res.body.json()) as Document;
});
afterAll(async () => {
  server?.close();
  await connection?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function documentedOperations(): { key: string; method: string; path: string; op: OperationObject }[] {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method, path, op })));
}

function routedOperations(): string[] {
  return router.registeredRoutes().map(({ method, template }) => `${method} ${template.replace(/:([A-Za-z_]+)/g, '{$1}')}`);
}

describe('the OpenAPI document of the gateway', () => {
  it('is served at /openapi.json without credentials or Version header, for the gateway\'s apiRoot', async () => {
    const res = await request(`${url}/openapi.json`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const served = (await res.body.json()) as Document;
    expect(served.servers).toEqual([{ url }]);
    expect(served).toEqual(openApiDocument(url));
  });

  it('documents every route of the router with its method and path', () => {
    const documented = new Set(documentedOperations().map((o) => o.key));
    const routes = routedOperations();
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('documents no operation the router does not serve', () => {
    const routes = new Set(routedOperations());
    expect(documentedOperations().map((o) => o.key).filter((k) => !routes.has(k))).toEqual([]);
  });

  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).toBeTruthy();
    expect(document.info.version).toBeTruthy();
  });

  it('resolves every $ref, and gives every operation a unique operationId', () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(document.components.schemas, ref).toHaveProperty([ref.split('/').pop() ?? '']);
    }
    const ids = documentedOperations().map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares the four ways in (API token, bearer, basic, OAuth 2.0 client credentials) and requires one outside the public paths', () => {
    expect(document.components.securitySchemes).toEqual({
      apiToken: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Auth-Token' }) as unknown,
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) as unknown,
      basic: expect.objectContaining({ type: 'http', scheme: 'basic' }) as unknown,
      oauth2: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: `${url}/oauth2/token`, scopes: {} } } },
    });
    expect(document.security).toEqual([{ apiToken: [] }, { bearer: [] }, { basic: [] }, { oauth2: [] }]);
    for (const { key, op } of documentedOperations()) {
      const isPublic = key === 'POST /oauth2/token' || key === 'GET /openapi.json';
      expect(op.security, key).toEqual(isPublic ? [] : undefined);
      if (!isPublic) expect(Object.keys(op.responses), key).toContain('401');
    }
  });

  it('requires the Version header where the API checks it, and documents path parameters and filters', () => {
    for (const { key, path, op } of documentedOperations()) {
      const versioned = /^\/(vnflcm|vnfpkgm)\//.test(path) && !path.endsWith('/api_versions');
      const version = op.parameters?.find((p) => p.in === 'header' && p.name === 'Version');
      expect(version?.required ?? false, key).toBe(versioned);
      if (versioned) expect(Object.keys(op.responses), key).toEqual(expect.arrayContaining(['400', '406']));
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        expect(op.parameters?.find((p) => p.in === 'path' && p.name === name)?.required, `${key} {${name}}`).toBe(true);
        expect(Object.keys(op.responses), key).toContain('404');
      }
    }
    const filtered = documentedOperations().filter((o) => o.op.parameters?.some((p) => p.in === 'query' && p.name === 'filter')).map((o) => o.key);
    expect(filtered.sort()).toEqual([
      'GET /vnflcm/v2/subscriptions', 'GET /vnflcm/v2/vnf_lcm_op_occs', 'GET /vnfpkgm/v1/vnf_packages',
    ]);
  });

  it('answers every error with a ProblemDetails in application/problem+json', () => {
    for (const { key, op } of documentedOperations()) {
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length, key).toBeGreaterThan(0);
      expect(Object.keys(op.responses), key).toContain('405');
      for (const [status, response] of errors) {
        expect(response.content, `${key} ${status}`).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } });
      }
    }
    expect(document.components.schemas.ProblemDetails).toMatchObject({ required: ['status', 'detail'] });
  });

  it('generates its component schemas from the zod models (requests as accepted, responses as sent)', () => {
    const generate = (schema: z.ZodType, io: 'input' | 'output'): unknown => {
      const generated: Record<string, unknown> = { ...z.toJSONSchema(schema, { target: 'draft-2020-12', io }) };
      delete generated.$schema;
      return generated;
    };
    // Request models reference no other component: each is exactly its standalone schema.
    for (const [name, schema] of Object.entries(REQUEST_MODELS)) {
      expect(document.components.schemas[name], name).toEqual(generate(schema, 'input'));
    }
    // Response models may reference others (ProblemDetails); inline those to compare.
    for (const [name, schema] of Object.entries(RESPONSE_MODELS)) {
      expect(inlineRefs(document.components.schemas[name], document.components.schemas), name).toEqual(generate(schema, 'output'));
    }
    expect(Object.keys(document.components.schemas).sort()).toEqual([...new Set([...Object.keys(REQUEST_MODELS), ...Object.keys(RESPONSE_MODELS)])].sort());
  });

  it('describes each JSON request body by the very schema its route parses', async () => {
    const pkg = await call('POST', '/vnfpkgm/v1/vnf_packages', { Version: '2.1.0', 'Content-Type': 'application/json' }, '{}');
    expect(pkg.status).toBe(201);
    const packageId = (JSON.parse(pkg.body) as { id: string }).id;
    const instanceId = 'openapi-instance';
    inventory.putInstance({
      id: instanceId, vnfdId: 'none', vnfProvider: 'p', vnfProductName: 'n', vnfSoftwareVersion: '1', vnfdVersion: '1',
      instantiationState: 'NOT_INSTANTIATED', vnfcResourceInfo: [],
    });
    let checked = 0;
    for (const { key, method, path, op } of documentedOperations()) {
      const [mediaType, media] = Object.entries(op.requestBody?.content ?? {})[0] ?? [];
      const name = media?.schema?.$ref?.split('/').pop();
      if (!mediaType || !name || !/json$/.test(mediaType)) continue; // the form of the token endpoint, the CSAR upload
      expect(op.requestBody?.required, key).toBe(true);
      const schema = (REQUEST_MODELS as Record<string, z.ZodType>)[name];
      expect(schema, `${key} names ${name}`).toBeDefined();
      if (!schema) continue;
      const spies = (['parse', 'safeParse', 'parseAsync', 'safeParseAsync'] as const).map((m) => vi.spyOn(schema, m));
      try {
        const target = path.replace('{id}', path.startsWith('/vnfpkgm') ? packageId : path.includes('vnf_instances') ? instanceId : 'no-such-id');
        const version = op.parameters?.find((p) => p.name === 'Version')?.schema as { examples?: string[] } | undefined;
        const res = await call(method.toUpperCase(), target, { Version: version?.examples?.[0] ?? '', 'Content-Type': mediaType }, '{"unexpected":[]}');
        expect(spies.some((s) => s.mock.calls.length > 0), `${key} parses ${name} (answered ${res.status} ${res.body})`).toBe(true);
        checked += 1;
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});

async function call(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  const res = await request(`${url}${path}`, {
    method: method as 'GET', headers: { 'X-Auth-Token': API_TOKEN, Accept: 'application/json', ...headers }, body,
  });
  return { status: res.statusCode, body: await res.body.text() };
}

/** The schema with `#/components/schemas/X` references replaced by X itself. */
function inlineRefs(schema: unknown, components: Record<string, unknown>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inlineRefs(s, components));
  if (schema === null || typeof schema !== 'object') return schema;
  const { $ref, ...rest } = schema as Record<string, unknown>;
  if (typeof $ref === 'string') {
    const target = inlineRefs(components[$ref.split('/').pop() ?? ''], components);
    return Object.keys(rest).length ? { ...(target as object), ...rest } : target;
  }
  return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, inlineRefs(v, components)]));
}
