// The worker process: wires configuration, protocol clients, activities and workflow code
// onto one task queue. It decides nothing itself.
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities/index.ts';
import { codecDataConverter } from './codec/data-converter.ts';
import { CodecConfigError } from './codec/keyring.ts';
import { egressPolicyOf, loadConfig, readOptionalFile, type Env } from './config.ts';
import { KubernetesClient } from './kubernetes/client.ts';
import { CoordinationClient } from './lcmcoord/client.ts';
import { NotificationClient } from './notifications/client.ts';
import { OpenStackClient } from './openstack/client.ts';
import type { SandboxPolicy } from './scripts/sandbox.ts';
import { describeStores, openStores, type VnfmStores } from './stores.ts';
import { describeTemporalConnection, temporalConnectionOptions, TemporalSettingsError } from './temporal-connection.ts';
import { loadWorkflowBundle, WorkflowBundleError } from './workflow-bundle.ts';
import { instanceTaskQueue } from './workflows/messages.ts';
import { prepareDataDir } from './persistence/data-dir.ts';
import { workerNodeArgs } from './worker-heap.ts';


export function createActivityDependencies(config: Env, stores: Pick<VnfmStores, 'inventory' | 'subscriptions' | 'packages'>) {
  const egress = egressPolicyOf(config);
  return {
    coordination: new CoordinationClient({
      responseTimeoutMs: config.EM_REQUEST_TIMEOUT_MS,
      tls: {
        caPem: readOptionalFile(config.EM_CA_FILE),
        clientCertPem: readOptionalFile(config.EM_CLIENT_CERT_FILE),
        clientKeyPem: readOptionalFile(config.EM_CLIENT_KEY_FILE),
        insecureOrigins: config.TLS_INSECURE_ORIGINS,
      },
    }, { egress }),
    openstack: new OpenStackClient({
      authUrl: config.VIM_AUTH_URL,
      username: config.VIM_USERNAME,
      password: config.VIM_PASSWORD,
      projectName: config.VIM_PROJECT,
      userDomainName: 'Default',
      projectDomainName: 'Default',
      caCertPem: readOptionalFile(config.VIM_CA_FILE),
      insecureSkipVerify: config.VIM_TLS_INSECURE, // the client logs it when on
    }),
    kubernetes: new KubernetesClient({
      requestTimeoutMs: config.KUBERNETES_REQUEST_TIMEOUT_MS,
      caPem: readOptionalFile(config.KUBERNETES_CA_FILE),
      insecureOrigins: config.TLS_INSECURE_ORIGINS,
      egress,
    }),
    inventory: stores.inventory,
    subscriptions: stores.subscriptions,
    notificationClient: new NotificationClient({ insecureOrigins: config.TLS_INSECURE_ORIGINS }, { egress }),
    packages: stores.packages,
    scriptSandbox: scriptSandboxPolicy(config),
    egress,
  };
}

function scriptSandboxPolicy(config: Env): SandboxPolicy {
  if (config.VNFM_SCRIPT_SANDBOX === 'off') console.warn('coordinate scripts run as the worker\'s own user (VNFM_SCRIPT_SANDBOX=off): they can read what the worker can');
  return { mode: config.VNFM_SCRIPT_SANDBOX, user: config.VNFM_SCRIPT_USER };
}

/**
 * The worker on the workflow bundle built with the code (see src/workflow-bundle.ts), verified
 * before it is loaded: webpack never runs in this process. `overrides.workflowBundle` (or
 * `workflowsPath`) replaces it.
 */
export async function createWorker(config: Env, overrides: Partial<WorkerOptions> = {}, stores?: VnfmStores): Promise<Worker> {
  // Before connecting: without a key the worker refuses to start rather than write plaintext.
  const dataConverter = codecDataConverter(config);
  const workflowCode = overrides.workflowBundle || overrides.workflowsPath
    ? {}
    : { workflowBundle: loadWorkflowBundle(config.WORKFLOW_BUNDLE_DIR) };
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const records = stores ?? await openStores(config);
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...workflowCode,
    activities: createActivities(createActivityDependencies(config, records)),
    dataConverter,
    // Bounded memory: the SDK would size the cache from the heap limit (thousands of workflows);
    // an evicted workflow is replayed from history when it next has work.
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    ...overrides,
  });
}

/**
 * Entities kept in memory by the admission worker. Each admission is two short workflow tasks of
 * one entity; one not in the cache is replayed from its short history, which costs less than
 * the memory of keeping every instance's entity (0.3 MiB each).
 */
const ADMISSION_CACHED_WORKFLOWS = 50;

/**
 * The worker of the admission queue (instanceTaskQueue): the instance entities only, no
 * activities, with workflow task slots and a workflow thread of its own, so that admitting an
 * operation (202 or 409) never waits behind the operations' tasks, however many are queued.
 */
export async function createAdmissionWorker(config: Env, overrides: Partial<WorkerOptions> = {}): Promise<Worker> {
  const dataConverter = codecDataConverter(config);
  const workflowCode = overrides.workflowBundle || overrides.workflowsPath
    ? {}
    : { workflowBundle: loadWorkflowBundle(config.WORKFLOW_BUNDLE_DIR) };
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: instanceTaskQueue(config.TEMPORAL_TASK_QUEUE),
    ...workflowCode,
    dataConverter,
    maxCachedWorkflows: ADMISSION_CACHED_WORKFLOWS,
    ...overrides,
  });
}

/**
 * A worker started without the launchers' bound (`npm run worker`, a hand-made command) gets it
 * for its workflow threads at least: set before the SDK creates them, it applies to them (the
 * main thread's heap is sized at Node's start). An explicit --max-old-space-size wins.
 */
export function boundWorkflowThreadHeap(config: Env): void {
  if ([...process.execArgv, config.NODE_OPTIONS ?? ''].some((arg) => arg.includes('--max-old-space-size'))) return;
  setFlagsFromString(workerNodeArgs(config)[0] as string);
}

async function main(): Promise<void> {
  const config = loadConfig();
  prepareDataDir(config.DATA_DIR);
  boundWorkflowThreadHeap(config);
  const workflowBundle = loadWorkflowBundle(config.WORKFLOW_BUNDLE_DIR);
  const workers = [await createWorker(config, { workflowBundle }), await createAdmissionWorker(config, { workflowBundle })];
  console.log(`worker polling task queues ${config.TEMPORAL_TASK_QUEUE} and ${instanceTaskQueue(config.TEMPORAL_TASK_QUEUE)} on ${describeTemporalConnection(config)}; records: ${describeStores(config)}`);
  await Promise.all(workers.map((worker) => worker.run()));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    const refusal = err instanceof CodecConfigError || err instanceof WorkflowBundleError || err instanceof TemporalSettingsError;
    console.error(refusal ? `worker refuses to start: ${err.message}` : err);
    process.exit(1);
  });
}
