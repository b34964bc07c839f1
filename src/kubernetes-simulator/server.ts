// The Kubernetes API simulator: an HTTPS API server (bearer tokens, client certificates) over a
// simulated cluster of one node, its state persisted like the VIM simulator's. Runs as its own
// process (main.ts) or in-process for tests.
import type { FastifyRequest } from 'fastify';
import { createApp, inScope } from '../http/app.ts';
import { listen } from '../http/listen.ts';
import { SnapshotFile, SnapshotSaveScheduler } from '../persistence/snapshot-file.ts';
import { adminRoutes } from './admin.ts';
import { kubernetesApiRoutes, publicRoutes } from './api.ts';
import { authenticator } from './auth.ts';
import { Cluster, ClusterSnapshot } from './cluster.ts';

export interface KubernetesSimulatorOptions {
  /** JSON file holding the cluster's objects; created when missing. */
  stateFile: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 9892; 0 picks a free port. */
  port?: number;
  /** The server's certificate and key (PEM); `clientCa` makes it ask for client certificates. */
  tls: { cert: string; key: string; clientCa?: string };
  /** Bearer tokens the API accepts. */
  tokens: readonly string[];
  /** How long a new pod's containers take to start, then to turn ready (defaults 500 ms, 1000 ms). */
  podStartDelayMs?: number;
  podReadyDelayMs?: number;
  /** How long a change may wait to be written to the state file. Default 1000 ms. */
  saveIntervalMs?: number;
  /** Let non-loopback clients use the admin API. Default false. */
  adminRemote?: boolean;
  /** One line per request; default stdout. */
  log?: (line: string) => void;
}

export interface KubernetesSimulator {
  /** https://host:port, the `endpoint` of a vimConnectionInfo. */
  url: string;
  cluster: Cluster;
  close(): Promise<void>;
}

export async function startKubernetesSimulator(options: KubernetesSimulatorOptions): Promise<KubernetesSimulator> {
  const log = options.log ?? ((line: string) => console.log(line));
  const file = new SnapshotFile(options.stateFile, ClusterSnapshot, 'Kubernetes simulator state');
  const cluster = new Cluster(await file.load(), { podStartDelayMs: options.podStartDelayMs ?? 500, podReadyDelayMs: options.podReadyDelayMs ?? 1000 });
  const saves = new SnapshotSaveScheduler(file, () => cluster.snapshot(), options.saveIntervalMs ?? 1000, log);
  const unsubscribe = cluster.store.subscribe(() => saves.changed());
  // Pods that were due to start or turn ready while the simulator was down did so on time.
  cluster.reconcile();
  await file.save(cluster.snapshot());

  const { clientCa } = options.tls;
  const app = createApp({
    log,
    // Watches stay open for as long as the client asks (timeoutSeconds); no idle cut-off.
    connectionTimeout: 0,
    https: { cert: options.tls.cert, key: options.tls.key, ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: false } : {}) },
  });
  // The path only: query strings are not logged, and headers (tokens) never are.
  app.addHook('onResponse', (request, reply, done) => {
    log(`${request.method} ${request.url.split('?')[0] ?? '/'} ${reply.statusCode}`);
    done();
  });
  let address = '';
  const serverAddress = (request: FastifyRequest): string => request.headers.host ?? address;
  inScope(app, publicRoutes);
  inScope(app, (api) => kubernetesApiRoutes(api, { cluster, serverAddress, authenticate: authenticator({ tokens: options.tokens }) }));
  inScope(app, (admin) => adminRoutes(admin, { cluster, changed: () => saves.changed(), adminRemote: options.adminRemote ?? false }));
  const url = await listen(app, options.host ?? '127.0.0.1', options.port ?? 9892);
  address = new URL(url).host;

  return {
    url,
    cluster,
    close: async () => {
      cluster.stop();
      unsubscribe();
      await app.close();
      await saves.close();
    },
  };
}
