// Runs a package's coordinate script (vendor code) where it can do no harm to the VNFM: as an
// unprivileged user (when the worker runs as root), in a private read-only copy of its package,
// with nothing of the worker's environment but PATH, LANG and HOME (a scratch folder of its own),
// in a process group of its own that is killed whole on timeout or cancel. The run ends when the
// script exits, whatever its children still hold open. No Temporal imports here.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { scrub } from '../sol003/redact.ts';

export interface SandboxPolicy {
  /**
   * `user`: the script runs as `user` (the worker must run as root to switch to it);
   * `off`: as the worker's own user, which can read what the worker can (the embedded default
   * for a developer's machine, logged at start).
   */
  mode: 'user' | 'off';
  /** The unprivileged account scripts run as in `user` mode. */
  user: string;
}

export interface ScriptRun {
  /** The package folder the script belongs to (copied, never used in place). */
  contentDir: string;
  scriptPath: string;
  /** Sent as JSON on stdin (Tacker's interface). */
  stdin: string;
  timeoutMs: number;
  /** Values to blank out of anything the script prints before it is quoted anywhere. */
  secrets: string[];
  /** Aborting kills the script's whole process group. */
  signal?: AbortSignal;
  /** Called while the script runs (liveness for a caller that must report it). */
  onTick?: () => void;
}

export type ScriptOutcome =
  | { kind: 'succeeded'; stderrTail: string }
  | { kind: 'failed'; reason: string; stderrTail: string };

/** How much of the script's stderr an outcome quotes: enough to read, never a flood. */
export const STDERR_LIMIT = 4096;
const TICK_MS = 2_000;
/** Nothing of the worker's PATH: a script finds the system's tools, not the VNFM's. */
const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class SandboxRefusal extends Error {
  override readonly name = 'SandboxRefusal';
}

export async function runSandboxed(run: ScriptRun, policy: SandboxPolicy): Promise<ScriptOutcome> {
  const identity = identityFor(policy);
  const workspace = mkdtempSync(join(tmpdir(), 'vnfm-script-'));
  try {
    const packageCopy = join(workspace, 'package');
    const home = join(workspace, 'home');
    copyReadOnly(run.contentDir, packageCopy);
    mkdirSync(home);
    chmodSync(workspace, 0o711); // the script may pass through, not list the workspace
    if (identity) chownSync(home, identity.uid, identity.gid);
    chmodSync(home, 0o700);
    const script = join(packageCopy, relative(run.contentDir, run.scriptPath));
    return await execute(run, script, packageCopy, home, identity);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

async function execute(run: ScriptRun, script: string, cwd: string, home: string, identity: Identity | undefined): Promise<ScriptOutcome> {
  const [command, args] = script.endsWith('.py') ? ['python3', [script]] : [script, []];
  const child = spawn(command, args, {
    cwd,
    env: { PATH: SAFE_PATH, LANG: 'C.UTF-8', HOME: home },
    stdio: ['pipe', 'ignore', 'pipe'],
    // A process group of its own: a timeout kills the script and everything it started.
    detached: true,
    ...(identity ? { uid: identity.uid, gid: identity.gid } : {}),
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_LIMIT);
  });
  const killGroup = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, run.timeoutMs);
  const ticks = setInterval(() => run.onTick?.(), TICK_MS);
  run.signal?.addEventListener('abort', killGroup, { once: true });
  child.stdin.on('error', () => undefined); // a script that does not read stdin is not an error
  child.stdin.end(run.stdin);
  try {
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: Error }>((resolve) => {
      child.once('error', (error) => resolve({ error }));
      // 'exit', not 'close': a grandchild holding stderr open must not keep the run going.
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const tail = scrub(stderr.trim(), run.secrets);
    if ('error' in ended) return { kind: 'failed', reason: `could not start: ${ended.error.message}`, stderrTail: tail };
    if (ended.code === 0) return { kind: 'succeeded', stderrTail: tail };
    const reason = timedOut ? `timed out after ${run.timeoutMs / 1000} s` : run.signal?.aborted ? 'was cancelled' : `exited with ${ended.signal ?? `code ${ended.code}`}`;
    return { kind: 'failed', reason, stderrTail: tail };
  } finally {
    killGroup(); // whatever the script left running goes with it
    clearTimeout(timer);
    clearInterval(ticks);
    run.signal?.removeEventListener('abort', killGroup);
    child.stderr.destroy();
  }
}

interface Identity {
  uid: number;
  gid: number;
}

function identityFor(policy: SandboxPolicy): Identity | undefined {
  if (policy.mode === 'off') return undefined;
  if (process.getuid?.() !== 0) {
    throw new SandboxRefusal(`coordinate scripts run as ${policy.user}, which needs the worker to run as root; `
      + 'run it as root, or set VNFM_SCRIPT_SANDBOX=off to accept that scripts run as the worker\'s own user');
  }
  const entry = readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => line.split(':')).find((fields) => fields[0] === policy.user);
  const uid = Number(entry?.[2]);
  const gid = Number(entry?.[3]);
  if (!entry || !Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) {
    throw new SandboxRefusal(`VNFM_SCRIPT_USER ${policy.user} is not an unprivileged account of this host`);
  }
  return { uid, gid };
}

/**
 * A copy nobody can change: folders r-x, files r-- (r-x where the original was executable).
 * Only folders and regular files are copied: a stored package holds nothing else, and a link
 * could point the script (or this chmod) anywhere.
 */
function copyReadOnly(from: string, to: string): void {
  cpSync(from, to, { recursive: true, filter: (source) => isFolderOrFile(source) });
  const seal = (path: string): void => {
    const stat = lstatSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) seal(join(path, name));
      chmodSync(path, 0o555);
    } else {
      chmodSync(path, stat.mode & 0o111 ? 0o555 : 0o444);
    }
  };
  seal(to);
}

function isFolderOrFile(path: string): boolean {
  const stat = lstatSync(path);
  return stat.isDirectory() || stat.isFile();
}
