// The whole system in one test process, on real loopback servers and the run's Temporal dev
// server: VIM simulator, reference EM, inventory, worker and gateway. No part is a mock.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { makeTelemetryFilterString, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { request } from 'undici';
import { inject } from 'vitest';
import { createActivities } from '../../src/activities/index.ts';
import { encryptedDataConverter } from '../../src/codec/encryption-codec.ts';
import { parseKeyList } from '../../src/codec/keyring.ts';
import { startReferenceEm, type ReferenceEm, type ReferenceEmOptions } from '../../src/em/server.ts';
import { GatewayAuthenticator } from '../../src/gateway/auth.ts';
import { createGatewayApp } from '../../src/gateway/app.ts';
import { EgressPolicy, NEVER_REACHED } from '../../src/outbound/egress.ts';
import { CsarInspector } from '../../src/packages/csar-inspection.ts';
import { listenThenBuild } from '../../src/http/listen.ts';
import { ensureSampleInstance, SAMPLE_CNF_PACKAGES, SAMPLE_CNF_STS_PACKAGES, SAMPLES_DIR } from '../../src/inventory/sample.ts';
import { KubernetesClient } from '../../src/kubernetes/client.ts';
import { startKubernetesSimulator, type KubernetesSimulator } from '../../src/kubernetes-simulator/server.ts';
import { onboardSamplePackagesAsCsar } from '../../src/packages/onboard-samples.ts';
import { FilePackageRepository } from '../../src/packages/repository.ts';
import { FileInventoryStore, type InventoryStore, type VnfInstanceRecord, type VnfPackageRecord } from '../../src/inventory/store.ts';
import { CoordinationClient } from '../../src/lcmcoord/client.ts';
import { NotificationClient } from '../../src/notifications/client.ts';
import { FileSubscriptionStore, type SubscriptionStore } from '../../src/notifications/store.ts';
import { OpenStackClient } from '../../src/openstack/client.ts';
import type { VnfLcmOpOcc } from '../../src/sol003/models.ts';
import { startVimSimulator, type VimSimulator } from '../../src/vim-simulator/server.ts';
import type { ChangeVnfPkgTuning } from '../../src/lcm/change-vnfpkg-input.ts';
import type { SandboxPolicy } from '../../src/scripts/sandbox.ts';
import { loadWorkflowBundle } from '../../src/workflow-bundle.ts';
import { makeTestPki, type KeyPair } from './certificates.ts';
import { instanceTaskQueue } from '../../src/workflows/messages.ts';
import { eventually } from './wait.ts';

/** Fast knobs for tests: short floors and VIM polls, same logic. */
export const TEST_TUNING: Partial<ChangeVnfPkgTuning> = { minPollIntervalMs: 100, defaultPollIntervalMs: 200, vimPollIntervalMs: 100 };

/**
 * Coordinate scripts run sandboxed as `nobody` where the tests run as root (CI, this machine's
 * sessions); elsewhere as the tests' own user.
 */
export const TEST_SCRIPT_SANDBOX: SandboxPolicy = process.getuid?.() === 0 ? { mode: 'user', user: 'nobody' } : { mode: 'off', user: 'nobody' };

/** The tests' payload key (not a secret): every test system encrypts, as production does. */
export const TEST_CODEC_KEYS = 'test-1:ECwSxG7PrM/dcnRSzBOeJB/lXVON66+oLYt3i+U0zOM=';
/** Environment for production entry points run as subprocesses of a test (worker, gateway). */
export const TEST_CODEC_ENV = { VNFM_CODEC_KEYS: TEST_CODEC_KEYS };
/** The DataConverter of the test systems' clients and workers. */
export const testDataConverter: DataConverter = encryptedDataConverter(parseKeyList(TEST_CODEC_KEYS));
/** Replay of recorded histories: the v1 ones were recorded before payloads were encrypted. */
export const replayDataConverter: DataConverter = encryptedDataConverter(parseKeyList(TEST_CODEC_KEYS), { acceptPlaintext: true });

let bundle: { code: string } | undefined;
/** The workflow bundle `npm test` builds first (as `npm ci` does), verified and loaded once per test file. */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= loadWorkflowBundle();
  return Promise.resolve(bundle);
}

let runtimeInstalled = false;
/** Core SDK logs only errors in tests (replay tests provoke warnings on purpose). */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: quietLogger, telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
}

const quietLogger = {
  log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined,
  warn: (m: string) => console.warn(m), error: (m: string) => console.error(m),
};

export interface SystemOptions {
  em?: ReferenceEmOptions;
  vimUpdateDelayMs?: number;
  /** Servers of the VIM simulator answer on their own addresses at this port (0: any free one); see guests.ts. */
  vimGuestPort?: number;
  /** Start no in-process worker (a test runs its own, e.g. as a subprocess). */
  withoutWorker?: boolean;
  /** Start only the admission worker (the instance entities): nothing runs the operations themselves. */
  withoutOperationsWorker?: boolean;
  tuning?: Partial<ChangeVnfPkgTuning>;
  /** The client's and worker's DataConverter; default: encryption with TEST_CODEC_KEYS. */
  dataConverter?: DataConverter;
  /** Temporal frontend to use instead of the run's shared dev server (e.g. a test's own, restartable one). */
  temporalAddress?: string;
  /** Receives the log lines of the VIM simulator, the reference EM (unless `em.log` is given) and the gateway; default: silent. */
  log?: (line: string) => void;
  /** Require this API token at the gateway (X-Auth-Token); the helpers below send it. */
  apiToken?: string;
  /** The egress policy of the EM and subscriber clients; default the embedded one (loopback allowed). */
  egress?: EgressPolicy;
  /** Objects per page of the gateway's lists (default: the gateway's). */
  pageSize?: number;
  /** Also run the Kubernetes API simulator (HTTPS, a test CA) and onboard the sample CNF packages. */
  kubernetes?: { podStartDelayMs?: number; podReadyDelayMs?: number; /** Onboard the StatefulSet sample pair too (packages[2], [3]). */ statefulSetSamples?: boolean };
}

/** The bearer token of the tests' Kubernetes simulator (not a secret). */
export const TEST_KUBERNETES_TOKEN = 'k8s-test-token-5f1e2d';

export interface KubernetesTestCluster {
  simulator: KubernetesSimulator;
  /** PEM of the CA that signed the simulator's certificate and its client certificates. */
  caPem: string;
  /** A client certificate the simulator accepts (CN vnfm). */
  clientCertificate: KeyPair;
  /** The two versions of the sample CNF package. */
  packages: VnfPackageRecord[];
  /** An InstantiateVnfRequest vimConnectionInfo for the simulator: bearer token, or client certificate. */
  vimConnectionInfo(access?: 'token' | 'certificate'): Record<string, Record<string, unknown>>;
}

/** A system without the sample packages and instance: a test that onboards its own (e.g. through the CLI) starts this. */
export type BareTestSystem = Omit<TestSystem, 'packages' | 'instance'>;

export interface TestSystem {
  /** Headers every vnflcm request of the helpers carries (Version, and the API token if any). */
  headers: Record<string, string>;
  dataDir: string;
  taskQueue: string;
  temporalAddress: string;
  vim: VimSimulator;
  em: ReferenceEm;
  inventory: InventoryStore;
  packages: VnfPackageRecord[];
  instance: VnfInstanceRecord;
  client: Client;
  dataConverter: DataConverter;
  gatewayUrl: string;
  coordinationClient: CoordinationClient;
  /** Subscriptions of the gateway, read by the worker's notification deliveries. */
  subscriptions: SubscriptionStore;
  notificationClient: NotificationClient;
  worker?: Worker;
  kubernetes?: KubernetesTestCluster;
  close(): Promise<void>;
}

export async function startSystem(name: string, options: SystemOptions = {}): Promise<TestSystem> {
  const system = await startBareSystem(name, options);
  try {
    const repository = new FilePackageRepository(join(system.dataDir, 'packages'));
    const packages = await onboardSamplePackagesAsCsar(system.inventory, repository);
    // Test files share one Temporal server: each system gets its own VNF instance.
    const instance = await ensureSampleInstance(system.inventory, system.vim.url, packages[0] as VnfPackageRecord, { instanceId: randomUUID() });
    return Object.assign(system, { packages, instance });
  } catch (err) {
    await system.close();
    throw err;
  }
}

export async function startBareSystem(name: string, options: SystemOptions = {}): Promise<BareTestSystem> {
  installQuietRuntime();
  const temporalAddress = options.temporalAddress ?? inject('temporalAddress');
  const dataDir = mkdtempSync(join(tmpdir(), `vnfm-${name}-`));
  const taskQueue = `${name}-${Date.now()}`;
  const log = options.log ?? ((): void => undefined);

  const vim = await startVimSimulator({
    stateFile: join(dataDir, 'vim.json'), port: 0, updateDelayMs: options.vimUpdateDelayMs ?? 50, guestPort: options.vimGuestPort, log,
  });
  const em = await startReferenceEm({ port: 0, log, auth: { methods: ['BASIC'] }, ...options.em });
  const inventory = new FileInventoryStore(join(dataDir, 'inventory.json'));
  const packageRepository = new FilePackageRepository(join(dataDir, 'packages'));

  const dataConverter = options.dataConverter ?? testDataConverter;
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, dataConverter });
  // The embedded default's egress policy: the EM, VIM and subscribers of the tests run on loopback.
  const egress = options.egress ?? new EgressPolicy({ deny: NEVER_REACHED });
  const coordinationClient = new CoordinationClient({ responseTimeoutMs: 5_000 }, { egress });
  const subscriptions = new FileSubscriptionStore(join(dataDir, 'subscriptions.json'));
  const notificationClient = new NotificationClient({ responseTimeoutMs: 2_000 }, { egress });
  const kubernetesClient = new KubernetesClient({ requestTimeoutMs: 5_000, egress });
  const kubernetes = options.kubernetes ? await startKubernetesCluster(dataDir, inventory, packageRepository, options.kubernetes, log) : undefined;
  const openstack = new OpenStackClient({
    authUrl: vim.authUrl, username: 'admin', password: 'admin', projectName: 'admin',
    userDomainName: 'Default', projectDomainName: 'Default', insecureSkipVerify: false,
  });

  let worker: Worker | undefined;
  let admission: Worker | undefined;
  if (!options.withoutWorker) {
    // The instance entities run on their own queue, as src/worker.ts runs them.
    admission = await Worker.create({
      connection: await NativeConnection.connect({ address: temporalAddress }),
      taskQueue: instanceTaskQueue(taskQueue),
      workflowBundle: await workflowBundle(),
      dataConverter,
    });
  }
  if (!options.withoutWorker && !options.withoutOperationsWorker) {
    worker = await Worker.create({
      connection: await NativeConnection.connect({ address: temporalAddress }),
      taskQueue,
      workflowBundle: await workflowBundle(),
      dataConverter,
      activities: createActivities({
        coordination: coordinationClient, openstack, kubernetes: kubernetesClient, inventory, subscriptions, notificationClient,
        packages: packageRepository, scriptSandbox: TEST_SCRIPT_SANDBOX, egress,
      }),
    });
  }
  const running = Promise.all([worker?.run(), admission?.run()]);

  // Listen first: Location headers and _links carry the real address.
  const csarInspector = new CsarInspector();
  const gateway = await listenThenBuild('127.0.0.1', 0, (apiRoot) => createGatewayApp({
    ...(options.apiToken ? { auth: new GatewayAuthenticator({ apiTokens: [options.apiToken] }) } : {}),
    client, taskQueue, inventory, apiRoot, defaultCoordinationAction: 'prv.default', tuning: { ...TEST_TUNING, ...options.tuning },
    subscriptions: { store: subscriptions, client: notificationClient }, packages: packageRepository, csarInspector, log: options.log,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  }));
  const gatewayUrl = gateway.url;
  const system: BareTestSystem = {
    headers: { ...VNFLCM_HEADERS, ...(options.apiToken ? { 'X-Auth-Token': options.apiToken } : {}) },
    dataDir, taskQueue, temporalAddress, vim, em, inventory, client, dataConverter, gatewayUrl, coordinationClient,
    subscriptions, notificationClient, worker, kubernetes,
    async close() {
      worker?.shutdown();
      admission?.shutdown();
      await running;
      await csarInspector.close();
      await Promise.all([gateway.close(), em.close(), vim.close(), coordinationClient.close(), openstack.close(), notificationClient.close(), kubernetesClient.close()]);
      await kubernetes?.close();
      await connection.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return system;
}

async function startKubernetesCluster(
  dataDir: string, inventory: InventoryStore, repository: FilePackageRepository, options: NonNullable<SystemOptions['kubernetes']>, log: (line: string) => void,
): Promise<KubernetesTestCluster & { close(): Promise<void> }> {
  const pki = makeTestPki(['vnfm']);
  const simulator = await startKubernetesSimulator({
    stateFile: join(dataDir, 'kubernetes-simulator.json'), port: 0, log,
    tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca },
    tokens: [TEST_KUBERNETES_TOKEN],
    podStartDelayMs: options.podStartDelayMs ?? 20, podReadyDelayMs: options.podReadyDelayMs ?? 30,
  });
  const packages = await onboardSamplePackagesAsCsar(inventory, repository, SAMPLES_DIR, [
    ...SAMPLE_CNF_PACKAGES, ...(options.statefulSetSamples ? SAMPLE_CNF_STS_PACKAGES : []),
  ]);
  const clientCertificate = pki.clients.vnfm as KeyPair;
  return {
    simulator, caPem: pki.ca, clientCertificate, packages,
    vimConnectionInfo: (access = 'token') => ({
      vim1: {
        vimId: 'kubernetes-simulator', vimType: 'ETSINFV.KUBERNETES.V_1',
        interfaceInfo: { endpoint: simulator.url, ssl_ca_cert: pki.ca },
        accessInfo: access === 'token' ? { bearer_token: TEST_KUBERNETES_TOKEN } : { client_cert: clientCertificate.cert, client_key: clientCertificate.key },
      },
    }),
    async close() {
      await simulator.close();
      pki.remove();
    },
  };
}

export const VNFLCM_HEADERS = { Version: '2.0.0', 'Content-Type': 'application/json', Accept: 'application/json' };

/** The seed's additionalParams, pointed at the test EM and the given destination package. */
export function changeRequest(system: TestSystem, vnfdId: string, vnfcParam: Record<string, unknown> = {}): Record<string, unknown> {
  const param = (cp: string) => ({
    cp_name: cp, username: 'ubuntu', password: 'ubuntu', endpoint: system.em.url,
    authentication: { authType: ['BASIC'], paramsBasic: { userName: 'tacker', password: 'tacker' } },
    timeout: 30, ...vnfcParam,
  });
  return {
    vnfdId,
    additionalParams: {
      upgrade_type: 'RollingUpdate',
      vdu_params: ['VDU1', 'VDU2'].map((vdu) => ({ vdu_id: vdu, old_vnfc_param: param(`${vdu}_CP1`), new_vnfc_param: param(`${vdu}_CP1`) })),
    },
  };
}

export async function postChange(system: TestSystem, body: unknown, instanceId = system.instance.id): Promise<{ status: number; location?: string; body: string }> {
  const res = await request(`${system.gatewayUrl}/vnflcm/v2/vnf_instances/${instanceId}/change_vnfpkg`, {
    method: 'POST', headers: system.headers, body: JSON.stringify(body),
  });
  const location = res.headers.location;
  return { status: res.statusCode, location: typeof location === 'string' ? location : undefined, body: await res.body.text() };
}

export async function getOpOcc(system: BareTestSystem, opId: string): Promise<VnfLcmOpOcc> {
  const res = await request(`${system.gatewayUrl}/vnflcm/v2/vnf_lcm_op_occs/${opId}`, { headers: system.headers });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET op occ ${opId}: ${res.statusCode} ${text}`);
  return JSON.parse(text) as VnfLcmOpOcc;
}

/** Reads the operation through the gateway until it is in one of the states. */
export async function waitForState(system: BareTestSystem, opId: string, states: string[], timeoutMs = 60_000): Promise<VnfLcmOpOcc> {
  let last: VnfLcmOpOcc | undefined;
  try {
    return await eventually(`operation ${opId} to reach ${states.join('|')}`, async () => {
      last = await getOpOcc(system, opId);
      return states.includes(last.operationState) && last;
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${last?.operationState ?? 'nothing'} ${last?.error?.detail ?? ''}`);
  }
}

export type OperatorTaskName = 'retry' | 'rollback' | 'fail' | 'cancel';

/** Sends a SOL003 task (retry, rollback, fail, cancel) for an operation occurrence through the gateway. */
export async function operatorTask(
  system: TestSystem, opId: string, name: OperatorTaskName, body?: unknown,
): Promise<{ status: number; text: string }> {
  const res = await request(`${system.gatewayUrl}/vnflcm/v2/vnf_lcm_op_occs/${opId}/${name}`, {
    method: 'POST', headers: system.headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

export function opIdOf(location: string | undefined): string {
  const id = location?.split('/').pop();
  if (!id) throw new Error(`no Location: ${location}`);
  return id;
}

export interface VimStackView {
  vnfcs: { vduId: string; serverId: string; image: string; flavor: string; memberStackStatus: string }[];
}

export async function vimStack(system: TestSystem): Promise<VimStackView> {
  const res = await request(`${system.vim.url}/admin/stacks/${encodeURIComponent(system.instance.stack?.name ?? '')}`);
  return (await res.body.json()) as VimStackView;
}
