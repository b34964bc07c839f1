// Persistence of the simulator state in one JSON file. A write goes to a temporary file that
// is renamed over the old one, so a crash leaves either the old or the new state, never half.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeZodError } from '../http/problem.ts';
import { VimState } from './state.ts';

export class StateFile {
  /** Writes run one after another in call order, so the last one on disk is the last state. */
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** The stored state, or undefined when there is no file yet. */
  async load(): Promise<VimState | undefined> {
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
      throw new Error(`VIM state file ${this.path} is not JSON: ${(err as Error).message}`);
    }
    const parsed = VimState.safeParse(value);
    if (!parsed.success) throw new Error(`VIM state file ${this.path} is invalid: ${describeZodError(parsed.error)}`);
    return parsed.data;
  }

  /** Serialises now (later changes to `state` do not leak in) and resolves once the file is replaced. */
  save(state: VimState): Promise<void> {
    const text = `${JSON.stringify(state, null, 2)}\n`;
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
