// A Temporal dev server of a test's own, persisted in a SQLite file, that the test can stop and
// start again on the same file (the run's shared server is in memory and stays up). Clients
// reach it through a TCP gate that holds one address for the whole test, so a restart never
// needs a port to be free a second time.
import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/search-attributes.ts';
import { DEV_SERVER_DYNAMIC_CONFIG, dynamicConfigArgs, temporalCliPath } from '../../src/temporal-cli.ts';
import { onChildProcessPort } from './ports.ts';
import { startTcpGate } from './tcp-gate.ts';
import { eventually } from './wait.ts';

export interface DevServer {
  /** host:port of the gRPC frontend as clients see it; the same across restarts. */
  readonly address: string;
  readonly dbFile: string;
  /** Starts the server (again) on the same file; resolves once it answers through the gate. */
  start(): Promise<void>;
  /** Sends the signal and resolves when the process has exited, with how long that took. */
  stop(signal?: NodeJS.Signals): Promise<{ exitMs: number; code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout and stderr of every start so far. */
  output(): string;
  running(): boolean;
  /** Stops the server and the gate. */
  close(): Promise<void>;
}

export async function startDevServer({ dbFile }: { dbFile: string }): Promise<DevServer> {
  const gate = await startTcpGate();
  let child: ChildProcess | undefined;
  let output = '';

  const spawnOn = async (port: number): Promise<void> => {
    const current = spawn(temporalCliPath(), [
      'server', 'start-dev', '--db-filename', dbFile, '--ip', '127.0.0.1', '--port', String(port), '--headless', '--log-level', 'error',
      ...SEARCH_ATTRIBUTE_KEYS.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
      // As the run's shared server: timers are not floored at one second.
      ...dynamicConfigArgs({ ...DEV_SERVER_DYNAMIC_CONFIG, 'history.timerProcessorMaxTimeShift': '"10ms"' }),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = current;
    current.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    current.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = (): boolean => current.exitCode !== null || current.signalCode !== null;
    await eventually(`the dev server on port ${port} to answer`, async () => {
      if (exited()) return true; // judged below
      return answers(`127.0.0.1:${port}`);
    });
    if (exited()) throw new Error(`the dev server exited while starting (${current.signalCode ?? current.exitCode}): ${output.slice(-2000)}`);
    gate.open({ host: '127.0.0.1', port });
  };

  const server: DevServer = {
    address: gate.address,
    dbFile,
    output: () => output,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async start() {
      if (server.running()) throw new Error('the dev server is running already');
      await onChildProcessPort(spawnOn);
    },
    async stop(signal = 'SIGTERM') {
      gate.shut();
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
    async close() {
      await server.stop('SIGKILL');
      await gate.close();
    },
  };
  await server.start();
  return server;
}

/** True once the frontend answers a namespace description (the dev server is ready then). */
async function answers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    return true;
  } finally {
    await connection.close().catch(() => undefined);
  }
}
