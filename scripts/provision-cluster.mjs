#!/usr/bin/env node
// Provisions what `npm run cluster` and `npm run test:cluster` need beyond `npm ci`, pinned and
// idempotent, from the package registries only:
// - the real Temporal server (go.temporal.io/server/cmd/server) and temporal-sql-tool
//   (cmd/tools/sql), built with `go install` from the Go module proxy with the pinned toolchain,
//   plus the PostgreSQL schema that ships in that module, into .temporal/cluster-<version>/;
// - the Temporal Web UI server (github.com/temporalio/ui-server, the UI the CLI embeds), the same way;
// - PostgreSQL from Debian (`apt-get install postgresql`) when no initdb/postgres is found.
// TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH, TEMPORAL_UI_SERVER_PATH and
// TEMPORAL_SCHEMA_DIR override a part (nothing is built for it). Ends with one line saying
// what it could not do, and exits non-zero then.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPORAL_SERVER_VERSION = 'v1.32.2';
export const TEMPORAL_UI_SERVER_VERSION = 'v2.54.1';
/** The module needs Go >= 1.26.10; this is the toolchain the Go module proxy serves. */
export const GO_TOOLCHAIN = 'go1.27.3';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const home = join(projectRoot, '.temporal', `cluster-${TEMPORAL_SERVER_VERSION}`);
const bin = join(home, 'bin');
const problems = [];
const started = Date.now();

function log(line) {
  console.log(`cluster tools: ${line}`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const last = `${result.stderr ?? ''}${result.error?.message ?? ''}`.trim().split('\n').pop();
  return { ok: result.status === 0, stdout: result.stdout ?? '', last };
}

function goEnv() {
  return { ...process.env, GOTOOLCHAIN: GO_TOOLCHAIN };
}

/** go install of packages of one module version into `target` under the names given. */
function goInstall(what, packages, renames) {
  if (Object.values(renames).every((name) => existsSync(join(bin, name)))) {
    log(`${what}: ${Object.values(renames).map((name) => join(bin, name)).join(', ')}`);
    return true;
  }
  if (!run('go', ['version']).ok) {
    problems.push(`${what}: no Go toolchain (go) to build it from the Go module proxy`);
    return false;
  }
  const gobin = join(home, '.gobin');
  rmSync(gobin, { recursive: true, force: true });
  mkdirSync(gobin, { recursive: true });
  const begun = Date.now();
  log(`${what}: building ${packages.join(' ')} with ${GO_TOOLCHAIN} (about 8 minutes on 2 cores when the Go caches are cold)...`);
  const go = run('nice', ['-n', '10', 'go', 'install', ...packages], { env: { ...goEnv(), GOBIN: gobin } });
  if (!go.ok) {
    problems.push(`${what}: go install failed: ${go.last}`);
    return false;
  }
  mkdirSync(bin, { recursive: true });
  for (const [built, name] of Object.entries(renames)) renameSync(join(gobin, built), join(bin, name));
  rmSync(gobin, { recursive: true, force: true });
  log(`${what}: built in ${Math.round((Date.now() - begun) / 1000)} s into ${bin}`);
  return true;
}

function temporalServer() {
  if (process.env.TEMPORAL_SERVER_PATH && process.env.TEMPORAL_SQL_TOOL_PATH) {
    log(`Temporal server: TEMPORAL_SERVER_PATH=${process.env.TEMPORAL_SERVER_PATH}, TEMPORAL_SQL_TOOL_PATH=${process.env.TEMPORAL_SQL_TOOL_PATH}`);
    return;
  }
  const server = `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`;
  const sqlTool = `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`;
  goInstall(`Temporal server ${TEMPORAL_SERVER_VERSION}`, [server, sqlTool], { server: 'temporal-server', sql: 'temporal-sql-tool' });
}

/** The PostgreSQL schema of the server, as the module ships it (the module cache is read-only). */
function schema() {
  if (process.env.TEMPORAL_SCHEMA_DIR) {
    log(`schema: TEMPORAL_SCHEMA_DIR=${process.env.TEMPORAL_SCHEMA_DIR}`);
    return;
  }
  const target = join(home, 'schema', 'postgresql', 'v12');
  if (existsSync(join(target, 'temporal', 'versioned')) && existsSync(join(target, 'visibility', 'versioned'))) {
    log(`schema: ${target}`);
    return;
  }
  const download = run('go', ['mod', 'download', '-json', `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`], { env: goEnv(), cwd: home });
  const dir = download.ok ? JSON.parse(download.stdout).Dir : undefined;
  const source = dir && join(dir, 'schema', 'postgresql', 'v12');
  if (!source || !existsSync(source)) {
    problems.push(`schema: the module go.temporal.io/server@${TEMPORAL_SERVER_VERSION} could not be read (${download.last || 'no schema/postgresql/v12 in it'})`);
    return;
  }
  rmSync(target, { recursive: true, force: true });
  cpSync(source, target, { recursive: true });
  // The module cache is read-only: the copy need not be.
  run('chmod', ['-R', 'u+w', join(home, 'schema')]);
  log(`schema: copied from the module into ${target}`);
}

function uiServer() {
  if (process.env.TEMPORAL_UI_SERVER_PATH) {
    log(`Web UI: TEMPORAL_UI_SERVER_PATH=${process.env.TEMPORAL_UI_SERVER_PATH}`);
    return;
  }
  goInstall(`Web UI ${TEMPORAL_UI_SERVER_VERSION}`, [`github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_SERVER_VERSION}`], { server: 'temporal-ui-server' });
}

/** The newest PostgreSQL server installed from Debian (/usr/lib/postgresql/<major>/bin). */
function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  return majors.map((major) => join(root, major, 'bin')).find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

function postgresql() {
  let found = postgresBin();
  if (!found) {
    if (process.getuid?.() !== 0) {
      problems.push('PostgreSQL: not installed, and apt-get needs root (install Debian\'s postgresql)');
      return;
    }
    log('PostgreSQL: installing Debian\'s postgresql...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let install = run('apt-get', ['install', '-y', '-q', 'postgresql'], { env });
    if (!install.ok) {
      run('apt-get', ['update', '-q'], { env });
      install = run('apt-get', ['install', '-y', '-q', 'postgresql'], { env });
    }
    found = postgresBin();
    if (!found) {
      problems.push(`PostgreSQL: apt-get install postgresql failed: ${install.last}`);
      return;
    }
  }
  log(`PostgreSQL: ${found}`);
}

function main() {
  mkdirSync(home, { recursive: true });
  // Go refuses `go mod download` outside a module in some modes; an empty one is enough.
  if (!existsSync(join(home, 'go.mod'))) writeFileSync(join(home, 'go.mod'), 'module provision\n\ngo 1.26\n');
  temporalServer();
  schema();
  uiServer();
  postgresql();
  const seconds = Math.round((Date.now() - started) / 1000);
  if (problems.length) {
    console.error(`cluster tools: NOT provisioned (${seconds} s): ${problems.join('; ')}`);
    process.exitCode = 1;
    return;
  }
  log(`ready in ${seconds} s`);
}

main();
