// The benchmark's own Temporal dev server: the project's pinned CLI binary, started through
// TestWorkflowEnvironment.createLocal, persisting to a SQLite file in WAL mode as `npm start`
// does (not the in-memory default), with the custom search attributes the gateway queries.
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/search-attributes.ts';
import { DEV_SERVER_DYNAMIC_CONFIG, dynamicConfigArgs, temporalCliPath } from '../../src/temporal-cli.ts';

export interface BenchServer {
  env: TestWorkflowEnvironment;
  address: string;
  /** The dev server's command-line arguments beyond the SDK's own, for the report. */
  args: string[];
  teardown(): Promise<void>;
}

/**
 * Every server runs `npm start`'s dynamic config (DEV_SERVER_DYNAMIC_CONFIG), plus
 * `dynamicConfig`. The benchmark's main server sets
 * `history.timerProcessorMaxTimeShift` to 10 ms so compressed waits (retryAfterScale) are not
 * floored at the default timer-queue granularity of ~1 s.
 */
export async function startTemporal(dataDir: string, name: string, dynamicConfig: Record<string, string>, persistent = true): Promise<BenchServer> {
  const dbFilename = persistent ? join(dataDir, `${name}.sqlite`) : undefined;
  const args = [
    '--headless', '--log-level', 'error',
    ...(persistent ? ['--sqlite-pragma', 'journal_mode=wal'] : []),
    ...dynamicConfigArgs({ ...DEV_SERVER_DYNAMIC_CONFIG, ...dynamicConfig }),
  ];
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      dbFilename,
      searchAttributes: [...SEARCH_ATTRIBUTE_KEYS],
      extraArgs: args,
    },
  });
  return { env, address: env.address, args: [...(dbFilename ? ['--db-filename', dbFilename] : []), ...args], teardown: () => env.teardown() };
}
