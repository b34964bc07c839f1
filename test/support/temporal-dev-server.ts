// A Temporal dev server of a test's own, persisted in a SQLite file, that the test can stop and
// start again on the same file and port (the run's shared server is in memory and stays up).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/search-attributes.ts';
import { DEV_SERVER_DYNAMIC_CONFIG, dynamicConfigArgs, temporalCliPath } from '../../src/temporal-cli.ts';

export interface DevServer {
  /** host:port of the gRPC frontend; the same across restarts. */
  readonly address: string;
  readonly dbFile: string;
  /** Starts the server (again) on the same file and port; resolves once it answers. */
  start(): Promise<void>;
  /** Sends the signal and resolves when the process has exited, with how long that took. */
  stop(signal?: NodeJS.Signals): Promise<{ exitMs: number; code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout and stderr of every start so far. */
  output(): string;
  running(): boolean;
}

/** A TCP port that was free a moment ago (the kernel's choice for port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startDevServer({ dbFile, port }: { dbFile: string; port?: number }): Promise<DevServer> {
  const grpcPort = port ?? await freePort();
  const address = `127.0.0.1:${grpcPort}`;
  const args = [
    'server', 'start-dev', '--db-filename', dbFile, '--ip', '127.0.0.1', '--port', String(grpcPort), '--headless', '--log-level', 'error',
    ...SEARCH_ATTRIBUTE_KEYS.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
    // As the run's shared server: timers are not floored at one second.
    ...dynamicConfigArgs({ ...DEV_SERVER_DYNAMIC_CONFIG, 'history.timerProcessorMaxTimeShift': '"10ms"' }),
  ];
  let child: ChildProcess | undefined;
  let output = '';

  const server: DevServer = {
    address,
    dbFile,
    output: () => output,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async start() {
      if (server.running()) throw new Error('the dev server is running already');
      const current = spawn(temporalCliPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = current;
      current.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      current.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<never>((_, reject) => current.once('exit', (code, signal) => {
        reject(new Error(`the dev server exited while starting (${signal ?? code}): ${output.slice(-2000)}`));
      }));
      exited.catch(() => undefined);
      await Promise.race([answers(address, 60_000), exited]);
    },
    async stop(signal = 'SIGTERM') {
      const current = child;
      if (!current || !server.running()) return { exitMs: 0, code: current?.exitCode ?? null, signal: current?.signalCode ?? null };
      const started = Date.now();
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        current.once('exit', (code, sig) => resolve({ code, signal: sig }));
      });
      current.kill(signal);
      const result = await exited;
      return { exitMs: Date.now() - started, ...result };
    },
  };
  await server.start();
  return server;
}

/** Resolves once the frontend answers a namespace description (the dev server is ready then). */
async function answers(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new Error(`the dev server at ${address} did not answer within ${timeoutMs} ms: ${String(last)}`);
}
