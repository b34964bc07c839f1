// The occurrence's view in the memo, which the gateway reads instead of asking a worker: in every
// state an operation rests in, the VnfLcmOpOcc rendered from the memo is byte for byte the one
// rendered from the query's answer (the gateway's answer before the memo), and the memo is
// encrypted like every payload. Activities are fakes; see harness.ts.
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { toVnfLcmOpOcc } from '../../src/gateway/op-occ.ts';
import { ENCODING_ENCRYPTED } from '../../src/codec/encryption-codec.ts';
import { cancelUpdate, failUpdate, operationQuery, retryUpdate, rollbackUpdate } from '../../src/workflows/messages.ts';
import { OCCURRENCE_MEMO, occurrenceView, type OccurrenceView } from '../../src/workflows/occurrence-view.ts';
import type { OperationState } from '../../src/workflows/operation-state.ts';
import { eventually } from '../support/wait.ts';
import { CallLog, FakeEm, FakeVim, sideActivities, type EmPlan } from './fakes.ts';
import { changeInput, reachState, sourceServers, startChange, useHarness, vnfcs, type ChangeOptions } from './harness.ts';

const harness = useHarness();
const API_ROOT = 'http://vnfm.test';
/** Held coordinations are polled this often: the operation rests between two polls. */
const HELD: EmPlan = { accepted: { retryAfterMs: 400 }, held: true };

function fakes(vnfcCount: number) {
  const vnfcResourceInfo = vnfcs(vnfcCount);
  const log = new CallLog();
  const em = new FakeEm(log);
  const activities = { ...new FakeVim(log, sourceServers(vnfcResourceInfo), { readsInProgress: 0 }).activities(), ...em.activities(), ...sideActivities(log) };
  return { vnfcResourceInfo, em, activities };
}

async function withChange<T>(
  f: ReturnType<typeof fakes>, body: (handle: WorkflowHandle) => Promise<T>, options: Partial<ChangeOptions> = {},
): Promise<T> {
  return harness.withWorker(f.activities, async (taskQueue) =>
    body(await startChange(harness.client, taskQueue, changeInput({ vnfcResourceInfo: f.vnfcResourceInfo, ...options }))));
}

function rendered(view: OccurrenceView): string {
  return JSON.stringify(toVnfLcmOpOcc(view, API_ROOT));
}

/**
 * Reads the memo and the query at a moment the operation is at rest in the state `until` accepts:
 * between two describes that saw the same run and the same history, so both answer the same
 * state. Answers both renderings and the state.
 */
async function atRest(handle: WorkflowHandle, until: (state: OperationState) => boolean): Promise<{ memo: string; query: string; state: OperationState }> {
  return eventually('the operation at rest in the state the test waits for', async () => {
    const before = await handle.describe();
    const state = await handle.query(operationQuery);
    const after = await handle.describe();
    if (before.runId !== after.runId || before.historyLength !== after.historyLength || !until(state)) return false;
    const view = after.memo?.[OCCURRENCE_MEMO] as OccurrenceView | undefined;
    if (!view) throw new Error(`no view in the memo of ${handle.workflowId} (${state.operationState})`);
    return { memo: rendered(view), query: rendered(occurrenceView(state)), state };
  });
}

/** The final state: the memo against the workflow's result (what the gateway read of a finished operation). */
async function atEnd(handle: WorkflowHandle): Promise<{ memo: string; result: string; state: OperationState }> {
  const state = await handle.result() as OperationState;
  const view = (await handle.describe()).memo?.[OCCURRENCE_MEMO] as OccurrenceView | undefined;
  if (!view) throw new Error(`no view in the memo of ${handle.workflowId}`);
  return { memo: rendered(view), result: rendered(occurrenceView(state)), state };
}

describe('the view in the memo', () => {
  it('reads as the query does while the change waits at the EM, in FAILED_TEMP, while it rolls back, and once ROLLED_BACK', async () => {
    const f = fakes(2);
    f.em.plan('vnfc-1', HELD);

    const reads = await withChange(f, async (handle) => {
      const processing = await atRest(handle, (s) => s.operationState === 'PROCESSING' && s.lcmCoordinations.length === 1);
      f.em.finishHeld('ABORT', 'vnfc-1');
      const failedTemp = await atRest(handle, (s) => s.operationState === 'FAILED_TEMP');
      await handle.executeUpdate(rollbackUpdate);
      const rollingBack = await atRest(handle, (s) => s.operationState === 'ROLLING_BACK' && s.lcmCoordinations.length === 2);
      f.em.finishHeld('CONTINUE', 'vnfc-1');
      return { processing, failedTemp, rollingBack, rolledBack: await atEnd(handle) };
    });

    for (const read of [reads.processing, reads.failedTemp, reads.rollingBack]) expect(read.memo).toBe(read.query);
    expect(reads.rolledBack.memo).toBe(reads.rolledBack.result);
    expect(reads.rolledBack.state.operationState).toBe('ROLLED_BACK');
    // What the memo shows is what matters to a reader: the open coordination, the error, the task links.
    expect(JSON.parse(reads.processing.memo)).toMatchObject({ lcmCoordinations: [{ delay: expect.any(String) as string }], resourceChanges: { affectedVnfcs: [{ id: 'vnfc-1' }] } });
    expect(JSON.parse(reads.failedTemp.memo)).toMatchObject({ error: { status: 409 }, _links: { retry: {}, rollback: {}, fail: {} } });
  });

  it('reads as the query does while a GRACEFUL cancel is pending, after it stopped the change, and once the retry COMPLETED it', async () => {
    const f = fakes(2);
    f.em.plan('vnfc-1', HELD);

    const reads = await withChange(f, async (handle) => {
      await reachState(handle, 'PROCESSING');
      await eventually('the held coordination', async () => (await handle.query(operationQuery)).lcmCoordinations.length === 1);
      await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'GRACEFUL' }] });
      const pending = await atRest(handle, (s) => s.isCancelPending === true);
      f.em.finishHeld('CONTINUE', 'vnfc-1');
      const cancelled = await atRest(handle, (s) => s.operationState === 'FAILED_TEMP');
      await handle.executeUpdate(retryUpdate);
      return { pending, cancelled, completed: await atEnd(handle) };
    });

    expect(reads.pending.memo).toBe(reads.pending.query);
    expect(JSON.parse(reads.pending.memo)).toMatchObject({ isCancelPending: true, cancelMode: 'GRACEFUL' });
    expect(reads.cancelled.memo).toBe(reads.cancelled.query);
    expect(reads.completed.memo).toBe(reads.completed.result);
    expect(JSON.parse(reads.completed.memo)).toMatchObject({ operationState: 'COMPLETED', modificationsTriggeredByVnfPkgChange: { vnfdId: 'vnfd-v2' } });
  });

  it('reads as the fail task answers once the operation is FAILED', async () => {
    const f = fakes(1);
    f.em.plan('vnfc-0', { result: 'ABORT', error: 'EM: no' });

    const { answer, end } = await withChange(f, async (handle) => {
      await reachState(handle, 'FAILED_TEMP');
      const failed = await handle.executeUpdate(failUpdate);
      return { answer: rendered(occurrenceView(failed)), end: await atEnd(handle) };
    });

    expect(end.state.operationState).toBe('FAILED');
    expect(end.memo).toBe(end.result);
    expect(end.memo).toBe(answer);
  });

  it('is carried into each new run at the checkpoint, readable from its start, and still reads as the query does there', async () => {
    const f = fakes(1);
    f.em.plan('vnfc-0', { accepted: { retryAfterMs: 100 }, held: true });

    const { read, carried } = await withChange(f, async (handle) => {
      const firstRun = (await handle.describe()).runId;
      await eventually('a second run', async () => (await handle.describe()).runId !== firstRun);
      const later = await atRest(handle, (s) => s.runs > 1);
      const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
      f.em.finishHeld('CONTINUE');
      await handle.result();
      return { read: later, carried: Object.keys(started?.memo?.fields ?? {}) };
    }, { tuning: { historyEventLimit: 100 } });

    expect(carried).toEqual([OCCURRENCE_MEMO]);
    expect(read.memo).toBe(read.query);
  });

  it('is encrypted by the payload codec, like every payload', async () => {
    const f = fakes(1);
    const encoding = await withChange(f, async (handle) => {
      await handle.result();
      const raw = await harness.client.workflowService.describeWorkflowExecution({
        namespace: harness.client.options.namespace, execution: { workflowId: handle.workflowId },
      });
      const metadata = raw.workflowExecutionInfo?.memo?.fields?.[OCCURRENCE_MEMO]?.metadata;
      return Buffer.from(metadata?.encoding ?? new Uint8Array()).toString('utf8');
    });

    expect(encoding).toBe(ENCODING_ENCRYPTED);
  });
});
