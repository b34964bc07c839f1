// A VNF package's coordinate script is vendor code: each test is a script that tries to take
// the worker, and what it gets. The script activity runs as in production, with the SDK's
// activity test environment around it (heartbeats, cancellation). Like CI, these tests run as
// root, so that the sandbox can switch each script to the unprivileged user.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/wait.ts';
import { createScriptActivities } from '../src/activities/scripts.ts';
import { FilePackageRepository } from '../src/packages/repository.ts';
import type { SandboxPolicy } from '../src/scripts/sandbox.ts';

const SANDBOX: SandboxPolicy = { mode: 'user', user: 'nobody' };
const PASSWORD = 'vnfc-ssh-password-7c1e';

let dataDir: string;
let repository: FilePackageRepository;
const PACKAGE_ID = 'hostile-package';
const SCRIPTS: Record<string, string> = {};

beforeAll(async () => {
  // As the worker's data folder: 0700, with a secret in it.
  dataDir = mkdtempSync(join(tmpdir(), 'vnfm-hostile-scripts-'));
  chmodSync(dataDir, 0o700);
  writeFileSync(join(dataDir, 'codec-keys.json'), '{"keys":[{"id":"k","key":"TOP-SECRET"}]}', { mode: 0o600 });
  repository = new FilePackageRepository(join(dataDir, 'packages'));
  const scripts = SCRIPTS;
  Object.assign(scripts, {
    'Scripts/environment.py': 'import os, sys\nsys.stderr.write(repr(sorted(os.environ.items())))\n',
    'Scripts/stdin.py': 'import sys\nsys.stderr.write("stdin: " + sys.stdin.read())\nsys.exit(1)\n',
    'Scripts/steal.py': `import sys\ntry:\n    sys.stderr.write(open(${JSON.stringify(join(dataDir, 'codec-keys.json'))}).read())\nexcept Exception as e:\n    sys.stderr.write("denied: " + type(e).__name__)\n    sys.exit(2)\n`,
    'Scripts/tamper.py': 'import sys\ntry:\n    open(__file__, "a").write("# owned")\nexcept Exception as e:\n    sys.stderr.write("denied: " + type(e).__name__)\n    sys.exit(2)\n',
    'Scripts/grandchild.py': 'import subprocess, sys\np = subprocess.Popen(["sleep", "600"], stderr=sys.stderr)\nsys.stderr.write("child " + str(p.pid) + "\\n")\nsys.stderr.flush()\n',
    'Scripts/hang.py': 'import subprocess, time\nsubprocess.Popen(["sleep", "600"])\ntime.sleep(600)\n',
  });
  await repository.store(PACKAGE_ID, new Map(Object.entries(scripts).map(([path, text]) => [path, new TextEncoder().encode(text)])), new Uint8Array());
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(script: string, options: { params?: Record<string, unknown>; timeoutMs?: number; packageId?: string } = {}): Promise<{ stderrTail: string } | ApplicationFailure> {
  const { runCoordinateScript } = createScriptActivities(repository, SANDBOX);
  return new MockActivityEnvironment().run(runCoordinateScript, {
    packageId: options.packageId ?? PACKAGE_ID, script, params: options.params ?? {}, timeoutMs: options.timeoutMs ?? 60_000,
  }).then((result) => result as { stderrTail: string }, (err: unknown) => {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  });
}

/** Alive, and not a zombie waiting for init to reap it. */
function processAlive(pid: number): boolean {
  const status = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return status !== '' && !status.startsWith('Z');
}

/** Processes of the unprivileged user still running `sleep 600`. */
function sandboxSleepers(): string[] {
  return spawnSync('pgrep', ['-u', 'nobody', '-f', 'sleep 600'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).filter((pid) => processAlive(Number(pid)));
}

describe('a script, run as the unprivileged user', () => {
  it('sees nothing of the worker\'s environment but PATH, LANG and its own HOME', async () => {
    process.env.VNFM_CODEC_KEYS = 'leaked-if-you-see-this';
    const outcome = await run('./Scripts/environment.py');
    delete process.env.VNFM_CODEC_KEYS;

    expect(outcome).not.toBeInstanceOf(ApplicationFailure);
    const names = [...(outcome as { stderrTail: string }).stderrTail.matchAll(/\('(\w+)'/g)].map((m) => m[1]);
    expect(names.filter((n) => !['PATH', 'LANG', 'HOME', 'LC_CTYPE', 'PWD'].includes(n ?? ''))).toEqual([]);
    expect((outcome as { stderrTail: string }).stderrTail).not.toContain('leaked-if-you-see-this');
  });

  it('cannot read the worker\'s data folder (payload keys, credentials)', async () => {
    const outcome = await run('./Scripts/steal.py');

    expect(outcome).toBeInstanceOf(ApplicationFailure);
    expect((outcome as ApplicationFailure).message).toBe('coordinate script ./Scripts/steal.py exited with code 2: denied: PermissionError');
  });

  it('cannot change its own package: it runs in a read-only copy', async () => {
    const outcome = await run('./Scripts/tamper.py');

    expect((outcome as ApplicationFailure).message).toBe('coordinate script ./Scripts/tamper.py exited with code 2: denied: PermissionError');
    expect(readFileSync(join(repository.contentDir(PACKAGE_ID), 'Scripts', 'tamper.py'), 'utf8')).toBe(SCRIPTS['Scripts/tamper.py']);
  });

  it('gets its parameters on stdin, and the secrets among them never come back in the error it causes', async () => {
    const outcome = await run('./Scripts/stdin.py', { params: { vnfc: { id: 'vnfc-1' }, vnfcParam: { username: 'ubuntu', password: PASSWORD } } });

    const message = (outcome as ApplicationFailure).message;
    expect(message).toContain('stdin: {"vnfc":{"id":"vnfc-1"}');
    expect(message).toContain('"password":"***"');
    expect(message).not.toContain(PASSWORD);
  });

  it('ends when the script exits, even if a child it started keeps its stderr open, and the child goes with it', async () => {
    const outcome = await run('./Scripts/grandchild.py');

    expect(outcome).not.toBeInstanceOf(ApplicationFailure);
    const pid = Number(/child (\d+)/.exec((outcome as { stderrTail: string }).stderrTail)?.[1]);
    expect(pid).toBeGreaterThan(0);
    await eventually(`the script's child ${pid} to be gone`, () => !processAlive(pid));
  });

  it('is killed with everything it started when it outlives its timeout', async () => {
    const outcome = await run('./Scripts/hang.py', { timeoutMs: 500 });

    expect((outcome as ApplicationFailure).message).toBe('coordinate script ./Scripts/hang.py timed out after 0.5 s');
    await eventually('the script\'s children to be gone', () => sandboxSleepers().length === 0);
  });
});

describe('what a script is', () => {
  it('is a file of its package: a path that leaves the package is refused before anything runs', async () => {
    for (const script of ['../../../../etc/passwd', '/etc/passwd', 'Scripts/../../package.zip']) {
      const outcome = await run(script);
      expect(outcome, script).toBeInstanceOf(ApplicationFailure);
      expect((outcome as ApplicationFailure).type).toBe('Script.Invalid');
    }
  });

  it('is found by its package\'s id in the worker\'s own store: an id that is no package of this store is refused', async () => {
    for (const packageId of ['../packages', 'no-such-package']) {
      const outcome = await run('./Scripts/stdin.py', { packageId });
      expect(outcome, packageId).toBeInstanceOf(ApplicationFailure);
      expect((outcome as ApplicationFailure).type).toBe('Script.Invalid');
    }
  });
});
