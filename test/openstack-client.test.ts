// The OpenStack client against the VIM simulator (and, for bodies no OpenStack service should
// send, a small stub server), all over real HTTP on loopback.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from './support/wait.ts';
import { createApp, type App } from '../src/http/app.ts';
import { listen } from '../src/http/listen.ts';
import { OpenStackClient, type OpenStackClientOptions, type VimConnectionInput } from '../src/openstack/client.ts';
import { OutboundError } from '../src/outbound/errors.ts';
import type { VnfStackView } from '../src/vim-simulator/model.ts';
import { startVimSimulator, type VimSimulator } from '../src/vim-simulator/server.ts';

const PASSWORD = 'hunter2-not-in-logs';

let directory: string;
let simulator: VimSimulator;
let requestLog: string[];
let vnf: VnfStackView;
let client: OpenStackClient;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'openstack-client-'));
  requestLog = [];
  simulator = await startVimSimulator({
    stateFile: join(directory, 'vim-state.json'), port: 0, updateDelayMs: 100, password: PASSWORD,
    log: (line) => requestLog.push(line),
  });
  const created = await request(`${simulator.url}/admin/stacks`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ stackName: 'vnf-0001', vdus: [{ vduId: 'VDU1', count: 2, image: 'image-v1', flavor: 'm1.tiny' }] }),
  });
  vnf = await created.body.json() as VnfStackView;
  client = new OpenStackClient(connection(), { requestTimeoutMs: 5000 });
});

afterEach(async () => {
  await client.close();
  await simulator.close();
  await rm(directory, { recursive: true, force: true });
});

function connection(overrides: Partial<VimConnectionInput> = {}): VimConnectionInput {
  return { authUrl: simulator.authUrl, username: 'admin', password: PASSWORD, projectName: 'admin', ...overrides };
}

function tokenRequests(): number {
  return requestLog.filter((line) => line.startsWith('POST /identity/v3/auth/tokens')).length;
}

async function rejection(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(() => undefined, (err: unknown) => err);
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

async function waitForStackStatus(name: string, id: string, done: (status: string) => boolean): Promise<string> {
  return eventually(`stack ${name} to leave its status`, async () => {
    const { stack_status } = await client.showStack(name, id);
    return done(stack_status) && stack_status;
  });
}

describe('against the VIM simulator', () => {
  it('shows a stack by name alone, following Heat\'s redirect to its id', async () => {
    const stack = await client.showStack('vnf-0001');
    expect(stack).toMatchObject({ id: vnf.stackId, stack_name: 'vnf-0001', stack_status: 'CREATE_COMPLETE' });
  });

  it('lists nested resources down to the servers of the member stacks', async () => {
    const resources = await client.listResources(vnf.stackName, vnf.stackId, { nestedDepth: 2 });
    const servers = resources.filter((resource) => resource.resource_type === 'OS::Nova::Server');
    expect(servers.map((server) => server.physical_resource_id)).toEqual(vnf.vnfcs.map((vnfc) => vnfc.serverId));
    expect(servers.every((server) => server.parent_resource?.startsWith('vdu1-'))).toBe(true);
  });

  it('updates a member stack and then reads the new image from Nova', async () => {
    const [vnfc] = vnf.vnfcs;
    if (!vnfc) throw new Error('no VNFC');
    await client.updateStack(vnfc.memberStackName, vnfc.memberStackId, { parameters: { image: 'image-v2' } });
    const status = await waitForStackStatus(vnfc.memberStackName, vnfc.memberStackId, (s) => s !== 'UPDATE_IN_PROGRESS');
    expect(status).toBe('UPDATE_COMPLETE');
    const server = await client.showServer(vnfc.serverId);
    expect(server).toMatchObject({ id: vnfc.serverId, status: 'ACTIVE', image: { id: 'image-v2' }, flavor: { original_name: 'm1.tiny' } });
  });

  it('caches the token across calls', async () => {
    const [vnfc] = vnf.vnfcs;
    await client.showStack(vnf.stackName, vnf.stackId);
    await client.listResources(vnf.stackName, vnf.stackId, { nestedDepth: 2 });
    await client.showServer(vnfc?.serverId ?? '');
    await Promise.all([client.showStack(vnf.stackName, vnf.stackId), client.showServer(vnfc?.serverId ?? '')]);
    expect(tokenRequests()).toBe(1);
  });

  it('re-authenticates once when a service refuses the cached token', async () => {
    await client.showStack(vnf.stackName, vnf.stackId);
    await request(`${simulator.url}/admin/tokens`, { method: 'DELETE' }).then((r) => r.body.dump());
    const stack = await client.showStack(vnf.stackName, vnf.stackId);
    expect(stack.id).toBe(vnf.stackId);
    expect(tokenRequests()).toBe(2);
  });

  it('maps a 404 to a non-retryable OpenStackError quoting Heat', async () => {
    const error = await rejection(client.showStack(vnf.stackName, '00000000-0000-0000-0000-000000000000'));
    expect(error).toMatchObject({ status: 404, retryable: false });
    expect(error.detail).toContain('The Stack (vnf-0001) could not be found.');
  });

  it('maps a 409 (update while another runs) to a retryable OpenStackError', async () => {
    const [vnfc] = vnf.vnfcs;
    if (!vnfc) throw new Error('no VNFC');
    await client.updateStack(vnfc.memberStackName, vnfc.memberStackId, { parameters: { image: 'image-v2' } });
    const error = await rejection(client.updateStack(vnfc.memberStackName, vnfc.memberStackId, { parameters: { image: 'image-v3' } }));
    expect(error).toMatchObject({ status: 409, retryable: true });
  });

  it('refuses wrong credentials as non-retryable without revealing the password', async () => {
    const wrong = new OpenStackClient(connection({ password: `${PASSWORD}-wrong` }));
    try {
      const error = await rejection(wrong.showStack(vnf.stackName, vnf.stackId));
      expect(error).toMatchObject({ status: 401, retryable: false });
      expect(`${error.message} ${error.detail} ${error.stack ?? ''}`).not.toContain(PASSWORD);
      expect(requestLog.join('\n')).not.toContain(PASSWORD);
    } finally {
      await wrong.close();
    }
  });

  it('fails with a readable error when the catalog lacks the configured region', async () => {
    const elsewhere = new OpenStackClient(connection({ region: 'RegionTwo' }));
    try {
      const error = await rejection(elsewhere.showStack(vnf.stackName, vnf.stackId));
      expect(error).toMatchObject({ retryable: false, detail: "the Keystone catalog has no public orchestration endpoint in region 'RegionTwo'" });
    } finally {
      await elsewhere.close();
    }
  });
});

describe('against a misbehaving endpoint', () => {
  let stubUrl: string;
  let stub: App;
  /** What the stub answers to a Heat stack show; `hang` never answers at all. */
  let stackShowBody: { contentType: string; text: string } | 'hang';

  beforeEach(async () => {
    stub = createApp();
    stub.post('/v3/auth/tokens', async (_request, reply) => {
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      return reply.code(201).header('X-Subject-Token', 'stub-token').send({
        token: {
          expires_at: expiresAt, project: { id: 'p1' },
          catalog: [{ type: 'orchestration', endpoints: [{ interface: 'public', region: 'RegionOne', url: `${stubUrl}/heat` }] }],
        },
      });
    });
    stub.get('/heat/stacks/:name/:id', (_request, reply) => {
      if (stackShowBody === 'hang') return;
      reply.hijack();
      reply.raw.writeHead(200, { 'Content-Type': stackShowBody.contentType });
      reply.raw.end(stackShowBody.text);
    });
    stubUrl = await listen(stub, '127.0.0.1', 0);
  });

  afterEach(async () => {
    await stub.close();
  });

  function stubClient(options: OpenStackClientOptions = {}): OpenStackClient {
    return new OpenStackClient(
      { authUrl: `${stubUrl}/v3`, username: 'admin', password: PASSWORD, projectName: 'admin' },
      { requestTimeoutMs: 5000, ...options },
    );
  }

  it('reports a non-JSON body as a readable, non-retryable error', async () => {
    stackShowBody = { contentType: 'text/html', text: '<html><body><h1>502 Bad Gateway</h1></body></html>' };
    const stubbed = stubClient();
    const error = await rejection(stubbed.showStack('vnf', 'id-1'));
    await stubbed.close();
    expect(error.retryable).toBe(false);
    expect(error.detail).toBe('Heat stack show is not JSON (text/html): "<html><body><h1>502 Bad Gateway</h1></body></html>"');
  });

  it('names the missing field of a malformed body', async () => {
    stackShowBody = { contentType: 'application/json', text: JSON.stringify({ stack: { id: 'id-1', stack_name: 'vnf', parameters: {} } }) };
    const stubbed = stubClient();
    const error = await rejection(stubbed.showStack('vnf', 'id-1'));
    await stubbed.close();
    expect(error.retryable).toBe(false);
    expect(error.detail).toMatch(/^Heat stack show is malformed: stack\.stack_status: /);
  });

  it('classifies a response that never comes as a retryable timeout', async () => {
    stackShowBody = 'hang';
    const stubbed = stubClient({ requestTimeoutMs: 200 });
    const error = await rejection(stubbed.showStack('vnf', 'id-1'));
    await stubbed.close();
    expect(error).toMatchObject({ retryable: true, detail: 'Heat GET /stacks/vnf/id-1: no complete response within 200 ms' });
  });

  it('refuses a response larger than the size cap', async () => {
    stackShowBody = { contentType: 'application/json', text: JSON.stringify({ padding: 'x'.repeat(10_000) }) };
    const stubbed = stubClient({ maxResponseBytes: 1024 });
    const error = await rejection(stubbed.showStack('vnf', 'id-1'));
    await stubbed.close();
    expect(error).toMatchObject({ retryable: false });
    expect(error.detail).toContain('exceeds 1024 bytes');
  });
});

it('classifies a refused connection as retryable', async () => {
  // Port 0 cannot be connected to: the connection is refused, every time.
  const unreachable = new OpenStackClient({ authUrl: 'http://127.0.0.1:0/v3', username: 'admin', password: PASSWORD, projectName: 'admin' });
  const error = await rejection(unreachable.showStack('vnf', 'id-1'));
  await unreachable.close();
  expect(error).toMatchObject({ retryable: true, status: undefined });
  expect(error.detail).toContain('ECONNREFUSED');
});
