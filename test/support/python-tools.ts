// Python command-line tools the tests drive (python-openstackclient with python-tackerclient,
// schemathesis), provisioned by `npm ci` into the git-ignored .venv (scripts/provision-test-tools.mjs).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/project-root.ts';

export function pythonTool(name: 'openstack' | 'schemathesis'): string {
  const path = join(PROJECT_ROOT, '.venv', 'bin', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm ci\` (scripts/provision-test-tools.mjs installs it from PyPI)`);
  return path;
}
