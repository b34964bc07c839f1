// SOL003 subscriptions and VnfLcmOperationOccurrenceNotification delivery, end to end: the
// gateway's subscription API, the operation workflow, its notifier workflow and real HTTP
// subscribers on loopback (with Basic and OAuth 2.0 client-credentials authentication).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { WorkflowNotFoundError } from '@temporalio/client';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../src/http/listen.ts';
import { ensureSampleInstance } from '../src/inventory/sample.ts';
import type { VnfInstanceRecord, VnfPackageRecord } from '../src/inventory/store.ts';
import {
  LccnNotification, LccnSubscription, VnfIdentifierCreationNotification, VnfIdentifierDeletionNotification, VnfLcmOperationOccurrenceNotification,
  type OperationNotificationDraft as NotificationDraft,
} from '../src/notifications/models.ts';
import { VNF_INSTANCE_ID, VNF_LCM_OPERATION } from '../src/search-attributes.ts';
import type { VnfInstance } from '../src/sol003/models.ts';
import { identifierNotifierWorkflowId } from '../src/workflows/messages.ts';
import { notifySignal, type deliverOperationNotifications } from '../src/workflows/notifications.ts';
import { recordHistory } from './support/histories.ts';
import { changeRequest, operatorTask, opIdOf, postChange, startSystem, VNFLCM_HEADERS, waitForState, type TestSystem } from './support/system.ts';
import { startTcpGate, upstreamOf, type TcpGate } from './support/tcp-gate.ts';
import { eventually } from './support/wait.ts';

let system: TestSystem;
const subscribers: Subscriber[] = [];
beforeAll(async () => {
  system = await startSystem('notify');
});
afterAll(async () => {
  await Promise.all(subscribers.map((s) => s.close()));
  await system?.close();
});

// --- A subscriber (NFVO) on loopback ---

interface Received {
  method: string;
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
  at: number;
}

interface SubscriberOptions {
  /** Status of the endpoint test GET. */
  testStatus?: number;
  basic?: { userName: string; password: string };
  oauth?: { clientId: string; clientSecret: string };
}

interface Subscriber {
  url: string;
  tokenUrl: string;
  received: Received[];
  tokenRequests: number;
  /** While true, POSTs are answered 503 (the subscriber is up but cannot take notifications). */
  refusing: boolean;
  /** The TCP front the VNFM reaches the subscriber through. */
  gate: TcpGate;
  /** Delivered operation occurrence notifications (2xx answers), parsed. */
  notifications(): VnfLcmOperationOccurrenceNotification[];
  /** Every delivered notification, of any type, parsed. */
  delivered(): LccnNotification[];
  /** Down: every connection to it is dropped, until `up()`. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

async function startSubscriber(options: SubscriberOptions = {}): Promise<Subscriber> {
  const tokens = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/token') {
        subscriber.tokenRequests += 1;
        const expected = options.oauth && `Basic ${Buffer.from(`${options.oauth.clientId}:${options.oauth.clientSecret}`).toString('base64')}`;
        if (!expected || req.headers.authorization !== expected || !body.includes('grant_type=client_credentials')) {
          res.writeHead(401).end();
          return;
        }
        const token = `token-${subscriber.tokenRequests}`;
        tokens.add(token);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
        return;
      }
      let status = req.method === 'GET' ? (options.testStatus ?? 204) : 204;
      const auth = req.headers.authorization;
      if (options.basic && auth !== `Basic ${Buffer.from(`${options.basic.userName}:${options.basic.password}`).toString('base64')}`) status = 401;
      if (options.oauth && !(auth?.startsWith('Bearer ') && tokens.has(auth.slice(7)))) status = 401;
      if (req.method === 'POST' && subscriber.refusing) status = 503;
      subscriber.received.push({ method: req.method ?? '', headers: req.headers, body, status, at: Date.now() });
      res.writeHead(status, { 'Content-Length': 0 }).end();
    });
  });
  const upstream = upstreamOf(await listen(server, '127.0.0.1', 0));
  const gate = await startTcpGate(upstream);
  const subscriber: Subscriber = {
    url: `http://${gate.address}/notifications`,
    tokenUrl: `http://${gate.address}/token`,
    received: [], tokenRequests: 0, refusing: false, gate,
    notifications: () => subscriber.delivered()
      .filter((n) => n.notificationType === 'VnfLcmOperationOccurrenceNotification')
      .map((n) => VnfLcmOperationOccurrenceNotification.parse(n)),
    delivered: () => subscriber.received
      .filter((r) => r.method === 'POST' && r.status === 204)
      .map((r) => LccnNotification.parse(JSON.parse(r.body))),
    down: () => gate.shut(),
    up: () => gate.open(upstream),
    close: async () => {
      await gate.close();
      const closed = new Promise((r) => server.close(r));
      server.closeAllConnections();
      await closed;
    },
  };
  subscribers.push(subscriber);
  return subscriber;
}

// --- API helpers ---

const SUBSCRIPTIONS = () => `${system.gatewayUrl}/vnflcm/v2/subscriptions`;

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; location?: string; text: string }> {
  const res = await request(url, { method, headers: VNFLCM_HEADERS, body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body) });
  const location = res.headers.location;
  return { status: res.statusCode, location: typeof location === 'string' ? location : undefined, text: await res.body.text() };
}

async function subscribe(body: Record<string, unknown>): Promise<LccnSubscription> {
  const res = await call('POST', SUBSCRIPTIONS(), body);
  expect(res.status, res.text).toBe(201);
  const subscription = LccnSubscription.parse(JSON.parse(res.text));
  expect(res.location).toBe(subscription._links.self.href);
  return subscription;
}

const forInstance = (instance: VnfInstanceRecord, extra: Record<string, unknown> = {}) =>
  ({ vnfInstanceSubscriptionFilter: { vnfInstanceIds: [instance.id] }, ...extra });

async function freshInstance(): Promise<VnfInstanceRecord> {
  return ensureSampleInstance(system.inventory, system.vim.url, system.packages[0] as VnfPackageRecord, { instanceId: crypto.randomUUID(), layout: { VDU1: 2 } });
}

async function change(instance: VnfInstanceRecord): Promise<string> {
  const body = changeRequest(system, system.packages[1]!.vnfd.vnfdId);
  const additional = body.additionalParams as { vdu_params: { vdu_id: string }[] };
  additional.vdu_params = additional.vdu_params.filter((p) => p.vdu_id === 'VDU1');
  const res = await postChange(system, body, instance.id);
  expect(res.status, res.body).toBe(202);
  return opIdOf(res.location);
}

const sequence = (s: Subscriber) => s.notifications().map((n) => `${n.operationState}/${n.notificationStatus}`);

async function notifierEnded(opId: string): Promise<void> {
  const handle = system.client.workflow.getHandle<typeof deliverOperationNotifications>(`${opId}/notifications`);
  const result = await handle.result();
  expect(result.ended).toBe('final-result-delivered');
}

describe('subscription API', () => {
  it('refuses bad bodies with a precise 400 or 422, and unknown ids with 404', async () => {
    const notJson = await call('POST', SUBSCRIPTIONS(), '{"callbackUri":');
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.text)).toMatchObject({ status: 400, detail: expect.stringContaining('not valid JSON') as string });

    const wrongType = await call('POST', SUBSCRIPTIONS(), { callbackUri: 5 });
    expect(wrongType.status).toBe(400);
    expect(JSON.parse(wrongType.text)).toMatchObject({ detail: expect.stringContaining('callbackUri') as string });

    const badFilter = await call('POST', SUBSCRIPTIONS(), { callbackUri: 'http://127.0.0.1:1/n', filter: { operationStates: ['DONE'] } });
    expect(badFilter.status).toBe(400);
    expect(JSON.parse(badFilter.text)).toMatchObject({ detail: expect.stringContaining('filter.operationStates.0') as string });

    const basicWithoutParams = await call('POST', SUBSCRIPTIONS(), { callbackUri: 'http://127.0.0.1:1/n', authentication: { authType: ['BASIC'] } });
    expect(basicWithoutParams.status).toBe(400);
    expect(JSON.parse(basicWithoutParams.text)).toMatchObject({ detail: expect.stringContaining('authentication.paramsBasic') as string });

    const unsupported = await call('POST', SUBSCRIPTIONS(), { callbackUri: 'http://127.0.0.1:1/n', filter: { vnfInstanceSubscriptionFilter: { vnfmIds: ['x'] } } });
    expect(unsupported.status).toBe(422);
    expect(JSON.parse(unsupported.text)).toMatchObject({ detail: expect.stringContaining('filter.vnfInstanceSubscriptionFilter.vnfmIds') as string });

    const bothAlternatives = await call('POST', SUBSCRIPTIONS(), { callbackUri: 'http://127.0.0.1:1/n', filter: { vnfInstanceSubscriptionFilter: { vnfInstanceIds: ['a'], vnfInstanceNames: ['b'] } } });
    expect(bothAlternatives.status).toBe(400);
    expect(JSON.parse(bothAlternatives.text)).toMatchObject({ detail: expect.stringContaining('vnfInstanceIds and vnfInstanceNames are alternatives') as string });

    const certOnly = await call('POST', SUBSCRIPTIONS(), { callbackUri: 'http://127.0.0.1:1/n', authentication: { authType: ['OAUTH2_CLIENT_CERT'] } });
    expect(certOnly.status).toBe(422);

    const missing = crypto.randomUUID();
    expect((await call('GET', `${SUBSCRIPTIONS()}/${missing}`)).status).toBe(404);
    const deleted = await call('DELETE', `${SUBSCRIPTIONS()}/${missing}`);
    expect(deleted.status).toBe(404);
    expect(JSON.parse(deleted.text)).toMatchObject({ status: 404, detail: `subscription ${missing} does not exist` });
  });

  it('tests the callbackUri with a GET expecting 204, and refuses the subscription with 422 when it fails', async () => {
    const notFound = await startSubscriber({ testStatus: 404 });
    const refused = await call('POST', SUBSCRIPTIONS(), { callbackUri: notFound.url });
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.text)).toMatchObject({
      detail: `callbackUri ${notFound.url} failed the notification endpoint test: GET ${notFound.url} answered 404; the notification endpoint must answer 204 No Content`,
    });
    expect(notFound.received).toMatchObject([{ method: 'GET' }]);
    expect(notFound.received[0]?.headers.version).toBe('2.0.0');

    const wrongPassword = await startSubscriber({ basic: { userName: 'nfvo', password: 'right' } });
    const unauthorized = await call('POST', SUBSCRIPTIONS(), {
      callbackUri: wrongPassword.url, authentication: { authType: ['BASIC'], paramsBasic: { userName: 'nfvo', password: 'wrong' } },
    });
    expect(unauthorized.status).toBe(422);
    expect(JSON.parse(unauthorized.text)).toMatchObject({ detail: expect.stringContaining('answered 401') as string });

    // Port 0 cannot be connected to: the connection is refused, every time.
    const unreachable = await call('POST', SUBSCRIPTIONS(), { callbackUri: 'http://127.0.0.1:0/notifications' });
    expect(unreachable.status).toBe(422);
    // No socket detail: the endpoint test must not tell a caller a closed port from a silent one.
    expect(JSON.parse(unreachable.text)).toMatchObject({
      detail: 'callbackUri http://127.0.0.1:0/notifications failed the notification endpoint test: GET http://127.0.0.1:0/notifications could not be completed',
    });
    const list = JSON.parse((await call('GET', SUBSCRIPTIONS())).text) as LccnSubscription[];
    expect(list.map((s) => s.callbackUri)).not.toContain(notFound.url);
  });

  it('creates, shows, lists with a filter, answers 303 for a duplicate and deletes; credentials never appear', async () => {
    const nfvo = await startSubscriber({ basic: { userName: 'nfvo', password: 's3cret-basic' } });
    const body = {
      callbackUri: nfvo.url,
      filter: { operationTypes: ['CHANGE_VNFPKG'], operationStates: ['COMPLETED', 'FAILED_TEMP'] },
      authentication: { authType: ['BASIC'], paramsBasic: { userName: 'nfvo', password: 's3cret-basic' } },
    };
    const created = await call('POST', SUBSCRIPTIONS(), body);
    expect(created.status, created.text).toBe(201);
    const subscription = LccnSubscription.parse(JSON.parse(created.text));
    expect(subscription).toMatchObject({ callbackUri: nfvo.url, filter: body.filter, verbosity: 'FULL' });
    expect(created.location).toBe(`${SUBSCRIPTIONS()}/${subscription.id}`);

    const again = await call('POST', SUBSCRIPTIONS(), { ...body, filter: { operationStates: ['FAILED_TEMP', 'COMPLETED'], operationTypes: ['CHANGE_VNFPKG'] } });
    expect(again.status).toBe(303);
    expect(again.location).toBe(created.location);

    const shown = await call('GET', created.location!);
    expect(shown.status).toBe(200);
    expect(JSON.parse(shown.text)).toEqual(subscription);

    const other = await subscribe({ callbackUri: nfvo.url, verbosity: 'SHORT', authentication: body.authentication });
    const filtered = await call('GET', `${SUBSCRIPTIONS()}?filter=${encodeURIComponent(`(eq,callbackUri,${nfvo.url});(eq,verbosity,SHORT)`)}`);
    expect(filtered.status).toBe(200);
    expect((JSON.parse(filtered.text) as LccnSubscription[]).map((s) => s.id)).toEqual([other.id]);
    const badFilter = await call('GET', `${SUBSCRIPTIONS()}?filter=${encodeURIComponent('(eq,authentication.paramsBasic.password,s3cret-basic)')}`);
    expect(badFilter.status).toBe(400);
    const all = await call('GET', SUBSCRIPTIONS());

    for (const text of [created.text, shown.text, filtered.text, all.text]) {
      expect(text).not.toContain('s3cret-basic');
      expect(text).not.toContain('authentication');
    }
    expect((await call('DELETE', created.location!)).status).toBe(204);
    expect((await call('GET', created.location!)).status).toBe(404);
    expect((await call('DELETE', other._links.self.href)).status).toBe(204);
  });
});

describe('notifications of an operation', () => {
  it('start no notifier for an operation no subscription matches', async () => {
    const instance = await freshInstance();
    const opId = await change(instance);
    const done = await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP']);
    expect(done.operationState, done.error?.detail).toBe('COMPLETED');

    await expect(system.client.workflow.getHandle(`${opId}/notifications`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('start the notifier with the first notification a subscription wants, and it carries the operation\'s search attributes', async () => {
    const instance = await freshInstance();
    const resultsOnly = await startSubscriber();
    await subscribe({ callbackUri: resultsOnly.url, filter: forInstance(instance, { operationStates: ['COMPLETED'] }) });

    const opId = await change(instance);
    await waitForState(system, opId, ['COMPLETED']);
    await notifierEnded(opId);

    expect(sequence(resultsOnly)).toEqual(['COMPLETED/RESULT']);
    const notifier = await system.client.workflow.getHandle(`${opId}/notifications`).describe();
    expect(notifier.typedSearchAttributes.get(VNF_INSTANCE_ID)).toBe(instance.id);
    expect(notifier.typedSearchAttributes.get(VNF_LCM_OPERATION)).toBe('CHANGE_VNFPKG');
    await recordHistory(system.client, opId, 'change-subscribed');
    await recordHistory(system.client, `${opId}/notifications`, 'change-notifier');
  });

  it('sends START then RESULT, in order, to each matching subscription, with its authentication; other filters receive nothing', async () => {
    const instance = await freshInstance();
    const basic = { userName: 'nfvo', password: 'basic-pw' };
    const all = await startSubscriber({ basic });
    const resultsOnly = await startSubscriber();
    const otherInstance = await startSubscriber();
    const sAll = await subscribe({ callbackUri: all.url, filter: forInstance(instance), authentication: { authType: ['BASIC'], paramsBasic: basic } });
    const sResults = await subscribe({ callbackUri: resultsOnly.url, filter: forInstance(instance, { operationStates: ['COMPLETED'] }), verbosity: 'SHORT' });
    await subscribe({ callbackUri: otherInstance.url, filter: { vnfInstanceSubscriptionFilter: { vnfInstanceIds: [crypto.randomUUID()] } } });

    system.em.behaviours.set({ default: { mode: 'sync' } });
    const opId = await change(instance);
    await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP']);
    await notifierEnded(opId);

    expect(sequence(all)).toEqual(['STARTING/START', 'PROCESSING/RESULT', 'COMPLETED/RESULT']);
    const posts = all.received.filter((r) => r.method === 'POST');
    for (const post of posts) {
      expect(post.headers.version).toBe('2.0.0');
      expect(post.headers['content-type']).toBe('application/json');
      expect(post.headers.authorization).toBe(`Basic ${Buffer.from('nfvo:basic-pw').toString('base64')}`);
    }
    const [starting, , completed] = all.notifications();
    expect(starting).toMatchObject({
      notificationType: 'VnfLcmOperationOccurrenceNotification', subscriptionId: sAll.id, vnfInstanceId: instance.id, vnfLcmOpOccId: opId,
      operation: 'CHANGE_VNFPKG', isAutomaticInvocation: false, verbosity: 'FULL',
      _links: {
        subscription: { href: sAll._links.self.href },
        vnfLcmOpOcc: { href: `${system.gatewayUrl}/vnflcm/v2/vnf_lcm_op_occs/${opId}` },
        vnfInstance: { href: `${system.gatewayUrl}/vnflcm/v2/vnf_instances/${instance.id}` },
      },
    });
    expect(completed?.affectedVnfcs).toHaveLength(2);
    expect(completed?.modificationsTriggeredByVnfPkgChange?.vnfdId).toBe(system.packages[1]!.vnfd.vnfdId);
    expect(new Set(all.notifications().map((n) => n.id)).size).toBe(3);

    expect(sequence(resultsOnly)).toEqual(['COMPLETED/RESULT']);
    expect(resultsOnly.notifications()[0]).toMatchObject({ subscriptionId: sResults.id, verbosity: 'SHORT' });
    expect(resultsOnly.notifications()[0]?.affectedVnfcs).toBeUndefined();
    expect(otherInstance.received.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('reports FAILED_TEMP, the retry and the completion in order, authenticating with one cached OAuth 2.0 token', async () => {
    const instance = await freshInstance();
    const oauth = { clientId: 'vnfm', clientSecret: 'oauth-secret' };
    const nfvo = await startSubscriber({ oauth });
    await subscribe({
      callbackUri: nfvo.url, filter: forInstance(instance),
      authentication: { authType: ['OAUTH2_CLIENT_CREDENTIALS'], paramsOauth2ClientCredentials: { clientId: oauth.clientId, clientPassword: oauth.clientSecret, tokenEndpoint: nfvo.tokenUrl } },
    });
    const first = [...instance.vnfcResourceInfo].reverse()[0]!;
    system.em.behaviours.set({ rules: [{ match: { vnfcInstanceId: first.id }, mode: 'sync', result: 'ABORT', error: 'EM: VNFC busy' }], default: { mode: 'sync' } });
    const opId = await change(instance);
    await waitForState(system, opId, ['FAILED_TEMP']);
    await eventually('the FAILED_TEMP notification', () => sequence(nfvo).length === 3);

    system.em.behaviours.set({ default: { mode: 'sync' } });
    const retried = await operatorTask(system, opId, 'retry');
    expect(retried.status).toBe(202);
    await waitForState(system, opId, ['COMPLETED']);
    await notifierEnded(opId);

    expect(sequence(nfvo)).toEqual(['STARTING/START', 'PROCESSING/RESULT', 'FAILED_TEMP/RESULT', 'PROCESSING/RESULT', 'COMPLETED/RESULT']);
    expect(nfvo.notifications()[2]?.error?.detail).toBe('EM: VNFC busy');
    expect(nfvo.notifications()[3]?.error).toBeUndefined();
    for (const r of nfvo.received) expect(r.headers.authorization).toBe('Bearer token-1');
    expect(nfvo.tokenRequests).toBe(1);
  });

  it('delivers every notification, in order, to subscribers that were down for a while, without holding up the others', async () => {
    const instance = await freshInstance();
    const healthy = await startSubscriber();
    const busy = await startSubscriber();
    const offline = await startSubscriber();
    for (const s of [healthy, busy, offline]) await subscribe({ callbackUri: s.url, filter: forInstance(instance) });

    busy.refusing = true;
    offline.down();
    const offlineTriedBefore = offline.gate.accepted;
    system.em.behaviours.set({ default: { mode: 'sync' } });
    const opId = await change(instance);
    await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP']);
    await eventually('every notification at the healthy subscriber', () => sequence(healthy).length === 3);
    // The other two were tried and are still kept from receiving anything; the healthy one got all three.
    await eventually('a 503 at the busy subscriber', () => busy.received.some((r) => r.status === 503));
    await eventually('a delivery attempt at the offline subscriber', () => offline.gate.accepted > offlineTriedBefore);
    expect(busy.notifications()).toHaveLength(0);
    expect(offline.received.filter((r) => r.method === 'POST')).toHaveLength(0);

    busy.refusing = false;
    const upAt = Date.now();
    offline.up();
    await notifierEnded(opId);
    const expected = ['STARTING/START', 'PROCESSING/RESULT', 'COMPLETED/RESULT'];
    expect(sequence(healthy)).toEqual(expected);
    expect(sequence(busy)).toEqual(expected);
    expect(sequence(offline)).toEqual(expected);
    // While down, nothing reached it: its first POST came after it was back.
    expect(offline.received.find((r) => r.method === 'POST')!.at).toBeGreaterThanOrEqual(upAt);
  });
});

describe('VNF identifier notifications', () => {
  async function createInstance(name: string): Promise<VnfInstance> {
    const res = await call('POST', `${system.gatewayUrl}/vnflcm/v2/vnf_instances`, { vnfdId: system.packages[0]!.vnfd.vnfdId, vnfInstanceName: name });
    expect(res.status, res.text).toBe(201);
    return JSON.parse(res.text) as VnfInstance;
  }

  async function identifierNotifierEnded(instanceId: string, event: 'creation' | 'deletion'): Promise<void> {
    const result = await system.client.workflow.getHandle<typeof deliverOperationNotifications>(identifierNotifierWorkflowId(instanceId, event)).result();
    expect(result.ended).toBe('final-result-delivered');
  }

  it('sends VnfIdentifierCreationNotification on create and VnfIdentifierDeletionNotification on delete, durably: a subscriber down at the time gets them once it is back', async () => {
    const nfvo = await startSubscriber();
    const subscription = await subscribe({
      callbackUri: nfvo.url,
      filter: { notificationTypes: ['VnfIdentifierCreationNotification', 'VnfIdentifierDeletionNotification'], vnfInstanceSubscriptionFilter: { vnfInstanceNames: ['announced'] } },
    });
    nfvo.down();
    const triedBefore = nfvo.gate.accepted;
    const instance = await createInstance('announced');
    const deleted = await call('DELETE', `${system.gatewayUrl}/vnflcm/v2/vnf_instances/${instance.id}`);
    expect(deleted.status, deleted.text).toBe(204);
    await eventually('a delivery attempt while the subscriber is down', () => nfvo.gate.accepted > triedBefore);
    expect(nfvo.delivered()).toHaveLength(0);

    nfvo.up();
    await identifierNotifierEnded(instance.id, 'creation');
    await identifierNotifierEnded(instance.id, 'deletion');

    const [created, gone] = [VnfIdentifierCreationNotification, VnfIdentifierDeletionNotification].map((model) =>
      nfvo.delivered().map((n) => model.safeParse(n)).find((parsed) => parsed.success)?.data);
    const links = { vnfInstance: { href: `${system.gatewayUrl}/vnflcm/v2/vnf_instances/${instance.id}` }, subscription: { href: subscription._links.self.href } };
    expect(created).toMatchObject({ notificationType: 'VnfIdentifierCreationNotification', subscriptionId: subscription.id, vnfInstanceId: instance.id, _links: links });
    expect(gone).toMatchObject({ notificationType: 'VnfIdentifierDeletionNotification', subscriptionId: subscription.id, vnfInstanceId: instance.id, _links: links });
    expect(nfvo.delivered()).toHaveLength(2);
    expect(JSON.stringify(nfvo.delivered())).not.toContain('vnfProvider');
  });

  const pkg = () => system.packages[0]!.vnfd;
  it.each<[string, boolean, (vnfd: VnfInstance) => Record<string, unknown>]>([
    ['vnfdIds naming its VNFD', true, (v) => ({ vnfInstanceSubscriptionFilter: { vnfdIds: [v.vnfdId] } })],
    ['vnfdIds naming another VNFD', false, () => ({ vnfInstanceSubscriptionFilter: { vnfdIds: ['other-vnfd'] } })],
    ['its provider', true, (v) => ({ vnfInstanceSubscriptionFilter: { vnfProductsFromProviders: [{ vnfProvider: v.vnfProvider }] } })],
    ['another provider', false, () => ({ vnfInstanceSubscriptionFilter: { vnfProductsFromProviders: [{ vnfProvider: 'Other Inc.' }] } })],
    ['its provider and product', true, (v) => ({ vnfInstanceSubscriptionFilter: { vnfProductsFromProviders: [{ vnfProvider: v.vnfProvider, vnfProducts: [{ vnfProductName: v.vnfProductName }] }] } })],
    ['its provider and another product', false, (v) => ({ vnfInstanceSubscriptionFilter: { vnfProductsFromProviders: [{ vnfProvider: v.vnfProvider, vnfProducts: [{ vnfProductName: 'Other' }] }] } })],
    ['its software version and VNFD version', true, (v) => ({
      vnfInstanceSubscriptionFilter: { vnfProductsFromProviders: [{ vnfProvider: v.vnfProvider, vnfProducts: [{ vnfProductName: v.vnfProductName, versions: [{ vnfSoftwareVersion: v.vnfSoftwareVersion, vnfdVersions: [v.vnfdVersion] }] }] }] },
    })],
    ['its software version and another VNFD version', false, (v) => ({
      vnfInstanceSubscriptionFilter: { vnfProductsFromProviders: [{ vnfProvider: v.vnfProvider, vnfProducts: [{ vnfProductName: v.vnfProductName, versions: [{ vnfSoftwareVersion: v.vnfSoftwareVersion, vnfdVersions: ['9.9'] }] }] }] },
    })],
    ['its name', true, (v) => ({ vnfInstanceSubscriptionFilter: { vnfInstanceNames: [v.vnfInstanceName] } })],
    ['another name', false, () => ({ vnfInstanceSubscriptionFilter: { vnfInstanceNames: ['someone-else'] } })],
    ['the creation notification type', true, () => ({ notificationTypes: ['VnfIdentifierCreationNotification'] })],
    ['only the deletion notification type', false, () => ({ notificationTypes: ['VnfIdentifierDeletionNotification'] })],
    ['operationTypes, which only narrow operation occurrence notifications', true, () => ({ operationTypes: ['CHANGE_VNFPKG'] })],
  ])('a filter on %s: the creation notification reaches it: %s', async (_filter, expected, filterFor) => {
    const nfvo = await startSubscriber();
    const name = `filtered-${crypto.randomUUID()}`;
    const identity = { ...pkg(), vnfInstanceName: name } as unknown as VnfInstance;
    const subscription = await subscribe({ callbackUri: nfvo.url, filter: filterFor(identity) });
    const instance = await createInstance(name);
    await identifierNotifierEnded(instance.id, 'creation');

    const reached = nfvo.delivered().some((n) => n.vnfInstanceId === instance.id && n.subscriptionId === subscription.id);
    expect(reached).toBe(expected);
    expect((await call('DELETE', subscription._links.self.href)).status).toBe(204);
  });

  it('matches an operation\'s notifications by the instance\'s VNF and name, as the inventory has them', async () => {
    const instance = await freshInstance();
    const nfvo = await startSubscriber();
    const provider = { vnfProvider: instance.vnfProvider, vnfProducts: [{ vnfProductName: instance.vnfProductName }] };
    await subscribe({ callbackUri: nfvo.url, filter: { vnfInstanceSubscriptionFilter: { vnfProductsFromProviders: [provider] }, operationStates: ['COMPLETED'] } });
    const byName = await startSubscriber();
    await subscribe({ callbackUri: byName.url, filter: { vnfInstanceSubscriptionFilter: { vnfInstanceNames: ['not-this-one'] } } });
    system.em.behaviours.set({ default: { mode: 'sync' } });
    const opId = await change(instance);
    await waitForState(system, opId, ['COMPLETED']);
    await notifierEnded(opId);

    expect(nfvo.notifications().filter((n) => n.vnfLcmOpOccId === opId).map((n) => n.operationState)).toEqual(['COMPLETED']);
    expect(byName.notifications().filter((n) => n.vnfLcmOpOccId === opId)).toEqual([]);
  });
});

describe('the notifier workflow', () => {
  it('continues as new with its lanes when its history grows, and still delivers in order', async () => {
    const nfvo = await startSubscriber();
    const opId = crypto.randomUUID();
    const instanceId = crypto.randomUUID();
    await subscribe({ callbackUri: nfvo.url, filter: { vnfInstanceSubscriptionFilter: { vnfInstanceIds: [instanceId] } } });
    const draft = (i: number, operationState: NotificationDraft['operationState']): NotificationDraft => ({
      id: `n-${i}`, notificationType: 'VnfLcmOperationOccurrenceNotification', timeStamp: new Date().toISOString(),
      notificationStatus: operationState === 'STARTING' ? 'START' : 'RESULT', operationState, vnfInstanceId: instanceId,
      operation: 'CHANGE_VNFPKG', isAutomaticInvocation: false, vnfLcmOpOccId: opId,
      _links: { vnfInstance: { href: `${system.gatewayUrl}/vnflcm/v2/vnf_instances/${instanceId}` }, vnfLcmOpOcc: { href: `${system.gatewayUrl}/vnflcm/v2/vnf_lcm_op_occs/${opId}` } },
    });
    const handle = await system.client.workflow.start<typeof deliverOperationNotifications>('deliverOperationNotifications', {
      workflowId: `${opId}/notifications`, taskQueue: system.taskQueue,
      args: [{ vnfLcmOpOccId: opId, initial: [draft(0, 'PROCESSING')], tuning: { historyEventLimit: 40 } }],
    });
    for (let i = 1; i < 12; i++) await handle.signal(notifySignal, draft(i, i % 2 ? 'FAILED_TEMP' : 'PROCESSING'));
    await handle.signal(notifySignal, draft(12, 'COMPLETED'));

    const result = await handle.result();
    expect(result).toMatchObject({ delivered: 13, abandoned: 0, ended: 'final-result-delivered' });
    expect(result.runs).toBeGreaterThan(2);
    // At least once: a delivery cut short by continue-as-new may be repeated, never reordered.
    const ids = nfvo.notifications().map((n) => n.id).filter((id, i, all) => id !== all[i - 1]);
    expect(ids).toEqual(Array.from({ length: 13 }, (_, i) => `n-${i}`));
  });
});
