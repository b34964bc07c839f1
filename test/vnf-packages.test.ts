// The SOL005 VNF package management API (vnfpkgm v1, Version 2.1.0) over real HTTP on loopback,
// with a temporary data folder: one contract per test, then the whole life of a package.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import { request } from 'undici';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProblemDetails } from '../src/http/problem.ts';
import { vnfpkgmApi } from '../src/gateway/app.ts';
import { createApp, inScope } from '../src/http/app.ts';
import { listen, listenThenBuild, type RunningApp } from '../src/http/listen.ts';
import { SAMPLE_PACKAGES, SAMPLES_DIR } from '../src/inventory/sample.ts';
import { FileInventoryStore, type InventoryStore, type VnfInstanceRecord } from '../src/inventory/store.ts';
import { buildCsar, CsarError, readCsar } from '../src/packages/csar.ts';
import { beginUpload, recoverInterruptedOnboardings } from '../src/packages/lifecycle.ts';
import { onboardSamplePackagesAsCsar } from '../src/packages/onboard-samples.ts';
import { FilePackageRepository } from '../src/packages/repository.ts';
import { VnfPkgInfo } from '../src/sol005/models.ts';
import { eventually } from './support/wait.ts';

const VERSION = '2.1.0';
const V1_VNFD_ID = 'b1bb0ce7-ebca-4fa7-95ed-4840d70a1177';
const V1_DIR = join(SAMPLES_DIR, 'sample-vnf-v1');
const TOSCA_META = 'TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nCreated-by: test\nEntry-Definitions: Definitions/vnfd.yaml\n';
const MAX_ARCHIVE_BYTES = 256 * 1024;

let sampleV1: Uint8Array;
let sampleV1Vnfd: string;
let dataDir: string;
let inventory: InventoryStore;
let repository: FilePackageRepository;
let server: RunningApp;
let baseUrl: string;

beforeAll(() => {
  sampleV1 = buildCsar(V1_DIR);
  sampleV1Vnfd = readFileSync(join(V1_DIR, 'Definitions', 'sample_vnfd.yaml'), 'utf8');
});

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vnf-packages-'));
  inventory = new FileInventoryStore(join(dataDir, 'inventory.json'));
  repository = new FilePackageRepository(join(dataDir, 'packages'));
  server = await listenThenBuild('127.0.0.1', 0, (apiRoot) => {
    const app = createApp();
    inScope(app, (scope) => vnfpkgmApi(scope, { inventory, repository, apiRoot, limits: { maxArchiveBytes: MAX_ARCHIVE_BYTES } }));
    return app;
  });
  baseUrl = server.url;
});

afterEach(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Uint8Array;
  text: string;
  json: unknown;
}

interface CallOptions {
  body?: string | Uint8Array | object;
  contentType?: string;
  headers?: Record<string, string>;
  /** The Version header; null sends none. */
  version?: string | null;
}

async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: CallOptions = {}): Promise<Reply> {
  const { body, version = VERSION } = options;
  const payload = body === undefined || typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const contentType = options.contentType ?? (body === undefined ? undefined : body instanceof Uint8Array ? 'application/zip' : 'application/json');
  const response = await request(`${baseUrl}/vnfpkgm/v1${path}`, {
    method,
    headers: {
      ...(version === null ? {} : { Version: version }),
      ...(contentType === undefined ? {} : { 'Content-Type': contentType }),
      ...options.headers,
    },
    body: payload instanceof Uint8Array ? Buffer.from(payload) : payload,
  });
  const bytes = new Uint8Array(await response.body.arrayBuffer());
  const text = Buffer.from(bytes).toString('utf8');
  const type = String(response.headers['content-type'] ?? '');
  return { status: response.statusCode, headers: response.headers, bytes, text, json: /json/.test(type) && text ? JSON.parse(text) as unknown : undefined };
}

function problem(reply: Reply): ProblemDetails {
  expect(reply.headers['content-type']).toBe('application/problem+json');
  const details = ProblemDetails.parse(reply.json);
  expect(details.status).toBe(reply.status);
  return details;
}

function info(reply: Reply): VnfPkgInfo {
  return VnfPkgInfo.parse(reply.json);
}

async function createPackage(userDefinedData?: Record<string, unknown>): Promise<string> {
  const reply = await call('POST', '/vnf_packages', { body: userDefinedData === undefined ? {} : { userDefinedData } });
  expect(reply.status).toBe(201);
  return info(reply).id;
}

async function onboardedPackage(archive: Uint8Array = sampleV1): Promise<string> {
  const id = await createPackage();
  expect((await call('PUT', `/vnf_packages/${id}/package_content`, { body: archive })).status).toBe(202);
  return id;
}

async function getPackage(id: string): Promise<VnfPkgInfo> {
  const reply = await call('GET', `/vnf_packages/${id}`);
  expect(reply.status).toBe(200);
  return info(reply);
}

/** A CSAR of the given files; the default is a valid one around the sample VNFD. */
function csar(files: Record<string, string> = {}): Uint8Array {
  const all: Record<string, string> = { 'TOSCA-Metadata/TOSCA.meta': TOSCA_META, 'Definitions/vnfd.yaml': sampleV1Vnfd, ...files };
  return zipSync(Object.fromEntries(Object.entries(all).map(([path, text]) => [path, new TextEncoder().encode(text)])));
}

function withoutFile(path: string): Uint8Array {
  const files = unzipSync(csar());
  delete files[path];
  return zipSync(files);
}

function storedPackages(): string[] {
  const root = join(dataDir, 'packages');
  return existsSync(root) ? readdirSync(root) : [];
}

function sampleInstance(vnfdId: string): VnfInstanceRecord {
  return {
    id: 'a0f0c8c2-5d8e-4a52-9f3c-7d1b2c3d4e5f', vnfdId, vnfProvider: 'Company', vnfProductName: 'Sample VNF',
    vnfSoftwareVersion: '1.0', vnfdVersion: '1.0', instantiationState: 'INSTANTIATED', vnfcResourceInfo: [],
  };
}

describe('Version header', () => {
  it('a request without a Version header is served as version 2.1.0, as Tacker serves vnfpkgm v1', async () => {
    const reply = await call('GET', '/vnf_packages', { version: null });
    expect(reply.status).toBe(200);
    expect(reply.headers.version).toBe('2.1.0');
  });

  it('a Version header that is no version is refused with 400 ProblemDetails', async () => {
    const reply = await call('GET', '/vnf_packages', { version: 'two' });
    expect(reply.status).toBe(400);
    expect(problem(reply).detail).toMatch(/the Version header "two" is not a version/);
  });

  it('a request for major version 3 is refused with 406', async () => {
    const reply = await call('GET', '/vnf_packages', { version: '3.0.0' });
    expect(reply.status).toBe(406);
    expect(problem(reply).detail).toMatch(/3\.0\.0 is not supported; supported: 2\.1\.0/);
  });

  it('any 2.x version is accepted', async () => {
    expect((await call('GET', '/vnf_packages', { version: '2.0.0' })).status).toBe(200);
  });

  it('api_versions answers without a Version header', async () => {
    const reply = await call('GET', '/api_versions', { version: null });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ uriPrefix: '/vnfpkgm/v1', apiVersions: [{ version: '2.1.0', isDeprecated: false }] });
  });
});

describe('POST /vnf_packages', () => {
  it('creates a CREATED, DISABLED, NOT_IN_USE package with its userDefinedData, 201 and Location', async () => {
    const reply = await call('POST', '/vnf_packages', { body: { userDefinedData: { key: 'value' } } });
    expect(reply.status).toBe(201);
    const pkg = info(reply);
    expect(reply.headers.location).toBe(`${baseUrl}/vnfpkgm/v1/vnf_packages/${pkg.id}`);
    expect(pkg).toMatchObject({
      onboardingState: 'CREATED', operationalState: 'DISABLED', usageState: 'NOT_IN_USE', userDefinedData: { key: 'value' },
      _links: { self: { href: `${baseUrl}/vnfpkgm/v1/vnf_packages/${pkg.id}` }, packageContent: { href: `${baseUrl}/vnfpkgm/v1/vnf_packages/${pkg.id}/package_content` } },
    });
    expect(pkg.vnfdId).toBeUndefined();
    expect(pkg._links.vnfd).toBeUndefined();
  });

  it('an empty object creates a package with empty userDefinedData', async () => {
    const reply = await call('POST', '/vnf_packages', { body: {} });
    expect(reply.status).toBe(201);
    expect(info(reply).userDefinedData).toEqual({});
  });

  it('malformed JSON is 400 and says the body is not JSON', async () => {
    const reply = await call('POST', '/vnf_packages', { body: '{"userDefinedData": ', contentType: 'application/json' });
    expect(reply.status).toBe(400);
    expect(problem(reply).detail).toMatch(/not valid JSON/);
  });

  it('userDefinedData that is not an object is 400 naming the field', async () => {
    const reply = await call('POST', '/vnf_packages', { body: { userDefinedData: 'text' } });
    expect(reply.status).toBe(400);
    expect(problem(reply).detail).toMatch(/userDefinedData/);
  });

  it('an unknown attribute is 400 naming it', async () => {
    const reply = await call('POST', '/vnf_packages', { body: { userDefinedDate: {} } });
    expect(reply.status).toBe(400);
    expect(problem(reply).detail).toMatch(/userDefinedDate/);
  });

  it('a form-encoded body is 415', async () => {
    const reply = await call('POST', '/vnf_packages', { body: 'a=b', contentType: 'application/x-www-form-urlencoded' });
    expect(reply.status).toBe(415);
    expect(problem(reply).detail).toMatch(/application\/x-www-form-urlencoded is not supported/);
  });

  it('creates nothing when refused', async () => {
    await call('POST', '/vnf_packages', { body: { userDefinedData: 1 } });
    expect(await inventory.packageInfos()).toEqual([]);
  });
});

describe('GET /vnf_packages', () => {
  it('lists every package', async () => {
    const created = await createPackage();
    const onboarded = await onboardedPackage();
    const reply = await call('GET', '/vnf_packages');
    expect(reply.status).toBe(200);
    expect((reply.json as VnfPkgInfo[]).map((p) => p.id).sort()).toEqual([created, onboarded].sort());
  });

  it('(eq,onboardingState,ONBOARDED) keeps only onboarded packages', async () => {
    await createPackage();
    const onboarded = await onboardedPackage();
    const reply = await call('GET', `/vnf_packages?filter=${encodeURIComponent('(eq,onboardingState,ONBOARDED)')}`);
    expect((reply.json as VnfPkgInfo[]).map((p) => p.id)).toEqual([onboarded]);
  });

  it('terms joined by ";" must all hold', async () => {
    const enabled = await onboardedPackage();
    const filter = `(eq,operationalState,ENABLED);(eq,vnfdId,${V1_VNFD_ID})`;
    expect(((await call('GET', `/vnf_packages?filter=${encodeURIComponent(filter)}`)).json as VnfPkgInfo[]).map((p) => p.id)).toEqual([enabled]);
    await call('PATCH', `/vnf_packages/${enabled}`, { body: { operationalState: 'DISABLED' } });
    expect((await call('GET', `/vnf_packages?filter=${encodeURIComponent(filter)}`)).json).toEqual([]);
  });

  it('(eq,vnfdId,…) with another vnfdId matches nothing', async () => {
    await onboardedPackage();
    const reply = await call('GET', `/vnf_packages?filter=${encodeURIComponent('(eq,vnfdId,c2cc1df8-fcdb-4fb8-86fe-5951e81b2288)')}`);
    expect(reply.json).toEqual([]);
  });

  it('a filter on an attribute that cannot be filtered is 400 naming it', async () => {
    const reply = await call('GET', `/vnf_packages?filter=${encodeURIComponent('(eq,color,red)')}`);
    expect(reply.status).toBe(400);
    expect(problem(reply).detail).toMatch(/filter attribute color is not supported/);
  });

  it('a filter that is not "(op,attr,value)" is 400', async () => {
    const reply = await call('GET', `/vnf_packages?filter=${encodeURIComponent('eq,vnfdId,x')}`);
    expect(reply.status).toBe(400);
    expect(problem(reply).detail).toMatch(/filter term eq,vnfdId,x is not of the form/);
  });

  it('an unknown filter operator is 400', async () => {
    const reply = await call('GET', `/vnf_packages?filter=${encodeURIComponent('(like,vnfdId,x)')}`);
    expect(reply.status).toBe(400);
    expect(problem(reply).detail).toMatch(/filter operator like is not one of/);
  });
});

describe('GET /vnf_packages/{id}', () => {
  it('an unknown id is 404 ProblemDetails', async () => {
    const reply = await call('GET', '/vnf_packages/00000000-0000-0000-0000-000000000000');
    expect(reply.status).toBe(404);
    expect(problem(reply).detail).toMatch(/VNF package 00000000-0000-0000-0000-000000000000 does not exist/);
  });

  it('an id such as __proto__ is 404, not a crash', async () => {
    expect((await call('GET', '/vnf_packages/__proto__')).status).toBe(404);
  });

  it('an onboarded package shows its VNFD identity, archive checksum, software images and vnfd link', async () => {
    const id = await onboardedPackage();
    const pkg = await getPackage(id);
    expect(pkg).toMatchObject({
      vnfdId: V1_VNFD_ID, vnfProvider: 'Company', vnfProductName: 'Sample VNF', vnfSoftwareVersion: '1.0', vnfdVersion: '1.0',
      onboardingState: 'ONBOARDED', operationalState: 'ENABLED', usageState: 'NOT_IN_USE',
      _links: { vnfd: { href: `${baseUrl}/vnfpkgm/v1/vnf_packages/${id}/vnfd` } },
    });
    const { createHash } = await import('node:crypto');
    expect(pkg.checksum).toEqual({ algorithm: 'SHA-256', hash: createHash('sha256').update(sampleV1).digest('hex') });
    expect(pkg.softwareImages?.map((i) => [i.id, i.name])).toEqual([['VDU1', 'cirros-0.5.2-x86_64-disk'], ['VDU2', 'ubuntu-20.04-server']]);
    expect(pkg.softwareImages?.[0]).toMatchObject({
      provider: 'Company', version: '1.0', containerFormat: 'BARE', diskFormat: 'QCOW2', minDisk: 1e9, size: 1e9,
      checksum: { algorithm: 'sha-256', hash: '0'.repeat(64) },
    });
  });

  it('a package whose vnfdId a VNF instance has is IN_USE', async () => {
    const id = await onboardedPackage();
    await inventory.putInstance(sampleInstance(V1_VNFD_ID));
    expect((await getPackage(id)).usageState).toBe('IN_USE');
  });

  it('POST on an individual package is 405 with Allow', async () => {
    const id = await createPackage();
    const reply = await call('POST', `/vnf_packages/${id}`, { body: {} });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, PATCH, DELETE');
  });
});

describe('PUT /vnf_packages/{id}/package_content', () => {
  it('the sample CSAR onboards: 202 with no body, then ONBOARDED and ENABLED with the vnfdId of its VNFD', async () => {
    const id = await createPackage();
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, { body: sampleV1 });
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
    expect(await getPackage(id)).toMatchObject({ onboardingState: 'ONBOARDED', operationalState: 'ENABLED', vnfdId: V1_VNFD_ID });
  });

  it('stores the package unpacked, with its archive, under <data>/packages/<id>', async () => {
    const id = await onboardedPackage();
    const folder = join(dataDir, 'packages', id);
    expect(readFileSync(join(folder, 'package.zip'))).toEqual(Buffer.from(sampleV1));
    expect(readFileSync(join(folder, 'content', 'Scripts', 'coordinate_vnf.py'), 'utf8')).toBe(readFileSync(join(V1_DIR, 'Scripts', 'coordinate_vnf.py'), 'utf8'));
    expect((await inventory.packageInfo(id))?.contentDir).toBe(join(folder, 'content'));
  });

  it('a second upload is 409', async () => {
    const id = await onboardedPackage();
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, { body: sampleV1 });
    expect(reply.status).toBe(409);
    expect(problem(reply).detail).toMatch(/is ONBOARDED; package content can be uploaded only while it is CREATED/);
  });

  it('a Content-Type other than application/zip is 415', async () => {
    const id = await createPackage();
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, { body: sampleV1, contentType: 'application/octet-stream' });
    expect(reply.status).toBe(415);
    expect((await getPackage(id)).onboardingState).toBe('CREATED');
  });

  it('an unknown package is 404', async () => {
    const reply = await call('PUT', '/vnf_packages/00000000-0000-0000-0000-000000000000/package_content', { body: sampleV1 });
    expect(reply.status).toBe(404);
  });

  it('a body that is not a ZIP is 400, and the package is CREATED again with the same onboardingFailureDetails', async () => {
    const id = await createPackage();
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, { body: new TextEncoder().encode('not a zip at all') });
    expect(reply.status).toBe(400);
    const details = problem(reply);
    expect(details.detail).toMatch(/not a readable ZIP archive/);
    const pkg = await getPackage(id);
    expect(pkg).toMatchObject({ onboardingState: 'CREATED', operationalState: 'DISABLED' });
    expect(pkg.onboardingFailureDetails).toEqual(details);
  });

  it('a failed upload leaves nothing on disk', async () => {
    const id = await createPackage();
    await call('PUT', `/vnf_packages/${id}/package_content`, { body: csar({ 'Definitions/vnfd.yaml': 'tosca: [' }) });
    expect(storedPackages()).toEqual([]);
  });

  it('a ZIP without TOSCA.meta is 422 naming TOSCA-Metadata/TOSCA.meta', async () => {
    const id = await createPackage();
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, { body: withoutFile('TOSCA-Metadata/TOSCA.meta') });
    expect(reply.status).toBe(422);
    expect(problem(reply).detail).toMatch(/has no TOSCA-Metadata\/TOSCA\.meta/);
  });

  it('a TOSCA.meta without Created-by is 422 naming the key', async () => {
    const id = await createPackage();
    const meta = TOSCA_META.replace('Created-by: test\n', '');
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, { body: csar({ 'TOSCA-Metadata/TOSCA.meta': meta }) });
    expect(reply.status).toBe(422);
    expect(problem(reply).detail).toMatch(/TOSCA-Metadata\/TOSCA\.meta: the key Created-by is missing/);
  });

  it('Entry-Definitions naming a file the package lacks is 422 naming that file', async () => {
    const id = await createPackage();
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, { body: withoutFile('Definitions/vnfd.yaml') });
    expect(reply.status).toBe(422);
    expect(problem(reply).detail).toMatch(/Entry-Definitions names Definitions\/vnfd\.yaml, which is not in the package/);
  });

  it('a VNFD that is not YAML is 422 naming the VNFD file', async () => {
    const id = await createPackage();
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, { body: csar({ 'Definitions/vnfd.yaml': 'topology_template: [unclosed' }) });
    expect(reply.status).toBe(422);
    expect(problem(reply).detail).toMatch(/Definitions\/vnfd\.yaml: VNFD is not valid YAML/);
  });

  it('a VNFD without a VNF node is 422 saying so', async () => {
    const id = await createPackage();
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, {
      body: csar({ 'Definitions/vnfd.yaml': 'tosca_definitions_version: tosca_simple_yaml_1_3\ntopology_template:\n  node_templates: {}\n' }),
    });
    expect(reply.status).toBe(422);
    expect(problem(reply).detail).toMatch(/no VNF node template with a descriptor_id/);
  });

  it('an entry that climbs out with ".." is 422 naming the entry, nothing stored', async () => {
    const id = await createPackage();
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, { body: csar({ 'Scripts/../../evil.sh': '#!/bin/sh\n' }) });
    expect(reply.status).toBe(422);
    expect(problem(reply).detail).toMatch(/the entry "Scripts\/\.\.\/\.\.\/evil\.sh" is not a relative path inside the package/);
    expect(storedPackages()).toEqual([]);
    expect(existsSync(join(dataDir, 'evil.sh'))).toBe(false);
  });

  it('an absolute entry path is 422', async () => {
    const id = await createPackage();
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, { body: csar({ '/etc/evil.conf': 'x' }) });
    expect(reply.status).toBe(422);
    expect(problem(reply).detail).toMatch(/"\/etc\/evil\.conf" is not a relative path/);
  });

  it('a package larger than the limit is 413 and the package stays CREATED', async () => {
    const id = await createPackage();
    const reply = await call('PUT', `/vnf_packages/${id}/package_content`, { body: new Uint8Array(MAX_ARCHIVE_BYTES + 1) });
    expect(reply.status).toBe(413);
    expect((await getPackage(id)).onboardingState).toBe('CREATED');
  });

  it('a chunked body that grows past the limit is 413 and the package is CREATED again', async () => {
    const id = await createPackage();
    const body = new PassThrough();
    const pending = request(`${baseUrl}/vnfpkgm/v1/vnf_packages/${id}/package_content`, {
      method: 'PUT', headers: { Version: VERSION, 'Content-Type': 'application/zip' }, body,
    });
    body.end(Buffer.alloc(MAX_ARCHIVE_BYTES + 1));
    const response = await pending;
    await response.body.dump();
    expect(response.statusCode).toBe(413);
    const pkg = await getPackage(id);
    expect(pkg.onboardingState).toBe('CREATED');
    expect(pkg.onboardingFailureDetails?.status).toBe(413);
  });

  it('while one upload is UPLOADING, another upload to the same package is 409', async () => {
    const id = await createPackage();
    const body = new PassThrough();
    const first = request(`${baseUrl}/vnfpkgm/v1/vnf_packages/${id}/package_content`, {
      method: 'PUT', headers: { Version: VERSION, 'Content-Type': 'application/zip' }, body,
    });
    body.write(Buffer.from(sampleV1.subarray(0, 100)));
    await eventually('the upload to begin', async () => (await inventory.packageInfo(id))?.onboardingState === 'UPLOADING');
    const second = await call('PUT', `/vnf_packages/${id}/package_content`, { body: sampleV1 });
    expect(second.status).toBe(409);
    expect(problem(second).detail).toMatch(/is UPLOADING/);
    body.end(Buffer.from(sampleV1.subarray(100)));
    expect((await first).statusCode).toBe(202);
    expect((await getPackage(id)).onboardingState).toBe('ONBOARDED');
  });

  it('after a failed upload the package can be uploaded again, and the failure details go', async () => {
    const id = await createPackage();
    await call('PUT', `/vnf_packages/${id}/package_content`, { body: withoutFile('Definitions/vnfd.yaml') });
    expect((await call('PUT', `/vnf_packages/${id}/package_content`, { body: sampleV1 })).status).toBe(202);
    const pkg = await getPackage(id);
    expect(pkg.onboardingState).toBe('ONBOARDED');
    expect(pkg.onboardingFailureDetails).toBeUndefined();
  });

  it('a second package with an onboarded vnfdId is 409 and stays CREATED', async () => {
    const first = await onboardedPackage();
    const second = await createPackage();
    const reply = await call('PUT', `/vnf_packages/${second}/package_content`, { body: sampleV1 });
    expect(reply.status).toBe(409);
    expect(problem(reply).detail).toMatch(new RegExp(`vnfdId ${V1_VNFD_ID} is already onboarded as VNF package ${first}`));
    expect((await getPackage(second)).onboardingState).toBe('CREATED');
    expect(storedPackages()).toEqual([first]);
  });
});

describe('PATCH /vnf_packages/{id}', () => {
  it('disables an onboarded package and answers the modifications', async () => {
    const id = await onboardedPackage();
    const reply = await call('PATCH', `/vnf_packages/${id}`, { body: { operationalState: 'DISABLED' }, contentType: 'application/merge-patch+json' });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ operationalState: 'DISABLED' });
    expect((await getPackage(id)).operationalState).toBe('DISABLED');
  });

  it('merges userDefinedData as a JSON merge patch: null removes a key', async () => {
    const id = await createPackage({ keep: 1, drop: 2, nested: { a: 1 } });
    const reply = await call('PATCH', `/vnf_packages/${id}`, { body: { userDefinedData: { drop: null, added: 3, nested: { b: 2 } } } });
    expect(reply.status).toBe(200);
    expect((await getPackage(id)).userDefinedData).toEqual({ keep: 1, added: 3, nested: { a: 1, b: 2 } });
  });

  it('asking for the current operationalState is 409', async () => {
    const id = await onboardedPackage();
    const reply = await call('PATCH', `/vnf_packages/${id}`, { body: { operationalState: 'ENABLED' } });
    expect(reply.status).toBe(409);
    expect(problem(reply).detail).toMatch(/is already ENABLED/);
  });

  it('enabling a package that is not ONBOARDED is 409', async () => {
    const id = await createPackage();
    const reply = await call('PATCH', `/vnf_packages/${id}`, { body: { operationalState: 'ENABLED' } });
    expect(reply.status).toBe(409);
    expect(problem(reply).detail).toMatch(/is CREATED; operationalState can change only once it is ONBOARDED/);
  });

  it('an empty modification is 400', async () => {
    const id = await createPackage();
    const reply = await call('PATCH', `/vnf_packages/${id}`, { body: {} });
    expect(reply.status).toBe(400);
    expect(problem(reply).detail).toMatch(/at least one of operationalState and userDefinedData/);
  });

  it('an operationalState outside ENABLED/DISABLED is 400 naming the field', async () => {
    const id = await onboardedPackage();
    const reply = await call('PATCH', `/vnf_packages/${id}`, { body: { operationalState: 'OFF' } });
    expect(reply.status).toBe(400);
    expect(problem(reply).detail).toMatch(/operationalState/);
  });

  it('a text/plain body is 415', async () => {
    const id = await createPackage();
    const reply = await call('PATCH', `/vnf_packages/${id}`, { body: '{"userDefinedData":{}}', contentType: 'text/plain' });
    expect(reply.status).toBe(415);
  });

  it('an unknown package is 404', async () => {
    const reply = await call('PATCH', '/vnf_packages/00000000-0000-0000-0000-000000000000', { body: { operationalState: 'DISABLED' } });
    expect(reply.status).toBe(404);
  });
});

describe('DELETE /vnf_packages/{id}', () => {
  it('an ENABLED package is 409 and stays', async () => {
    const id = await onboardedPackage();
    const reply = await call('DELETE', `/vnf_packages/${id}`);
    expect(reply.status).toBe(409);
    expect(problem(reply).detail).toMatch(/is ENABLED; disable it/);
    expect(storedPackages()).toEqual([id]);
  });

  it('a DISABLED package that a VNF instance uses is 409', async () => {
    const id = await onboardedPackage();
    await call('PATCH', `/vnf_packages/${id}`, { body: { operationalState: 'DISABLED' } });
    await inventory.putInstance(sampleInstance(V1_VNFD_ID));
    const reply = await call('DELETE', `/vnf_packages/${id}`);
    expect(reply.status).toBe(409);
    expect(problem(reply).detail).toMatch(/IN_USE by VNF instance\(s\) a0f0c8c2-5d8e-4a52-9f3c-7d1b2c3d4e5f/);
  });

  it('a CREATED package is deleted', async () => {
    const id = await createPackage();
    expect((await call('DELETE', `/vnf_packages/${id}`)).status).toBe(204);
    expect((await call('GET', `/vnf_packages/${id}`)).status).toBe(404);
  });

  it('an unknown package is 404', async () => {
    expect((await call('DELETE', '/vnf_packages/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });
});

describe('GET /vnf_packages/{id}/vnfd', () => {
  it('returns the VNFD YAML as text/plain', async () => {
    const id = await onboardedPackage();
    const reply = await call('GET', `/vnf_packages/${id}/vnfd`, { headers: { Accept: 'text/plain' } });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain/);
    expect(reply.text).toBe(sampleV1Vnfd);
  });

  it('with Accept application/zip returns TOSCA.meta and the VNFD files in a ZIP', async () => {
    const id = await onboardedPackage();
    const reply = await call('GET', `/vnf_packages/${id}/vnfd`, { headers: { Accept: 'application/zip' } });
    expect(reply.status).toBe(200);
    const files = unzipSync(reply.bytes);
    expect(Object.keys(files).sort()).toEqual(['Definitions/sample_vnfd.yaml', 'TOSCA-Metadata/TOSCA.meta']);
    expect(strFromU8(files['Definitions/sample_vnfd.yaml'] ?? new Uint8Array())).toBe(sampleV1Vnfd);
  });

  it('with Accept application/json is 406', async () => {
    const id = await onboardedPackage();
    const reply = await call('GET', `/vnf_packages/${id}/vnfd`, { headers: { Accept: 'application/json' } });
    expect(reply.status).toBe(406);
    expect(problem(reply).detail).toMatch(/allows none of text\/plain, application\/zip/);
  });

  it('before onboarding is 409', async () => {
    const id = await createPackage();
    const reply = await call('GET', `/vnf_packages/${id}/vnfd`);
    expect(reply.status).toBe(409);
    expect(problem(reply).detail).toMatch(/is CREATED/);
  });
});

describe('GET /vnf_packages/{id}/package_content', () => {
  it('returns the uploaded archive byte for byte', async () => {
    const id = await onboardedPackage();
    const reply = await call('GET', `/vnf_packages/${id}/package_content`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/zip');
    expect(Buffer.from(reply.bytes).equals(Buffer.from(sampleV1))).toBe(true);
  });

  it('before onboarding is 409', async () => {
    const id = await createPackage();
    expect((await call('GET', `/vnf_packages/${id}/package_content`)).status).toBe(409);
  });
});

/** A file server on loopback for upload_from_uri: serves `files` by path, Basic-protected when `basic` is given. */
async function fileServer(files: Record<string, Uint8Array>, basic?: { userName: string; password: string }): Promise<{ url: string; requests: { path: string; authorization?: string }[]; close(): Promise<void> }> {
  const requests: { path: string; authorization?: string }[] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    if (basic && req.headers.authorization !== `Basic ${Buffer.from(`${basic.userName}:${basic.password}`).toString('base64')}`) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="packages"' }).end();
      return;
    }
    const file = files[req.url ?? ''];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': file.length }).end(Buffer.from(file));
  });
  const url = await listen(server, '127.0.0.1', 0);
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('POST /vnf_packages/{id}/package_content/upload_from_uri', () => {
  it('fetches the CSAR from addressInformation with the Basic credentials given, and onboards it before answering 202', async () => {
    const files = await fileServer({ '/sample.zip': sampleV1 }, { userName: 'nfvo', password: 'pkg-secret' });
    try {
      const id = await createPackage();
      const reply = await call('POST', `/vnf_packages/${id}/package_content/upload_from_uri`, {
        body: { addressInformation: `${files.url}/sample.zip`, userName: 'nfvo', password: 'pkg-secret' },
      });
      expect(reply.status, reply.text).toBe(202);
      expect(await getPackage(id)).toMatchObject({ onboardingState: 'ONBOARDED', operationalState: 'ENABLED', vnfdId: V1_VNFD_ID });
      expect(files.requests).toEqual([{ path: '/sample.zip', authorization: `Basic ${Buffer.from('nfvo:pkg-secret').toString('base64')}` }]);
    } finally {
      await files.close();
    }
  });

  const right = { userName: 'nfvo', password: 'right' };
  it.each([
    ['an address that answers 404', '/missing.zip', right, 422, /GET http:\/\/127\.0\.0\.1:\d+\/missing\.zip answered 404/],
    ['credentials the address refuses', '/sample.zip', { userName: 'nfvo', password: 'wrong' }, 422, /answered 401/],
    ['content that is not a CSAR', '/not-a-zip', right, 400, /invalid VNF package/],
  ])('refuses %s, and the package is CREATED again with the failure recorded', async (_what, path, credentials, status, detail) => {
    const files = await fileServer({ '/sample.zip': sampleV1, '/not-a-zip': new TextEncoder().encode('hello') }, right);
    try {
      const id = await createPackage();
      const reply = await call('POST', `/vnf_packages/${id}/package_content/upload_from_uri`, { body: { addressInformation: `${files.url}${path}`, ...credentials } });
      expect(reply.status, reply.text).toBe(status);
      expect(problem(reply).detail).toMatch(detail);
      const pkg = await getPackage(id);
      expect(pkg.onboardingState).toBe('CREATED');
      expect(pkg.onboardingFailureDetails?.detail).toMatch(detail);
    } finally {
      await files.close();
    }
  });

  it('refuses an address with credentials in it with 400, before fetching anything', async () => {
    const id = await createPackage();
    const reply = await call('POST', `/vnf_packages/${id}/package_content/upload_from_uri`, { body: { addressInformation: 'http://nfvo:pw@127.0.0.1:1/p.zip' } });
    expect(reply.status).toBe(400);
    expect(problem(reply).detail).toMatch(/addressInformation: a URL with credentials in it/);
  });
});

describe('GET /vnf_packages/{id}/artifacts/{artifactPath}', () => {
  it('lists the package\'s files besides its VNFD as additionalArtifacts, with their SHA-256', async () => {
    const id = await onboardedPackage();
    const script = readFileSync(join(V1_DIR, 'Scripts', 'coordinate_vnf.py'));
    const { createHash } = await import('node:crypto');
    expect((await getPackage(id)).additionalArtifacts).toEqual([
      { artifactPath: 'Scripts/coordinate_vnf.py', checksum: { algorithm: 'SHA-256', hash: createHash('sha256').update(script).digest('hex') } },
    ]);
  });

  it('serves an artifact byte for byte, whatever Accept says (python-tackerclient sends application/json)', async () => {
    const id = await onboardedPackage();
    const reply = await call('GET', `/vnf_packages/${id}/artifacts/Scripts/coordinate_vnf.py`, { headers: { Accept: 'application/json' } });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/x-python');
    expect(reply.text).toBe(readFileSync(join(V1_DIR, 'Scripts', 'coordinate_vnf.py'), 'utf8'));
  });

  it.each([
    ['a file that is not an artifact (the VNFD)', 'Definitions/sample_vnfd.yaml', 404],
    ['a path that climbs out of the package', '..%2F..%2Finventory.json', 404],
    ['a file the package does not have', 'Scripts/nothing.sh', 404],
  ])('answers %s with 404', async (_what, path, status) => {
    const id = await onboardedPackage();
    const reply = await call('GET', `/vnf_packages/${id}/artifacts/${path}`);
    expect(reply.status).toBe(status);
    problem(reply);
  });

  it('answers 409 before the package is onboarded', async () => {
    const id = await createPackage();
    expect((await call('GET', `/vnf_packages/${id}/artifacts/Scripts/coordinate_vnf.py`)).status).toBe(409);
  });
});

describe('the life of a package', () => {
  it('create → upload → ONBOARDED → GET vnfd → disable → delete → 404, nothing left on disk', async () => {
    const created = await call('POST', '/vnf_packages', { body: { userDefinedData: { owner: 'test' } } });
    expect(created.status).toBe(201);
    const id = info(created).id;

    expect((await call('PUT', `/vnf_packages/${id}/package_content`, { body: sampleV1 })).status).toBe(202);
    const pkg = await getPackage(id);
    expect(pkg).toMatchObject({ onboardingState: 'ONBOARDED', operationalState: 'ENABLED', vnfdId: V1_VNFD_ID, userDefinedData: { owner: 'test' } });
    expect((await inventory.packageByVnfdId(V1_VNFD_ID))?.id).toBe(id);

    const vnfd = await call('GET', `/vnf_packages/${id}/vnfd`, { headers: { Accept: 'text/plain' } });
    expect(vnfd.text).toContain(`descriptor_id: ${V1_VNFD_ID}`);

    expect((await call('PATCH', `/vnf_packages/${id}`, { body: { operationalState: 'DISABLED' } })).status).toBe(200);
    expect((await call('DELETE', `/vnf_packages/${id}`)).status).toBe(204);
    expect((await call('GET', `/vnf_packages/${id}`)).status).toBe(404);
    expect(storedPackages()).toEqual([]);
    expect(await inventory.packageInfos()).toEqual([]);
  });
});

describe('readCsar', () => {
  it('refuses an archive with more entries than the limit', () => {
    expect(() => readCsar(csar(), { maxFiles: 1 })).toThrow(new CsarError('too-large', 'the package has 2 entries; at most 1 are accepted'));
  });

  it('refuses an archive that unpacks to more than the content limit', () => {
    expect(() => readCsar(csar({ 'Files/big.bin': 'x'.repeat(10_000) }), { maxContentBytes: 5_000 })).toThrow(/unpacks to more than 5000 bytes/);
  });

  it('refuses an entry name with a backslash', () => {
    expect(() => readCsar(csar({ 'Scripts\\..\\..\\evil.bat': 'x' }))).toThrow(/is not a relative path inside the package/);
  });

  it('reads the software images of the VNFD', () => {
    expect(readCsar(sampleV1).softwareImages.map((i) => i.nodeName)).toEqual(['VDU1', 'VDU2']);
  });

  it('buildCsar gives the same bytes for the same folder', () => {
    expect(Buffer.from(buildCsar(V1_DIR)).equals(Buffer.from(sampleV1))).toBe(true);
  });
});

describe('onboardSamplePackagesAsCsar', () => {
  it('onboards both samples under their fixed ids, ONBOARDED and ENABLED, with stored content', async () => {
    const records = await onboardSamplePackagesAsCsar(inventory, repository);
    expect(records.map((r) => r.id)).toEqual(SAMPLE_PACKAGES.map((p) => p.id));
    expect(records.map((r) => [r.onboardingState, r.operationalState])).toEqual([['ONBOARDED', 'ENABLED'], ['ONBOARDED', 'ENABLED']]);
    expect(storedPackages().sort()).toEqual(SAMPLE_PACKAGES.map((p) => p.id).sort());
    expect((await getPackage(SAMPLE_PACKAGES[1].id)).vnfdId).toBe('c2cc1df8-fcdb-4fb8-86fe-5951e81b2288');
  });

  it('is idempotent: a second run changes nothing', async () => {
    const first = await onboardSamplePackagesAsCsar(inventory, repository);
    const second = await onboardSamplePackagesAsCsar(inventory, repository);
    expect(second).toEqual(first);
  });

  it('onboards again a sample that the older seeding recorded from its folder, keeping it DISABLED', async () => {
    const [v1] = SAMPLE_PACKAGES;
    const { vnfd } = readCsar(sampleV1);
    await inventory.putPackage({ id: v1.id, vnfd, onboardingState: 'ONBOARDED', operationalState: 'DISABLED', contentDir: V1_DIR });
    const [record] = await onboardSamplePackagesAsCsar(inventory, repository);
    expect(record).toMatchObject({ id: v1.id, operationalState: 'DISABLED', contentDir: repository.contentDir(v1.id) });
    expect(await repository.has(v1.id)).toBe(true);
  });
});

describe('recoverInterruptedOnboardings', () => {
  it('puts an upload a stop interrupted back to CREATED and sweeps folders of no onboarded package', async () => {
    const id = await createPackage();
    await beginUpload(inventory, id);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dataDir, 'packages', `.staging-${id}-x`), { recursive: true });
    mkdirSync(join(dataDir, 'packages', id), { recursive: true });
    expect(await recoverInterruptedOnboardings({ inventory, repository })).toEqual([id]);
    const pkg = await getPackage(id);
    expect(pkg.onboardingState).toBe('CREATED');
    expect(pkg.onboardingFailureDetails?.detail).toMatch(/interrupted/);
    expect(storedPackages()).toEqual([]);
  });

  it('with records shared by gateways, undoes an upload only once it is older than any upload can last', async () => {
    const id = await createPackage();
    await beginUpload(inventory, id);
    const started = Date.parse((await inventory.packageInfo(id))!.onboardingStartedAt!);
    const shared = (at: number) => recoverInterruptedOnboardings({ inventory, repository }, { inProgressForMs: 60_000, now: () => at });
    expect(await shared(started + 1_000)).toEqual([]);
    expect((await getPackage(id)).onboardingState).toBe('UPLOADING');
    expect(await shared(started + 61_000)).toEqual([id]);
    expect((await getPackage(id)).onboardingState).toBe('CREATED');
  });

  it('with records shared by gateways, keeps the content of an upload under way', async () => {
    const id = await createPackage();
    await beginUpload(inventory, id);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dataDir, 'packages', id), { recursive: true });
    expect(await recoverInterruptedOnboardings({ inventory, repository }, { inProgressForMs: 60_000 })).toEqual([]);
    expect(storedPackages()).toEqual([id]);
    expect((await getPackage(id)).onboardingState).toBe('UPLOADING');
  });
});
