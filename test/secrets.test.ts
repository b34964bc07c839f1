// A whole change whose secrets (the VNFC password, the EM's BASIC password, an OAuth 2.0 client
// secret) carry one random marker: the marker must appear nowhere a reader can look without the
// payload key (the Temporal history as exported, the worker's and the servers' logs, the API),
// and must be inside the encrypted history input (so the search is not vacuous).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureSampleInstance } from '../src/inventory/sample.ts';
import type { VnfPackageRecord } from '../src/inventory/store.ts';
import {
  changeRequest, opIdOf, postChange, startSystem, testDataConverter, VNFLCM_HEADERS, waitForState, type TestSystem,
} from './support/system.ts';
import { eventually } from './support/wait.ts';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.ts';

const MARKER = `S3cr3t-${randomBytes(8).toString('hex')}`;
const EM_USER = 'vnfm';
const OAUTH_CLIENT = 'vnfm-client';

const lines: string[] = [];
let system: TestSystem;
let worker: WorkerProcess;
/** An NFVO subscribed to the operation: its notifier runs, and what it is sent is searched too. */
const notified: string[] = [];
let subscriber: Server;
beforeAll(async () => {
  subscriber = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') notified.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => subscriber.listen(0, '127.0.0.1', resolve));
  system = await startSystem('secrets', {
    withoutWorker: true,
    log: (line) => lines.push(line), // VIM simulator, reference EM and gateway
    em: { auth: { methods: ['BASIC', 'OAUTH2_CLIENT_CREDENTIALS'], basic: { userName: EM_USER, password: MARKER }, oauth2: { clientId: OAUTH_CLIENT, clientSecret: MARKER } } },
  });
  worker = startWorkerProcess(system);
  await worker.ready;
});
afterAll(async () => {
  await worker?.kill('SIGKILL');
  await system?.close();
  subscriber.closeAllConnections();
  await new Promise((resolve) => subscriber.close(resolve));
});

/** Every string and byte field of a decoded protobuf message (bytes read as UTF-8), so plaintext inside payload bytes is found too. */
function texts(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) texts(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) texts(v, out);
  return out;
}

const where = (haystacks: string[]) => haystacks.filter((text) => text.includes(MARKER)).map((text) => {
  const at = text.indexOf(MARKER);
  return text.slice(Math.max(0, at - 120), at + MARKER.length + 40);
});

it('keeps the VNFC password, the EM password and the OAuth client secret out of history, logs and API answers', async () => {
  const instance = await ensureSampleInstance(system.inventory, system.vim.url, system.packages[0] as VnfPackageRecord, {
    instanceId: crypto.randomUUID(), layout: { VDU1: 1, VDU2: 1 },
  });
  system.em.behaviours.set({ default: { mode: 'async', polls: 1, retryAfter: 1 } });
  const subscription = await request(`${system.gatewayUrl}/vnflcm/v2/subscriptions`, {
    method: 'POST', headers: VNFLCM_HEADERS,
    body: JSON.stringify({
      callbackUri: `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}/notifications`,
      filter: { vnfInstanceSubscriptionFilter: { vnfInstanceIds: [instance.id] } },
    }),
  });
  expect(subscription.statusCode, await subscription.body.text()).toBe(201);
  const body = changeRequest(system, system.packages[1]!.vnfd.vnfdId, { password: MARKER });
  const [vdu1, vdu2] = (body.additionalParams as { vdu_params: { new_vnfc_param: Record<string, unknown>; old_vnfc_param: Record<string, unknown> }[] }).vdu_params;
  const basic = { authType: ['BASIC'], paramsBasic: { userName: EM_USER, password: MARKER } };
  const oauth = {
    authType: ['OAUTH2_CLIENT_CREDENTIALS'],
    paramsOauth2ClientCredentials: { clientId: OAUTH_CLIENT, clientPassword: MARKER, tokenEndpoint: `${system.em.url}/oauth2/token` },
  };
  for (const param of [vdu1!.new_vnfc_param, vdu1!.old_vnfc_param]) param.authentication = basic;
  for (const param of [vdu2!.new_vnfc_param, vdu2!.old_vnfc_param]) param.authentication = oauth;

  const posted = await postChange(system, body, instance.id);
  expect(posted.status, posted.body).toBe(202);
  const opId = opIdOf(posted.location);
  const op = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP'], 60_000);
  expect(op.operationState, op.error?.detail).toBe('COMPLETED');

  // Not vacuous: the EM was reached with both credentials, which it checks against the marker.
  const schemes = new Set(system.em.requests.entries().filter((e) => e.path.startsWith('/lcmcoord/')).map((e) => e.authScheme));
  expect(schemes).toEqual(new Set(['basic', 'bearer']));
  expect(system.em.requests.counts().tokenRequests).toBeGreaterThanOrEqual(1);

  // The gateway's answers: the operation, the list, the change's own answer.
  const answers = [posted.body, JSON.stringify(posted.location)];
  for (const url of [`${system.gatewayUrl}/vnflcm/v2/vnf_lcm_op_occs/${opId}`, `${system.gatewayUrl}/vnflcm/v2/vnf_lcm_op_occs`]) {
    const res = await request(url, { headers: VNFLCM_HEADERS });
    expect(res.statusCode).toBe(200);
    answers.push(await res.body.text());
  }
  expect(answers[2]).toContain('"password":"***"');
  expect(answers[2]).toContain('"clientPassword":"***"');
  expect(where(answers)).toEqual([]);

  // The history as exported (the Web UI and `temporal workflow show` see the same), raw, and the workflow's description.
  const handle = system.client.workflow.getHandle(opId);
  const history = await handle.fetchHistory();
  const description = await handle.describe();
  const notifier = await system.client.workflow.getHandle(`${opId}/notifications`).fetchHistory();
  // What the NFVO was sent (FULL verbosity: the operation with its parameters), once the result is delivered.
  await eventually('the COMPLETED notification delivered to the subscriber', () => notified.some((n) => n.includes('"COMPLETED"')));
  expect(where(notified)).toEqual([]);
  expect(where([historyToJSON(history), historyToJSON(notifier), ...texts(history), ...texts(notifier), ...texts(description.raw)])).toEqual([]);
  expect(texts(history)).toContain('binary/encrypted'); // payload bytes were read, and they are ciphertext

  // The worker's output, and the VIM simulator's, EM's and gateway's log lines.
  expect(worker.output()).toContain('worker polling task queue');
  expect(lines.length).toBeGreaterThan(0);
  expect(where([worker.output(), ...lines])).toEqual([]);

  // With the payload key, the marker is in the workflow input: it was there to be found.
  const started = history.events?.find((e) => e.workflowExecutionStartedEventAttributes)?.workflowExecutionStartedEventAttributes;
  const [codec] = testDataConverter.payloadCodecs ?? [];
  const decoded = await codec!.decode(started?.input?.payloads ?? []);
  expect(where(decoded.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8')))).toHaveLength(1);
});
