// Every recorded history replays against today's workflow code: a change that would break
// running operations fails here, before it reaches a worker. Record with `npm run record-histories`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker, type ReplayResult } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { HISTORIES_ROOT } from './support/histories.ts';
import { installQuietRuntime, replayDataConverter, workflowBundle } from './support/system.ts';

installQuietRuntime();

function recordedHistories() {
  return readdirSync(HISTORIES_ROOT).sort().flatMap((version) =>
    readdirSync(join(HISTORIES_ROOT, version)).filter((f) => f.endsWith('.json')).sort().map((file) => ({
      workflowId: `${version}/${file.replace(/\.json$/, '')}`,
      history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_ROOT, version, file), 'utf8'))),
    })));
}

function workflowTypeOf(history: ReturnType<typeof recordedHistories>[number]['history']): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? undefined;
}

async function replayAll(bundle: Awaited<ReturnType<typeof workflowBundle>>, histories = recordedHistories()): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  // The codec decrypts histories recorded encrypted (with the tests' key); older plain ones pass through.
  const options = { workflowBundle: bundle, replayName: 'fixtures', dataConverter: replayDataConverter };
  for await (const result of Worker.runReplayHistories(options, histories)) {
    results.push(result);
  }
  return results;
}

describe('recorded histories', () => {
  it('are committed for the paths the tests run, for every workflow type', () => {
    const ids = recordedHistories().map((h) => h.workflowId);
    expect(ids).toEqual(expect.arrayContaining([
      'v1/change-async-em', 'v1/change-retry-after', 'v1/change-sync-em',
      'v2/change-async-em', 'v2/change-retry-after', 'v2/change-sync-em', 'v2/change-notifier',
      'v2/rollback', 'v2/cancel-forceful', 'v2/instantiate', 'v2/terminate', 'v2/vnf-instance-entity',
      'v3/change-async-em', 'v3/change-retry-after', 'v3/change-sync-em', 'v3/change-notifier', 'v3/rollback', 'v3/cancel-forceful',
      'v3/blue-green-change', 'v3/blue-green-rollback', 'v3/blue-green-worker-crash',
      'v3/kubernetes-instantiate', 'v3/kubernetes-change-coordinated', 'v3/kubernetes-change-plain', 'v3/kubernetes-rollback', 'v3/kubernetes-terminate',
      'v3/kubernetes-change-worker-crash',
      'v4/change-async-em', 'v4/change-retry-after', 'v4/change-sync-em', 'v4/change-subscribed', 'v4/change-notifier', 'v4/rollback',
      'v4/cancel-forceful', 'v4/instantiate', 'v4/terminate', 'v4/vnf-instance-entity', 'v4/vnf-instance-entity-moved',
      'v3/kubernetes-statefulset-instantiate', 'v3/kubernetes-statefulset-change-coordinated', 'v3/kubernetes-statefulset-change-plain',
      'v3/kubernetes-statefulset-rollback', 'v3/kubernetes-statefulset-worker-crash',
    ]));
    const types = new Set(recordedHistories().map((h) => workflowTypeOf(h.history)));
    expect([...types].sort()).toEqual(['changeVnfPkg', 'deliverOperationNotifications', 'instantiateVnf', 'terminateVnf', 'vnfInstanceLcm']);
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
    const changeHistories = recordedHistories().filter((h) => workflowTypeOf(h.history) === 'changeVnfPkg');
    const results = await replayAll(changed, changeHistories);
    expect(results).toHaveLength(changeHistories.length);
    for (const result of results) expect(result.error?.name, result.workflowId).toBe('DeterminismViolationError');
  });
});
