// Keeps the parts of `npm start` running. A part that exits while nobody asked it to (a
// gateway killed by the kernel, a worker out of memory) is started again after a backoff that
// doubles with each quick failure; one that keeps failing (a crash loop: more than
// `maxRestarts` within `windowMs`) is given up on, and then everything stops, because a
// system without one of its parts is not what the operator started. Operations in flight
// survive a restart: their state is in Temporal, not in the part.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface PartSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface RestartPolicy {
  /** Delay before the first restart; each restart within the window doubles it, up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** More restarts than this within `windowMs` is a crash loop. */
  maxRestarts: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialBackoffMs: 1_000, maxBackoffMs: 30_000, maxRestarts: 5, windowMs: 120_000 };

export interface SupervisorOptions {
  policy?: RestartPolicy;
  /** One line of a part's output or of the supervisor's own account, already prefixed. */
  log: (line: string) => void;
  /** A part is in a crash loop: the supervisor has stopped every part. */
  onGiveUp: (name: string) => void;
  now?: () => number;
}

interface Supervised {
  spec: PartSpec;
  child: ChildProcess;
  /** Start times of the restarts within the window. */
  restarts: number[];
  pendingRestart?: NodeJS.Timeout;
}

/** How long a stopped part gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 10_000;

export class Supervisor {
  private readonly parts: Supervised[] = [];
  private readonly policy: RestartPolicy;
  private readonly now: () => number;
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {
    this.policy = options.policy ?? DEFAULT_RESTART_POLICY;
    this.now = options.now ?? Date.now;
  }

  start(spec: PartSpec): void {
    const part: Supervised = { spec, child: this.spawn(spec), restarts: [] };
    this.parts.push(part);
  }

  /** The process id of a part's current child (tests kill it to show it comes back). */
  pidOf(name: string): number | undefined {
    return this.parts.find((p) => p.spec.name === name)?.child.pid;
  }

  /** Stops every part, newest first (the gateway and worker before the server they talk to). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const part of this.parts) clearTimeout(part.pendingRestart);
    for (const { child } of [...this.parts].reverse()) await stopChild(child);
  }

  private spawn(spec: PartSpec): ChildProcess {
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = prefixOf(spec.name);
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.options.log(`${prefix} ${line}`));
    }
    child.on('spawn', () => this.options.log(`${prefix} started (pid ${child.pid})`));
    child.on('error', (err) => {
      this.options.log(`${prefix} could not be started: ${err.message}`);
      // No process, so no 'exit' to come: count it as one that ended at once.
      if (child.pid === undefined) this.exited(spec.name, err.message);
    });
    child.on('exit', (code, signal) => this.exited(spec.name, signal ?? `code ${code}`));
    return child;
  }

  private exited(name: string, how: string): void {
    if (this.stopping) return;
    const part = this.parts.find((p) => p.spec.name === name);
    if (!part) return;
    const prefix = prefixOf(name);
    const now = this.now();
    part.restarts = part.restarts.filter((at) => now - at < this.policy.windowMs);
    if (part.restarts.length >= this.policy.maxRestarts) {
      this.options.log(`${prefix} exited (${how}) for the ${ordinal(part.restarts.length + 1)} time within ${this.policy.windowMs / 1000} s: a crash loop; stopping everything`);
      void this.stop().then(() => this.options.onGiveUp(name));
      return;
    }
    const backoff = Math.min(this.policy.maxBackoffMs, this.policy.initialBackoffMs * 2 ** part.restarts.length);
    part.restarts.push(now);
    this.options.log(`${prefix} exited unexpectedly (${how}); restarting in ${backoff / 1000} s (restart ${part.restarts.length} of at most ${this.policy.maxRestarts} within ${this.policy.windowMs / 1000} s)`);
    part.pendingRestart = setTimeout(() => {
      if (!this.stopping) part.child = this.spawn(part.spec);
    }, backoff);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function prefixOf(name: string): string {
  return `[${name}]`.padEnd(11);
}

function ordinal(n: number): string {
  return `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
}
