// The production worker entry (src/worker.ts) as a real subprocess, for crash tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { NEVER_REACHED } from '../../src/outbound/egress.ts';
import { PROJECT_ROOT } from '../../src/project-root.ts';
import { TEST_CODEC_ENV, type TestSystem } from './system.ts';

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when the worker polls its task queue. */
  ready: Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export function startWorkerProcess(system: TestSystem, env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/worker.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: system.temporalAddress,
      TEMPORAL_TASK_QUEUE: system.taskQueue,
      DATA_DIR: system.dataDir,
      VIM_AUTH_URL: system.vim.authUrl,
      ...TEST_CODEC_ENV,
      // The test's EM, VIM and subscribers listen on loopback, which a deployment's policy denies.
      VNFM_EGRESS_DENY: NEVER_REACHED.join(','),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('worker polling task queue')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`worker exited before it was ready (${signal ?? code}): ${output.slice(-2000)}`)));
  });
  return {
    child,
    output: () => output,
    ready,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}
