// The data folder holds the payload keys, the gateway's credentials, the subscribers'
// credentials and the Temporal database of `npm start`: only the VNFM's own user may enter it,
// and every file a VNFM process (or a Temporal dev server it starts) creates is private.
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function prepareDataDir(dir: string): void {
  // Files and folders created from now on, by this process and its children: 0600 and 0700.
  process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // What an earlier version left open (a 0755 folder, a 0644 database) is closed too.
  closeToOthers(dir);
}

/** Takes every permission of group and others from `path` and everything under it (links are not followed). */
function closeToOthers(path: string): void {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if (stat.mode & 0o077) chmodSync(path, stat.mode & 0o700);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) closeToOthers(join(path, entry));
  } catch (err) {
    // Another process of the VNFM renamed or removed it meanwhile (an atomic write, a WAL file).
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
