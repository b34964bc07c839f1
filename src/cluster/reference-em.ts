// The reference EM as a process of the cluster (`npm run cluster`; tests run theirs in-process).
import { join } from 'node:path';
import { PROJECT_ROOT } from '../project-root.ts';
import { ManagedProcess, type LogSink } from './processes.ts';

export class ReferenceEmProcess {
  readonly process: ManagedProcess;

  constructor(readonly port: number, log: LogSink) {
    this.process = new ManagedProcess({
      name: 'em', command: process.execPath, args: ['--import', 'tsx', join(PROJECT_ROOT, 'src/em/main.ts')], cwd: PROJECT_ROOT,
      env: { EM_PORT: String(port) },
    }, log);
  }

  async start(): Promise<void> {
    const up = this.process.waitForLine(/reference EM listening/, 'it was ready');
    this.process.start();
    await up;
  }
}
