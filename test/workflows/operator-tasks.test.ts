// The FAILED_TEMP loop and the SOL003 operator tasks as workflow logic: retry resumes at the
// failed step, rollback reverts the touched VNFCs newest first, fail ends the operation, and
// cancel stops it gracefully or at once. Activities are fakes; see harness.ts.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { cancelUpdate, failUpdate, operationQuery, retryUpdate, rollbackUpdate } from '../../src/workflows/messages.ts';
import { eventually } from '../support/wait.ts';
import { CallLog, FakeEm, FakeVim, sideActivities, type EmPlan } from './fakes.ts';
import { changeInput, EM_NEW, EM_OLD, reachState, sourceServers, startChange, useHarness, vnfcs, type ChangeOptions } from './harness.ts';

const harness = useHarness();

function fakes(options: { vnfcCount?: number; em?: EmPlan } = {}) {
  const vnfcResourceInfo = vnfcs(options.vnfcCount ?? 3);
  const log = new CallLog();
  const vim = new FakeVim(log, sourceServers(vnfcResourceInfo), { readsInProgress: 0 });
  const em = new FakeEm(log, options.em);
  return { vnfcResourceInfo, log, vim, em, activities: { ...vim.activities(), ...em.activities(), ...sideActivities(log) } };
}

/** Starts the change and runs `body` with its handle while the worker runs. */
async function withChange<T>(
  f: ReturnType<typeof fakes>, body: (handle: Awaited<ReturnType<typeof startChange>>) => Promise<T>, options: Partial<ChangeOptions> = {},
): Promise<T> {
  return harness.withWorker(f.activities, async (taskQueue) =>
    body(await startChange(harness.client, taskQueue, changeInput({ vnfcResourceInfo: f.vnfcResourceInfo, ...options }))));
}

async function refusal(update: Promise<unknown>): Promise<string> {
  const err = await update.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return (err as WorkflowUpdateFailedError).cause?.message ?? '';
}

describe('retry', () => {
  it('resumes at the VNFC whose coordination failed: the VNFCs before it are neither updated nor coordinated again', async () => {
    const f = fakes();
    f.em.plan('vnfc-1', { result: 'ABORT', error: 'EM: still draining' });

    const { failed, done } = await withChange(f, async (handle) => {
      const failedState = await reachState(handle, 'FAILED_TEMP');
      f.em.plan('vnfc-1', {});
      const resumed = await handle.executeUpdate(retryUpdate);
      expect(resumed.operationState).not.toBe('FAILED_TEMP');
      return { failed: failedState, done: await handle.result() };
    });

    expect(failed.error?.detail).toBe('EM: still draining');
    expect(done.operationState).toBe('COMPLETED');
    expect(f.log.vnfcsOf('updateVnfc')).toEqual(['server-2', 'server-1', 'server-0']);
    expect(f.log.vnfcsOf('requestCoordination')).toEqual(['vnfc-2', 'vnfc-1', 'vnfc-1', 'vnfc-0']);
  });

  it('starts the VIM update of the failed VNFC over after UPDATE_FAILED', async () => {
    const f = fakes();
    f.vim.faults.set('server-1', 'No valid host was found');

    const done = await withChange(f, async (handle) => {
      await reachState(handle, 'FAILED_TEMP');
      f.vim.faults.clear();
      await handle.executeUpdate(retryUpdate);
      return handle.result();
    });

    expect(done.operationState).toBe('COMPLETED');
    expect(f.log.vnfcsOf('updateVnfc')).toEqual(['server-2', 'server-1', 'server-1', 'server-0']);
    expect(f.log.vnfcsOf('requestCoordination')).toEqual(['vnfc-2', 'vnfc-1', 'vnfc-0']);
  });

  it('keeps the coordinate script of a VNFC that ran from running again when the EM step is retried', async () => {
    const f = fakes({ vnfcCount: 1 });
    f.em.plan('vnfc-0', { result: 'ABORT' });

    await withChange(f, async (handle) => {
      await reachState(handle, 'FAILED_TEMP');
      f.em.plan('vnfc-0', {});
      await handle.executeUpdate(retryUpdate);
      return handle.result();
    }, { scripts: { newVnf: './Scripts/coordinate_vnf.py' } });

    expect(f.log.vnfcsOf('runCoordinateScript')).toEqual(['vnfc-0']);
    expect(f.log.vnfcsOf('requestCoordination')).toEqual(['vnfc-0', 'vnfc-0']);
  });

  it('is refused while the operation is not in FAILED_TEMP, before anything reaches its history', async () => {
    const f = fakes({ em: { accepted: { retryAfterMs: 20 }, held: true } });

    const { message, accepted } = await withChange(f, async (handle) => {
      await eventually('the first coordination to be held', () => f.log.count('requestCoordination') === 1);
      const refused = await refusal(handle.executeUpdate(retryUpdate));
      f.em.finishHeld();
      f.em.plan('vnfc-1', {}).plan('vnfc-0', {});
      await handle.result();
      const history = await handle.fetchHistory();
      return { message: refused, accepted: (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length };
    });

    expect(message).toMatch(/is PROCESSING, not FAILED_TEMP/);
    expect(accepted).toBe(0);
  });
});

describe('rollback', () => {
  it('reverts the VNFCs the change touched, newest first, to their previous image, through the old-VNFC EM', async () => {
    const f = fakes({ vnfcCount: 4 });
    f.em.plan('vnfc-2', { result: 'ABORT' });

    const done = await withChange(f, async (handle) => {
      await reachState(handle, 'FAILED_TEMP');
      f.em.plan('vnfc-2', {});
      const rolling = await handle.executeUpdate(rollbackUpdate);
      expect(rolling.operationState).not.toBe('FAILED_TEMP');
      return handle.result();
    });

    expect(done.operationState).toBe('ROLLED_BACK');
    // The change reached vnfc-3 and vnfc-2 (which the EM refused); vnfc-1 and vnfc-0 were never touched.
    expect(f.log.vnfcsOf('updateVnfc', 'VDU1-image-v1')).toEqual(['server-2', 'server-3']);
    expect(f.log.vnfcsOf('requestCoordination')).toEqual(['vnfc-3', 'vnfc-2', 'vnfc-2', 'vnfc-3']);
    expect(f.log.calls.filter((c) => c.activity === 'requestCoordination').map((c) => c.detail)).toEqual([EM_NEW, EM_NEW, EM_OLD, EM_OLD]);
    for (const server of ['server-0', 'server-1', 'server-2', 'server-3']) expect(f.vim.imageOf(server)).toBe('VDU1-image-v1');
    expect(f.log.count('recordPackageChange')).toBe(0);
  });

  it('runs the coordinate-old-vnf script for each VNFC it reverts', async () => {
    const f = fakes({ vnfcCount: 2 });
    f.em.plan('vnfc-0', { result: 'ABORT' });

    await withChange(f, async (handle) => {
      await reachState(handle, 'FAILED_TEMP');
      f.em.plan('vnfc-0', {});
      await handle.executeUpdate(rollbackUpdate);
      return handle.result();
    }, { scripts: { newVnf: './Scripts/new.py', oldVnf: './Scripts/old.py' } });

    const scripts = f.log.calls.filter((c) => c.activity === 'runCoordinateScript').map((c) => `${c.detail} ${c.vnfc}`);
    expect(scripts).toEqual(['./Scripts/new.py vnfc-1', './Scripts/new.py vnfc-0', './Scripts/old.py vnfc-0', './Scripts/old.py vnfc-1']);
  });

  it('a failed rollback goes to FAILED_TEMP again, can be retried from where it failed, but not rolled back again', async () => {
    const f = fakes({ vnfcCount: 3 });
    f.em.plan('vnfc-1', { result: 'ABORT' });

    const { refused, done } = await withChange(f, async (handle) => {
      await reachState(handle, 'FAILED_TEMP');
      f.em.plan('vnfc-1', { result: 'ABORT', error: 'EM: the old VNFC cannot take traffic' });
      await handle.executeUpdate(rollbackUpdate);
      const failedRollback = await reachState(handle, 'FAILED_TEMP');
      expect(failedRollback.direction).toBe('ROLLBACK');
      expect(failedRollback.error?.detail).toBe('EM: the old VNFC cannot take traffic');
      const refusedMessage = await refusal(handle.executeUpdate(rollbackUpdate));
      f.em.plan('vnfc-1', {});
      await handle.executeUpdate(retryUpdate);
      return { refused: refusedMessage, done: await handle.result() };
    });

    expect(refused).toMatch(/already a failed rollback/);
    expect(done.operationState).toBe('ROLLED_BACK');
    // Rollback order: vnfc-1 (failed, then retried), then vnfc-2; each reverted once on the VIM.
    expect(f.log.vnfcsOf('updateVnfc', 'VDU1-image-v1')).toEqual(['server-1', 'server-2']);
    expect(f.log.calls.filter((c) => c.activity === 'requestCoordination' && c.detail === EM_OLD).map((c) => c.vnfc)).toEqual(['vnfc-1', 'vnfc-1', 'vnfc-2']);
  });
});

describe('fail', () => {
  it('ends the operation FAILED for good, with its error, and answers the final state', async () => {
    const f = fakes({ vnfcCount: 2, em: { result: 'ABORT', error: 'EM: no' } });

    const { answered, done } = await withChange(f, async (handle) => {
      await reachState(handle, 'FAILED_TEMP');
      const answeredState = await handle.executeUpdate(failUpdate);
      return { answered: answeredState, done: await handle.result() };
    });

    expect(answered.operationState).toBe('FAILED');
    expect(done).toMatchObject({ operationState: 'FAILED', error: { detail: 'EM: no' } });
  });
});

describe('cancel', () => {
  it('GRACEFUL lets the VNFC in coordination finish, then stops in FAILED_TEMP before the next', async () => {
    const f = fakes({ em: { accepted: { retryAfterMs: 20 }, held: true } });

    const state = await withChange(f, async (handle) => {
      await eventually('the first coordination to be held', () => f.log.count('requestCoordination') === 1);
      const pending = await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'GRACEFUL' }] });
      expect(pending).toMatchObject({ isCancelPending: true, cancelMode: 'GRACEFUL' });
      expect(f.em.finishHeld()).toBe(1);
      return reachState(handle, 'FAILED_TEMP');
    });

    expect(state.error?.detail).toBe('the operation was cancelled by the operator (GRACEFUL)');
    expect(state.isCancelPending).toBe(false);
    expect(state.lcmCoordinations.map((c) => c.coordinationResult)).toEqual(['CONTINUE']);
    expect(f.log.vnfcsOf('updateVnfc')).toEqual(['server-2']);
    expect(f.log.count('cancelCoordination')).toBe(0);
  });

  it('FORCEFUL stops inside the wait and cancels the open coordination at the EM', async () => {
    const f = fakes({ em: { accepted: { retryAfterMs: 60_000 }, held: true } });

    const state = await withChange(f, async (handle) => {
      await eventually('the coordination to be recorded', async () => (await handle.query(operationQuery)).lcmCoordinations.length === 1);
      await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'FORCEFUL' }] });
      return reachState(handle, 'FAILED_TEMP');
    });

    expect(state.error?.detail).toBe('the operation was cancelled by the operator (FORCEFUL)');
    expect(f.log.vnfcsOf('cancelCoordination')).toEqual(['vnfc-2']);
    expect(f.log.count('readCoordination')).toBe(0); // the 60 s wait never ended on its own
    expect(state.vnfcs[0]?.coordination).toBeUndefined();
  });

  it('refuses a second cancel while one is pending, and a cancel of an operation in FAILED_TEMP', async () => {
    const f = fakes({ em: { accepted: { retryAfterMs: 20 }, held: true } });

    const messages = await withChange(f, async (handle) => {
      await eventually('the first coordination to be held', () => f.log.count('requestCoordination') === 1);
      await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'GRACEFUL' }] });
      const twice = await refusal(handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'GRACEFUL' }] }));
      f.em.finishHeld();
      await reachState(handle, 'FAILED_TEMP');
      const inFailedTemp = await refusal(handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'FORCEFUL' }] }));
      return { twice, inFailedTemp };
    });

    expect(messages.twice).toMatch(/being cancelled already/);
    expect(messages.inFailedTemp).toMatch(/is FAILED_TEMP; only STARTING, PROCESSING or ROLLING_BACK can be cancelled/);
  });

  it('FORCEFUL escalates a pending GRACEFUL cancel: an operator stuck behind a slow VNFC can stop it now', async () => {
    const f = fakes({ em: { accepted: { retryAfterMs: 60_000 }, held: true } });

    const state = await withChange(f, async (handle) => {
      await eventually('the coordination to be recorded', async () => (await handle.query(operationQuery)).lcmCoordinations.length === 1);
      await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'GRACEFUL' }] });
      const escalated = await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'FORCEFUL' }] });
      expect(escalated).toMatchObject({ isCancelPending: true, cancelMode: 'FORCEFUL' });
      return reachState(handle, 'FAILED_TEMP');
    });

    expect(state.error?.detail).toBe('the operation was cancelled by the operator (FORCEFUL)');
    expect(f.log.vnfcsOf('cancelCoordination')).toEqual(['vnfc-2']);
  });

  it('a GRACEFUL cancel that comes too late (during the last step) leaves the operation COMPLETED, no longer cancel-pending', async () => {
    const f = fakes({ vnfcCount: 1, em: { accepted: { retryAfterMs: 20 }, held: true } });

    const state = await withChange(f, async (handle) => {
      await eventually('the only coordination to be held', () => f.log.count('requestCoordination') === 1);
      await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'GRACEFUL' }] });
      f.em.finishHeld();
      return handle.result();
    });

    expect(state).toMatchObject({ operationState: 'COMPLETED', isCancelPending: false });
    expect(state.cancelMode).toBeUndefined();
  });
});
