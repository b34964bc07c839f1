// Where the content of onboarded VNF packages lives, behind one interface (PackageRepository)
// for the gateway (store, serve, remove) and the worker (find a coordinate script by package id).
// The embedded default, FilePackageRepository, keeps it on disk: <root>/<packageId>/package.zip
// (the archive as uploaded) and <root>/<packageId>/content/ (unpacked; the record's contentDir,
// where scripts are looked up). A cluster keeps the archives in PostgreSQL and each process
// unpacks them into a local cache (src/packages/postgres-repository.ts). A package is written
// into a staging folder and renamed into place in one step, so a failed or interrupted
// onboarding never leaves half a package under its id.
import { createReadStream, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { Env } from '../config.ts';
import { collectVnfdFiles, parseToscaMeta, safePath, TOSCA_META_PATH, type ToscaMeta } from './csar.ts';

export const PACKAGE_ARCHIVE = 'package.zip';
export const PACKAGE_CONTENT = 'content';
const STAGING_PREFIX = '.staging-';

export function packageRepositoryDir(config: Pick<Env, 'DATA_DIR'>): string {
  return join(config.DATA_DIR, 'packages');
}

/** A file asked of a stored package that it does not hold (or that would lead outside it). */
export class PackageFileError extends Error {
  override readonly name = 'PackageFileError';
}

/** A stored package's archive as uploaded, to send to a client. */
export interface StoredArchive {
  size: number;
  body: Readable | Uint8Array;
}

/** A coordinate script found inside a stored package, both paths resolved. */
export interface LocatedScript {
  contentDir: string;
  scriptPath: string;
}

export interface PackageRepository {
  /**
   * Stores a package (files by path inside the package, plus the archive); returns the folder
   * of its content when the store keeps one on this machine (the record's contentDir).
   */
  store(id: string, files: ReadonlyMap<string, Uint8Array>, archive: Uint8Array): Promise<string | undefined>;
  /** True when the package's content is stored. */
  has(id: string): Promise<boolean>;
  remove(id: string): Promise<void>;
  /** Removes leftovers of interrupted onboardings and every package whose id `keep` refuses; returns what went. */
  sweep(keep: (id: string) => Promise<boolean>): Promise<string[]>;
  archive(id: string): Promise<StoredArchive | undefined>;
  /** The package's TOSCA.meta and the VNFD files it names. */
  vnfdFiles(id: string): Promise<{ meta: ToscaMeta; files: Map<string, Uint8Array> }>;
  /**
   * A script named by its path inside a stored package, as a file of this machine: both the
   * package folder and the script resolved (symbolic links followed), and the script refused
   * unless it lies inside the package. Nothing here comes from outside but the id and the path.
   */
  locateScript(id: string, script: string): Promise<LocatedScript>;
  /** The package's unpacked content as a folder of this machine (a Kubernetes VNF's manifests are read from it). */
  localContent(id: string): Promise<string>;
}

/** Checks a package id before it names a folder or a row: letters, digits, '_', '.', '-'. */
export function checkPackageId(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) throw new Error(`${JSON.stringify(id)} cannot name a package folder`);
  return id;
}

/** An id from a workflow's input, for locateScript: one that cannot name a package names none stored here. */
export function storedPackageId(id: string): string {
  try {
    return checkPackageId(id);
  } catch {
    throw new PackageFileError(`VNF package ${JSON.stringify(id)} is not stored here`);
  }
}

/** locateScript on an unpacked package folder of this machine. */
export function locateScriptIn(folder: string, id: string, script: string): LocatedScript {
  const relativePath = safePath(script.replace(/^\.\//, ''));
  if (relativePath === undefined) throw new PackageFileError(`${JSON.stringify(script)} is not a path inside the VNF package`);
  let contentDir: string;
  try {
    contentDir = realpathSync(folder);
  } catch {
    throw new PackageFileError(`VNF package ${JSON.stringify(id)} is not stored here`);
  }
  let scriptPath: string;
  try {
    scriptPath = realpathSync(join(contentDir, ...relativePath.split('/')));
  } catch {
    throw new PackageFileError(`${script} does not exist in VNF package ${id}`);
  }
  if (!scriptPath.startsWith(`${contentDir}${sep}`)) throw new PackageFileError(`${script} leads outside VNF package ${id}`);
  return { contentDir, scriptPath };
}

/**
 * Writes a package's files under `content` (created). Files starting with `#!` become
 * executable (ZIP modes are not kept).
 */
export async function writePackageFiles(content: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  for (const [path, data] of files) {
    const safe = safePath(path);
    if (safe !== path) throw new Error(`refusing to store ${JSON.stringify(path)}: not a normalised relative path`);
    const file = join(content, ...path.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data, { mode: isScript(data) ? 0o755 : 0o644 });
  }
  await mkdir(content, { recursive: true });
}

/** The embedded default: package folders under `<DATA_DIR>/packages/`. */
export class FilePackageRepository implements PackageRepository {
  constructor(readonly root: string) {}

  folder(id: string): string {
    return join(this.root, checkPackageId(id));
  }

  contentDir(id: string): string {
    return join(this.folder(id), PACKAGE_CONTENT);
  }

  archivePath(id: string): string {
    return join(this.folder(id), PACKAGE_ARCHIVE);
  }

  locateScript(id: string, script: string): Promise<LocatedScript> {
    // In the executor: a refusal becomes the promise's rejection, as with the other stores.
    return new Promise((resolve) => resolve(locateScriptIn(this.contentDir(storedPackageId(id)), id, script)));
  }

  localContent(id: string): Promise<string> {
    return new Promise((resolve) => resolve(this.contentDir(storedPackageId(id))));
  }

  has(id: string): Promise<boolean> {
    return Promise.resolve(existsSync(this.archivePath(id)) && existsSync(this.contentDir(id)));
  }

  archive(id: string): Promise<StoredArchive | undefined> {
    const path = this.archivePath(id);
    if (!existsSync(path)) return Promise.resolve(undefined);
    return Promise.resolve({ size: statSync(path).size, body: createReadStream(path) });
  }

  vnfdFiles(id: string): Promise<{ meta: ToscaMeta; files: Map<string, Uint8Array> }> {
    return new Promise((resolve) => resolve(readVnfdFiles(this.contentDir(id))));
  }

  async store(id: string, files: ReadonlyMap<string, Uint8Array>, archive: Uint8Array): Promise<string> {
    const target = this.folder(id);
    await mkdir(this.root, { recursive: true });
    const staging = await mkdtemp(join(this.root, `${STAGING_PREFIX}${id}-`));
    try {
      await writePackageFiles(join(staging, PACKAGE_CONTENT), files);
      await writeFile(join(staging, PACKAGE_ARCHIVE), archive, { mode: 0o644 });
      // A folder left under the id by an interrupted onboarding is stale: the caller owns the id.
      await rm(target, { recursive: true, force: true });
      await rename(staging, target);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    return this.contentDir(id);
  }

  async remove(id: string): Promise<void> {
    await rm(this.folder(id), { recursive: true, force: true });
  }

  async sweep(keep: (id: string) => Promise<boolean>): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const removed: string[] = [];
    for (const name of names) {
      if (!name.startsWith(STAGING_PREFIX) && await keep(name)) continue;
      await rm(join(this.root, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }
}

/** The VNFD of an unpacked package folder: its TOSCA.meta and the VNFD files the package holds. */
export function readVnfdFiles(contentDir: string): { meta: ToscaMeta; files: Map<string, Uint8Array> } {
  const read = (path: string): Uint8Array | undefined => {
    const safe = safePath(path);
    if (safe === undefined) return undefined;
    try {
      return readFileSync(join(contentDir, ...safe.split('/')));
    } catch {
      return undefined;
    }
  };
  const metaBytes = read(TOSCA_META_PATH);
  if (!metaBytes) throw new Error(`${contentDir} has no ${TOSCA_META_PATH}`);
  const meta = parseToscaMeta(new TextDecoder().decode(metaBytes));
  return { meta, files: collectVnfdFiles(meta, read) };
}

function isScript(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x23 && data[1] === 0x21;
}
