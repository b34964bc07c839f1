// The production shape on one machine, for `npm run cluster` and `npm run test:cluster`:
// PostgreSQL (its own data folder); the Temporal server as four service processes on it, behind
// mutual TLS; the Web UI; the VIM simulator and the reference EM; the codec endpoint; and two
// gateways and two workers, each with its own DATA_DIR, sharing nothing but Temporal and
// PostgreSQL. Every VNFM process gets its settings the way a deployment gives them: from its
// environment (the TEMPORAL_* connection settings, VNFM_DATABASE_URL, the payload keys and the
// API credentials), never from a folder another process wrote.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { PROJECT_ROOT } from '../project-root.ts';
import { temporalConnectionOptions, type TemporalConnectionOptions } from '../temporal-connection.ts';
import { ensureClusterPki, type ClusterPki } from './pki.ts';
import { PostgresServer, type DatabaseRole } from './postgres.ts';
import { ManagedProcess, type LogSink } from './processes.ts';
import {
  prepareNamespace, setupTemporalSchemas, TEMPORAL_SERVICES, temporalServiceProcesses, waitForFrontend,
  type TemporalPorts, type TemporalService,
} from './temporal.ts';
import { clusterTools, type ClusterTools } from './tools.ts';
import { NEVER_REACHED } from '../outbound/egress.ts';

export interface ClusterPorts {
  postgres: number;
  temporal: TemporalPorts;
  ui: number;
  codec: number;
  em: number;
  vim: number;
  gateways: [number, number];
}

export interface ClusterPlan {
  /** All state: postgresql/, tls/, secrets.json and one data folder per VNFM process. */
  dir: string;
  ports: ClusterPorts;
  historyShards: number;
  namespace: string;
  taskQueue: string;
  /** Run the Web UI server (`npm run cluster`; the tests do without). */
  ui: boolean;
  /** Extra environment of the VIM simulator (VIM_UPDATE_DELAY_MS…). */
  vimEnv?: NodeJS.ProcessEnv;
  log: LogSink;
}

/** Consecutive ports from the frontend's: the layout `npm run cluster` uses. */
export function temporalPortsFrom(frontend: number): TemporalPorts {
  return {
    frontend: { grpc: frontend, http: frontend + 10, membership: frontend - 300 },
    history: { grpc: frontend + 1, membership: frontend - 299 },
    matching: { grpc: frontend + 2, membership: frontend - 298 },
    worker: { grpc: frontend + 6, membership: frontend - 294 },
  };
}

/** Made once per cluster folder and kept in it (0600): a second run uses the same ones. */
const ClusterSecrets = z.object({
  temporalDbPassword: z.string(),
  vnfmDbPassword: z.string(),
  codecKeys: z.string(),
  codecToken: z.string(),
  apiToken: z.string(),
  tokenSecret: z.string(),
});
type ClusterSecrets = z.infer<typeof ClusterSecrets>;

function ensureSecrets(dir: string): ClusterSecrets {
  const file = join(dir, 'secrets.json');
  if (existsSync(file)) return ClusterSecrets.parse(JSON.parse(readFileSync(file, 'utf8')));
  const random = (bytes: number) => randomBytes(bytes).toString('base64url');
  const secrets: ClusterSecrets = {
    temporalDbPassword: random(18), vnfmDbPassword: random(18),
    codecKeys: `k1:${randomBytes(32).toString('base64')}`, codecToken: random(24), apiToken: random(24), tokenSecret: random(32),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export const GATEWAY_NAMES = ['gateway-a', 'gateway-b'] as const;
export const WORKER_NAMES = ['worker-a', 'worker-b'] as const;

export class Cluster {
  readonly tools: ClusterTools;
  readonly secrets: ClusterSecrets;
  readonly pki: ClusterPki;
  readonly postgres: PostgresServer;
  readonly temporal: Record<TemporalService, ManagedProcess>;
  readonly ui: ManagedProcess | undefined;
  readonly vim: ManagedProcess;
  readonly codec: ManagedProcess;
  readonly gateways: ManagedProcess[];
  readonly workers: ManagedProcess[];
  private readonly temporalRole: DatabaseRole;
  private readonly vnfmRole: DatabaseRole;

  constructor(readonly plan: ClusterPlan) {
    mkdirSync(plan.dir, { recursive: true });
    // PostgreSQL runs as its own user when we are root: it must be able to reach its folder.
    chmodSync(plan.dir, 0o755);
    this.tools = clusterTools();
    this.secrets = ensureSecrets(plan.dir);
    this.pki = ensureClusterPki(join(plan.dir, 'tls'));
    this.temporalRole = { user: 'temporal', password: this.secrets.temporalDbPassword, databases: ['temporal', 'temporal_visibility'] };
    this.vnfmRole = { user: 'vnfm', password: this.secrets.vnfmDbPassword, databases: ['vnfm'] };
    this.postgres = new PostgresServer({ dataDir: join(plan.dir, 'postgresql'), port: plan.ports.postgres, binDir: this.tools.postgresBin, log: plan.log });
    this.temporal = temporalServiceProcesses({
      tools: this.tools, ports: plan.ports.temporal, historyShards: plan.historyShards, pki: this.pki, log: plan.log,
      db: {
        host: '127.0.0.1', port: plan.ports.postgres, user: this.temporalRole.user, password: this.temporalRole.password,
        database: 'temporal', visibilityDatabase: 'temporal_visibility',
      },
    });
    this.ui = plan.ui ? this.uiProcess() : undefined;
    this.vim = this.nodeProcess('vim', 'src/vim-simulator/main.ts', {
      VIM_PORT: String(plan.ports.vim), VIM_STATE_FILE: join(this.dataDir('vim'), 'vim-state.json'), ...plan.vimEnv,
    });
    this.codec = this.nodeProcess('codec', 'src/codec/main.ts', {
      DATA_DIR: this.dataDir('codec'), VNFM_CODEC_KEYS: this.secrets.codecKeys, VNFM_CODEC_TOKEN: this.secrets.codecToken,
      VNFM_CODEC_PORT: String(plan.ports.codec), VNFM_CODEC_ALLOWED_ORIGINS: `${this.uiUrl},http://localhost:${plan.ports.ui}`,
    });
    this.gateways = GATEWAY_NAMES.map((name, index) => this.nodeProcess(name, 'src/gateway/main.ts', {
      ...this.vnfmEnv(name),
      GATEWAY_PORT: String(plan.ports.gateways[index]),
      GATEWAY_API_TOKENS: this.secrets.apiToken,
      GATEWAY_TOKEN_SECRET: this.secrets.tokenSecret,
    }));
    this.workers = WORKER_NAMES.map((name) => this.workerProcess(name));
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.plan.ports.temporal.frontend.grpc}`;
  }

  get uiUrl(): string {
    return `http://127.0.0.1:${this.plan.ports.ui}`;
  }

  get codecUrl(): string {
    return `http://127.0.0.1:${this.plan.ports.codec}`;
  }

  get vimUrl(): string {
    return `http://127.0.0.1:${this.plan.ports.vim}`;
  }

  gatewayUrl(index: number): string {
    return `http://127.0.0.1:${this.plan.ports.gateways[index]}`;
  }

  /** The VNFM's own records: what every gateway and worker is given as VNFM_DATABASE_URL. */
  get databaseUrl(): string {
    return this.postgres.url(this.vnfmRole, 'vnfm');
  }

  /** The TEMPORAL_* settings of a VNFM process: mutual TLS with the VNFM's client certificate. */
  temporalEnv(): Record<string, string> {
    return {
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: this.plan.namespace,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: this.pki.ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: this.pki.vnfm.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: this.pki.vnfm.key,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    };
  }

  /** How an in-process client (the launcher, a test, a benchmark) connects as the VNFM does. */
  temporalConnection(): TemporalConnectionOptions {
    // Read as any VNFM process reads its environment.
    return temporalConnectionOptions(loadConfig(this.temporalEnv()));
  }

  /** Everything a gateway or worker named `name` is configured with; its data folder is its own. */
  vnfmEnv(name: string): Record<string, string> {
    return {
      ...this.temporalEnv(),
      TEMPORAL_TASK_QUEUE: this.plan.taskQueue,
      DATA_DIR: this.dataDir(name),
      VNFM_DATABASE_URL: this.databaseUrl,
      VNFM_CODEC_KEYS: this.secrets.codecKeys,
      VIM_AUTH_URL: `${this.vimUrl}/identity/v3`,
      // The EM, the load balancer and the subscribers of this one-machine cluster are on loopback,
      // which a deployment's default egress policy refuses; what is never a peer stays refused.
      VNFM_EGRESS_DENY: NEVER_REACHED.join(','),
    };
  }

  dataDir(name: string): string {
    const dir = join(this.plan.dir, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** A further worker process (a third host), started by the caller. */
  workerProcess(name: string, env: NodeJS.ProcessEnv = {}): ManagedProcess {
    return this.nodeProcess(name, 'src/worker.ts', { ...this.vnfmEnv(name), ...env });
  }

  /** PostgreSQL, the schemas, the Temporal services and the namespace; then the rest. */
  async start(): Promise<void> {
    this.postgres.initialize();
    await this.postgres.start();
    await this.postgres.ensureRoles([this.temporalRole, this.vnfmRole]);
    await setupTemporalSchemas(this.tools, {
      host: '127.0.0.1', port: this.plan.ports.postgres, user: this.temporalRole.user, password: this.temporalRole.password,
      database: 'temporal', visibilityDatabase: 'temporal_visibility',
    });
    // A service that exits at start (a port taken, a bad config) fails the start at once.
    const diedAtStart = (services: readonly TemporalService[]) => {
      const died = Promise.race(services.map(async (service) => {
        const how = await this.temporal[service].exited();
        throw new Error(`temporal-${service} exited at start (${how}):\n${this.temporal[service].output()}`);
      }));
      died.catch(() => undefined);
      return died;
    };
    // The frontend first: on a new database every service would write the cluster's metadata
    // record, and the losers of that race exit ("failed to initialize current cluster metadata").
    this.temporal.frontend.start();
    await Promise.race([waitForFrontend(this.temporalConnection()), diedAtStart(['frontend'])]);
    const others = TEMPORAL_SERVICES.filter((service) => service !== 'frontend');
    for (const service of others) this.temporal[service].start();
    await Promise.race([prepareNamespace(this.temporalConnection(), this.plan.namespace), diedAtStart(TEMPORAL_SERVICES)]);
    await Promise.all([
      startAndWait(this.vim, /vim-simulator listening/),
      startAndWait(this.codec, /codec endpoint listening/),
      ...(this.ui ? [startAndWait(this.ui, /http server started|started at|⇨/i)] : []),
    ]);
    // Gateways first: they migrate the VNFM's schema before any worker needs it (either may).
    await Promise.all(this.gateways.map((gateway) => startAndWait(gateway, /gateway listening/)));
    await Promise.all(this.workers.map((worker) => startAndWait(worker, /worker polling task queue/)));
  }

  /** Everything, in reverse order of start: the VNFM's processes before the server they use. */
  async stop(): Promise<void> {
    for (const part of [...this.workers, ...this.gateways, this.codec, this.vim, ...(this.ui ? [this.ui] : [])]) await part.stop();
    for (const service of [...TEMPORAL_SERVICES].reverse()) await this.temporal[service].stop();
    await this.postgres.stop();
  }

  private nodeProcess(name: string, entry: string, env: NodeJS.ProcessEnv): ManagedProcess {
    return new ManagedProcess({
      name, command: process.execPath, args: ['--import', 'tsx', join(PROJECT_ROOT, entry)], cwd: PROJECT_ROOT, env,
    }, this.plan.log);
  }

  /** The ui-server reads <root>/config/<env>.yaml: cluster/ui-server.yaml, copied there as it is. */
  private uiProcess(): ManagedProcess {
    const root = this.dataDir('ui');
    mkdirSync(join(root, 'config'), { recursive: true });
    writeFileSync(join(root, 'config', 'docker.yaml'), readFileSync(join(PROJECT_ROOT, 'cluster', 'ui-server.yaml')));
    return new ManagedProcess({
      name: 'ui', command: this.tools.uiServer, args: ['--root', root, '--env', 'docker', 'start'],
      env: {
        TEMPORAL_ADDRESS: this.temporalAddress, TEMPORAL_UI_PORT: String(this.plan.ports.ui),
        TEMPORAL_TLS_CA: this.pki.ca, TEMPORAL_TLS_CERT: this.pki.ui.cert, TEMPORAL_TLS_KEY: this.pki.ui.key,
        TEMPORAL_TLS_SERVER_NAME: 'localhost', TEMPORAL_CODEC_ENDPOINT: this.codecUrl,
      },
    }, this.plan.log);
  }
}

async function startAndWait(part: ManagedProcess, ready: RegExp): Promise<void> {
  const up = part.waitForLine(ready, 'it was ready');
  part.start();
  await up;
}
