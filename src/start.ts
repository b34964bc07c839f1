// `npm start`: the whole system on one machine with embedded defaults, each part a child
// process with prefixed logs: Temporal dev server (SQLite file + Web UI), VIM simulator,
// reference EM, worker, gateway, codec endpoint. A part that exits unexpectedly is restarted
// (supervisor.ts); Ctrl-C stops them all; the next start resumes what was in flight, because
// Temporal's state and the VIM's state live in files under the data folder.
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { request } from 'undici';
import { loadKeyring } from './codec/keyring.ts';
import { defaultTokenFile, loadCodecToken } from './codec/token.ts';
import { gatewayApiRoot, loadConfig, loadStartConfig } from './config.ts';
import { credentialsEnv, embeddedCredentials } from './gateway/credentials.ts';
import { inventoryFile } from './inventory/location.ts';
import { ensureSampleInstance, SAMPLE_VNF_INSTANCE_ID } from './inventory/sample.ts';
import { onboardSamplePackagesAsCsar } from './packages/onboard-samples.ts';
import { PackageRepository, packageRepositoryDir } from './packages/repository.ts';
import { InventoryStore, type VnfPackageRecord } from './inventory/store.ts';
import { SEARCH_ATTRIBUTE_KEYS } from './search-attributes.ts';
import { DEV_SERVER_DYNAMIC_CONFIG, dynamicConfigArgs, temporalCliPath } from './temporal-cli.ts';
import { PROJECT_ROOT } from './project-root.ts';
import { prepareDataDir } from './persistence/data-dir.ts';
import { Supervisor } from './supervisor.ts';
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

async function httpUp(url: string): Promise<void> {
  const res = await request(url);
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
  const codecUrl = `http://${host}:${config.VNFM_CODEC_PORT}`;

  startPart('temporal', temporalCliPath(), [
    'server', 'start-dev', '--ip', host, '--port', String(ports.TEMPORAL_PORT), '--ui-port', String(ports.TEMPORAL_UI_PORT),
    '--db-filename', join(config.DATA_DIR, 'temporal.sqlite'), '--sqlite-pragma', 'journal_mode=wal', '--log-level', 'warn',
    '--ui-disable-news-fetch', '--ui-codec-endpoint', codecUrl, ...dynamicConfigArgs(DEV_SERVER_DYNAMIC_CONFIG),
    ...SEARCH_ATTRIBUTE_KEYS.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
  ]);
  startNodePart('vim', 'src/vim-simulator/main.ts', { VIM_PORT: String(ports.VIM_PORT), VIM_STATE_FILE: join(config.DATA_DIR, 'vim-state.json') });
  startNodePart('em', 'src/em/main.ts', { EM_PORT: String(ports.EM_PORT) });
  startNodePart('codec', 'src/codec/main.ts', {
    DATA_DIR: config.DATA_DIR, VNFM_CODEC_HOST: host, VNFM_CODEC_PORT: String(config.VNFM_CODEC_PORT),
    VNFM_CODEC_ALLOWED_ORIGINS: ports.VNFM_CODEC_ALLOWED_ORIGINS ?? `${uiUrl},http://localhost:${ports.TEMPORAL_UI_PORT}`,
  });

  await waitFor('Temporal dev server', async () => (await Connection.connect({ address: temporalAddress, connectTimeout: 1000 })).close());
  await waitFor('VIM simulator', () => httpUp(`${vimUrl}/identity/v3`));
  const inventory = new InventoryStore(inventoryFile(config));
  const packages = await onboardSamplePackagesAsCsar(inventory, new PackageRepository(packageRepositoryDir(config)));
  const instance = await ensureSampleInstance(inventory, vimUrl, packages[0] as VnfPackageRecord);

  const shared = { TEMPORAL_ADDRESS: temporalAddress, DATA_DIR: config.DATA_DIR, VIM_AUTH_URL: `${vimUrl}/identity/v3` };
  startNodePart('worker', 'src/worker.ts', { ...shared, ...scriptSandboxEnv() }, workerNodeArgs(config));
  const credentials = embeddedCredentials(config.DATA_DIR);
  startNodePart('gateway', 'src/gateway/main.ts', { ...shared, ...credentialsEnv(credentials) });
  const apiRoot = gatewayApiRoot(config);
  await waitFor('gateway', () => httpUp(`${apiRoot}/vnflcm/v2/api_versions`));
  await waitFor('reference EM', () => httpUp(`${emUrl}/lcmcoord/v1/api_versions`));
  await waitFor('codec endpoint', () => httpUp(`${codecUrl}/`));

  const tokenShell = config.VNFM_CODEC_TOKEN !== undefined ? '$VNFM_CODEC_TOKEN' : `$(cat ${defaultTokenFile(config)})`;
  const onV1 = instance.vnfdId === packages[0]?.vnfd.vnfdId;
  const paramFile = onV1 ? 'samples/sample_param_file_for_coordination.json' : 'samples/sample_param_file_back_to_v1.json';
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
    `  VIM simulator (Keystone): ${vimUrl}/identity/v3   (admin/admin)`,
    `  Data folder:              ${config.DATA_DIR}`,
    '',
    `Demo: change the sample VNF ${SAMPLE_VNF_INSTANCE_ID} to ${onV1 ? 'v2' : 'v1'} of its package:`,
    `  curl -i -X POST ${apiRoot}/vnflcm/v2/vnf_instances/${SAMPLE_VNF_INSTANCE_ID}/change_vnfpkg \\`,
    `       -H 'X-Auth-Token: ${credentials.apiToken}' -H 'Version: 2.0.0' -H 'Content-Type: application/json' -d @${paramFile}`,
    `  then: curl -s <the Location header> -H 'X-Auth-Token: ${credentials.apiToken}' -H 'Version: 2.0.0'   and watch it in the Web UI.`,
    'Ctrl-C stops everything; the next `npm start` resumes operations in flight.',
    '',
  ].join('\n'));
}

main().catch((err: unknown) => {
  console.error(`npm start failed: ${(err as Error).message}`);
  void stopAll(1);
});
