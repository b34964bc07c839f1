// Parsed files kept in memory, so a file that has not changed since this process last read it
// is neither parsed nor validated again. Other processes write the same files, so every read
// still asks the file system: a stat when the file is known to be settled, else a read of its
// text, compared with the text that was parsed.
//
// Files are only ever replaced by rename (atomic-write.ts), never written in place, so the
// inode, size and timestamps of a path name one version of its content. Timestamps have a
// coarse tick, though, and a freed inode number is soon reused: a file replaced twice within
// one tick can keep its stamp. Like git's "racily clean" index entries, a stamp is therefore
// trusted only when the file was older than RACY_WINDOW_NS at the moment it was read; any later
// replacement then has a newer mtime.
import { closeSync, fstatSync, openSync, readFileSync, statSync, type BigIntStats } from 'node:fs';

/** Longer than any local file system's timestamp tick (FAT's is 2 s). */
const RACY_WINDOW_NS = 2_000_000_000n;

interface Entry {
  /** Undefined while the file is too recent for its stamp to be trusted. */
  stamp: string | undefined;
  /** The file's text, compared with what a read finds when the stamp is not trusted. */
  text: string;
  /**
   * The parsed value as compact JSON: each read returns a fresh JSON.parse of it, a private copy
   * for the caller at about half the cost of structuredClone. The values are JSON data (what a
   * zod schema gives for a JSON file), so nothing is lost.
   */
  json: string;
}

export class ParsedFileCache {
  private readonly entries = new Map<string, Entry>();

  /**
   * What `parse` gives for the file's text, or undefined when there is no file. The value is a
   * copy: callers may change it without changing what the next read returns.
   */
  read<T>(file: string, parse: (text: string) => T): T | undefined {
    const entry = this.entries.get(file);
    if (entry?.stamp !== undefined && entry.stamp === stampOf(statIfExists(file))) return JSON.parse(entry.json) as T;
    const snapshot = readSnapshot(file);
    if (!snapshot) {
      this.entries.delete(file);
      return undefined;
    }
    const json = entry?.text === snapshot.text ? entry.json : JSON.stringify(parse(snapshot.text));
    this.entries.set(file, { stamp: snapshot.settled ? stampOf(snapshot.stats) : undefined, text: snapshot.text, json });
    return JSON.parse(json) as T;
  }

  /** After this process wrote `text` for `value`: the next read compares instead of parsing again. */
  remember(file: string, text: string, value: unknown): void {
    this.entries.set(file, { stamp: undefined, text, json: JSON.stringify(value) });
  }

  forget(file: string): void {
    this.entries.delete(file);
  }

  /** Drops the entries of files not in `files` (removed by another process). */
  keepOnly(files: ReadonlySet<string>): void {
    for (const file of this.entries.keys()) if (!files.has(file)) this.entries.delete(file);
  }
}

interface Snapshot {
  text: string;
  stats: BigIntStats;
  /** The file was older than the racy window when read, so its stamp identifies this text. */
  settled: boolean;
}

/** Text and stats of the same version of the file: both are taken from one open descriptor. */
function readSnapshot(file: string): Snapshot | undefined {
  const readAtNs = BigInt(Date.now()) * 1_000_000n;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    const text = readFileSync(fd, 'utf8');
    return { text, stats, settled: stats.mtimeNs + RACY_WINDOW_NS < readAtNs };
  } finally {
    closeSync(fd);
  }
}

function statIfExists(file: string): BigIntStats | undefined {
  return statSync(file, { bigint: true, throwIfNoEntry: false });
}

function stampOf(stats: BigIntStats | undefined): string | undefined {
  return stats && [stats.dev, stats.ino, stats.size, stats.mtimeNs, stats.ctimeNs].join(':');
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}
