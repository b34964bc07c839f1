// CSAR checks off the event loop: a package upload is unzipped and its VNFD parsed in a worker
// thread, so a hostile archive costs that thread's time, not the API's. At most `threads`
// inspections run at once and `maxQueued` wait; beyond that an upload is refused at once
// ('busy', answered 503 with Retry-After) instead of queueing without bound.
import { Worker } from 'node:worker_threads';
import { CsarError, type Csar, type CsarFault, type CsarLimits } from './csar.ts';

export interface CsarInspectorOptions {
  /** Inspections that run at once, each in its own thread. Default 1. */
  threads?: number;
  /** Inspections that may wait for a thread. Default 4. */
  maxQueued?: number;
  /**
   * For tests: each thread waits until element 0 of this shared array is non-zero before it
   * inspects, so a test can observe the server while an inspection is in progress.
   */
  startGate?: Int32Array;
}

type Outcome =
  | { csar: Csar }
  | { refused: { fault: CsarFault; message: string; file?: string } }
  | { failed: string };

interface Job {
  archive: Uint8Array;
  limits: Partial<CsarLimits>;
  settle: (outcome: Outcome) => void;
}

/** The worker threads load the TypeScript thread module through tsx, as the processes do. */
const THREAD_MODULE = new URL('./csar-inspection-thread.ts', import.meta.url).href;
const TSX_API = import.meta.resolve('tsx/esm/api');
const THREAD_BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD_MODULE)}); });`;

export class CsarInspector {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private running = 0;
  private closed = false;
  private readonly threads: number;
  private readonly maxQueued: number;
  private readonly startGate?: Int32Array;

  constructor(options: CsarInspectorOptions = {}) {
    this.threads = options.threads ?? 1;
    this.maxQueued = options.maxQueued ?? 4;
    this.startGate = options.startGate;
  }

  /** The checked package, or a CsarError: its fault, or `busy` when too many inspections wait. */
  async inspect(archive: Uint8Array, limits: Partial<CsarLimits> = {}): Promise<Csar> {
    if (this.closed) throw new Error('the CSAR inspector is closed');
    if (this.running >= this.threads && this.queue.length >= this.maxQueued) {
      throw new CsarError('busy', `${this.running + this.queue.length} VNF packages are being checked; try again later`);
    }
    const outcome = await new Promise<Outcome>((settle) => {
      this.queue.push({ archive, limits, settle });
      this.next();
    });
    if ('csar' in outcome) return outcome.csar;
    if ('refused' in outcome) throw new CsarError(outcome.refused.fault, outcome.refused.message, outcome.refused.file);
    throw new Error(`checking the VNF package failed: ${outcome.failed}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((worker) => worker.terminate()));
  }

  private next(): void {
    if (this.running >= this.threads) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running += 1;
    const worker = this.idle.pop() ?? new Worker(THREAD_BOOTSTRAP, { eval: true });
    const onMessage = (outcome: Outcome): void => done(outcome, true);
    const onError = (err: Error): void => done({ failed: err.message }, false);
    const onExit = (code: number): void => done({ failed: `the checking thread exited (${code})` }, false);
    // Only these listeners go: a Worker keeps its own on itself (they keep its port listening).
    const done = (outcome: Outcome, reusable: boolean): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      this.running -= 1;
      if (reusable && !this.closed) this.idle.push(worker);
      else void worker.terminate();
      job.settle(outcome);
      this.next();
    };
    worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    worker.postMessage({ archive: job.archive, limits: job.limits, startGate: this.startGate });
  }
}
