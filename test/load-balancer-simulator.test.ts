// The load balancer simulator: a front that sends each request to the next member of its pool
// and counts the outcome, and a management API behind HTTP Basic that switches the whole pool
// and answers once the requests to members that left it are done. Real HTTP on loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startLoadBalancerSimulator, type LoadBalancerSimulator } from '../src/load-balancer-simulator/server.ts';
import { eventually } from './support/wait.ts';

const CREDENTIALS = { username: 'lbadmin', password: 'lb-secret-1' };
const BASIC = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;

interface Backend {
  port: number;
  received: string[];
  /** Requests to this path are held until `release`. */
  hold(path: string): void;
  release(): void;
  close(): Promise<void>;
}

async function backend(name: string): Promise<Backend> {
  const received: string[] = [];
  let held: { path: string; waiting: ServerResponse[] } | undefined;
  const answer = (res: ServerResponse): void => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ backend: name }));
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    received.push(req.url ?? '');
    if (held && req.url === held.path) held.waiting.push(res);
    else answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    hold: (path) => {
      held = { path, waiting: [] };
    },
    release: () => {
      for (const res of held?.waiting ?? []) answer(res);
      held = undefined;
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

let directory: string;
let lb: LoadBalancerSimulator;
const backends: Backend[] = [];

async function start(): Promise<LoadBalancerSimulator> {
  return startLoadBalancerSimulator({ ...CREDENTIALS, port: 0, adminPort: 0, memberPort: 1, stateFile: join(directory, 'lb.json'), log: () => undefined });
}

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'lb-simulator-'));
  lb = await start();
});

afterEach(async () => {
  await lb.close();
  await Promise.all(backends.splice(0).map((b) => b.close()));
  await rm(directory, { recursive: true, force: true });
});

async function admin(method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown, authorization = BASIC): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  const res = await request(`${lb.adminUrl}${path}`, {
    method, headers: { Authorization: authorization, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) as unknown : undefined };
}

async function through(path = '/'): Promise<{ status: number; body: unknown }> {
  const res = await request(`${lb.url}${path}`);
  const text = await res.body.text();
  return { status: res.statusCode, body: JSON.parse(text) as unknown };
}

async function members(...list: Backend[]): Promise<void> {
  const reply = await admin('PUT', '/v1/pool', { members: list.map((b) => ({ address: '127.0.0.1', port: b.port })) });
  expect(reply.status).toBe(200);
}

it('sends each request to the next member of its pool, and counts them', async () => {
  const a = await backend('a');
  const b = await backend('b');
  backends.push(a, b);
  await members(a, b);

  const answers = [await through('/1'), await through('/2'), await through('/3')];

  expect(answers.map((r) => (r.body as { backend: string }).backend)).toEqual(['a', 'b', 'a']);
  expect(a.received).toEqual(['/1', '/3']);
  const stats = (await admin('GET', '/v1/stats')).body;
  expect(stats).toMatchObject({ requests: 3, succeeded: 3, failed: 0, switches: 1 });
});

it('refuses the management API without its username and password, with 401 and WWW-Authenticate', async () => {
  const wrong = `Basic ${Buffer.from('lbadmin:wrong').toString('base64')}`;
  const reply = await admin('PUT', '/v1/pool', { members: [{ address: '127.0.0.1', port: 1 }] }, wrong);
  expect(reply.status).toBe(401);
  expect(reply.headers['www-authenticate']).toBe('Basic realm="load-balancer"');
  expect((await admin('GET', '/v1/pool')).body).toEqual({ members: [] });
});

it('counts a request its member cannot answer as failed, and answers it 502', async () => {
  const gone = await backend('gone');
  await gone.close();
  await members(gone);

  const answer = await through('/x');

  expect(answer.status).toBe(502);
  expect((await admin('GET', '/v1/stats')).body).toMatchObject({ requests: 1, succeeded: 0, failed: 1 });
});

it('answers a switch only once the requests in flight to the members that left have finished', async () => {
  const a = await backend('a');
  const b = await backend('b');
  backends.push(a, b);
  await members(a);
  a.hold('/slow');
  const finished: string[] = [];
  const slow = through('/slow').then((r) => {
    finished.push('request');
    return r;
  });
  await eventually('the slow request at member a', () => a.received.includes('/slow'));

  const switched = admin('PUT', '/v1/pool', { members: [{ address: '127.0.0.1', port: b.port }] }).then((r) => {
    finished.push('switch');
    return r;
  });
  await eventually('the pool to be b', async () => JSON.stringify((await admin('GET', '/v1/pool')).body).includes(String(b.port)));
  a.release();

  expect((await slow).status).toBe(200);
  expect((await switched).body).toMatchObject({ drained: true });
  expect(finished).toEqual(['request', 'switch']);
  expect(((await through('/after')).body as { backend: string }).backend).toBe('b');
});

it('changes the pool and then answers 500 when a fail-after-switch fault is set', async () => {
  const a = await backend('a');
  const b = await backend('b');
  backends.push(a, b);
  await members(a);
  expect((await admin('PUT', '/v1/faults', { switch: 'fail-after-switch' })).status).toBe(200);

  const reply = await admin('PUT', '/v1/pool', { members: [{ address: '127.0.0.1', port: b.port }] });

  expect(reply.status).toBe(500);
  expect(((await through()).body as { backend: string }).backend).toBe('b');
  await members(a); // the fault was for one switch only
});

it('keeps its pool across a restart', async () => {
  const a = await backend('a');
  backends.push(a);
  await members(a);
  await lb.close();
  lb = await start();

  expect(((await through()).body as { backend: string }).backend).toBe('a');
});
