// Tacker-compatible coordinateVNF user scripts from the VNF package: one sandboxed subprocess per
// call (src/scripts/sandbox.ts), parameters as JSON on stdin, bounded in time and output,
// heartbeating while it runs. The package and the script are found by the package's id in the
// worker's own store (in a cluster: its own cache of the package, fetched from PostgreSQL and
// verified by hash): no file-system path is ever taken from a workflow's input.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { PackageFileError, type PackageRepository } from '../packages/repository.ts';
import { runSandboxed, SandboxRefusal, type SandboxPolicy } from '../scripts/sandbox.ts';
import { secretValues } from '../sol003/redact.ts';

export interface CoordinateScriptInput {
  /** The VNF package the script belongs to. */
  packageId: string;
  /** Path inside the package, as given in additionalParams (e.g. ./Scripts/coordinate_vnf.py). */
  script: string;
  /** Handed to the script as JSON on stdin. */
  params: Record<string, unknown>;
  timeoutMs: number;
}

export { STDERR_LIMIT } from '../scripts/sandbox.ts';

export function createScriptActivities(packages: PackageRepository, sandbox: SandboxPolicy) {
  return {
    runCoordinateScript: async (input: CoordinateScriptInput): Promise<{ stderrTail: string }> => {
      let located: { contentDir: string; scriptPath: string };
      try {
        located = await packages.locateScript(input.packageId, input.script);
      } catch (err) {
        if (err instanceof PackageFileError) throw ApplicationFailure.nonRetryable(`coordinate script ${input.script}: ${err.message}`, 'Script.Invalid');
        throw err;
      }
      const context = Context.current();
      let outcome;
      try {
        outcome = await runSandboxed({
          ...located,
          stdin: JSON.stringify(input.params),
          timeoutMs: input.timeoutMs,
          secrets: secretValues(input.params),
          signal: context.cancellationSignal,
          onTick: () => context.heartbeat(),
        }, sandbox);
      } catch (err) {
        if (err instanceof SandboxRefusal) throw ApplicationFailure.nonRetryable(`coordinate script ${input.script} not run: ${err.message}`, 'Script.Refused');
        throw err;
      }
      if (outcome.kind === 'succeeded') return { stderrTail: outcome.stderrTail };
      throw ApplicationFailure.nonRetryable(`coordinate script ${input.script} ${outcome.reason}${outcome.stderrTail ? `: ${outcome.stderrTail}` : ''}`, 'Script.Failed');
    },
  };
}
