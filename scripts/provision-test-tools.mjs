#!/usr/bin/env node
// Provisions the tools `npm test` drives besides Node packages, from the package registries only:
//  - .venv/ (git-ignored): python-openstackclient + python-tackerclient (the real CLI of the
//    compatibility test) and schemathesis (the API fuzzer), pinned, from PyPI;
//  - Debian's chromium (the Web UI test; playwright-core never downloads a browser), when
//    missing and this process may run apt-get;
//  - Debian's kubectl (package kubernetes-client), unpacked into .tools/kubernetes-client/
//    (git-ignored) with `apt-get download` + `dpkg-deb -x`: no root needed, and no clash with
//    another kubectl installed system-wide. Only when the package lists are missing does it need
//    `apt-get update`, which it runs when root, and asks for otherwise.
// VNFM_SKIP_TEST_TOOLS=1 skips all of it (a production install does not need them).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON_TOOLS = ['python-tackerclient==2.6.0', 'python-openstackclient==10.5.0', 'schemathesis==4.32.5'];
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(projectRoot, '.venv');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', ...options });
  return { ok: result.status === 0, error: (result.stderr ?? result.error?.message ?? '').trim().split('\n').slice(-1)[0] };
}

function provisionPythonTools() {
  const marker = join(venv, `.installed-${PYTHON_TOOLS.join('+').replace(/[^A-Za-z0-9.+=-]/g, '_')}`);
  if (existsSync(marker)) return console.log(`test tools: ${venv} (${PYTHON_TOOLS.join(', ')})`);
  if (!existsSync(join(venv, 'bin', 'python'))) {
    const created = run('python3', ['-m', 'venv', venv]);
    if (!created.ok) return console.error(`test tools: python3 -m venv failed (${created.error}); the CLI and fuzz tests will fail`);
  }
  const installed = run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PYTHON_TOOLS]);
  if (!installed.ok) return console.error(`test tools: pip install ${PYTHON_TOOLS.join(' ')} failed (${installed.error}); the CLI and fuzz tests will fail`);
  run('touch', [marker]);
  console.log(`test tools: installed ${PYTHON_TOOLS.join(', ')} into ${venv}`);
}

function provisionChromium() {
  if (run('sh', ['-c', 'command -v chromium']).ok) return console.log('test tools: chromium present');
  if (process.getuid?.() !== 0 || !run('sh', ['-c', 'command -v apt-get']).ok) {
    return console.error('test tools: chromium is missing and apt-get is not available to this user; install Debian\'s chromium for the Web UI test');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const updated = run('apt-get', ['update', '-qq'], { env });
  const installed = updated.ok && run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { env });
  console.log(installed?.ok ? 'test tools: installed Debian chromium' : `test tools: apt-get install chromium failed (${(installed || updated).error})`);
}

/** Debian's kubectl, unpacked into the project: the Kubernetes simulator's test drives it. */
function provisionKubectl() {
  const root = join(projectRoot, '.tools', 'kubernetes-client');
  const kubectl = join(root, 'usr', 'bin', 'kubectl');
  if (existsSync(kubectl)) return console.log(`test tools: ${kubectl} (Debian kubernetes-client)`);
  if (!run('sh', ['-c', 'command -v apt-get && command -v dpkg-deb']).ok) {
    return console.error('test tools: apt-get or dpkg-deb is missing; the kubectl test needs Debian\'s kubernetes-client (or KUBECTL_PATH)');
  }
  const download = mkdtempSync(join(tmpdir(), 'kubernetes-client-'));
  try {
    let fetched = run('apt-get', ['download', '-qq', 'kubernetes-client'], { cwd: download });
    if (!fetched.ok && process.getuid?.() === 0) {
      // Package lists not there yet (a fresh container): refreshing them needs root.
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      if (run('apt-get', ['update', '-qq'], { env }).ok) fetched = run('apt-get', ['download', '-qq', 'kubernetes-client'], { cwd: download });
    }
    const deb = readdirSync(download).find((file) => file.endsWith('.deb'));
    if (!fetched.ok || !deb) {
      return console.error(`test tools: apt-get download kubernetes-client failed (${fetched.error}); run \`apt-get update\` as root, then npm ci again`);
    }
    mkdirSync(root, { recursive: true });
    const unpacked = run('dpkg-deb', ['-x', join(download, deb), root]);
    console.log(unpacked.ok ? `test tools: unpacked Debian ${deb} into ${root}` : `test tools: dpkg-deb -x ${deb} failed (${unpacked.error})`);
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}

if (process.env.VNFM_SKIP_TEST_TOOLS === '1') {
  console.log('test tools: skipped (VNFM_SKIP_TEST_TOOLS=1)');
} else {
  provisionPythonTools();
  provisionChromium();
  provisionKubectl();
}
