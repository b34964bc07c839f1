// The cluster's PostgreSQL: its own data folder, created once with initdb, served by a postgres
// process this module starts, stops and restarts (a fault test restarts it under load). As root
// the server runs as the `postgres` user, as PostgreSQL requires. Local (socket) connections are
// trusted, for the setup done here as the superuser; every other role logs in over TCP with a
// password (the Temporal server's, the VNFM's).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { ManagedProcess, type LogSink } from './processes.ts';

export interface DatabaseRole {
  user: string;
  password: string;
  databases: string[];
}

export interface PostgresOptions {
  dataDir: string;
  port: number;
  binDir: string;
  log: LogSink;
}

export class PostgresServer {
  readonly process: ManagedProcess;
  private readonly owner: { uid: number; gid: number } | undefined;

  constructor(private readonly options: PostgresOptions) {
    this.owner = process.getuid?.() === 0 ? userIds('postgres') : undefined;
    this.process = new ManagedProcess({
      name: 'postgresql',
      command: join(options.binDir, 'postgres'),
      args: [
        '-D', options.dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1',
        '-c', `unix_socket_directories=${options.dataDir}`, '-c', 'max_connections=300', '-c', 'log_min_messages=warning',
      ],
      ...this.owner,
    }, options.log);
  }

  get port(): number {
    return this.options.port;
  }

  /** initdb once: a data folder that holds PG_VERSION is kept as it is (a second run resumes). */
  initialize(): void {
    const { dataDir } = this.options;
    if (existsSync(join(dataDir, 'PG_VERSION'))) return;
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (this.owner) chownSync(dataDir, this.owner.uid, this.owner.gid);
    execFileSync(join(this.options.binDir, 'initdb'), [
      '-D', dataDir, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256',
    ], { stdio: 'pipe', ...this.owner });
  }

  async start(): Promise<void> {
    this.process.start();
    await this.ready();
  }

  /** A fast shutdown (SIGINT: open transactions rolled back, a checkpoint written), then a new server. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.process.stop('SIGINT', 60_000);
  }

  /** Roles with their passwords and the databases they own: created when missing. */
  async ensureRoles(roles: DatabaseRole[]): Promise<void> {
    const admin = this.superuser();
    await admin.connect();
    try {
      for (const role of roles) {
        const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role.user]);
        const sql = exists.rows.length ? 'ALTER ROLE' : 'CREATE ROLE';
        await admin.query(`${sql} ${ident(role.user)} LOGIN PASSWORD ${literal(role.password)}`);
        for (const database of role.databases) {
          const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
          if (!found.rows.length) await admin.query(`CREATE DATABASE ${ident(database)} OWNER ${ident(role.user)}`);
        }
      }
    } finally {
      await admin.end();
    }
  }

  url(role: DatabaseRole, database: string): string {
    return `postgres://${encodeURIComponent(role.user)}:${encodeURIComponent(role.password)}@127.0.0.1:${this.options.port}/${encodeURIComponent(database)}`;
  }

  private superuser(): pg.Client {
    return new pg.Client({ host: this.options.dataDir, port: this.options.port, user: 'postgres', database: 'postgres' });
  }

  /** Until the server accepts a connection, or its process has ended. */
  private async ready(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!this.process.running) throw new Error(`PostgreSQL exited at start:\n${this.process.output()}`);
      const client = this.superuser();
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within 60 s: ${(err as Error).message}`);
        await delay(200);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
