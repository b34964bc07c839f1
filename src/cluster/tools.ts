// Where the cluster's programs are: what scripts/provision-cluster.mjs built (the Temporal
// server, temporal-sql-tool, the Web UI server, the server's PostgreSQL schema) and PostgreSQL
// from Debian, each overridable from the environment (ToolsEnv).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadToolsConfig } from '../config.ts';
import { PROJECT_ROOT } from '../project-root.ts';

/** Pinned in scripts/provision-cluster.mjs; the folder it provisions into is named after it. */
export const TEMPORAL_SERVER_VERSION = 'v1.32.2';
const HOME = join(PROJECT_ROOT, '.temporal', `cluster-${TEMPORAL_SERVER_VERSION}`);

export interface ClusterTools {
  temporalServer: string;
  sqlTool: string;
  uiServer: string;
  /** Holds temporal/versioned and visibility/versioned. */
  schemaDir: string;
  /** initdb, postgres. */
  postgresBin: string;
}

export class MissingToolError extends Error {
  override readonly name = 'MissingToolError';
}

export function clusterTools(env: NodeJS.ProcessEnv = process.env): ClusterTools {
  const tools = loadToolsConfig(env);
  const found = {
    temporalServer: tools.TEMPORAL_SERVER_PATH ?? join(HOME, 'bin', 'temporal-server'),
    sqlTool: tools.TEMPORAL_SQL_TOOL_PATH ?? join(HOME, 'bin', 'temporal-sql-tool'),
    uiServer: tools.TEMPORAL_UI_SERVER_PATH ?? join(HOME, 'bin', 'temporal-ui-server'),
    schemaDir: tools.TEMPORAL_SCHEMA_DIR ?? join(HOME, 'schema', 'postgresql', 'v12'),
    postgresBin: tools.POSTGRES_BIN_DIR ?? newestPostgres() ?? '/usr/lib/postgresql/15/bin',
  };
  const missing = Object.entries(found).filter(([, path]) => !existsSync(path)).map(([name, path]) => `${name} (${path})`);
  if (missing.length) throw new MissingToolError(`missing: ${missing.join(', ')}; run \`npm run provision:cluster\` (or set the TEMPORAL_*_PATH variables)`);
  return found;
}

function newestPostgres(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  return majors.map((major) => join(root, major, 'bin')).find((dir) => existsSync(join(dir, 'postgres')));
}
