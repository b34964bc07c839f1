// The data folder holds the payload keys, the gateway's credentials, the subscribers'
// credentials and the Temporal database of `npm start`: only the VNFM's own user may enter it,
// and every file a VNFM process (or a Temporal dev server it starts) creates is private.
import { chmodSync, mkdirSync } from 'node:fs';

export function prepareDataDir(dir: string): void {
  // Files and folders created from now on, by this process and its children: 0600 and 0700.
  process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A folder made by an earlier version (0755) is closed too.
  chmodSync(dir, 0o700);
}
