// Replacing a file in one step: the text goes to a temporary file in the same folder, which is
// renamed over the target, so a reader (in any process) sees the old file or the new one, never
// half of one, and a crash leaves at most a stray temporary file.
import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function writeFileAtomic(file: string, text: string, mode: number): void {
  // Hidden and ending in .tmp, so a folder listing of records skips it. A random name, not the
  // pid: processes in different containers sharing a volume can have the same pid.
  const temp = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
  try {
    writeFileSync(temp, text, { mode });
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
