// Every recorded history replays against today's workflow code: a change that would break
// running operations fails here, before it reaches a worker. Record with `npm run record-histories`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker, type ReplayResult } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { HISTORIES_DIR } from './support/histories.ts';
import { installQuietRuntime, testDataConverter, workflowBundle } from './support/system.ts';

installQuietRuntime();

function recordedHistories() {
  return readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).map((file) => ({
    workflowId: file.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'))),
  }));
}

async function replayAll(bundle: Awaited<ReturnType<typeof workflowBundle>>): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  // The codec decrypts histories recorded encrypted (with the tests' key); older plain ones pass through.
  const options = { workflowBundle: bundle, replayName: 'fixtures', dataConverter: testDataConverter };
  for await (const result of Worker.runReplayHistories(options, recordedHistories())) {
    results.push(result);
  }
  return results;
}

describe('recorded histories', () => {
  it('are committed for the change_vnfpkg paths the tests run', () => {
    expect(recordedHistories().map((h) => h.workflowId).sort()).toEqual(['change-async-em', 'change-retry-after', 'change-sync-em']);
  });

  it('replay without a determinism error on the current workflow code', async () => {
    const results = await replayAll(await workflowBundle());
    expect(results).toHaveLength(recordedHistories().length);
    for (const result of results) expect(result.error, result.workflowId).toBeUndefined();
  });

  it('fail to replay on a workflow changed incompatibly', async () => {
    const changed = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./fixtures/changed-workflow/index.ts', import.meta.url)),
      logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const results = await replayAll(changed);
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) expect(result.error?.name, result.workflowId).toBe('DeterminismViolationError');
  });
});
