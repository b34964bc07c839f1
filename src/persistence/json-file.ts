// A small JSON document on disk, validated on every read and replaced atomically on every write
// (temporary file + rename), so a crash never leaves half a file. For the VNFM's own small
// stores (inventory, subscriptions); operation state lives in the workflows, not here.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';

export class JsonFile<S extends z.ZodType> {
  constructor(
    readonly file: string,
    private readonly schema: S,
    /** File mode of a written file: 0o600 when it holds credentials. */
    private readonly mode = 0o644,
  ) {}

  /** The document, or the schema's empty document when there is no file yet. */
  read(): z.output<S> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.schema.parse({});
      throw err;
    }
    return this.schema.parse(JSON.parse(text));
  }

  /** Reads, applies the change, writes back atomically. */
  update(change: (document: z.output<S>) => void): void {
    const document = this.read();
    change(document);
    mkdirSync(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(document, null, 2), { mode: this.mode });
    renameSync(temp, this.file);
  }
}
