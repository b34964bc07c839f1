// The real Temporal server of the cluster shape: its two PostgreSQL schemas set up or upgraded
// with temporal-sql-tool (idempotent: a second run only applies versions not yet there), then the
// frontend, history, matching and worker services as four processes of the one config file
// (cluster/temporal-server.yaml), and the namespace and search attributes the VNFM uses.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import pg from 'pg';
import { PROJECT_ROOT } from '../project-root.ts';
import { SEARCH_ATTRIBUTE_KEYS } from '../search-attributes.ts';
import type { TemporalConnectionOptions } from '../temporal-connection.ts';
import type { ClusterPki } from './pki.ts';
import { ManagedProcess, type LogSink } from './processes.ts';
import type { ClusterTools } from './tools.ts';

export const TEMPORAL_SERVER_CONFIG = join(PROJECT_ROOT, 'cluster', 'temporal-server.yaml');
export const TEMPORAL_DYNAMIC_CONFIG = join(PROJECT_ROOT, 'cluster', 'dynamicconfig.yaml');
export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = typeof TEMPORAL_SERVICES[number];

export interface TemporalDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  visibilityDatabase: string;
}

/** gRPC and membership ports of each service; the frontend's HTTP port. */
export interface TemporalPorts {
  frontend: { grpc: number; membership: number; http: number };
  history: { grpc: number; membership: number };
  matching: { grpc: number; membership: number };
  worker: { grpc: number; membership: number };
}

export interface TemporalClusterOptions {
  tools: ClusterTools;
  db: TemporalDatabase;
  ports: TemporalPorts;
  historyShards: number;
  pki: ClusterPki;
  log: LogSink;
}

/** Creates the schemas when missing and applies every versioned update not yet applied. */
export async function setupTemporalSchemas(tools: ClusterTools, db: TemporalDatabase): Promise<void> {
  for (const [database, folder] of [[db.database, 'temporal'], [db.visibilityDatabase, 'visibility']] as const) {
    const sqlTool = (...args: string[]) => execFileSync(tools.sqlTool, [
      '--plugin', 'postgres12', '--ep', db.host, '--port', String(db.port), '--user', db.user, '--db', database, ...args,
    ], { stdio: 'pipe', env: { ...process.env, SQL_PASSWORD: db.password } });
    if (!(await hasSchemaVersion(db, database))) sqlTool('setup-schema', '-v', '0.0');
    sqlTool('update-schema', '-d', join(tools.schemaDir, folder, 'versioned'));
  }
}

async function hasSchemaVersion(db: TemporalDatabase, database: string): Promise<boolean> {
  const client = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database });
  await client.connect();
  try {
    const rows = await client.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version'");
    return rows.rows.length > 0;
  } finally {
    await client.end();
  }
}

/** The environment cluster/temporal-server.yaml is rendered from. */
export function temporalServerEnv(options: TemporalClusterOptions): NodeJS.ProcessEnv {
  const { db, ports, pki } = options;
  return {
    TEMPORAL_LOG_LEVEL: 'warn',
    NUM_HISTORY_SHARDS: String(options.historyShards),
    POSTGRES_HOST: db.host, POSTGRES_PORT: String(db.port),
    TEMPORAL_DB: db.database, TEMPORAL_VISIBILITY_DB: db.visibilityDatabase,
    TEMPORAL_DB_USER: db.user, TEMPORAL_DB_PASSWORD: db.password,
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1', BIND_ON_IP: '127.0.0.1',
    TEMPORAL_FRONTEND_ADDRESS: `127.0.0.1:${ports.frontend.grpc}`,
    TEMPORAL_TLS_CA: pki.ca,
    TEMPORAL_FRONTEND_TLS_CERT: pki.frontend.cert, TEMPORAL_FRONTEND_TLS_KEY: pki.frontend.key,
    TEMPORAL_FRONTEND_TLS_SERVER_NAME: 'localhost',
    TEMPORAL_SYSTEM_WORKER_TLS_CERT: pki.systemWorker.cert, TEMPORAL_SYSTEM_WORKER_TLS_KEY: pki.systemWorker.key,
    TEMPORAL_DYNAMIC_CONFIG_FILE: TEMPORAL_DYNAMIC_CONFIG,
    FRONTEND_GRPC_PORT: String(ports.frontend.grpc), FRONTEND_MEMBERSHIP_PORT: String(ports.frontend.membership),
    FRONTEND_HTTP_PORT: String(ports.frontend.http),
    HISTORY_GRPC_PORT: String(ports.history.grpc), HISTORY_MEMBERSHIP_PORT: String(ports.history.membership),
    MATCHING_GRPC_PORT: String(ports.matching.grpc), MATCHING_MEMBERSHIP_PORT: String(ports.matching.membership),
    WORKER_GRPC_PORT: String(ports.worker.grpc), WORKER_MEMBERSHIP_PORT: String(ports.worker.membership),
  };
}

/** One process per service, all of the same config file. */
export function temporalServiceProcesses(options: TemporalClusterOptions): Record<TemporalService, ManagedProcess> {
  const env = temporalServerEnv(options);
  const processFor = (service: TemporalService) => new ManagedProcess({
    name: `temporal-${service}`,
    command: options.tools.temporalServer,
    args: ['--config-file', TEMPORAL_SERVER_CONFIG, '--allow-no-auth', 'start', '--service', service],
    env,
  }, options.log);
  return {
    frontend: processFor('frontend'), history: processFor('history'), matching: processFor('matching'), worker: processFor('worker'),
  };
}

/** Until the frontend answers (it has written the cluster's metadata by then). */
export async function waitForFrontend(connectionOptions: TemporalConnectionOptions, timeoutMs = 120_000): Promise<void> {
  const connection = await retry('the Temporal frontend', Date.now() + timeoutMs, () => Connection.connect({ ...connectionOptions, connectTimeout: 2_000 }));
  await connection.close();
}

/**
 * Waits for the frontend, then makes sure the namespace exists and the VNFM's search attributes
 * are registered on it (both idempotent), and that a workflow list answers (the namespace has
 * reached the frontend's cache).
 */
export async function prepareNamespace(connectionOptions: TemporalConnectionOptions, namespace: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const connection = await retry('the Temporal frontend', deadline, () => Connection.connect({ ...connectionOptions, connectTimeout: 2_000 }));
  try {
    await retry(`namespace ${namespace}`, deadline, async () => {
      try {
        await connection.workflowService.describeNamespace({ namespace });
      } catch {
        await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') })
          .catch((err: { code?: number }) => {
            if (err.code !== 6) throw err; // ALREADY_EXISTS
          });
        await connection.workflowService.describeNamespace({ namespace });
      }
    });
    await retry('search attributes', deadline, async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = SEARCH_ATTRIBUTE_KEYS.filter((key) => !customAttributes?.[key.name]);
      if (missing.length) {
        const keyword = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
        await connection.operatorService.addSearchAttributes({
          namespace, searchAttributes: Object.fromEntries(missing.map((key) => [key.name, keyword])),
        });
        throw new Error(`registered ${missing.map((key) => key.name).join(', ')}; checking again`);
      }
    });
    await retry('a workflow list', deadline, () => connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 }));
  } finally {
    await connection.close();
  }
}

async function retry<T>(what: string, deadline: number, attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} not ready in time: ${(err as Error).message}`);
      await delay(500);
    }
  }
}
