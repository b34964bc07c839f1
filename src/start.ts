// `npm start`: the whole system on one machine with embedded defaults, each part a child
// process with prefixed logs: Temporal dev server (SQLite file + Web UI), VIM simulator,
// Kubernetes simulator, reference EM, worker, gateway, codec endpoint. A part that exits unexpectedly is restarted
// (supervisor.ts); Ctrl-C stops them all; the next start resumes what was in flight, because
// Temporal's state and the VIM's state live in files under the data folder.
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { loadKeyring } from './codec/keyring.ts';
import { defaultTokenFile, loadCodecToken } from './codec/token.ts';
import { EMBEDDED_KUBERNETES_TOKEN, gatewayApiRoot, loadConfig, loadLoadBalancerSimulatorConfig, loadStartConfig } from './config.ts';
import { ensureSamplePool } from './load-balancer-simulator/sample-pool.ts';
import { credentialsEnv, embeddedCredentials } from './gateway/credentials.ts';
import {
  ensureSampleCnfInstance, ensureSampleInstance, SAMPLE_CNF_INSTANCE_ID, SAMPLE_CNF_PACKAGES, SAMPLE_VNF_INSTANCE_ID, SAMPLES_DIR,
} from './inventory/sample.ts';
import { ensureSimulatorPki } from './kubernetes-simulator/pki.ts';
import { onboardSamplePackagesAsCsar } from './packages/onboard-samples.ts';
import type { VnfPackageRecord } from './inventory/store.ts';
import { openStores } from './stores.ts';
import { SEARCH_ATTRIBUTE_KEYS } from './search-attributes.ts';
import { DEV_SERVER_DYNAMIC_CONFIG, dynamicConfigArgs, temporalCliPath } from './temporal-cli.ts';
import { PROJECT_ROOT } from './project-root.ts';
import { prepareDataDir } from './persistence/data-dir.ts';
import { Supervisor } from './supervisor.ts';
import { temporalConnectionOptions } from './temporal-connection.ts';
import { workerNodeArgs } from './worker-heap.ts';

const supervisor = new Supervisor({
  log: (line) => console.log(line),
  onGiveUp: () => process.exit(1),
});
let stopping = false;

function startPart(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  // VNFM_EMBEDDED=1: the parts use (and would create) the codec key and token files in DATA_DIR.
  supervisor.start({ name, command, args, cwd: PROJECT_ROOT, env: { ...process.env, VNFM_EMBEDDED: '1', ...env } });
}

function startNodePart(name: string, entry: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): void {
  startPart(name, process.execPath, [...nodeArgs, '--import', 'tsx', join(PROJECT_ROOT, entry)], env);
}

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await supervisor.stop();
  process.exit(exitCode);
}

async function waitFor(what: string, probe: () => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await probe();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs / 1000} s: ${(err as Error).message}`);
      await delay(250);
    }
  }
}

async function httpUp(url: string, caPem?: string): Promise<void> {
  const res = await request(url, caPem ? { dispatcher: new Agent({ connect: { ca: caPem } }) } : {});
  await res.body.dump();
}

/**
 * Scripts run as another user only when the worker can switch to it (root). A developer's own
 * `npm start` runs them as the developer, which it says; a deployment runs the worker as root
 * with the sandbox on, or sets VNFM_SCRIPT_SANDBOX itself.
 */
function scriptSandboxEnv(): NodeJS.ProcessEnv {
  if (process.env.VNFM_SCRIPT_SANDBOX || process.getuid?.() === 0) return {};
  console.log('coordinate scripts run as your own user: npm start is not root, so it cannot switch them to VNFM_SCRIPT_USER (VNFM_SCRIPT_SANDBOX=off)');
  return { VNFM_SCRIPT_SANDBOX: 'off' };
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  const config = loadConfig({ ...process.env, VNFM_EMBEDDED: '1' });
  const ports = loadStartConfig();
  prepareDataDir(config.DATA_DIR);
  // Before any part starts: the payload key (DATA_DIR/codec-keys.json unless VNFM_CODEC_KEYS) and
  // the codec endpoint's token exist, so worker, gateway and codec endpoint read the same ones.
  const keyring = loadKeyring(config);
  loadCodecToken(config);
  const host = '127.0.0.1';
  const temporalAddress = `${host}:${ports.TEMPORAL_PORT}`;
  const vimUrl = `http://${host}:${ports.VIM_PORT}`;
  const emUrl = `http://${host}:${ports.EM_PORT}`;
  const uiUrl = `http://${host}:${ports.TEMPORAL_UI_PORT}`;
  const lbUrl = `http://${host}:${ports.LB_PORT}`;
  const lbAdminUrl = `http://${host}:${ports.LB_ADMIN_PORT}`;
  const lbConfig = loadLoadBalancerSimulatorConfig();
  const codecUrl = `http://${host}:${config.VNFM_CODEC_PORT}`;
  const kubernetesUrl = `https://${host}:${ports.KUBERNETES_SIMULATOR_PORT}`;
  // The simulator's CA and certificate exist before any part starts: the worker trusts that CA.
  const kubernetesDir = join(config.DATA_DIR, 'kubernetes-simulator');
  const kubernetesPki = ensureSimulatorPki(kubernetesDir);

  startPart('temporal', temporalCliPath(), [
    'server', 'start-dev', '--ip', host, '--port', String(ports.TEMPORAL_PORT), '--ui-port', String(ports.TEMPORAL_UI_PORT),
    '--db-filename', join(config.DATA_DIR, 'temporal.sqlite'), '--sqlite-pragma', 'journal_mode=wal', '--log-level', 'warn',
    '--ui-disable-news-fetch', '--ui-codec-endpoint', codecUrl, ...dynamicConfigArgs(DEV_SERVER_DYNAMIC_CONFIG),
    ...SEARCH_ATTRIBUTE_KEYS.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
  ]);
  startNodePart('vim', 'src/vim-simulator/main.ts', {
    VIM_PORT: String(ports.VIM_PORT), VIM_GUEST_PORT: String(ports.VIM_GUEST_PORT), VIM_STATE_FILE: join(config.DATA_DIR, 'vim-state.json'),
  });
  startNodePart('lb', 'src/load-balancer-simulator/main.ts', {
    LB_PORT: String(ports.LB_PORT), LB_ADMIN_PORT: String(ports.LB_ADMIN_PORT), LB_MEMBER_PORT: String(ports.VIM_GUEST_PORT),
    LB_STATE_FILE: join(config.DATA_DIR, 'lb-state.json'),
  });
  startNodePart('k8s', 'src/kubernetes-simulator/main.ts', {
    KUBERNETES_SIMULATOR_PORT: String(ports.KUBERNETES_SIMULATOR_PORT), KUBERNETES_SIMULATOR_PKI_DIR: kubernetesDir,
    KUBERNETES_SIMULATOR_STATE_FILE: join(kubernetesDir, 'state.json'),
  });
  startNodePart('em', 'src/em/main.ts', { EM_PORT: String(ports.EM_PORT) });
  startNodePart('codec', 'src/codec/main.ts', {
    DATA_DIR: config.DATA_DIR, VNFM_CODEC_HOST: host, VNFM_CODEC_PORT: String(config.VNFM_CODEC_PORT),
    VNFM_CODEC_ALLOWED_ORIGINS: ports.VNFM_CODEC_ALLOWED_ORIGINS ?? `${uiUrl},http://localhost:${ports.TEMPORAL_UI_PORT}`,
  });

  // With the TEMPORAL_* connection settings the parts use (the dev server itself is plaintext).
  const temporal = temporalConnectionOptions({ ...config, TEMPORAL_ADDRESS: temporalAddress });
  await waitFor('Temporal dev server', async () => (await Connection.connect({ ...temporal, connectTimeout: 1000 })).close());
  await waitFor('VIM simulator', () => httpUp(`${vimUrl}/identity/v3`));
  const stores = await openStores(config);
  const { inventory } = stores;
  const packages = await onboardSamplePackagesAsCsar(inventory, stores.packages);
  const cnfPackages = await onboardSamplePackagesAsCsar(inventory, stores.packages, SAMPLES_DIR, SAMPLE_CNF_PACKAGES);
  const instance = await ensureSampleInstance(inventory, vimUrl, packages[0] as VnfPackageRecord);
  const lbAdmin = { adminUrl: lbAdminUrl, username: lbConfig.LB_USERNAME, password: lbConfig.LB_PASSWORD };
  await waitFor('load balancer simulator', () => ensureSamplePool(lbAdmin, vimUrl, instance));

  const shared = {
    TEMPORAL_ADDRESS: temporalAddress, DATA_DIR: config.DATA_DIR, VIM_AUTH_URL: `${vimUrl}/identity/v3`, KUBERNETES_CA_FILE: kubernetesPki.caFile,
  };
  startNodePart('worker', 'src/worker.ts', { ...shared, ...scriptSandboxEnv() }, workerNodeArgs(config));
  const credentials = embeddedCredentials(config.DATA_DIR);
  startNodePart('gateway', 'src/gateway/main.ts', { ...shared, ...credentialsEnv(credentials) });
  const apiRoot = gatewayApiRoot(config);
  await waitFor('gateway', () => httpUp(`${apiRoot}/vnflcm/v2/api_versions`));
  await waitFor('reference EM', () => httpUp(`${emUrl}/lcmcoord/v1/api_versions`));
  await waitFor('codec endpoint', () => httpUp(`${codecUrl}/`));
  await waitFor('Kubernetes simulator', () => httpUp(`${kubernetesUrl}/readyz`, kubernetesPki.ca));
  const cnf = await ensureSampleCnfInstance(inventory, cnfPackages[0] as VnfPackageRecord, { apiRoot, apiToken: credentials.apiToken }, kubernetesUrl)
    .catch((err: unknown) => console.error(`the sample CNF could not be instantiated: ${(err as Error).message}`));
  const kubeconfig = writeKubeconfig(kubernetesDir, kubernetesUrl, kubernetesPki.caFile);
  const cnfOnV1 = cnf?.vnfdId === cnfPackages[0]?.vnfd.vnfdId;

  const tokenShell = config.VNFM_CODEC_TOKEN !== undefined ? '$VNFM_CODEC_TOKEN' : `$(cat ${defaultTokenFile(config)})`;
  const onV1 = instance.vnfdId === packages[0]?.vnfd.vnfdId;
  const paramFile = onV1 ? 'samples/sample_param_file_for_coordination.json' : 'samples/sample_param_file_back_to_v1.json';
  const blueGreenFile = onV1 ? 'samples/sample_param_file_blue_green.json' : 'samples/sample_param_file_blue_green_back_to_v1.json';
  console.log([
    '',
    'durable-vnfm is up.',
    `  VNF LCM API (SOL003 v2):  ${apiRoot}/vnflcm/v2   (send the header Version: 2.0.0)`,
    `    credentials:            X-Auth-Token: ${credentials.apiToken}   or Basic ${credentials.basic.userName}:${credentials.basic.password}`,
    `                            or OAuth2 client ${credentials.oauth2Client.clientId}:${credentials.oauth2Client.clientSecret} at ${apiRoot}/oauth2/token`,
    `  Temporal Web UI:          ${uiUrl}/namespaces/default/workflows`,
    `  Codec endpoint (UI):      ${codecUrl}   (payloads are AES-256-GCM encrypted with key ${keyring.current.id})`,
    `    decoded inputs in the Web UI: open ${codecUrl}/ and sign in with the codec token (${tokenShell}), then in`,
    `    the Web UI: "Codec Server" (top bar) → "Use my browser setting", endpoint ${codecUrl},`,
    `    turn on "Include cross-origin credentials", Apply. Use ${host} for both (not localhost).`,
    `    CLI: temporal workflow show -w <id> --codec-endpoint ${codecUrl} --codec-auth "Bearer ${tokenShell}"`,
    `  Reference EM (lcmcoord):  ${emUrl}   (BASIC tacker/tacker)`,
    `  VIM simulator (Keystone): ${vimUrl}/identity/v3   (admin/admin); each server answers on its own address, port ${ports.VIM_GUEST_PORT}`,
    `  Load balancer simulator:  traffic ${lbUrl}, management ${lbAdminUrl}/v1/pool and /v1/stats (Basic ${lbConfig.LB_USERNAME}/${lbConfig.LB_PASSWORD})`,
    `  Kubernetes simulator:     ${kubernetesUrl}   (bearer token ${EMBEDDED_KUBERNETES_TOKEN}, CA ${kubernetesPki.caFile})`,
    `    kubectl:                kubectl --kubeconfig ${kubeconfig} get pods -n sample-cnf -o wide`,
    `  Data folder:              ${config.DATA_DIR}`,
    '',
    `Demo: change the sample VNF ${SAMPLE_VNF_INSTANCE_ID} to ${onV1 ? 'v2' : 'v1'} of its package:`,
    `  curl -i -X POST ${apiRoot}/vnflcm/v2/vnf_instances/${SAMPLE_VNF_INSTANCE_ID}/change_vnfpkg \\`,
    `       -H 'X-Auth-Token: ${credentials.apiToken}' -H 'Version: 2.0.0' -H 'Content-Type: application/json' -d @${paramFile}`,
    `  then: curl -s <the Location header> -H 'X-Auth-Token: ${credentials.apiToken}' -H 'Version: 2.0.0'   and watch it in the Web UI.`,
    `  Blue-Green instead (traffic through ${lbUrl} moves to new VNFCs in one switch): the same curl with -d @${blueGreenFile}`,
    ...(cnf ? [
      `Demo: change the sample CNF ${SAMPLE_CNF_INSTANCE_ID} (Kubernetes) to ${cnfOnV1 ? 'v2' : 'v1'}, pod by pod with the EM:`,
      `  curl -i -X POST ${apiRoot}/vnflcm/v2/vnf_instances/${SAMPLE_CNF_INSTANCE_ID}/change_vnfpkg \\`,
      `       -H 'X-Auth-Token: ${credentials.apiToken}' -H 'Version: 2.0.0' -H 'Content-Type: application/json' -d @samples/${cnfOnV1 ? 'sample_param_file_cnf_change.json' : 'sample_param_file_cnf_back_to_v1.json'}`,
      `  and watch the pods change one by one: kubectl --kubeconfig ${kubeconfig} get pods -n sample-cnf -o wide -w`,
    ] : []),
    'Ctrl-C stops everything; the next `npm start` resumes operations in flight.',
    '',
  ].join('\n'));
}

/** A kubeconfig for the simulator (its CA, the embedded token), for kubectl. */
function writeKubeconfig(dir: string, server: string, caFile: string): string {
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: simulator', '  cluster:', `    server: ${server}`, `    certificate-authority: ${caFile}`,
    'users:', '- name: vnfm', '  user:', `    token: ${EMBEDDED_KUBERNETES_TOKEN}`,
    'contexts:', '- name: simulator', '  context: {cluster: simulator, user: vnfm}', 'current-context: simulator', '',
  ].join('\n'), { mode: 0o600 });
  return file;
}

main().catch((err: unknown) => {
  console.error(`npm start failed: ${(err as Error).message}`);
  void stopAll(1);
});
