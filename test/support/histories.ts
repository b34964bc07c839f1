// Recorded workflow histories: written when RECORD_HISTORIES=1 (npm run record-histories),
// replayed on every test run (test/replay.test.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { PROJECT_ROOT } from '../../src/temporal-cli.ts';

/** Histories are filed under the code version that produced them. */
export const HISTORY_VERSION = 'v1';
export const HISTORIES_DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'histories', HISTORY_VERSION);

export async function recordHistory(client: Client, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
}
