// The VNF instance around change_vnfpkg, as workflow logic: instantiate and terminate with their
// FAILED_TEMP loop, and the per-instance entity that admits one operation at a time. Activities
// are fakes; see harness.ts.
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { InstantiateVnfInput, ModifyVnfInfoInput, TerminateVnfInput, instantiateVnf, modifyVnfInfo, terminateVnf } from '../../src/workflows/instance-operations.ts';
import {
  activeOperationQuery, cancelUpdate, failUpdate, retryUpdate, rollbackUpdate, startOperationUpdate, vnfInstanceWorkflowId,
} from '../../src/workflows/messages.ts';
import type { vnfInstanceLcm } from '../../src/workflows/vnf-instance-lcm.ts';
import { eventually } from '../support/wait.ts';
import { CallLog, FakeVim, sideActivities } from './fakes.ts';
import { reachState, useHarness } from './harness.ts';

const harness = useHarness();

function fakes() {
  const log = new CallLog();
  const vim = new FakeVim(log, []);
  return { log, vim, activities: { ...vim.activities(), ...sideActivities(log) } };
}

function base(vnfInstanceId = 'vnf-1') {
  const vnfLcmOpOccId = randomUUID();
  return {
    vnfLcmOpOccId, vnfInstanceId, request: {}, vnfd: { vnfdId: 'vnfd-v1' },
    links: { vnfLcmOpOcc: `http://vnfm.test/vnflcm/v2/vnf_lcm_op_occs/${vnfLcmOpOccId}`, vnfInstance: `http://vnfm.test/vnflcm/v2/vnf_instances/${vnfInstanceId}` },
  };
}

const instantiateInput = (): InstantiateVnfInput => ({
  ...base(), stackName: 'vnf-stack', flavourId: 'simple',
  vdus: [{ vduId: 'VDU1', count: 2, image: 'VDU1-image-v1', flavor: 'm1.tiny' }, { vduId: 'VDU2', count: 1, image: 'VDU2-image-v1', flavor: 'm1.tiny' }],
});

const terminateInput = (vnfInstanceId?: string): TerminateVnfInput => ({ ...base(vnfInstanceId), stack: { name: 'vnf-stack', id: 'vnf-stack-id' } });

describe('modify VNF information', () => {
  it('records the changes in the inventory and completes with them as changedInfo, secrets redacted', async () => {
    const f = fakes();
    const changes = { vnfInstanceName: 'renamed', metadata: { tier: 'web', adminPassword: 'hunter2' } };
    const input: ModifyVnfInfoInput = { ...base(), request: changes, changes };

    const state = await harness.withWorker(f.activities, async (taskQueue) =>
      harness.client.workflow.execute<typeof modifyVnfInfo>('modifyVnfInfo', { workflowId: input.vnfLcmOpOccId, taskQueue, args: [input] }));

    expect(state).toMatchObject({ operation: 'MODIFY_INFO', operationState: 'COMPLETED', changedInfo: { vnfInstanceName: 'renamed', metadata: { tier: 'web', adminPassword: '***' } } });
    expect(f.log.calls.map((c) => [c.activity, c.detail])).toEqual([['recordModification', `vnf-1 ${JSON.stringify(changes)}`]]);
  });
});

describe('instantiate', () => {
  it('creates the stack, records the VNFCs the VIM lists, and completes', async () => {
    const f = fakes();
    const input = instantiateInput();

    const state = await harness.withWorker(f.activities, async (taskQueue) =>
      harness.client.workflow.execute<typeof instantiateVnf>('instantiateVnf', { workflowId: input.vnfLcmOpOccId, taskQueue, args: [input] }));

    expect(state.operationState).toBe('COMPLETED');
    expect(f.log.calls.map((c) => c.activity)).toEqual(['createVnfStack', 'readVnfcStack', 'listVnfcs', 'recordInstantiation']);
  });

  it('goes to FAILED_TEMP when the stack ends CREATE_FAILED; retry waits on the same stack instead of creating another', async () => {
    const f = fakes();
    f.vim.stackStatus = 'CREATE_FAILED';
    const input = instantiateInput();

    const { failed, done } = await harness.withWorker(f.activities, async (taskQueue) => {
      const handle = await harness.client.workflow.start<typeof instantiateVnf>('instantiateVnf', { workflowId: input.vnfLcmOpOccId, taskQueue, args: [input] });
      const failedState = await reachState(handle, 'FAILED_TEMP');
      f.vim.stackStatus = 'CREATE_COMPLETE';
      await handle.executeUpdate(retryUpdate);
      return { failed: failedState, done: await handle.result() };
    });

    expect(failed.error?.detail).toBe('stack vnf-stack ended CREATE_FAILED: no reason given');
    expect(done.operationState).toBe('COMPLETED');
    expect(f.log.count('createVnfStack')).toBe(1);
  });

  it('refuses rollback, which instantiate does not have, and can be cancelled while it waits for the VIM', async () => {
    const f = fakes();
    f.vim.stackStatus = 'CREATE_IN_PROGRESS';
    const input = instantiateInput();

    const { refused, state } = await harness.withWorker(f.activities, async (taskQueue) => {
      const handle = await harness.client.workflow.start<typeof instantiateVnf>('instantiateVnf', { workflowId: input.vnfLcmOpOccId, taskQueue, args: [input] });
      await eventually('instantiate to wait for the stack', () => f.log.count('readVnfcStack') >= 1);
      await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'FORCEFUL' }] });
      const failed = await reachState(handle, 'FAILED_TEMP');
      const rollback = await handle.executeUpdate(rollbackUpdate).then(() => undefined, (err: unknown) => err);
      await handle.executeUpdate(failUpdate);
      return { refused: rollback, state: failed };
    });

    expect(state.error?.detail).toBe('the operation was cancelled by the operator (FORCEFUL)');
    expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(/\(INSTANTIATE\) has no rollback/);
  });
});

describe('terminate', () => {
  it('deletes the stack and records the instance NOT_INSTANTIATED', async () => {
    const f = fakes();
    const input = terminateInput();

    const state = await harness.withWorker(f.activities, async (taskQueue) =>
      harness.client.workflow.execute<typeof terminateVnf>('terminateVnf', { workflowId: input.vnfLcmOpOccId, taskQueue, args: [input] }));

    expect(state.operationState).toBe('COMPLETED');
    expect(f.log.calls.map((c) => c.activity)).toEqual(['deleteVnfStack', 'recordTermination']);
  });

  it('goes to FAILED_TEMP when the VIM refuses the delete, and fail ends it FAILED without recording anything', async () => {
    const f = fakes();
    f.vim.faults.set('delete', 'stack vnf-stack is locked');
    const input = terminateInput();

    const state = await harness.withWorker(f.activities, async (taskQueue) => {
      const handle = await harness.client.workflow.start<typeof terminateVnf>('terminateVnf', { workflowId: input.vnfLcmOpOccId, taskQueue, args: [input] });
      const failed = await reachState(handle, 'FAILED_TEMP');
      expect(failed.error?.detail).toBe('VIM: delete stack vnf-stack: stack vnf-stack is locked');
      await handle.executeUpdate(failUpdate);
      return handle.result();
    });

    expect(state.operationState).toBe('FAILED');
    expect(f.log.count('recordTermination')).toBe(0);
  });
});

describe('the instance entity', () => {
  async function startEntity(taskQueue: string, vnfInstanceId: string): Promise<WorkflowHandle<typeof vnfInstanceLcm>> {
    return harness.client.workflow.start<typeof vnfInstanceLcm>('vnfInstanceLcm', {
      workflowId: vnfInstanceWorkflowId(vnfInstanceId), taskQueue, args: [{ vnfInstanceId, operationsStarted: 0 }],
    });
  }

  it('admits one operation at a time: the next is refused while one runs or waits in FAILED_TEMP, and admitted once it has ended', async () => {
    const f = fakes();
    f.vim.faults.set('delete', 'stack vnf-stack is locked');
    const vnfInstanceId = randomUUID();

    const outcome = await harness.withWorker(f.activities, async (taskQueue) => {
      const entity = await startEntity(taskQueue, vnfInstanceId);
      const first = terminateInput(vnfInstanceId);
      await entity.executeUpdate(startOperationUpdate, { args: [{ kind: 'TERMINATE', vnfLcmOpOccId: first.vnfLcmOpOccId, input: first }] });
      const operation = harness.client.workflow.getHandle(first.vnfLcmOpOccId);
      await reachState(operation, 'FAILED_TEMP');

      const second = terminateInput(vnfInstanceId);
      const refused = await entity.executeUpdate(startOperationUpdate, { args: [{ kind: 'TERMINATE', vnfLcmOpOccId: second.vnfLcmOpOccId, input: second }] })
        .then(() => undefined, (err: unknown) => err);

      await operation.executeUpdate(failUpdate);
      await eventually('the entity to free the instance', async () => (await entity.query(activeOperationQuery)) === undefined);
      f.vim.faults.clear();
      const third = terminateInput(vnfInstanceId);
      await entity.executeUpdate(startOperationUpdate, { args: [{ kind: 'TERMINATE', vnfLcmOpOccId: third.vnfLcmOpOccId, input: third }] });
      const done = await harness.client.workflow.getHandle<typeof terminateVnf>(third.vnfLcmOpOccId).result();
      await entity.terminate('test over');
      return { refused, done, first: first.vnfLcmOpOccId };
    });

    expect(outcome.refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((outcome.refused as WorkflowUpdateFailedError).cause?.message).toBe(
      `VNF instance ${vnfInstanceId} has an LCM operation in progress or in FAILED_TEMP (${outcome.first})`);
    expect(outcome.done.operationState).toBe('COMPLETED');
  });
});
