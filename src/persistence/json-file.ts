// A small JSON document on disk, validated when read and replaced atomically on every write
// (atomic-write.ts), so a crash never leaves half a file. For the VNFM's own small documents
// (subscriptions); operation state lives in the workflows, not here. An unchanged file is not
// parsed again (file-cache.ts).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { describeZodError } from '../http/problem.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { ParsedFileCache } from './file-cache.ts';

/** A file on disk that does not hold what its schema says: the message names the file. */
export class JsonFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file} ${problem}`);
    this.name = 'JsonFileError';
  }
}

/** The file's text as a value of the schema, or a JsonFileError naming the file. */
export function parseJsonFile<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new JsonFileError(file, `is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new JsonFileError(file, `does not hold a valid document: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export class JsonFile<S extends z.ZodType> {
  private readonly cache = new ParsedFileCache();

  constructor(
    readonly file: string,
    private readonly schema: S,
    /** File mode of a written file: 0o600 when it holds credentials. */
    private readonly mode = 0o644,
  ) {}

  /** The document, or the schema's empty document when there is no file yet. */
  read(): z.output<S> {
    return this.cache.read(this.file, (text) => parseJsonFile(this.file, text, this.schema)) ?? this.schema.parse({});
  }

  /** Reads, applies the change, writes back atomically. */
  update(change: (document: z.output<S>) => void): void {
    const document = this.read();
    change(document);
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, JSON.stringify(document, null, 2), this.mode);
    // Parsed again on the next read, as before the cache: the schema may default or strip fields.
    this.cache.forget(this.file);
  }
}
