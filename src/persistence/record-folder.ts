// A folder of JSON records, one file per record named by its id (`<dir>/<id>.json`). Reading or
// replacing a record touches that one file, so the cost of an operation does not grow with the
// number of records, and processes sharing the folder never rewrite each other's records.
// Each file is replaced atomically (atomic-write.ts); an unchanged file is not parsed again
// (file-cache.ts).
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { writeFileAtomic } from './atomic-write.ts';
import { ParsedFileCache } from './file-cache.ts';
import { JsonFileError, parseJsonFile } from './json-file.ts';

/**
 * 1 to 200 letters, digits, '.', '_' or '-', not starting with '.': always a plain file name in
 * the folder (no separator, no '..', not a temporary file), whatever the id came from.
 */
const RECORD_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;
const EXTENSION = '.json';

export function isRecordId(id: string): boolean {
  return RECORD_ID.test(id);
}

export class RecordIdError extends Error {
  constructor(readonly id: string) {
    super(`refusing record id ${JSON.stringify(id)}: an id is 1 to 200 letters, digits, '.', '_' or '-' and does not start with '.'`);
    this.name = 'RecordIdError';
  }
}

export class JsonRecordFolder<T extends { id: string }> {
  private readonly cache = new ParsedFileCache();

  constructor(
    readonly dir: string,
    private readonly schema: z.ZodType<T>,
    /** File mode of a written record: 0o600 when it holds credentials. */
    private readonly mode = 0o644,
  ) {}

  /** The record, or undefined when there is none; an id that cannot name a file names no record. */
  get(id: string): T | undefined {
    if (!isRecordId(id)) return undefined;
    const file = this.fileOf(id);
    return this.cache.read(file, (text) => this.parse(id, file, text));
  }

  /** Every record, ordered by id (a folder listing has no order of its own). */
  list(): T[] {
    const ids = this.ids();
    this.cache.keepOnly(new Set(ids.map((id) => this.fileOf(id))));
    // A record another process deletes between the listing and the read is left out.
    return ids.map((id) => this.get(id)).filter((record): record is T => record !== undefined);
  }

  /** Writes the record's file; it is validated first, so what is written reads back. */
  put(record: T): void {
    if (!isRecordId(record.id)) throw new RecordIdError(record.id);
    const valid = this.schema.parse(record);
    const file = this.fileOf(valid.id);
    const text = JSON.stringify(valid, null, 2);
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(file, text, this.mode);
    this.cache.remember(file, text, valid);
  }

  /** Removes the record; no record, nothing to do. */
  delete(id: string): void {
    if (!isRecordId(id)) return;
    const file = this.fileOf(id);
    rmSync(file, { force: true });
    this.cache.forget(file);
  }

  private fileOf(id: string): string {
    return join(this.dir, `${id}${EXTENSION}`);
  }

  private ids(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((name) => name.endsWith(EXTENSION))
      .map((name) => name.slice(0, -EXTENSION.length))
      .filter(isRecordId)
      .sort();
  }

  private parse(id: string, file: string, text: string): T {
    const record = parseJsonFile(file, text, this.schema);
    if (record.id !== id) throw new JsonFileError(file, `holds the record ${JSON.stringify(record.id)}, not ${JSON.stringify(id)}`);
    return record;
  }
}
