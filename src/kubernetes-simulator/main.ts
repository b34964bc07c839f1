// Entry point of the Kubernetes API simulator process: `npm run kubernetes-simulator`.
import { readFileSync } from 'node:fs';
import { loadKubernetesSimulatorConfig, readOptionalFile } from '../config.ts';
import { ensureSimulatorPki } from './pki.ts';
import { startKubernetesSimulator } from './server.ts';

const config = loadKubernetesSimulatorConfig();
// Its own CA and certificate unless it is given some; client certificates signed by its own CA are accepted too.
const own = config.KUBERNETES_SIMULATOR_TLS_CERT ? undefined : ensureSimulatorPki(config.KUBERNETES_SIMULATOR_PKI_DIR);
const clientCa = readOptionalFile(config.KUBERNETES_SIMULATOR_CLIENT_CA) ?? own?.ca;
const simulator = await startKubernetesSimulator({
  host: config.KUBERNETES_SIMULATOR_HOST,
  port: config.KUBERNETES_SIMULATOR_PORT,
  stateFile: config.KUBERNETES_SIMULATOR_STATE_FILE,
  tls: {
    cert: own?.cert ?? readFileSync(config.KUBERNETES_SIMULATOR_TLS_CERT ?? '', 'utf8'),
    key: own?.key ?? readFileSync(config.KUBERNETES_SIMULATOR_TLS_KEY ?? '', 'utf8'),
    ...(clientCa ? { clientCa } : {}),
  },
  tokens: config.KUBERNETES_SIMULATOR_TOKENS,
  podStartDelayMs: config.KUBERNETES_SIMULATOR_POD_START_DELAY_MS,
  podReadyDelayMs: config.KUBERNETES_SIMULATOR_POD_READY_DELAY_MS,
  adminRemote: config.KUBERNETES_SIMULATOR_ADMIN_REMOTE,
});
console.log(`kubernetes-simulator listening on ${simulator.url}`);

const shutdown = (): void => {
  simulator.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`kubernetes-simulator failed to stop cleanly: ${(err as Error).message}`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
