// The gateway process: the SOL003 VNF LCM API on GATEWAY_HOST:GATEWAY_PORT.
import { Client, Connection } from '@temporalio/client';
import { codecDataConverter } from '../codec/data-converter.ts';
import { CodecConfigError } from '../codec/keyring.ts';
import { egressPolicyOf, gatewayApiRoot, loadConfig, readOptionalFile } from '../config.ts';
import { listen } from '../http/listen.ts';
import { NotificationClient } from '../notifications/client.ts';
import { recoverInterruptedOnboardings, SHARED_ONBOARDING_BOUND_MS } from '../packages/lifecycle.ts';
import { CsarInspector } from '../packages/csar-inspection.ts';
import { PackageDownloader } from '../packages/download.ts';
import { describeStores, openStores } from '../stores.ts';
import { temporalConnectionOptions, TemporalSettingsError } from '../temporal-connection.ts';
import { GatewayAuthenticator } from './auth.ts';
import { createGatewayApp } from './app.ts';
import { prepareDataDir } from '../persistence/data-dir.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  prepareDataDir(config.DATA_DIR);
  // Workflow inputs carry secrets: the client encrypts them before they reach the server.
  const dataConverter = codecDataConverter(config);
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
  const auth = new GatewayAuthenticator({
    apiTokens: config.GATEWAY_API_TOKENS,
    basic: config.GATEWAY_BASIC_USERS.map(([userName, password]) => ({ userName, password })),
    oauth2Clients: config.GATEWAY_OAUTH2_CLIENTS.map(([clientId, clientSecret]) => ({ clientId, clientSecret })),
    ...(config.GATEWAY_TOKEN_SECRET ? { tokenSecret: config.GATEWAY_TOKEN_SECRET } : {}),
  });
  const { inventory, packages, subscriptions, kind } = await openStores(config);
  // An onboarding cut short by a stop is undone before anything is served; with records shared
  // by several gateways, only one older than any upload can last (another may be uploading now).
  const interrupted = await recoverInterruptedOnboardings({ inventory, repository: packages },
    kind === 'postgres' ? { inProgressForMs: SHARED_ONBOARDING_BOUND_MS } : {});
  if (interrupted.length) console.log(`VNF packages whose onboarding was interrupted, back to CREATED: ${interrupted.join(', ')}`);
  const app = createGatewayApp({
    auth,
    ...(config.GATEWAY_TOKEN_SECRET ? { pageMarkerSecret: config.GATEWAY_TOKEN_SECRET } : {}),
    packages,
    // Uploads are unzipped and parsed in a worker thread, never on the API's event loop.
    csarInspector: new CsarInspector(),
    // upload_from_uri fetches with the CAs and TLS exceptions the VNFM's other outbound peers get.
    packageDownloader: new PackageDownloader({ caPem: readOptionalFile(config.EM_CA_FILE), insecureOrigins: config.TLS_INSECURE_ORIGINS, egress: egressPolicyOf(config) }),
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    inventory,
    apiRoot: gatewayApiRoot(config),
    defaultCoordinationAction: config.DEFAULT_COORDINATION_ACTION,
    log: (line) => console.log(line),
    subscriptions: { store: subscriptions, client: new NotificationClient({ insecureOrigins: config.TLS_INSECURE_ORIGINS }, { egress: egressPolicyOf(config) }) },
  });
  const url = await listen(app, config.GATEWAY_HOST, config.GATEWAY_PORT);
  console.log(`gateway listening on ${url} (SOL003 vnflcm v2, SOL005 vnfpkgm v1); records: ${describeStores(config)}`);
}

main().catch((err: unknown) => {
  const refusal = err instanceof CodecConfigError || err instanceof TemporalSettingsError;
  console.error(refusal ? `gateway refuses to start: ${err.message}` : err);
  process.exit(1);
});
