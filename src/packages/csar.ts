// Reads a VNF package (an ETSI SOL004 CSAR: a ZIP archive with TOSCA-Metadata/TOSCA.meta) into
// memory and checks it before anything is stored: bounded in size and file count, no entry that
// could escape the package folder, a complete TOSCA.meta whose Entry-Definitions exists and is
// a VNFD that readVnfd accepts. Every refusal is a CsarError naming the file and the fault.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { parse as parseYaml } from 'yaml';
import { readSoftwareImages, type VnfdSoftwareImage } from '../vnfd/software-images.ts';
import { readVnfd, VnfdError, type VnfdSummary } from '../vnfd/vnfd.ts';
import { readZipEntry, ZipError, zipEntries } from './zip-reader.ts';

export const TOSCA_META_PATH = 'TOSCA-Metadata/TOSCA.meta';

export interface CsarLimits {
  /** Size of the ZIP archive itself. */
  maxArchiveBytes: number;
  /** Entries in the archive, folders included. */
  maxFiles: number;
  /** Sum of the unpacked sizes the archive declares (a bound on memory and disk, and on ZIP bombs). */
  maxContentBytes: number;
  /** TOSCA.meta is a few lines: anything larger is refused before it is parsed. */
  maxToscaMetaBytes: number;
  /** The VNFD and each file it imports, refused above this size before they are parsed. */
  maxVnfdBytes: number;
}

export const DEFAULT_CSAR_LIMITS: CsarLimits = {
  maxArchiveBytes: 100 * 1024 * 1024,
  maxFiles: 10_000,
  maxContentBytes: 512 * 1024 * 1024,
  maxToscaMetaBytes: 64 * 1024,
  maxVnfdBytes: 1024 * 1024,
};

/**
 * Why a CSAR was refused: `archive` the bytes are no readable ZIP; `too-large` a limit was
 * exceeded; `unsafe-path` an entry name could escape the package folder; `metadata`
 * TOSCA.meta is missing, malformed or points nowhere; `vnfd` the entry definitions are no VNFD;
 * `busy` too many packages are being checked now (try again later).
 */
export type CsarFault = 'archive' | 'too-large' | 'unsafe-path' | 'metadata' | 'vnfd' | 'busy';

export class CsarError extends Error {
  override readonly name = 'CsarError';
  constructor(readonly fault: CsarFault, message: string, readonly file?: string) {
    super(message);
  }
}

/** Block 0 of TOSCA.meta (TOSCA Simple Profile in YAML v1.3 §4.2, SOL004 §4.3.6). */
export interface ToscaMeta {
  toscaMetaFileVersion: string;
  csarVersion: string;
  createdBy: string;
  /** Path of the entry VNFD inside the archive, normalised. */
  entryDefinitions: string;
  /** Every key of block 0, as written. */
  keys: Record<string, string>;
}

export interface Csar {
  vnfd: VnfdSummary;
  /** Images of the VNFD; `artifactFile` made relative to the package root. */
  softwareImages: VnfdSoftwareImage[];
  meta: ToscaMeta;
  /** Every file of the archive by normalised path (folders are implied, not listed). */
  files: Map<string, Uint8Array>;
}

/** Unpacks and validates a CSAR held in memory; throws CsarError on any fault. */
export function readCsar(archive: Uint8Array, limits: Partial<CsarLimits> = {}): Csar {
  const bounds = { ...DEFAULT_CSAR_LIMITS, ...limits };
  const files = unpack(archive, bounds);
  const metaBytes = files.get(TOSCA_META_PATH);
  if (!metaBytes) {
    throw new CsarError('metadata', `the package has no ${TOSCA_META_PATH} (a CSAR without TOSCA-Metadata is not supported)`, TOSCA_META_PATH);
  }
  refuseLargerThan(bounds.maxToscaMetaBytes, metaBytes, TOSCA_META_PATH, 'metadata');
  const meta = parseToscaMeta(decodeUtf8(metaBytes, TOSCA_META_PATH));
  const vnfdBytes = files.get(meta.entryDefinitions);
  if (!vnfdBytes) {
    throw new CsarError('metadata', `${TOSCA_META_PATH}: Entry-Definitions names ${meta.entryDefinitions}, which is not in the package`, TOSCA_META_PATH);
  }
  refuseLargerThan(bounds.maxVnfdBytes, vnfdBytes, meta.entryDefinitions, 'vnfd');
  try {
    const text = decodeUtf8(vnfdBytes, meta.entryDefinitions);
    const vnfd = readVnfd(text);
    const softwareImages = readSoftwareImages(text).map((image) => ({
      ...image,
      artifactFile: image.artifactFile === undefined ? undefined : packagePath(meta.entryDefinitions, image.artifactFile),
    }));
    return { vnfd, softwareImages, meta, files };
  } catch (err) {
    if (err instanceof VnfdError) throw new CsarError('vnfd', `${meta.entryDefinitions}: ${err.message}`, meta.entryDefinitions);
    throw err;
  }
}

function refuseLargerThan(maxBytes: number, bytes: Uint8Array, file: string, fault: CsarFault): void {
  if (bytes.length > maxBytes) throw new CsarError(fault, `${file} is ${bytes.length} bytes; at most ${maxBytes} are accepted for it`, file);
}

/**
 * Parses TOSCA.meta text; `Key: value` lines, blank lines between blocks, a leading space
 * continues a value. Linear in the text: no regular expression that could backtrack.
 */
export function parseToscaMeta(text: string): ToscaMeta {
  const fail = (detail: string): never => {
    throw new CsarError('metadata', `${TOSCA_META_PATH}: ${detail}`, TOSCA_META_PATH);
  };
  const keys: Record<string, string> = {};
  let last: string | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') {
      if (Object.keys(keys).length > 0) break; // block 0 ends; later blocks describe single files
      continue;
    }
    if (line.startsWith(' ') && last !== undefined) {
      keys[last] += line.slice(1);
      continue;
    }
    const colon = line.indexOf(':');
    const key = colon < 0 ? '' : line.slice(0, colon).trimEnd();
    if (!isMetaKey(key)) fail(`line ${index + 1} is not "Key: value": ${JSON.stringify(line.slice(0, 80))}`);
    if (Object.hasOwn(keys, key)) fail(`line ${index + 1} repeats the key ${key}`);
    keys[key] = line.slice(colon + 1).trim();
    last = key;
  }
  const required = (key: string, isValid: (value: string) => boolean = () => true): string => {
    const value = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (value === undefined || value === '') fail(`the key ${key} is missing`);
    if (!isValid(value ?? '')) fail(`${key} is ${JSON.stringify(value)}; expected a version such as 1.1`);
    return value ?? '';
  };
  const toscaMetaFileVersion = required('TOSCA-Meta-File-Version', isMajorMinor);
  const csarVersion = required('CSAR-Version', isMajorMinor);
  const createdBy = required('Created-by');
  const entry = required('Entry-Definitions');
  const entryDefinitions = safePath(entry);
  if (entryDefinitions === undefined) fail(`Entry-Definitions ${JSON.stringify(entry)} is not a relative path inside the package`);
  return { toscaMetaFileVersion, csarVersion, createdBy, entryDefinitions: entryDefinitions ?? '', keys };
}

/** A key of TOSCA.meta: a letter or digit, then letters, digits, '_' or '-'. */
function isMetaKey(key: string): boolean {
  if (key === '') return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alnum && (i === 0 || (c !== 95 && c !== 45))) return false;
  }
  return true;
}

/** "1.1": digits, one dot, digits. */
function isMajorMinor(value: string): boolean {
  const [major, minor, ...rest] = value.split('.');
  const digits = (part: string | undefined) => part !== undefined && part !== '' && [...part].every((c) => c >= '0' && c <= '9');
  return rest.length === 0 && digits(major) && digits(minor);
}

/**
 * Zips a package folder into a CSAR, deterministically: sorted entries, a fixed timestamp and
 * Unix modes, so the same folder always gives the same bytes (and the same checksum).
 */
export function buildCsar(folder: string): Uint8Array {
  const entries: Zippable = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) {
        walk(path);
      } else if (stat.isFile()) {
        const inArchive = relative(folder, path).split(sep).join('/');
        entries[inArchive] = [readFileSync(path), { os: 3, attrs: (0o100000 | (stat.mode & 0o777)) << 16 }];
      }
    }
  };
  walk(folder);
  return zipSync(entries, { level: 6, mtime: FIXED_MTIME });
}

/**
 * The files of the VNFD: TOSCA.meta, the entry definitions and, transitively, every file they
 * import that the package holds (imports of standard types by bare name need not be present).
 */
export function collectVnfdFiles(meta: ToscaMeta, read: (path: string) => Uint8Array | undefined): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const metaBytes = read(TOSCA_META_PATH);
  if (metaBytes) files.set(TOSCA_META_PATH, metaBytes);
  const pending = [meta.entryDefinitions];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (files.has(path)) continue;
    const bytes = read(path);
    if (!bytes) continue;
    files.set(path, bytes);
    for (const imported of importsOf(bytes)) {
      const target = packagePath(path, imported);
      if (target !== undefined) pending.push(target);
    }
  }
  return files;
}

function importsOf(bytes: Uint8Array): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(new TextDecoder().decode(bytes));
  } catch {
    return [];
  }
  const imports = typeof doc === 'object' && doc !== null ? (doc as { imports?: unknown }).imports : undefined;
  if (!Array.isArray(imports)) return [];
  return imports.flatMap((entry: unknown) => {
    if (typeof entry === 'string') return [entry];
    const file = typeof entry === 'object' && entry !== null ? (entry as { file?: unknown }).file : undefined;
    return typeof file === 'string' ? [file] : [];
  });
}

/** A path written in a package file, relative to that file, as a path from the package root. */
function packagePath(fromFile: string, written: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(written) || written.startsWith('/')) return undefined;
  return safePath(posix.normalize(posix.join(posix.dirname(fromFile), written)));
}

const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

/**
 * Normalises a ZIP entry name or a path named in TOSCA.meta: `/`-separated, no `.` or empty
 * segments. Undefined when it is absolute, uses `\`, climbs with `..`, or holds a NUL.
 */
export function safePath(name: string): string | undefined {
  if (name.includes('\\') || name.includes('\0') || name.startsWith('/') || /^[A-Za-z]:/.test(name)) return undefined;
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0 || segments.includes('..')) return undefined;
  return segments.join('/');
}

function unpack(archive: Uint8Array, limits: CsarLimits): Map<string, Uint8Array> {
  if (archive.length > limits.maxArchiveBytes) {
    throw new CsarError('too-large', `the package is ${archive.length} bytes; at most ${limits.maxArchiveBytes} are accepted`);
  }
  const buffer = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const files = new Map<string, Uint8Array>();
  try {
    const entries = zipEntries(buffer, { maxEntries: limits.maxFiles, maxTotalBytes: limits.maxContentBytes });
    // Every name is checked before anything is inflated.
    const named = entries.map((entry) => {
      if (entry.name === '') throw new CsarError('archive', 'an entry of the archive has no name (is the archive damaged?)');
      const path = safePath(entry.name);
      if (path === undefined) {
        throw new CsarError('unsafe-path', `the entry ${JSON.stringify(entry.name)} is not a relative path inside the package (absolute, "..", "\\" or NUL)`, entry.name);
      }
      return { entry, path, isFolder: entry.name.endsWith('/') };
    });
    for (const { entry, path, isFolder } of named) {
      if (isFolder) continue;
      if (files.has(path)) throw new CsarError('archive', `the entry ${path} appears twice in the archive`, path);
      files.set(path, readZipEntry(buffer, entry));
    }
  } catch (err) {
    if (err instanceof CsarError) throw err;
    if (err instanceof ZipError) throw csarErrorOf(err);
    throw err;
  }
  for (const path of files.keys()) {
    const parents = path.split('/').slice(0, -1).map((_s, i, all) => all.slice(0, i + 1).join('/'));
    const clash = parents.find((p) => files.has(p));
    if (clash) throw new CsarError('archive', `the entry ${clash} is a file, but ${path} needs it to be a folder`, path);
  }
  return files;
}

function csarErrorOf(err: ZipError): CsarError {
  switch (err.code) {
    case 'too-many-entries':
    case 'too-large':
      return new CsarError('too-large', err.message, err.entry);
    case 'not-zip':
      return new CsarError('archive', `the package is not a readable ZIP archive: ${err.message}`, err.entry);
    default:
      return new CsarError('archive', err.message, err.entry);
  }
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CsarError(file === TOSCA_META_PATH ? 'metadata' : 'vnfd', `${file} is not UTF-8 text`, file);
  }
}
