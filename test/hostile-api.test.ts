// What a caller of the gateway's API can try beyond its rights: forge or stretch credentials,
// guess them at line speed, probe for what exists without them, hold a connection with a body
// it never finishes, name objects that are no resources of ours, and send input built to
// exhaust the server. Each attack gets a clear answer, and nothing else stalls.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { AuthThrottle } from '../src/gateway/auth-throttle.ts';
import { GatewayAuthenticator, type GatewayAuthConfig } from '../src/gateway/auth.ts';
import { createGatewayApp } from '../src/gateway/app.ts';
import { PageMarkers } from '../src/gateway/page-markers.ts';
import { createApp, type App } from '../src/http/app.ts';
import { MAX_JSON_DEPTH } from '../src/http/body-parsers.ts';
import { listen } from '../src/http/listen.ts';
import { FileInventoryStore } from '../src/inventory/store.ts';
import { FileSubscriptionStore } from '../src/notifications/store.ts';
import { NotificationClient } from '../src/notifications/client.ts';

const API_TOKEN = 'api-token-0123456789';
const TOKEN_SECRET = 'the-gateway-secret-0123456789';
const CLIENT = { clientId: 'nfvo', clientSecret: 's3cret-s3cret' };
const AUTH: GatewayAuthConfig = { apiTokens: [API_TOKEN], oauth2Clients: [CLIENT], tokenSecret: TOKEN_SECRET };
const VERSION = { Version: '2.0.0' };
const TASK_QUEUE = 'hostile-api';

let connection: Connection;
let client: Client;
const apps: App[] = [];

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await connection?.close();
});

/** A gateway with credentials on a port of its own; `throttle` decides how many wrong guesses an address gets. */
async function startGateway(throttle = new AuthThrottle(), auth: GatewayAuthConfig = AUTH): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-api-'));
  const app = createGatewayApp({
    client, taskQueue: TASK_QUEUE, inventory: new FileInventoryStore(join(dir, 'inventory.json')),
    apiRoot: 'http://127.0.0.1', defaultCoordinationAction: 'prv.test', auth: new GatewayAuthenticator(auth), authThrottle: throttle,
    subscriptions: { store: new FileSubscriptionStore(join(dir, 'subscriptions.json')), client: new NotificationClient() },
  });
  apps.push(app);
  return listen(app, '127.0.0.1', 0);
}

async function get(url: string, headers: Record<string, string> = { 'X-Auth-Token': API_TOKEN }) {
  const res = await request(url, { headers: { ...VERSION, ...headers } });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

async function issuedToken(url: string): Promise<string> {
  const res = await request(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${CLIENT.clientId}&client_secret=${CLIENT.clientSecret}`,
  });
  expect(res.statusCode).toBe(200);
  return z.object({ access_token: z.string() }).parse(await res.body.json()).access_token;
}

/** Sends `head` (and whatever part of a body) over a raw socket; resolves with what came back when the server ends the connection. */
function rawExchange(url: string, head: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.write(head);
  });
}

describe('forged and stretched credentials', () => {
  let url: string;
  beforeAll(async () => {
    url = await startGateway(new AuthThrottle({ maxFailures: Number.POSITIVE_INFINITY }));
  });

  it('refuses an issued token with a segment appended', async () => {
    const token = await issuedToken(url);
    expect((await get(`${url}/vnflcm/v2/vnf_instances`, { Authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await get(`${url}/vnflcm/v2/vnf_instances`, { Authorization: `Bearer ${token}.x` })).status).toBe(401);
  });

  it('refuses a token signed with the right key for claims it did not issue', async () => {
    const token = await issuedToken(url);
    const [, signature] = token.split('.');
    const claims = Buffer.from(JSON.stringify({ sub: CLIENT.clientId, exp: 4_102_444_800 })).toString('base64url');
    expect((await get(`${url}/vnflcm/v2/vnf_instances`, { Authorization: `Bearer ${claims}.${signature}` })).status).toBe(401);
  });

  it('refuses a token issued to a client that is no longer configured, though its signature is good', async () => {
    const token = await issuedToken(url);
    const withoutTheClient = await startGateway(undefined, { apiTokens: [API_TOKEN], tokenSecret: TOKEN_SECRET });
    const res = await get(`${withoutTheClient}/vnflcm/v2/vnf_instances`, { Authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses a paging marker, signed with the same secret, presented as a bearer token', () => {
    const marker = new PageMarkers(TOKEN_SECRET).seal(Buffer.from(JSON.stringify({ sub: CLIENT.clientId, exp: 4_102_444_800 })));
    const auth = new GatewayAuthenticator(AUTH);
    const req = { headers: { authorization: `Bearer ${marker}` } } as unknown as IncomingMessage;
    expect(() => auth.authenticate(req)).toThrow(/bearer token is not valid/);
  });

  it('refuses a bearer token of claims without a signature', async () => {
    const claims = Buffer.from(JSON.stringify({ sub: CLIENT.clientId, exp: 4_102_444_800 })).toString('base64url');
    expect((await get(`${url}/vnflcm/v2/vnf_instances`, { Authorization: `Bearer ${claims}` })).status).toBe(401);
  });
});

describe('a caller without credentials', () => {
  let url: string;
  beforeAll(async () => {
    url = await startGateway();
  });

  it('learns nothing of which paths exist: an unknown path is the same 401 as a known one', async () => {
    const known = await get(`${url}/vnflcm/v2/vnf_instances`, {});
    const unknown = await get(`${url}/vnflcm/v2/no_such_resource`, {});
    const wrongMethod = await request(`${url}/vnflcm/v2/api_versions`, { method: 'DELETE', headers: VERSION });
    await wrongMethod.body.dump();
    expect([known.status, unknown.status, wrongMethod.statusCode]).toEqual([401, 401, 401]);
    expect(JSON.parse(unknown.body)).toMatchObject({ status: 401, title: 'Unauthorized' });
  });

  it('is answered 401 before its body arrives, and the connection closes: a body it never finishes holds nothing', async () => {
    const { host } = new URL(url);
    const answer = await rawExchange(url, `POST /vnflcm/v2/vnf_instances HTTP/1.1\r\nHost: ${host}\r\nVersion: 2.0.0\r\n`
      + 'Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"vnfdId":');
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.toLowerCase()).toContain('connection: close');
  });

  it('is not throttled for sending no credentials at all: that guesses nothing', async () => {
    const statuses = await Promise.all(Array.from({ length: 15 }, () => get(`${url}/vnflcm/v2/vnf_instances`, {}).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect((await get(`${url}/vnflcm/v2/vnf_instances`)).status).toBe(200);
  });
});

describe('guessing credentials', () => {
  let clock = 1_000_000;
  let url: string;
  beforeAll(async () => {
    url = await startGateway(new AuthThrottle({ maxFailures: 3, windowMs: 60_000, now: () => clock }));
  });

  it('is answered 429 with Retry-After after too many wrong credentials, then even the right ones wait until the window ends', async () => {
    for (const guess of ['guess-000000001', 'guess-000000002', 'guess-000000003']) {
      expect((await get(`${url}/vnflcm/v2/vnf_instances`, { 'X-Auth-Token': guess })).status).toBe(401);
    }
    const blocked = await get(`${url}/vnflcm/v2/vnf_instances`);
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBe('60');
    expect(JSON.parse(blocked.body)).toMatchObject({ status: 429, title: 'Too Many Requests', detail: expect.stringContaining('too many failed authentication attempts') as unknown });

    const atTheTokenEndpoint = await request(`${url}/oauth2/token`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${CLIENT.clientId}&client_secret=${CLIENT.clientSecret}`,
    });
    await atTheTokenEndpoint.body.dump();
    expect(atTheTokenEndpoint.statusCode).toBe(429);

    clock += 60_000;
    expect((await get(`${url}/vnflcm/v2/vnf_instances`)).status).toBe(200);
  });

  it('counts wrong client secrets at the token endpoint like wrong API credentials', async () => {
    clock += 60_000;
    for (let i = 0; i < 3; i++) {
      const res = await request(`${url}/oauth2/token`, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${CLIENT.clientId}&client_secret=guess-${i}`,
      });
      await res.body.dump();
      expect(res.statusCode).toBe(401);
    }
    expect((await get(`${url}/vnflcm/v2/vnf_instances`)).status).toBe(429);
  });
});

describe('ids that name no resource of ours', () => {
  let url: string;
  const foreign: string[] = [];
  beforeAll(async () => {
    url = await startGateway();
  });
  afterAll(async () => {
    await Promise.all(foreign.map((id) => client.workflow.getHandle(id).terminate('test over').catch(() => undefined)));
  });

  /** A workflow nobody serves: it stays open, so it can be described. */
  async function startForeignWorkflow(type: string, taskQueue: string): Promise<string> {
    const id = randomUUID();
    await client.workflow.start(type, { taskQueue, workflowId: id, args: [] });
    foreign.push(id);
    return id;
  }

  it.each(['constructor', '__proto__', 'hasOwnProperty', 'toString'])('answers 404 for the instance, subscription and occurrence named %s', async (id) => {
    for (const path of [`vnf_instances/${id}`, `subscriptions/${id}`, `vnf_lcm_op_occs/${id}`]) {
      const res = await get(`${url}/vnflcm/v2/${path}`);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body), path).toMatchObject({ status: 404, title: 'Not Found' });
    }
  });

  it('answers 404 for an occurrence id that is another application\'s workflow in the namespace, and runs no task on it', async () => {
    const id = await startForeignWorkflow('someoneElsesWorkflow', 'someone-else');
    expect((await get(`${url}/vnflcm/v2/vnf_lcm_op_occs/${id}`)).status).toBe(404);
    const cancel = await request(`${url}/vnflcm/v2/vnf_lcm_op_occs/${id}/cancel`, {
      method: 'POST', headers: { ...VERSION, 'X-Auth-Token': API_TOKEN, 'Content-Type': 'application/json' }, body: '{"cancelMode":"GRACEFUL"}',
    });
    await cancel.body.dump();
    expect(cancel.statusCode).toBe(404);
    expect((await client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
  });

  it('answers 404 for an operation workflow of another deployment (another task queue) sharing the namespace', async () => {
    const id = await startForeignWorkflow('changeVnfPkg', 'another-vnfm');
    expect((await get(`${url}/vnflcm/v2/vnf_lcm_op_occs/${id}`)).status).toBe(404);
  });
});

describe('input built to exhaust the server', () => {
  let url: string;
  beforeAll(async () => {
    url = await startGateway();
  });

  async function post(path: string, body: string) {
    const res = await request(`${url}${path}`, {
      method: 'POST', headers: { ...VERSION, 'X-Auth-Token': API_TOKEN, 'Content-Type': 'application/json' }, body,
    });
    return { status: res.statusCode, body: await res.body.text() };
  }

  it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels with a 400 naming the limit, and keeps serving`, async () => {
    const deep = `{"vnfdId":"x","extensions":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    const res = await post('/vnflcm/v2/vnf_instances', deep);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ detail: expect.stringContaining(`deeper than ${MAX_JSON_DEPTH} levels`) as unknown });
    expect((await get(`${url}/vnflcm/v2/vnf_instances`)).status).toBe(200);
  });

  it('does not count brackets inside strings as nesting: such a body reaches the handler', async () => {
    const res = await post('/vnflcm/v2/vnf_instances', JSON.stringify({ vnfdId: 'x', vnfInstanceDescription: '['.repeat(1000) + '\\"{{{' }));
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body)).toMatchObject({ detail: 'no ONBOARDED and ENABLED VNF package has vnfdId x' });
  });
});

describe('an unexpected error', () => {
  const logged: string[] = [];
  let url: string;
  beforeAll(async () => {
    const app = createApp({ log: (line) => logged.push(line) });
    app.get('/boom', () => {
      throw new Error('cannot open /var/lib/vnfm/secrets.json: password=hunter22');
    });
    apps.push(app);
    url = await listen(app, '127.0.0.1', 0);
  });

  it('is a 500 that names an error id and not the error, and the log has the error under that id', async () => {
    const res = await get(`${url}/boom`, {});
    expect(res.status).toBe(500);
    const detail = z.object({ detail: z.string() }).parse(JSON.parse(res.body)).detail;
    expect(res.body).not.toContain('secrets.json');
    expect(res.body).not.toContain('hunter22');
    const errorId = /internal error ([0-9a-f-]{36})/.exec(detail)?.[1];
    expect(errorId).toBeDefined();
    expect(logged).toEqual([expect.stringMatching(new RegExp(`^error ${errorId}: GET /boom failed: Error: cannot open /var/lib/vnfm/secrets.json`)) as unknown]);
  });
});
