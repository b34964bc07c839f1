// The real client: python-openstackclient with python-tackerclient, from .venv, unchanged,
// against the gateway with an API token as `--os-auth-type admin_token` sends it
// (X-Auth-Token). Every command Tacker serves for what this VNFM implements is run here, with
// the CSARs of samples/ onboarded through the CLI itself:
//   openstack vnf package create / upload --path / upload --url / list / show / update /
//     download / download --vnfd / artifact download / delete            (vnfpkgm v1, no Version header)
//   openstack vnflcm versions / create / show / list / instantiate / update / change-vnfpkg /
//     terminate / delete, vnflcm op list / show / retry / rollback / fail, vnflcm subsc
//     create / list / show / delete                                       (--os-tacker-api-version 2)
//   openstack vnflcm op cancel                                            (v1 only in the CLI)
// The gateway pages its lists two by two here, so every list command follows Link rel="next".
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../src/http/listen.ts';
import { SAMPLES_DIR } from '../src/inventory/sample.ts';
import { buildCsar } from '../src/packages/csar.ts';
import { pythonTool } from './support/python-tools.ts';
import { opIdOf, startBareSystem, waitForState, type BareTestSystem } from './support/system.ts';
import { eventually } from './support/wait.ts';

const run = promisify(execFile);
const TOKEN = 'tacker-cli-token-0123456789';
const V1_VNFD_ID = 'b1bb0ce7-ebca-4fa7-95ed-4840d70a1177';
const V2_VNFD_ID = 'c2cc1df8-fcdb-4fb8-86fe-5951e81b2288';
let system: BareTestSystem;
let openstackCli: string;
/** Serves the sample CSARs (upload --url) and answers as a notification endpoint (subsc create). */
let peer: { url: string; server: Server; notifications: string[] };
const csars: { v1: Uint8Array; v2: Uint8Array } = { v1: new Uint8Array(), v2: new Uint8Array() };

beforeAll(async () => {
  openstackCli = pythonTool('openstack');
  system = await startBareSystem('tackercli', { apiToken: TOKEN, pageSize: 2 });
  csars.v1 = buildCsar(join(SAMPLES_DIR, 'sample-vnf-v1'));
  csars.v2 = buildCsar(join(SAMPLES_DIR, 'sample-vnf-v2'));
  writeFileSync(join(system.dataDir, 'sample-vnf-v1.zip'), csars.v1);
  const notifications: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/sample-vnf-v2.zip') {
        res.writeHead(200, { 'Content-Type': 'application/zip' }).end(Buffer.from(csars.v2));
        return;
      }
      if (req.method === 'POST') notifications.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
    });
  });
  peer = { url: await listen(server, '127.0.0.1', 0), server, notifications };
});
afterAll(async () => {
  await new Promise((resolve) => peer?.server.close(resolve));
  await system?.close();
});

// --- Running the CLI ---

const cliAuth = (api?: '1' | '2') => [
  '--os-auth-type', 'admin_token', '--os-token', TOKEN, '--os-endpoint', system.gatewayUrl, ...(api ? ['--os-tacker-api-version', api] : []),
];
const cliOptions = () => ({ timeout: 60_000, env: { ...process.env, OS_CLOUD: '', PYTHONWARNINGS: 'ignore' } });

/** `openstack …` against the gateway; `api` is --os-tacker-api-version (none for the package commands). */
async function openstack(args: string[], api?: '1' | '2'): Promise<string> {
  const { stdout } = await run(openstackCli, [...args, ...cliAuth(api)], cliOptions());
  return stdout;
}

const vnflcm = (...args: string[]) => openstack(['vnflcm', ...args], '2');
const vnfPackage = (...args: string[]) => openstack(['vnf', 'package', ...args]);
const json = async <T>(output: Promise<string>): Promise<T> => JSON.parse(await output) as T;
const file = (name: string, content: unknown): string => {
  const path = join(system.dataDir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

type PackageRow = Record<string, unknown> & { ID: string; 'Onboarding State': string; 'Operational State': string };
type OpRow = { ID: string; 'VNF Instance ID': string; Operation: string; 'Operation State': string };

// --- The packages, onboarded through the CLI (each once, whichever test needs them first) ---

let v1Package: Promise<string> | undefined;
let v2Package: Promise<string> | undefined;

/** `vnf package create` then `vnf package upload --path` the v1 sample CSAR. */
function onboardedV1(): Promise<string> {
  v1Package ??= (async () => {
    const created = await json<PackageRow>(vnfPackage('create', '--user-data', 'owner=cli', '-f', 'json'));
    const uploaded = await vnfPackage('upload', '--path', join(system.dataDir, 'sample-vnf-v1.zip'), created.ID);
    expect(uploaded.trim()).toBe(`Upload request for VNF package ${created.ID} has been accepted.`);
    return created.ID;
  })();
  return v1Package;
}

/** `vnf package create` then `vnf package upload --url` the v2 sample CSAR, served on loopback. */
function onboardedV2(): Promise<string> {
  v2Package ??= (async () => {
    const created = await json<PackageRow>(vnfPackage('create', '-f', 'json'));
    const uploaded = await vnfPackage('upload', '--url', `${peer.url}/sample-vnf-v2.zip`, created.ID);
    expect(uploaded.trim()).toBe(`Upload request for VNF package ${created.ID} has been accepted.`);
    return created.ID;
  })();
  return v2Package;
}

describe('openstack vnf package (vnfpkgm v1, sent without a Version header)', () => {
  it('create makes a CREATED, DISABLED package with its user data', async () => {
    const created = await json<PackageRow>(vnfPackage('create', '--user-data', 'purpose=create-test', '-f', 'json'));

    expect(created).toMatchObject({ 'Onboarding State': 'CREATED', 'Operational State': 'DISABLED', 'Usage State': 'NOT_IN_USE', 'User Defined Data': { purpose: 'create-test' } });
  });

  it('upload --path onboards the v1 sample CSAR', async () => {
    const id = await onboardedV1();

    expect(await json<PackageRow>(vnfPackage('show', id, '-f', 'json'))).toMatchObject({
      'Onboarding State': 'ONBOARDED', 'Operational State': 'ENABLED', 'VNFD ID': V1_VNFD_ID, 'User Defined Data': { owner: 'cli' },
    });
  });

  it('upload --url onboards the v2 sample CSAR, fetched by the VNFM from the URL', async () => {
    const id = await onboardedV2();

    expect(await json<PackageRow>(vnfPackage('show', id, '-f', 'json'))).toMatchObject({ 'Onboarding State': 'ONBOARDED', 'VNFD ID': V2_VNFD_ID });
  });

  it('show renders the VNFD identity, checksum, software images and additional artifacts', async () => {
    const shown = await json<PackageRow>(vnfPackage('show', await onboardedV1(), '-f', 'json'));

    expect(shown).toMatchObject({ 'VNF Provider': 'Company', 'VNF Product Name': 'Sample VNF', 'VNF Software Version': '1.0', 'VNFD Version': '1.0' });
    expect(shown.Checksum).toMatchObject({ algorithm: 'SHA-256' });
    expect((shown['Software Images'] as { name: string }[]).map((i) => i.name)).toEqual(['cirros-0.5.2-x86_64-disk', 'ubuntu-20.04-server']);
    expect((shown['Additional Artifacts'] as { artifactPath: string }[]).map((a) => a.artifactPath)).toEqual(['Scripts/coordinate_vnf.py']);
  });

  it('list shows every package across pages; --filter narrows it; --all_fields adds the complex attributes', async () => {
    const [v1, v2] = await Promise.all([onboardedV1(), onboardedV2()]);
    await vnfPackage('create', '-f', 'json');
    // The list's columns are named by the CLI from the attribute names (Id, Vnfd Id, …).
    type ListRow = Record<string, unknown> & { Id: string };

    const all = await json<ListRow[]>(vnfPackage('list', '-f', 'json'));
    expect(all.length).toBeGreaterThan(2);
    expect(all.map((p) => p.Id)).toEqual(expect.arrayContaining([v1, v2]));

    const onboarded = await json<ListRow[]>(vnfPackage('list', '--filter', '(eq,onboardingState,ONBOARDED)', '-f', 'json'));
    expect(onboarded.map((p) => p.Id).sort()).toEqual([v1, v2].sort());

    const full = await json<ListRow[]>(vnfPackage('list', '--filter', `(eq,vnfdId,${V1_VNFD_ID})`, '--all_fields', '-f', 'json'));
    expect(full).toHaveLength(1);
    expect(full[0]).toMatchObject({ Id: v1, 'Vnfd Id': V1_VNFD_ID, 'User Defined Data': { owner: 'cli' } });
    expect(full[0]?.['Software Images']).toHaveLength(2);
  });

  it('update --operational-state disables and enables a package; --user-data merges into its user data', async () => {
    const id = await onboardedV1();

    expect(await json(vnfPackage('update', '--operational-state', 'DISABLED', id, '-f', 'json'))).toEqual({ 'Operational State': 'DISABLED' });
    expect((await json<PackageRow>(vnfPackage('show', id, '-f', 'json')))['Operational State']).toBe('DISABLED');
    expect(await json(vnfPackage('update', '--operational-state', 'ENABLED', id, '-f', 'json'))).toEqual({ 'Operational State': 'ENABLED' });
    await vnfPackage('update', '--user-data', 'team=nfv', id, '-f', 'json');
    expect((await json<PackageRow>(vnfPackage('show', id, '-f', 'json')))['User Defined Data']).toEqual({ owner: 'cli', team: 'nfv' });
  });

  it('download --file saves the CSAR byte for byte; --vnfd --type text/plain saves the VNFD', async () => {
    const id = await onboardedV1();
    const archive = join(system.dataDir, 'downloaded.zip');
    const vnfd = join(system.dataDir, 'downloaded-vnfd.yaml');

    await vnfPackage('download', id, '--file', archive);
    await vnfPackage('download', id, '--vnfd', '--type', 'text/plain', '--file', vnfd);

    expect(Buffer.from(readFileSync(archive)).equals(Buffer.from(csars.v1))).toBe(true);
    expect(readFileSync(vnfd, 'utf8')).toBe(readFileSync(join(SAMPLES_DIR, 'sample-vnf-v1', 'Definitions', 'sample_vnfd.yaml'), 'utf8'));
  });

  it('artifact download --file saves an artifact of the package byte for byte', async () => {
    const id = await onboardedV1();
    const saved = join(system.dataDir, 'artifact.py');

    await vnfPackage('artifact', 'download', id, 'Scripts/coordinate_vnf.py', '--file', saved);

    expect(readFileSync(saved, 'utf8')).toBe(readFileSync(join(SAMPLES_DIR, 'sample-vnf-v1', 'Scripts', 'coordinate_vnf.py'), 'utf8'));
  });

  it('delete removes a DISABLED package no VNF instance uses', async () => {
    const created = await json<PackageRow>(vnfPackage('create', '-f', 'json'));

    expect((await vnfPackage('delete', created.ID)).trim()).toBe('All specified vnf-package(s) deleted successfully');
    const remaining = await json<PackageRow[]>(vnfPackage('list', '-f', 'json'));
    expect(remaining.map((p) => p.ID)).not.toContain(created.ID);
  });
});

// --- VNF instances and their operations ---
// What a test needs before its command runs is made through the API (the CLI costs seconds a
// call on a shared machine); each command is run with the CLI in its own test.

async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; location?: string; json: () => Record<string, unknown> }> {
  const res = await request(`${system.gatewayUrl}/vnflcm/v2${path}`, { method, headers: system.headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, location: res.headers.location as string | undefined, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** `vnflcm create` of the v1 package (as the CLI's own test), or the same through the API. */
async function createInstance(name: string, { cli = false } = {}): Promise<string> {
  await onboardedV1();
  if (cli) {
    const created = await json<{ ID: string; 'VNF Instance Description': string }>(vnflcm('create', V1_VNFD_ID, '--name', name, '--description', `${name} described`, '-f', 'json'));
    expect(created['VNF Instance Description']).toBe(`${name} described`);
    return created.ID;
  }
  const created = await api('POST', '/vnf_instances', { vnfdId: V1_VNFD_ID, vnfInstanceName: name });
  expect(created.status).toBe(201);
  return String(created.json().id);
}

async function instantiated(name: string): Promise<string> {
  const id = await createInstance(name);
  const started = await api('POST', `/vnf_instances/${id}/instantiate`, { flavourId: 'simple', additionalParams: { vdu_layout: { VDU1: 1, VDU2: 1 } } });
  expect(started.status).toBe(202);
  expect((await waitForState(system, opIdOf(started.location), ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');
  return id;
}

/** The occurrence a command started (the CLI prints no id): the one `op list --filter` of the instance did not show before it. */
async function newOperation(command: () => Promise<string>, instanceId: string, operation: string): Promise<string> {
  const ofInstance = () => json<OpRow[]>(vnflcm('op', 'list', '--filter', `(eq,vnfInstanceId,${instanceId})`, '-f', 'json'));
  const before = new Set((await ofInstance()).map((o) => o.ID));
  await command();
  const op = (await ofInstance()).find((o) => !before.has(o.ID) && o['VNF Instance ID'] === instanceId && o.Operation === operation);
  if (!op) throw new Error(`op list shows no new ${operation} occurrence for ${instanceId}`);
  return op.ID;
}

/** The seed's parameter file, pointed at this test's EM and the given destination. */
function seedRequest(vnfdId: string): Record<string, unknown> {
  const param = (vdu: string) => ({
    cp_name: `${vdu}_CP1`, username: 'ubuntu', password: 'ubuntu', endpoint: system.em.url,
    authentication: { authType: ['BASIC'], paramsBasic: { userName: 'tacker', password: 'tacker' } }, timeout: 30,
  });
  return { vnfdId, additionalParams: { upgrade_type: 'RollingUpdate', vdu_params: ['VDU1', 'VDU2'].map((vdu) => ({ vdu_id: vdu, old_vnfc_param: param(vdu), new_vnfc_param: param(vdu) })) } };
}

async function changeTo(instanceId: string, vnfdId: string): Promise<string> {
  const started = await api('POST', `/vnf_instances/${instanceId}/change_vnfpkg`, seedRequest(vnfdId));
  expect(started.status).toBe(202);
  return opIdOf(started.location);
}

describe('openstack vnflcm --os-tacker-api-version 2', () => {
  it('versions shows the API versions of /vnflcm; --major-version 2 those of /vnflcm/v2', async () => {
    expect(await json(vnflcm('versions', '-f', 'json'))).toEqual({ uriPrefix: '/vnflcm', apiVersions: [{ version: '2.0.0', isDeprecated: false }] });
    expect(await json(vnflcm('versions', '--major-version', '2', '-f', 'json'))).toEqual({ uriPrefix: '/vnflcm/v2', apiVersions: [{ version: '2.0.0', isDeprecated: false }] });
  });

  it('create, show and list a VNF instance, its name and description kept', async () => {
    const id = await createInstance('shown', { cli: true });

    expect(await json(vnflcm('show', id, '-f', 'json'))).toMatchObject({
      ID: id, 'VNF Instance Name': 'shown', 'VNF Instance Description': 'shown described', 'Instantiation State': 'NOT_INSTANTIATED', 'VNFD ID': V1_VNFD_ID,
    });
    const listed = await json<{ ID: string; 'VNF Instance Name': string }[]>(vnflcm('list', '-f', 'json'));
    expect(listed.find((i) => i.ID === id)?.['VNF Instance Name']).toBe('shown');
  });

  it('instantiate makes the instance INSTANTIATED; show renders its VNFCs and its VIM', async () => {
    const id = await createInstance('instantiated');
    const request = file('instantiate.json', { flavourId: 'simple', additionalParams: { vdu_layout: { VDU1: 1, VDU2: 1 } } });

    const opId = await newOperation(async () => {
      const out = await vnflcm('instantiate', id, request);
      expect(out.trim()).toBe(`Instantiate request for VNF Instance ${id} has been accepted.`);
      return out;
    }, id, 'INSTANTIATE');

    expect((await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');
    const shown = await json<Record<string, unknown>>(vnflcm('show', id, '-f', 'json'));
    expect(shown['Instantiation State']).toBe('INSTANTIATED');
    const info = shown['Instantiated Vnf Info'] as { vnfcResourceInfo: { vduId: string; computeResource: { vimConnectionId: string } }[]; vnfcInfo: unknown[] };
    expect(info.vnfcResourceInfo.map((v) => v.vduId)).toEqual(['VDU1', 'VDU2']);
    expect(info.vnfcInfo).toHaveLength(2);
    const vims = shown['VIM Connection Info'] as Record<string, { vimType: string }>;
    expect(Object.values(vims).map((v) => v.vimType)).toEqual(['ETSINFV.OPENSTACK_KEYSTONE.V_3']);
    expect(Object.keys(vims)).toEqual([info.vnfcResourceInfo[0]?.computeResource.vimConnectionId]);
  });

  it('update --I modifies the instance\'s information (a MODIFY_INFO occurrence)', async () => {
    const id = await createInstance('to-rename');
    const patch = file('update.json', { vnfInstanceName: 'renamed', vnfInstanceDescription: 'renamed by the CLI', metadata: { tier: 'web' } });

    const opId = await newOperation(async () => {
      const out = await vnflcm('update', id, '--I', patch);
      expect(out.trim()).toBe(`Update vnf:${id}`);
      return out;
    }, id, 'MODIFY_INFO');

    expect((await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');
    expect(await json(vnflcm('show', id, '-f', 'json'))).toMatchObject({ 'VNF Instance Name': 'renamed', 'VNF Instance Description': 'renamed by the CLI' });
  });

  it('change-vnfpkg with the seed parameter file completes; op show renders the occurrence', async () => {
    await onboardedV2();
    system.em.behaviours.set({ default: { mode: 'async', polls: 1, retryAfter: 0 } });
    const id = await instantiated('changed');
    const params = file('change.json', seedRequest(V2_VNFD_ID));

    const opId = await newOperation(async () => {
      const out = await vnflcm('change-vnfpkg', id, params);
      expect(out.trim()).toBe(`Change Current VNF Package for VNF Instance ${id} has been accepted.`);
      return out;
    }, id, 'CHANGE_VNFPKG');

    await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP']);
    const shown = await json<{ 'Operation State': string; Operation: string; 'Operation Parameters': { vnfdId: string }; 'Resource Changes': { affectedVnfcs: unknown[] } }>(vnflcm('op', 'show', opId, '-f', 'json'));
    expect(shown['Operation State']).toBe('COMPLETED');
    expect(shown.Operation).toBe('CHANGE_VNFPKG');
    expect(shown['Operation Parameters'].vnfdId).toBe(V2_VNFD_ID);
    expect(shown['Resource Changes'].affectedVnfcs).toHaveLength(2);
  });

  it('op list lists every occurrence across pages, and --filter narrows them', async () => {
    const id = await instantiated('listed');
    const [instantiation] = (await api('GET', `/vnf_lcm_op_occs?filter=${encodeURIComponent(`(eq,vnfInstanceId,${id})`)}`)).json() as unknown as { id: string }[];

    const all = await json<OpRow[]>(vnflcm('op', 'list', '-f', 'json'));
    expect(all.length).toBeGreaterThan(2);
    expect(all.map((o) => o.ID)).toContain(instantiation?.id);
    const mine = await json<OpRow[]>(vnflcm('op', 'list', '--filter', `(eq,vnfInstanceId,${id})`, '-f', 'json'));
    expect(mine).toEqual([{ ID: instantiation?.id, 'Operation State': 'COMPLETED', 'VNF Instance ID': id, Operation: 'INSTANTIATE' }]);
  });

  it('op retry resumes an operation in FAILED_TEMP', async () => {
    await onboardedV2();
    const id = await instantiated('retried');
    system.em.behaviours.set({ default: { mode: 'sync', result: 'ABORT', error: 'EM says no' } });
    const opId = await changeTo(id, V2_VNFD_ID);
    expect((await waitForState(system, opId, ['FAILED_TEMP'])).error?.detail).toBe('EM says no');
    system.em.behaviours.set({ default: { mode: 'sync' } });

    expect((await vnflcm('op', 'retry', opId)).trim()).toBe(`Retry request for LCM operation ${opId} has been accepted`);

    expect((await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');
  });

  it('op rollback rolls an operation in FAILED_TEMP back', async () => {
    await onboardedV2();
    const id = await instantiated('rolled-back');
    system.em.behaviours.set({ default: { mode: 'sync', result: 'ABORT' } });
    const opId = await changeTo(id, V2_VNFD_ID);
    await waitForState(system, opId, ['FAILED_TEMP']);
    system.em.behaviours.set({ default: { mode: 'sync' } });

    expect((await vnflcm('op', 'rollback', opId)).trim()).toBe(`Rollback request for LCM operation ${opId} has been accepted`);

    expect((await waitForState(system, opId, ['ROLLED_BACK', 'FAILED_TEMP'])).operationState).toBe('ROLLED_BACK');
  });

  it('op fail ends an operation in FAILED_TEMP as FAILED and renders it', async () => {
    await onboardedV2();
    const id = await instantiated('failed');
    system.em.behaviours.set({ default: { mode: 'sync', result: 'ABORT' } });
    const opId = await changeTo(id, V2_VNFD_ID);
    await waitForState(system, opId, ['FAILED_TEMP']);
    system.em.behaviours.set({ default: { mode: 'sync' } });

    const failed = await json<{ ID: string; 'Operation State': string }>(vnflcm('op', 'fail', opId, '-f', 'json'));

    expect(failed).toMatchObject({ ID: opId, 'Operation State': 'FAILED' });
  });

  it('terminate ends the instance on the VIM, and delete removes it', async () => {
    const id = await instantiated('ended');

    const terminated = await newOperation(async () => {
      const out = await vnflcm('terminate', id);
      expect(out.trim()).toBe(`Terminate request for VNF Instance '${id}' has been accepted.`);
      return out;
    }, id, 'TERMINATE');
    expect((await waitForState(system, terminated, ['COMPLETED', 'FAILED_TEMP'])).operationState).toBe('COMPLETED');

    expect((await vnflcm('delete', id)).trim()).toBe(`Vnf instance '${id}' is deleted successfully`);
    expect((await api('GET', `/vnf_instances/${id}`)).status).toBe(404);
  });
});

describe('openstack vnflcm op cancel (a v1 command of the CLI; Tacker v2 has none)', () => {
  it('cancels a running change FORCEFUL: the occurrence stops in FAILED_TEMP and the EM is told', async () => {
    await onboardedV2();
    const id = await instantiated('cancelled');
    system.em.behaviours.set({ default: { mode: 'async', never: true, retryAfter: 1 } });
    const opId = await changeTo(id, V2_VNFD_ID);
    await eventually('the coordination to be open at the EM', () => system.em.requests.entries().some((e) => e.method === 'POST' && e.path.endsWith('/coordinations') && e.status === 202));

    // python-tackerclient 2.6.0's `op cancel` is a ShowOne command whose action returns nothing
    // after printing that the request was accepted: the CLI then fails on its own result, with
    // exit code 1, against Tacker as here. The request itself is sent and answered 202.
    const cli = await run(openstackCli, ['vnflcm', 'op', 'cancel', opId, '--cancel-mode', 'FORCEFUL', ...cliAuth('1')], cliOptions())
      .then(() => ({ stdout: 'exit code 0', stderr: '' }), (err: { stdout: string; stderr: string }) => err);

    expect(cli.stdout.trim()).toBe(`Cancel request for LCM operation ${opId} has been accepted`);
    expect(cli.stderr.trim()).toBe('cannot unpack non-iterable NoneType object');
    const op = await waitForState(system, opId, ['FAILED_TEMP']);
    expect(op.error?.detail).toMatch(/FORCEFUL/);
    await eventually('the cancel at the EM', () => system.em.requests.entries().some((e) => e.method === 'POST' && e.path.endsWith('/cancel')));
    system.em.behaviours.set({ default: { mode: 'sync' } });
  });
});

describe('openstack vnflcm subsc --os-tacker-api-version 2', () => {
  it('create tests the callback and subscribes; list and show render it; delete removes it', async () => {
    const request = file('subscription.json', {
      callbackUri: `${peer.url}/notifications`,
      filter: { vnfInstanceSubscriptionFilter: { vnfdIds: [V1_VNFD_ID] }, notificationTypes: ['VnfIdentifierCreationNotification'] },
    });

    const created = await json<{ ID: string; 'Callback URI': string; Filter: Record<string, unknown> }>(vnflcm('subsc', 'create', request, '-f', 'json'));
    expect(created['Callback URI']).toBe(`${peer.url}/notifications`);
    expect(created.Filter).toEqual({ vnfInstanceSubscriptionFilter: { vnfdIds: [V1_VNFD_ID] }, notificationTypes: ['VnfIdentifierCreationNotification'] });

    const listed = await json<{ ID: string; 'Callback URI': string }[]>(vnflcm('subsc', 'list', '-f', 'json'));
    expect(listed).toContainEqual({ ID: created.ID, 'Callback URI': `${peer.url}/notifications` });
    expect(await json(vnflcm('subsc', 'show', created.ID, '-f', 'json'))).toMatchObject({ ID: created.ID, Filter: created.Filter });

    const instance = await createInstance('announced');
    await eventually('the VnfIdentifierCreationNotification', () => peer.notifications.some((n) => n.includes(instance) && n.includes(created.ID)));

    expect((await vnflcm('subsc', 'delete', created.ID)).trim()).toBe(`Lccn Subscription '${created.ID}' is deleted successfully`);
    expect((await json<{ ID: string }[]>(vnflcm('subsc', 'list', '-f', 'json'))).map((s) => s.ID)).not.toContain(created.ID);
  });
});

it('builds the CSARs it onboards from samples/, and the seed parameter file is there as it is', () => {
  expect(existsSync(join(SAMPLES_DIR, 'sample_param_file_for_coordination.json'))).toBe(true);
  expect(csars.v1.length).toBeGreaterThan(0);
  expect(csars.v2.length).toBeGreaterThan(0);
});
