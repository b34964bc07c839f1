// The package content of a cluster: each package's archive, as uploaded, in PostgreSQL with its
// SHA-256; every process (gateway or worker, on any host) unpacks the packages it needs into a
// cache folder of its own DATA_DIR, named by package id and hash. An archive is unpacked only
// after its bytes hash to what was recorded when it was stored, and a cached folder is only
// ever created whole (staging folder renamed into place), so what a coordinate script runs from
// is exactly what was onboarded, and no host depends on a folder another host wrote.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../persistence/postgres.ts';
import type { ToscaMeta } from './csar.ts';
import { readCsar } from './csar.ts';
import {
  checkPackageId, locateScriptIn, storedPackageId, PACKAGE_CONTENT, PackageFileError, readVnfdFiles, writePackageFiles,
  type LocatedScript, type PackageRepository, type StoredArchive,
} from './repository.ts';

const STAGING_PREFIX = '.staging-';

/** The bytes read from the store are not the bytes stored: nothing of them is used. */
export class PackageIntegrityError extends Error {
  override readonly name = 'PackageIntegrityError';
}

export class PostgresPackageRepository implements PackageRepository {
  constructor(private readonly db: Database, readonly cacheDir: string) {}

  async store(id: string, files: ReadonlyMap<string, Uint8Array>, archive: Uint8Array): Promise<undefined> {
    checkPackageId(id);
    const sha256 = hashOf(archive);
    await this.db.query(
      `INSERT INTO vnf_package_contents (package_id, sha256, size, archive) VALUES ($1, $2, $3, $4)
       ON CONFLICT (package_id) DO UPDATE SET sha256 = EXCLUDED.sha256, size = EXCLUDED.size, archive = EXCLUDED.archive, stored_at = now()`,
      [id, sha256, archive.length, Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength)],
    );
    // This process has the files in hand already: its own cache needs no second unpacking.
    await this.fillCache(id, sha256, files);
    return undefined;
  }

  async has(id: string): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM vnf_package_contents WHERE package_id = $1', [id]);
    return rows.rows.length > 0;
  }

  async remove(id: string): Promise<void> {
    checkPackageId(id);
    await this.db.query('DELETE FROM vnf_package_contents WHERE package_id = $1', [id]);
    await this.dropCached(id);
  }

  async sweep(keep: (id: string) => Promise<boolean>): Promise<string[]> {
    const rows = await this.db.query<{ package_id: string }>('SELECT package_id FROM vnf_package_contents ORDER BY package_id');
    const removed: string[] = [];
    for (const { package_id: id } of rows.rows) {
      if (await keep(id)) continue;
      await this.remove(id);
      removed.push(id);
    }
    for (const name of await this.cacheEntries()) {
      if (name.startsWith(STAGING_PREFIX)) await rm(join(this.cacheDir, name), { recursive: true, force: true });
    }
    return removed;
  }

  async archive(id: string): Promise<StoredArchive | undefined> {
    const archive = await this.verifiedArchive(id);
    return archive && { size: archive.length, body: archive };
  }

  async vnfdFiles(id: string): Promise<{ meta: ToscaMeta; files: Map<string, Uint8Array> }> {
    return readVnfdFiles(await this.cachedContent(id));
  }

  async locateScript(id: string, script: string): Promise<LocatedScript> {
    return locateScriptIn(await this.cachedContent(id), id, script);
  }

  localContent(id: string): Promise<string> {
    return this.cachedContent(id);
  }

  /** The unpacked content in this process's cache, fetched and verified first when it is not there. */
  async cachedContent(id: string): Promise<string> {
    storedPackageId(id);
    const rows = await this.db.query<{ sha256: string }>('SELECT sha256 FROM vnf_package_contents WHERE package_id = $1', [id]);
    const sha256 = rows.rows[0]?.sha256;
    if (sha256 === undefined) throw new PackageFileError(`VNF package ${JSON.stringify(id)} is not stored here`);
    const content = join(this.entryDir(id, sha256), PACKAGE_CONTENT);
    if (existsSync(content)) return content;
    const archive = await this.verifiedArchive(id);
    if (!archive) throw new PackageFileError(`VNF package ${JSON.stringify(id)} is not stored here`);
    // Stored after a successful onboarding: the CSAR reads as it did then, within the same limits.
    await this.fillCache(id, hashOf(archive), readCsar(archive).files);
    return join(this.entryDir(id, hashOf(archive)), PACKAGE_CONTENT);
  }

  private async verifiedArchive(id: string): Promise<Uint8Array | undefined> {
    const rows = await this.db.query<{ sha256: string; archive: Buffer }>('SELECT sha256, archive FROM vnf_package_contents WHERE package_id = $1', [id]);
    const row = rows.rows[0];
    if (!row) return undefined;
    const archive = new Uint8Array(row.archive.buffer, row.archive.byteOffset, row.archive.byteLength);
    if (hashOf(archive) !== row.sha256) throw new PackageIntegrityError(`the stored content of VNF package ${id} does not hash to its recorded SHA-256 ${row.sha256}`);
    return archive;
  }

  private entryDir(id: string, sha256: string): string {
    return join(this.cacheDir, `${checkPackageId(id)}-${sha256}`);
  }

  private async fillCache(id: string, sha256: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
    const target = this.entryDir(id, sha256);
    if (existsSync(target)) return;
    await mkdir(this.cacheDir, { recursive: true });
    const staging = await mkdtemp(join(this.cacheDir, `${STAGING_PREFIX}${id}-`));
    try {
      await writePackageFiles(join(staging, PACKAGE_CONTENT), files);
      await rename(staging, target);
    } catch (err) {
      // Another activity of this process cached the same content first: theirs is as good.
      if (!existsSync(target)) throw err;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  private async dropCached(id: string): Promise<void> {
    for (const name of await this.cacheEntries()) {
      if (name.startsWith(`${id}-`)) await rm(join(this.cacheDir, name), { recursive: true, force: true });
    }
  }

  private async cacheEntries(): Promise<string[]> {
    try {
      return await readdir(this.cacheDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}

function hashOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
