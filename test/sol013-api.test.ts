// SOL013 across the whole gateway, over HTTP: the Version header on every answer (errors too)
// and on every API, the -impl: suffix, api_versions at both places, 406 and 415 on every
// resource (taken from the gateway's own OpenAPI document, so no route is forgotten), and the
// list rules (filter, attribute selectors, paging with Link) as a client meets them.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VnfInstance } from '../src/sol003/models.ts';
import { startSystem, type TestSystem } from './support/system.ts';

const TOKEN = 'sol013-token-0123456789';
let system: TestSystem;

beforeAll(async () => {
  system = await startSystem('sol013', { apiToken: TOKEN, pageSize: 2 });
});
afterAll(async () => {
  await system?.close();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const res = await request(`${system.gatewayUrl}${path}`, { method: method as 'GET', headers: { 'X-Auth-Token': TOKEN, ...headers }, body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const V2 = { Version: '2.0.0' };

describe('the Version header', () => {
  it.each<[string, string, string, Record<string, string>, number, string]>([
    ['a list', 'GET', '/vnflcm/v2/vnf_instances', V2, 200, '2.0.0'],
    ['a 404 of a resource', 'GET', '/vnflcm/v2/vnf_instances/no-such-vnf', V2, 404, '2.0.0'],
    ['a 404 of a path no route has', 'GET', '/vnflcm/v2/nothing', V2, 404, '2.0.0'],
    ['a 405', 'DELETE', '/vnflcm/v2/api_versions', V2, 405, '2.0.0'],
    ['a 400 for a missing Version', 'GET', '/vnflcm/v2/vnf_instances', {}, 400, '2.0.0'],
    ['a 406 for another major version', 'GET', '/vnflcm/v2/vnf_instances', { Version: '3.0.0' }, 406, '2.0.0'],
    ['the api_versions of /vnflcm', 'GET', '/vnflcm/api_versions', {}, 200, '2.0.0'],
    ['a package list', 'GET', '/vnfpkgm/v1/vnf_packages', { Version: '2.1.0' }, 200, '2.1.0'],
    ['a package list asked without Version (served, as Tacker does)', 'GET', '/vnfpkgm/v1/vnf_packages', {}, 200, '2.1.0'],
    ['the api_versions of /vnfpkgm', 'GET', '/vnfpkgm/api_versions', {}, 200, '2.1.0'],
    ['the v1 cancel of an unknown occurrence', 'POST', '/vnflcm/v1/vnf_lcm_op_occs/no-such-op/cancel', { 'Content-Type': 'application/json' }, 404, '1.3.0'],
  ])('is on %s', async (_what, method, path, headers, status, version) => {
    const body = method === 'POST' ? JSON.stringify({ cancelMode: 'FORCEFUL' }) : undefined;
    const reply = await call(method, path, headers, body);

    expect(reply.status, reply.text).toBe(status);
    expect(reply.headers.version).toBe(version);
  });

  it('is on a 401 for a request without credentials', async () => {
    const res = await request(`${system.gatewayUrl}/vnflcm/v2/vnf_instances`, { headers: V2 });
    await res.body.dump();
    expect(res.statusCode).toBe(401);
    expect(res.headers.version).toBe('2.0.0');
  });

  it.each([
    ['vnflcm', '/vnflcm/v2/vnf_instances', '2.0.0-impl:example.com:myProduct:4', 200],
    ['vnfpkgm', '/vnfpkgm/v1/vnf_packages', '2.1.0-impl:example.com:myProduct:4', 200],
    ['vnflcm, a suffix that is not -impl:', '/vnflcm/v2/vnf_instances', '2.0.0-beta', 400],
    ['vnflcm, no version at all', '/vnflcm/v2/vnf_instances', 'latest', 400],
  ])('with an implementation suffix (SOL013 Table 4.2.2-1) on %s: %s', async (_api, path, version, status) => {
    expect((await call('GET', path, { Version: version })).status).toBe(status);
  });
});

describe('api_versions', () => {
  it.each([
    ['/vnflcm/api_versions', { uriPrefix: '/vnflcm', apiVersions: [{ version: '2.0.0', isDeprecated: false }] }],
    ['/vnflcm/v2/api_versions', { uriPrefix: '/vnflcm/v2', apiVersions: [{ version: '2.0.0', isDeprecated: false }] }],
    ['/vnfpkgm/api_versions', { uriPrefix: '/vnfpkgm', apiVersions: [{ version: '2.1.0', isDeprecated: false }] }],
    ['/vnfpkgm/v1/api_versions', { uriPrefix: '/vnfpkgm/v1', apiVersions: [{ version: '2.1.0', isDeprecated: false }] }],
  ])('GET %s answers the versions under that prefix, without a Version header', async (path, expected) => {
    const reply = await call('GET', path);

    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual(expected);
  });
});

/** The operations of the gateway's own document, with a path that routes (ids that exist nowhere). */
async function documentedOperations(): Promise<{ key: string; method: string; path: string; bodyTypes: string[] }[]> {
  const document = JSON.parse((await call('GET', '/openapi.json')).text) as {
    paths: Record<string, Record<string, { security?: unknown[]; requestBody?: { content: Record<string, unknown> } }>>;
  };
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item)
    .filter(([, op]) => !Array.isArray(op.security) || op.security.length > 0)
    .map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path: path.replace(/\{\*\}|\{[^}]+\}/g, 'x'),
      bodyTypes: Object.keys(op.requestBody?.content ?? {}),
    })));
}

describe('content negotiation on every resource', () => {
  it('answers 406 with a ProblemDetails to an Accept no answer of the resource can satisfy', async () => {
    const operations = (await documentedOperations()).filter((op) => !op.key.includes('/artifacts/'));
    expect(operations.length).toBeGreaterThan(25);
    for (const op of operations) {
      const version = op.path.startsWith('/vnfpkgm') ? '2.1.0' : op.path.startsWith('/vnflcm/v1') ? '1.3.0' : '2.0.0';
      const reply = await call(op.method, op.path, { Version: version, Accept: 'text/html' });
      expect(reply.status, `${op.key}: ${reply.text}`).toBe(406);
      expect(reply.headers['content-type'], op.key).toBe('application/problem+json');
      expect(JSON.parse(reply.text), op.key).toMatchObject({ status: 406, title: 'Not Acceptable', detail: expect.stringContaining('Accept text/html allows none of') as unknown });
    }
  });

  it('answers 415 with a ProblemDetails to a body of a media type the resource does not take', async () => {
    const operations = (await documentedOperations()).filter((op) => op.bodyTypes.length > 0);
    expect(operations.length).toBeGreaterThan(8);
    for (const op of operations) {
      const version = op.path.startsWith('/vnfpkgm') ? '2.1.0' : op.path.startsWith('/vnflcm/v1') ? '1.3.0' : '2.0.0';
      const reply = await call(op.method, op.path, { Version: version, 'Content-Type': 'text/csv' }, 'a,b\n1,2\n');
      expect(reply.status, `${op.key}: ${reply.text}`).toBe(415);
      expect(JSON.parse(reply.text), op.key).toMatchObject({ status: 415, title: 'Unsupported Media Type', detail: 'Content-Type text/csv is not supported here' });
    }
  });

  it('serves a package artifact whatever Accept says: its media type is the file\'s', async () => {
    const pkg = system.packages[0]!;
    const reply = await call('GET', `/vnfpkgm/v1/vnf_packages/${pkg.id}/artifacts/Scripts/coordinate_vnf.py`, { Accept: 'text/html' });
    expect(reply.status).toBe(200);
  });
});

describe('lists: filter, attribute selectors and paging', () => {
  const created: VnfInstance[] = [];
  const listing = `web-${crypto.randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    for (const [i, tier] of ['front', 'back', 'front', 'edge', 'front'].entries()) {
      const body = JSON.stringify({ vnfdId: system.packages[0]!.vnfd.vnfdId, vnfInstanceName: `${listing}-${i}`, metadata: { tier, 'zone/rack': `r${i}` } });
      const reply = await call('POST', '/vnflcm/v2/vnf_instances', { ...V2, 'Content-Type': 'application/json' }, body);
      expect(reply.status, reply.text).toBe(201);
      created.push(JSON.parse(reply.text) as VnfInstance);
    }
  });

  /** Every page of a list, following Link rel="next" as a client does. */
  async function allPages(path: string, headers: Record<string, string> = V2): Promise<{ items: Record<string, unknown>[]; pages: number; links: string[] }> {
    const items: Record<string, unknown>[] = [];
    const links: string[] = [];
    let next: string | undefined = path;
    let pages = 0;
    while (next) {
      const reply = await call('GET', next, headers);
      expect(reply.status, reply.text).toBe(200);
      items.push(...(JSON.parse(reply.text) as Record<string, unknown>[]));
      pages += 1;
      const link = reply.headers.link as string | undefined;
      if (link) links.push(link);
      const url = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
      next = url?.slice(system.gatewayUrl.length);
    }
    return { items, pages, links };
  }

  it('pages a filtered list, keeping the filter and selectors in Link rel="next", every match once', async () => {
    const filter = encodeURIComponent(`(cont,vnfInstanceName,${listing});(eq,metadata/tier,front)`);
    const { items, pages, links } = await allPages(`/vnflcm/v2/vnf_instances?filter=${filter}&fields=metadata`);

    expect(pages).toBe(2);
    const fronts = created.filter((c) => (c.metadata as { tier: string }).tier === 'front').sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(items.map((i) => i.id)).toEqual(fronts.map((c) => c.id));
    expect(items.every((i) => (i.metadata as { tier: string }).tier === 'front')).toBe(true);
    expect(links[0]).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/vnflcm\/v2\/vnf_instances\?filter=[^&]+&fields=metadata&nextpage_opaque_marker=[^>]+>; rel="next"$/);
  });

  it('leaves the default exclusions out of a list, and shows them with all_fields', async () => {
    const filter = encodeURIComponent(`(eq,vnfInstanceName,${listing}-3)`);
    const [brief] = JSON.parse((await call('GET', `/vnflcm/v2/vnf_instances?filter=${filter}`, V2)).text) as Record<string, unknown>[];
    const [full] = JSON.parse((await call('GET', `/vnflcm/v2/vnf_instances?filter=${filter}&all_fields`, V2)).text) as Record<string, unknown>[];

    expect(brief).not.toHaveProperty('metadata');
    expect(full).toMatchObject({ metadata: { tier: 'edge', 'zone/rack': 'r3' } });
  });

  it('filters on an attribute name with a / in it, escaped as ~1', async () => {
    const filter = encodeURIComponent(`(eq,metadata/zone~1rack,r1);(cont,vnfInstanceName,${listing})`);
    const items = JSON.parse((await call('GET', `/vnflcm/v2/vnf_instances?filter=${filter}`, V2)).text) as VnfInstance[];
    expect(items.map((i) => i.vnfInstanceName)).toEqual([`${listing}-1`]);
  });

  it.each([
    ['/vnflcm/v2/vnf_instances?filter=(eq,nothing,x)', /filter attribute nothing is not supported: VnfInstance has no attribute nothing/],
    ['/vnflcm/v2/vnf_instances?filter=(eq,vnfdId,x', /expected '\)' to close the filter expression/],
    ['/vnflcm/v2/vnf_instances?fields=vnfdId', /fields names vnfdId, a simple attribute of VnfInstance/],
    ['/vnflcm/v2/vnf_instances?all_fields&exclude_default', /all_fields and exclude_default cannot be combined/],
    ['/vnflcm/v2/vnf_lcm_op_occs?exclude_fields=nothing', /exclude_fields names nothing, which is not an attribute of VnfLcmOpOcc/],
    ['/vnflcm/v2/subscriptions?filter=(eq,authentication/paramsBasic/password,x)', /LccnSubscription has no attribute authentication/],
    ['/vnfpkgm/v1/vnf_packages?filter=(gt,softwareImages/size,big)', /"big" for softwareImages\/size is not a number/],
    ['/vnflcm/v2/vnf_instances?nextpage_opaque_marker=forged', /nextpage_opaque_marker is not a marker this API issued/],
  ])('answers 400 with a precise detail to GET %s', async (path, detail) => {
    const reply = await call('GET', path.replace(/\(.*\)/, (expression) => encodeURIComponent(expression)), { ...V2 });
    expect(reply.status, reply.text).toBe(400);
    expect((JSON.parse(reply.text) as { detail: string }).detail).toMatch(detail);
  });

  it('pages the packages, the subscriptions and the op occs too', async () => {
    for (const path of ['/vnfpkgm/v1/vnf_packages', '/vnflcm/v2/vnf_lcm_op_occs?all_fields', '/vnflcm/v2/vnf_instances']) {
      const first = await call('GET', path, { ...V2 });
      const items = JSON.parse(first.text) as unknown[];
      expect(items.length, path).toBeLessThanOrEqual(2);
    }
    const packages = await allPages('/vnfpkgm/v1/vnf_packages');
    expect(packages.items.map((p) => p.id).sort()).toEqual(system.packages.map((p) => p.id).sort());
  });
});
