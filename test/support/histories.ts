// Recorded workflow histories: written when RECORD_HISTORIES=1 (npm run record-histories),
// replayed on every test run (test/replay.test.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { PROJECT_ROOT } from '../../src/project-root.ts';

/**
 * Histories are filed under the code version that produced them; older versions stay and are
 * replayed too, until the code path they cover is retired. v1: before notifications and the
 * per-instance entity; v2: with them; v3: VIM and EM reads as local activities, heartbeating
 * exchanges, Retry-After counted from the EM's answer; v4: the occurrence's view in its memo, the
 * entity on its own task queue, a notifier only for a subscribed operation.
 */
export const HISTORY_VERSION = 'v4';
export const HISTORIES_ROOT = join(PROJECT_ROOT, 'test', 'fixtures', 'histories');
export const HISTORIES_DIR = join(HISTORIES_ROOT, HISTORY_VERSION);

/** Records the latest run of the workflow, or the run given. */
export async function recordHistory(client: Client, workflowId: string, name: string, runId?: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
}
