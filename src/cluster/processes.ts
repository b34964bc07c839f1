// The child processes of a cluster on one machine: started with prefixed logs, each with its own
// environment, stopped (SIGTERM, then SIGKILL after a grace period) or killed outright for fault
// tests, and restarted with the same command.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user and group (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
}

export type LogSink = (name: string, line: string) => void;

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private lines: string[] = [];
  private readonly waiters = new Set<{ pattern: RegExp; resolve: () => void; reject: (err: Error) => void; what: string }>();
  /** Called when the process ends without stop() or kill() asking for it. */
  onUnexpectedExit?: (name: string, how: string) => void;
  private stopping = false;

  constructor(readonly spec: ProcessSpec, private readonly log: LogSink) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines it printed (stdout and stderr), for failure messages. */
  output(): string {
    return this.lines.slice(-50).join('\n');
  }

  start(): this {
    if (this.running) return this;
    this.stopping = false;
    const options: SpawnOptions = {
      cwd: this.spec.cwd, env: { ...process.env, ...this.spec.env }, stdio: ['ignore', 'pipe', 'pipe'],
      ...(this.spec.uid !== undefined ? { uid: this.spec.uid, gid: this.spec.gid } : {}),
    };
    const child = spawn(this.spec.command, this.spec.args, options);
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        if (this.lines.length > 500) this.lines.splice(0, 250);
        this.log(this.spec.name, line);
        for (const waiter of this.waiters) {
          if (waiter.pattern.test(line)) {
            this.waiters.delete(waiter);
            waiter.resolve();
          }
        }
      });
    }
    child.on('exit', (code, signal) => {
      for (const waiter of this.waiters) waiter.reject(new Error(`${this.spec.name} exited (${signal ?? code}) before ${waiter.what}:\n${this.output()}`));
      this.waiters.clear();
      if (!this.stopping && child === this.child) this.onUnexpectedExit?.(this.spec.name, signal ?? `code ${code}`);
    });
    return this;
  }

  /** Resolves when a line printed from now on matches; rejects when the process exits first. */
  waitForLine(pattern: RegExp, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.add({ pattern, resolve, reject, what });
    });
  }

  /** Resolves (with how) when the process started last ends; at once if none runs. */
  exited(): Promise<string> {
    const child = this.child;
    if (!child || !this.running) return Promise.resolve('not running');
    return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
  }

  /** SIGTERM (or `signal`), and SIGKILL if it has not exited after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.stopping = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    if (!(await Promise.race([exited.then(() => true), delay(graceMs).then(() => false)]))) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  /** SIGKILL: the process dies holding whatever it held (a fault, not a stop). */
  async kill(): Promise<void> {
    await this.stop('SIGKILL', 60_000);
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }
}
