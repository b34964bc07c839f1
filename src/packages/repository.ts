// Where onboarded VNF packages live on disk: <root>/<packageId>/package.zip (the archive as
// uploaded) and <root>/<packageId>/content/ (unpacked; the record's contentDir, where scripts
// are looked up). A package is written into a staging folder and renamed into place in one
// step, so a failed or interrupted onboarding never leaves half a package under its id.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
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

export class PackageRepository {
  constructor(readonly root: string) {}

  folder(id: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) throw new Error(`${JSON.stringify(id)} cannot name a package folder`);
    return join(this.root, id);
  }

  contentDir(id: string): string {
    return join(this.folder(id), PACKAGE_CONTENT);
  }

  archivePath(id: string): string {
    return join(this.folder(id), PACKAGE_ARCHIVE);
  }

  /**
   * A script named by its path inside a stored package, as the package's own file: both the
   * package folder and the script resolved (symbolic links followed), and the script refused
   * unless it lies inside the package. Nothing here comes from outside but the id and the path.
   */
  locateScript(id: string, script: string): { contentDir: string; scriptPath: string } {
    const { contentDir, path } = this.locateFile(id, script);
    return { contentDir, scriptPath: path };
  }

  /** A file of a stored package by its path inside the package, resolved and refused unless it lies inside it. */
  locateFile(id: string, script: string): { contentDir: string; path: string } {
    const relativePath = safePath(script.replace(/^\.\//, ''));
    if (relativePath === undefined) throw new PackageFileError(`${JSON.stringify(script)} is not a path inside the VNF package`);
    let contentDir: string;
    try {
      contentDir = realpathSync(this.contentDir(id));
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
    return { contentDir, path: scriptPath };
  }

  /** True when the package's archive and content are stored. */
  has(id: string): boolean {
    return existsSync(this.archivePath(id)) && existsSync(this.contentDir(id));
  }

  /**
   * Stores a package (files by path inside the package, plus the archive) and returns its
   * content folder. Files starting with `#!` become executable (ZIP modes are not kept).
   */
  async store(id: string, files: ReadonlyMap<string, Uint8Array>, archive: Uint8Array): Promise<string> {
    const target = this.folder(id);
    await mkdir(this.root, { recursive: true });
    const staging = await mkdtemp(join(this.root, `${STAGING_PREFIX}${id}-`));
    try {
      const content = join(staging, PACKAGE_CONTENT);
      for (const [path, data] of files) {
        const safe = safePath(path);
        if (safe !== path) throw new Error(`refusing to store ${JSON.stringify(path)}: not a normalised relative path`);
        const file = join(content, ...path.split('/'));
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, data, { mode: isScript(data) ? 0o755 : 0o644 });
      }
      await mkdir(content, { recursive: true });
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

  /** Removes staging folders and every package folder whose id `keep` refuses; returns what went. */
  async sweep(keep: (id: string) => boolean): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const removed: string[] = [];
    for (const name of names) {
      if (!name.startsWith(STAGING_PREFIX) && keep(name)) continue;
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
