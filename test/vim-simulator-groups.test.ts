// The VIM simulator adds and deletes groups of VNFCs the way Heat does it for a Blue-Green
// change: a PATCH of the VNF's top-level stack with a new template. Every server has a fixed
// address of its own where its guest application answers for as long as the server exists.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { OpenStackClient } from '../src/openstack/client.ts';
import type { VnfStackView } from '../src/vim-simulator/model.ts';
import { startVimSimulator, type VimSimulator } from '../src/vim-simulator/server.ts';
import { eventually } from './support/wait.ts';

let directory: string;
let simulator: VimSimulator;
let auth: { token: string; heat: string; nova: string };

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'vim-groups-'));
  simulator = await startVimSimulator({ stateFile: join(directory, 'vim.json'), port: 0, guestPort: 0, updateDelayMs: 100, log: () => undefined });
  auth = await authenticate();
});

afterEach(async () => {
  await simulator.close();
  await rm(directory, { recursive: true, force: true });
});

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await request(url, {
    method: method as 'GET',
    headers: { 'X-Auth-Token': auth?.token ?? '', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) as unknown : undefined };
}

async function authenticate(): Promise<{ token: string; heat: string; nova: string }> {
  const response = await request(`${simulator.authUrl}/auth/tokens`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'admin' } } },
      scope: { project: { name: 'admin', domain: { name: 'Default' } } },
    } }),
  });
  const body = await response.body.json() as { token: { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> } };
  const endpoint = (type: string): string => body.token.catalog.find((e) => e.type === type)?.endpoints.find((e) => e.interface === 'public')?.url ?? '';
  return { token: String(response.headers['x-subject-token']), heat: endpoint('orchestration'), nova: endpoint('compute') };
}

async function createVnf(): Promise<VnfStackView> {
  const reply = await call('POST', `${simulator.url}/admin/stacks`, { stackName: 'vnf-bg', vdus: [{ vduId: 'VDU1', count: 2, image: 'image-v1', flavor: 'm1.tiny' }] });
  return reply.body as VnfStackView;
}

async function view(): Promise<VnfStackView> {
  return (await call('GET', `${simulator.url}/admin/stacks/vnf-bg`)).body as VnfStackView;
}

function stackUrl(vnf: VnfStackView): string {
  return `${auth.heat}/stacks/${vnf.stackName}/${vnf.stackId}`;
}

async function untilUpdated(vnf: VnfStackView): Promise<string> {
  return eventually('the stack update to end', async () => {
    const { stack } = (await call('GET', stackUrl(vnf))).body as { stack: { stack_status: string } };
    return stack.stack_status !== 'UPDATE_IN_PROGRESS' && stack.stack_status;
  });
}

const greenGroup = {
  type: 'OS::Heat::AutoScalingGroup',
  properties: { desired_capacity: 2, resource: { type: 'VDU1.yaml', properties: { image: 'image-v2', flavor: 'm1.small' } } },
};

/** The guest application of a server address: what it answers, or the connection error. */
async function guest(address: string): Promise<{ status: number; image?: string } | { error: string }> {
  try {
    const response = await request(`http://${address}:${simulator.guestPort}/probe`);
    const body = await response.body.json() as { image?: string };
    return { status: response.statusCode, image: body.image };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  }
}

it('answers a VNF stack\'s template with one AutoScalingGroup per VDU', async () => {
  const vnf = await createVnf();
  const reply = await call('GET', `${stackUrl(vnf)}/template`);
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ resources: { VDU1: { type: 'OS::Heat::AutoScalingGroup', properties: { desired_capacity: 2, resource: { type: 'VDU1.yaml' } } } } });
});

it('adds a group of new servers on the template\'s image when a PATCH adds it to the template', async () => {
  const vnf = await createVnf();
  const { body: template } = await call('GET', `${stackUrl(vnf)}/template`) as { body: { resources: Record<string, unknown> } };
  const patch = await call('PATCH', stackUrl(vnf), { template: { ...template, resources: { ...template.resources, 'VDU1-green': greenGroup } } });
  expect(patch.status).toBe(202);
  expect(await untilUpdated(vnf)).toBe('UPDATE_COMPLETE');

  const after = await view();
  const green = after.vnfcs.filter((v) => v.group === 'VDU1-green');
  expect(green.map((v) => [v.vduId, v.image, v.flavor])).toEqual([['VDU1', 'image-v2', 'm1.small'], ['VDU1', 'image-v2', 'm1.small']]);
  expect(after.vnfcs.filter((v) => v.group === 'VDU1').map((v) => v.serverId)).toEqual(vnf.vnfcs.map((v) => v.serverId));
  const server = (await call('GET', `${auth.nova}/servers/${green[0]?.serverId}`)).body as { server: { addresses: Record<string, Array<{ addr: string }>> } };
  expect(server.server.addresses.net0?.[0]?.addr).toBe(green[0]?.address);
});

it('deletes a group and its servers when a PATCH leaves it out of the template', async () => {
  const vnf = await createVnf();
  const { body: template } = await call('GET', `${stackUrl(vnf)}/template`) as { body: { resources: Record<string, unknown> } };
  await call('PATCH', stackUrl(vnf), { template: { ...template, resources: { ...template.resources, 'VDU1-green': greenGroup } } });
  await untilUpdated(vnf);

  expect((await call('PATCH', stackUrl(vnf), { template: { ...template, resources: { 'VDU1-green': greenGroup } } })).status).toBe(202);
  expect(await untilUpdated(vnf)).toBe('UPDATE_COMPLETE');
  const after = await view();
  expect(new Set(after.vnfcs.map((v) => v.group))).toEqual(new Set(['VDU1-green']));
  expect((await call('GET', `${auth.nova}/servers/${vnf.vnfcs[0]?.serverId}`)).status).toBe(404);
});

it('refuses a template that changes a group in place, with 400', async () => {
  const vnf = await createVnf();
  const reply = await call('PATCH', stackUrl(vnf), { template: { resources: { VDU1: greenGroup } } });
  expect(reply.status).toBe(400);
  expect(JSON.stringify(reply.body)).toContain('VDU1 would change in place');
});

it('serves each server\'s guest application on its own address until Heat deletes the server', async () => {
  const vnf = await createVnf();
  const [first, second] = vnf.vnfcs;
  expect(first?.address).not.toBe(second?.address);
  await simulator.guestsSettled();
  expect(await guest(first?.address ?? '')).toEqual({ status: 200, image: 'image-v1' });

  const { body: template } = await call('GET', `${stackUrl(vnf)}/template`) as { body: { resources: Record<string, unknown> } };
  await call('PATCH', stackUrl(vnf), { template: { ...template, resources: { 'VDU1-green': greenGroup } } });
  await untilUpdated(vnf);
  await simulator.guestsSettled();

  expect(await guest(first?.address ?? '')).toEqual({ error: 'ECONNREFUSED' });
  const green = (await view()).vnfcs[0];
  expect(await guest(green?.address ?? '')).toEqual({ status: 200, image: 'image-v2' });
});

it('is read and updated by the VNFM\'s OpenStack client: template, new template, and the new server\'s address from Nova', async () => {
  const vnf = await createVnf();
  const client = new OpenStackClient({ authUrl: simulator.authUrl, username: 'admin', password: 'admin', projectName: 'admin' });
  try {
    const template = await client.getTemplate(vnf.stackName, vnf.stackId);
    expect(Object.keys(template.resources)).toEqual(['VDU1']);
    await client.updateStack(vnf.stackName, vnf.stackId, { template: { ...template, resources: { ...template.resources, 'VDU1-green': greenGroup } } });
    await eventually('the update to complete', async () => (await client.showStack(vnf.stackName, vnf.stackId)).stack_status === 'UPDATE_COMPLETE');
    const green = (await view()).vnfcs.find((v) => v.group === 'VDU1-green');
    const server = await client.showServer(green?.serverId ?? '');
    expect(server.addresses.net0?.[0]?.addr).toBe(green?.address);
  } finally {
    await client.close();
  }
});
