// Tacker-compatible coordinateVNF user scripts from the VNF package: one subprocess per call,
// parameters as JSON on stdin, bounded in time and output, heartbeating while it runs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';

export interface CoordinateScriptInput {
  /** Folder of the unpacked VNF package the script belongs to. */
  packageDir: string;
  /** Path inside the package, as given in additionalParams (e.g. ./Scripts/coordinate_vnf.py). */
  script: string;
  /** Handed to the script as JSON on stdin. */
  params: Record<string, unknown>;
  timeoutMs: number;
}

/** How much of the script's stderr an error quotes: enough to read, never a flood. */
export const STDERR_LIMIT = 4096;
const HEARTBEAT_MS = 2_000;

export function createScriptActivities() {
  return {
    async runCoordinateScript(input: CoordinateScriptInput): Promise<{ stderrTail: string }> {
      const path = scriptPath(input.packageDir, input.script);
      const [command, args] = path.endsWith('.py') ? ['python3', [path]] : [path, []];
      return new Promise((resolvePromise, reject) => {
        const child = spawn(command, args, { cwd: input.packageDir, stdio: ['pipe', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => {
          stderr = (stderr + chunk.toString()).slice(-STDERR_LIMIT);
        });
        const heartbeat = setInterval(() => Context.current().heartbeat(), HEARTBEAT_MS);
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, input.timeoutMs);
        const cancelled = Context.current().cancelled.catch(() => child.kill('SIGKILL'));
        const done = (): void => {
          clearInterval(heartbeat);
          clearTimeout(timer);
          void cancelled;
        };
        child.on('error', (err) => {
          done();
          reject(ApplicationFailure.nonRetryable(`coordinate script ${input.script} could not start: ${err.message}`, 'Script.Failed'));
        });
        child.on('close', (code, signal) => {
          done();
          if (code === 0) return resolvePromise({ stderrTail: stderr });
          const why = timedOut ? `timed out after ${input.timeoutMs / 1000} s` : `exited with ${signal ?? `code ${code}`}`;
          reject(ApplicationFailure.nonRetryable(`coordinate script ${input.script} ${why}${stderr ? `: ${stderr.trim()}` : ''}`, 'Script.Failed'));
        });
        child.stdin.on('error', () => undefined); // a script that does not read stdin is not an error
        child.stdin.end(JSON.stringify(input.params));
      });
    },
  };
}

/** The script must be a file inside its package: a path that leaves the package is refused. */
function scriptPath(packageDir: string, script: string): string {
  const path = resolve(packageDir, script);
  const inside = relative(packageDir, path);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw ApplicationFailure.nonRetryable(`coordinate script ${script} is outside the VNF package`, 'Script.Invalid');
  }
  if (!existsSync(path)) throw ApplicationFailure.nonRetryable(`coordinate script ${script} does not exist in the VNF package`, 'Script.Invalid');
  return path;
}
