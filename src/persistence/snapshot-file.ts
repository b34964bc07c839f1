// A simulator's whole state in one JSON file, validated on load. A write goes to a temporary
// file that is renamed over the old one, so a crash leaves either the old or the new state,
// never half. Writes are coalesced (SaveScheduler): serialising megabytes per request made a
// simulator as busy as the system it stands in for.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { describeZodError } from '../http/problem.ts';

export class SnapshotFile<T> {
  /** Writes run one after another in call order, so the last one on disk is the last state. */
  private queue: Promise<void> = Promise.resolve();

  /** `what` names the state in errors ("VIM state" → "VIM state file … is invalid"). */
  constructor(readonly path: string, private readonly schema: z.ZodType<T>, readonly what: string) {}

  /** The stored state, or undefined when there is no file yet. */
  async load(): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new Error(`${this.what} file ${this.path} is not JSON: ${(err as Error).message}`);
    }
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) throw new Error(`${this.what} file ${this.path} is invalid: ${describeZodError(parsed.error)}`);
    return parsed.data;
  }

  /**
   * Serialises now (later changes to `state` do not leak in) and resolves once the file is replaced.
   * Compact JSON: indentation made the file a third larger for no reader.
   */
  save(state: T): Promise<void> {
    const text = `${JSON.stringify(state)}\n`;
    const write = this.queue.then(() => this.replace(text));
    this.queue = write.catch(() => undefined);
    return write;
  }

  /** Resolves when every write requested so far has finished. */
  async flush(): Promise<void> {
    await this.queue;
  }

  private async replace(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.path);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
  }
}

/**
 * Turns many changes into one write. The first change after a write schedules the next one
 * `intervalMs` later; it saves the state as it is then, with every change made meanwhile.
 * `close` writes whatever is still unsaved, so a clean stop loses nothing. A crash (SIGKILL,
 * power loss) loses at most the changes of the last interval; the restart still sees a whole,
 * earlier state.
 */
export class SnapshotSaveScheduler<T> {
  private timer?: NodeJS.Timeout;
  /** Changed since the last write began. */
  private dirty = false;
  private closed = false;

  constructor(
    private readonly file: SnapshotFile<T>,
    private readonly state: () => T,
    private readonly intervalMs: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Records that the state changed; it is written within the interval. */
  changed(): void {
    this.dirty = true;
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.write(), this.intervalMs);
  }

  /** Stops scheduling and resolves once the state is on disk; rejects if that last write fails. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    // A write under way may fail and leave the state dirty again; only then is another needed.
    await this.file.flush();
    if (this.dirty) await this.saveNow();
  }

  private write(): void {
    this.timer = undefined;
    this.saveNow().catch((err: unknown) => {
      this.log(`saving the ${this.file.what} failed, retrying: ${(err as Error).message}`);
      this.changed();
    });
  }

  private saveNow(): Promise<void> {
    this.dirty = false;
    return this.file.save(this.state());
  }
}
