// The VIM simulator speaks Keystone, Heat and Nova the way the VNFM's client will meet them,
// and keeps its state across restarts. Exercised over real HTTP on loopback.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from './support/wait.ts';
import { startVimSimulator, type VimSimulator, type VimSimulatorOptions } from '../src/vim-simulator/server.ts';
import type { VnfStackView } from '../src/vim-simulator/model.ts';
import { VimState } from '../src/vim-simulator/state.ts';

const UPDATE_DELAY_MS = 150;

let directory: string;
let stateFile: string;
let simulator: VimSimulator;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'vim-simulator-'));
  stateFile = join(directory, 'vim-state.json');
  simulator = await start();
});

afterEach(async () => {
  await simulator.close();
  await rm(directory, { recursive: true, force: true });
});

function start(options: Partial<VimSimulatorOptions> = {}): Promise<VimSimulator> {
  return startVimSimulator({ stateFile, port: 0, updateDelayMs: UPDATE_DELAY_MS, log: () => undefined, ...options });
}

/** Restarts the simulator with other options (the state file stays). */
async function restart(options: Partial<VimSimulatorOptions> = {}): Promise<void> {
  await simulator.close();
  simulator = await start(options);
}

/** The state file as it is on disk now, validated by the schema the simulator loads it with. */
async function storedState(): Promise<VimState> {
  return VimState.parse(JSON.parse(await readFile(stateFile, 'utf8')));
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await request(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: text ? JSON.parse(text) as unknown : undefined };
}

function passwordAuth(password: string): unknown {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password } } },
      scope: { project: { name: 'admin', domain: { name: 'Default' } } },
    },
  };
}

interface TokenBody {
  token: { expires_at: string; project: { id: string }; catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> };
}

async function authenticate(): Promise<{ token: string; heat: string; nova: string }> {
  const reply = await call('POST', `${simulator.authUrl}/auth/tokens`, passwordAuth('admin'));
  const body = reply.body as TokenBody;
  const endpoint = (type: string): string =>
    body.token.catalog.find((entry) => entry.type === type)?.endpoints.find((e) => e.interface === 'public')?.url ?? '';
  return { token: String(reply.headers['x-subject-token']), heat: endpoint('orchestration'), nova: endpoint('compute') };
}

async function createVnf(count = 1): Promise<VnfStackView> {
  const reply = await call('POST', `${simulator.url}/admin/stacks`, {
    stackName: 'vnf-0001', vdus: [{ vduId: 'VDU1', count, image: 'image-v1', flavor: 'm1.tiny' }],
  });
  return reply.body as VnfStackView;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  return eventually('the simulator to get there', async () => {
    const value = await read();
    return done(value) && { value };
  }).then(({ value }) => value);
}

interface StackBody { stack: { stack_status: string; stack_status_reason: string } }
interface PatchLog { requests: Array<{ stackId: string; parameters: Record<string, unknown>; status: number }> }
interface ServerBody { server: { image: { id: string }; flavor: { original_name: string } } }

describe('Keystone', () => {
  it('issues a token with an expiry and a catalog pointing at Heat and Nova', async () => {
    const reply = await call('POST', `${simulator.authUrl}/auth/tokens`, passwordAuth('admin'));
    expect(reply.status).toBe(201);
    expect(reply.headers['x-subject-token']).toMatch(/^gAAAAA/);
    const { token } = reply.body as TokenBody;
    expect(Date.parse(token.expires_at) - Date.now()).toBeGreaterThan(59 * 60 * 1000);
    const publicUrl = (type: string) => token.catalog.find((e) => e.type === type)?.endpoints.find((e) => e.interface === 'public')?.url;
    expect(publicUrl('orchestration')).toBe(`${simulator.url}/heat/v1/${token.project.id}`);
    expect(publicUrl('compute')).toBe(`${simulator.url}/compute/v2.1`);
  });

  it('refuses a wrong password with 401 and a JSON error', async () => {
    const reply = await call('POST', `${simulator.authUrl}/auth/tokens`, passwordAuth('wrong'));
    expect(reply.status).toBe(401);
    expect(reply.headers['x-subject-token']).toBeUndefined();
    expect(reply.body).toEqual({ error: { code: 401, title: 'Unauthorized', message: expect.any(String) as string } });
  });

  it('refuses a Heat request without a token with 401', async () => {
    const vnf = await createVnf();
    const { heat } = await authenticate();
    const reply = await call('GET', `${heat}/stacks/${vnf.stackName}/${vnf.stackId}`);
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe(`Keystone uri="${simulator.authUrl}"`);
  });
});

describe('Heat and Nova', () => {
  it('redirects a stack lookup by name to the stack URL with its id', async () => {
    const vnf = await createVnf();
    const { token, heat } = await authenticate();
    const reply = await call('GET', `${heat}/stacks/${vnf.stackName}`, undefined, { 'X-Auth-Token': token });
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe(`${heat}/stacks/${vnf.stackName}/${vnf.stackId}`);
  });

  it('lists the servers of nested member stacks with parent_resource and links', async () => {
    const vnf = await createVnf(2);
    const { token, heat } = await authenticate();
    const reply = await call('GET', `${heat}/stacks/${vnf.stackName}/${vnf.stackId}/resources?nested_depth=2`, undefined, { 'X-Auth-Token': token });
    const { resources } = reply.body as { resources: Array<{ resource_name: string; resource_type: string; physical_resource_id: string; parent_resource?: string; links: Array<{ rel: string; href: string }> }> };
    const servers = resources.filter((r) => r.resource_type === 'OS::Nova::Server');
    expect(servers.map((s) => s.physical_resource_id)).toEqual(vnf.vnfcs.map((vnfc) => vnfc.serverId));
    const first = vnf.vnfcs[0];
    expect(servers[0]?.resource_name).toBe('VDU1');
    expect(servers[0]?.links.find((l) => l.rel === 'stack')?.href).toBe(`${heat}/stacks/${first?.memberStackName}/${first?.memberStackId}`);
    const member = resources.find((r) => r.physical_resource_id === first?.memberStackId);
    expect(member?.resource_type).toBe('VDU1.yaml');
    expect(servers[0]?.parent_resource).toBe(member?.resource_name);
    expect(member?.parent_resource).toBe('VDU1');
  });

  it('takes a stack update through UPDATE_IN_PROGRESS to UPDATE_COMPLETE and shows the new image on the server', async () => {
    const [vnfc] = (await createVnf()).vnfcs;
    const { token, heat, nova } = await authenticate();
    const auth = { 'X-Auth-Token': token };
    const memberUrl = `${heat}/stacks/${vnfc?.memberStackName}/${vnfc?.memberStackId}`;

    const patch = await call('PATCH', memberUrl, { parameters: { image: 'image-v2', flavor: 'm1.small' } }, auth);
    expect(patch.status).toBe(202);
    const during = (await call('GET', memberUrl, undefined, auth)).body as StackBody;
    expect(during.stack.stack_status).toBe('UPDATE_IN_PROGRESS');

    const after = await waitFor(async () => (await call('GET', memberUrl, undefined, auth)).body as StackBody, (b) => b.stack.stack_status !== 'UPDATE_IN_PROGRESS');
    expect(after.stack.stack_status).toBe('UPDATE_COMPLETE');
    const server = (await call('GET', `${nova}/servers/${vnfc?.serverId}`, undefined, auth)).body as ServerBody;
    expect(server.server.image.id).toBe('image-v2');
    expect(server.server.flavor.original_name).toBe('m1.small');
  });

  it('fails an update of a server with an injected fault, leaving its image unchanged', async () => {
    const [vnfc] = (await createVnf()).vnfcs;
    expect((await call('PUT', `${simulator.url}/admin/faults/${vnfc?.serverId}`, { reason: 'Image image-v2 is corrupt' })).status).toBe(204);
    const { token, heat, nova } = await authenticate();
    const auth = { 'X-Auth-Token': token };
    const memberUrl = `${heat}/stacks/${vnfc?.memberStackName}/${vnfc?.memberStackId}`;

    expect((await call('PATCH', memberUrl, { parameters: { image: 'image-v2' } }, auth)).status).toBe(202);
    const after = await waitFor(async () => (await call('GET', memberUrl, undefined, auth)).body as StackBody, (b) => b.stack.stack_status !== 'UPDATE_IN_PROGRESS');
    expect(after.stack).toMatchObject({ stack_status: 'UPDATE_FAILED', stack_status_reason: 'Image image-v2 is corrupt' });
    const server = (await call('GET', `${nova}/servers/${vnfc?.serverId}`, undefined, auth)).body as ServerBody;
    expect(server.server.image.id).toBe('image-v1');
  });

  it('logs received PATCH requests on the admin API', async () => {
    const [vnfc] = (await createVnf()).vnfcs;
    const { token, heat } = await authenticate();
    await call('PATCH', `${heat}/stacks/${vnfc?.memberStackName}/${vnfc?.memberStackId}`, { parameters: { image: 'image-v2' } }, { 'X-Auth-Token': token });
    const log = (await call('GET', `${simulator.url}/admin/requests`)).body;
    expect(log).toEqual({
      requests: [{ time: expect.any(String) as string, stackName: vnfc?.memberStackName, stackId: vnfc?.memberStackId, parameters: { image: 'image-v2' }, status: 202 }],
    });
  });
});

describe('Heat stack lifecycle', () => {
  it('forgets a deleted stack: its name is no longer found and can be created again', async () => {
    const vnf = await createVnf();
    const { token, heat } = await authenticate();
    const auth = { 'X-Auth-Token': token };
    expect((await call('DELETE', `${heat}/stacks/${vnf.stackName}/${vnf.stackId}`, undefined, auth)).status).toBe(204);

    expect((await call('GET', `${heat}/stacks/${vnf.stackName}`, undefined, auth)).status).toBe(404);
    const again = await call('POST', `${simulator.url}/admin/stacks`, {
      stackName: vnf.stackName, vdus: [{ vduId: 'VDU1', count: 1, image: 'image-v1', flavor: 'm1.tiny' }],
    });
    expect(again.status).toBe(201);
    expect((again.body as VnfStackView).stackId).not.toBe(vnf.stackId);
  });

  it('completes updates by their deadlines, not in the order they were accepted', async () => {
    const [slow, fast] = (await createVnf(2)).vnfcs;
    const { token, heat } = await authenticate();
    const auth = { 'X-Auth-Token': token };
    const slowUrl = `${heat}/stacks/${slow?.memberStackName}/${slow?.memberStackId}`;
    const fastUrl = `${heat}/stacks/${fast?.memberStackName}/${fast?.memberStackId}`;
    await call('PUT', `${simulator.url}/admin/config`, { updateDelayMs: 2000 });
    expect((await call('PATCH', slowUrl, { parameters: { image: 'image-v2' } }, auth)).status).toBe(202);
    await call('PUT', `${simulator.url}/admin/config`, { updateDelayMs: 50 });
    expect((await call('PATCH', fastUrl, { parameters: { image: 'image-v2' } }, auth)).status).toBe(202);

    const fastDone = await waitFor(async () => (await call('GET', fastUrl, undefined, auth)).body as StackBody, (b) => b.stack.stack_status !== 'UPDATE_IN_PROGRESS');
    expect(fastDone.stack.stack_status).toBe('UPDATE_COMPLETE');
    expect(((await call('GET', slowUrl, undefined, auth)).body as StackBody).stack.stack_status).toBe('UPDATE_IN_PROGRESS');
  });
});

/** PATCHes every VNFC of the VNF to image-v2, in order; each must be accepted. */
async function patchEveryVnfc(vnf: VnfStackView): Promise<VnfStackView['vnfcs']> {
  const { token, heat } = await authenticate();
  for (const vnfc of vnf.vnfcs) {
    const memberUrl = `${heat}/stacks/${vnfc.memberStackName}/${vnfc.memberStackId}`;
    expect((await call('PATCH', memberUrl, { parameters: { image: 'image-v2' } }, { 'X-Auth-Token': token })).status).toBe(202);
  }
  return vnf.vnfcs;
}

describe('persistence', () => {
  it('writes a burst of updates to the state file within the save interval', async () => {
    await restart({ saveIntervalMs: 100 });
    const vnfcs = await patchEveryVnfc(await createVnf(3));

    const stored = await waitFor(storedState, (state) => state.patchRequests.length === vnfcs.length);
    expect(stored.patchRequests.map((patch) => patch.stackId)).toEqual(vnfcs.map((vnfc) => vnfc.memberStackId));
  });

  it('loses no change on a clean stop, however long the save interval', async () => {
    await restart({ saveIntervalMs: 3_600_000 });
    const vnfcs = await patchEveryVnfc(await createVnf(3));

    await restart();

    const log = (await call('GET', `${simulator.url}/admin/requests`)).body as PatchLog;
    expect(log.requests.map((patch) => [patch.stackId, patch.status])).toEqual(vnfcs.map((vnfc) => [vnfc.memberStackId, 202]));
  });

  it('keeps stacks and images across a restart and completes an update that was in progress', async () => {
    const created = await createVnf(2);
    const [first] = created.vnfcs;
    const { token, heat } = await authenticate();
    const memberUrl = `${heat}/stacks/${first?.memberStackName}/${first?.memberStackId}`;
    // Long enough that the restart surely happens while the update runs.
    await call('PUT', `${simulator.url}/admin/config`, { updateDelayMs: 400 });
    expect((await call('PATCH', memberUrl, { parameters: { image: 'image-v2' } }, { 'X-Auth-Token': token })).status).toBe(202);

    await simulator.close();
    simulator = await start();

    const adminUrl = `${simulator.url}/admin/stacks/${created.stackName}`;
    const restored = (await call('GET', adminUrl)).body as VnfStackView;
    expect(restored.stackId).toBe(created.stackId);
    expect(restored.vnfcs.map((v) => [v.serverId, v.image, v.memberStackStatus])).toEqual([
      [first?.serverId, 'image-v1', 'UPDATE_IN_PROGRESS'],
      [created.vnfcs[1]?.serverId, 'image-v1', 'CREATE_COMPLETE'],
    ]);
    const settled = await waitFor(async () => (await call('GET', adminUrl)).body as VnfStackView, (v) => v.vnfcs[0]?.memberStackStatus === 'UPDATE_COMPLETE');
    expect(settled.vnfcs.map((v) => v.image)).toEqual(['image-v2', 'image-v1']);
  });
});
