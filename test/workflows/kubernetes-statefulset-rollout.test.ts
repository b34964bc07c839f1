// changeVnfPkg of a StatefulSet VDU, as workflow logic: the partition lowered one ordinal at a
// time, highest first, only once the pod above was coordinated; a retry after an EM's ABORT; a
// GRACEFUL cancel that leaves the partition where it stood; continue-as-new in the middle.
// Activities are fakes (kubernetes-statefulset-fakes.ts, fakes.ts); see harness.ts.
import { describe, expect, it } from 'vitest';
import type { ChangeVnfPkgInput } from '../../src/lcm/change-vnfpkg-input.ts';
import { cancelUpdate, retryUpdate } from '../../src/workflows/messages.ts';
import { eventually } from '../support/wait.ts';
import { CallLog, FakeEm, sideActivities } from './fakes.ts';
import { reachState, startChange, useHarness } from './harness.ts';
import { FakeStatefulSet, statefulSetActivities, statefulSetChangeInput } from './kubernetes-statefulset-fakes.ts';

const harness = useHarness();

const SET = { vduId: 'VDU1', name: 'db', replicas: 3, image: 'db:2' };
const asInput = (input: unknown) => input as ChangeVnfPkgInput;

function fakes(options: { replicas?: number; readsBeforeStart?: number } = {}, emPlan = {}) {
  const log = new CallLog();
  const set = new FakeStatefulSet(log, SET.vduId, SET.name, options.replicas ?? SET.replicas, 'db:1', options.readsBeforeStart);
  const em = new FakeEm(log, emPlan);
  return { log, set, em, activities: { ...statefulSetActivities(log, set), ...em.activities(), ...sideActivities(log) } };
}

/** The activities that move the rollout, in order. */
function steps(log: CallLog): string[] {
  return log.calls.filter((c) => ['requestCoordination', 'setKubernetesStatefulSetPartition'].includes(c.activity))
    .map((c) => (c.activity === 'requestCoordination' ? `coordinate ${c.vnfc}` : `partition ${c.detail}`));
}

describe('a coordinated change of a StatefulSet VDU', () => {
  it('lowers the partition one ordinal at a time, highest first, each only after the pod above was coordinated', async () => {
    const { log, set, activities } = fakes();
    const input = statefulSetChangeInput({ set: SET, vduParams: [{ vduId: 'VDU1', coordinated: true }] });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, asInput(input))).result());

    expect(state.operationState).toBe('COMPLETED');
    expect(steps(log)).toEqual(['partition 2', 'coordinate db-2', 'partition 1', 'coordinate db-1', 'partition 0', 'coordinate db-0', 'partition strategy 0']);
    expect(log.calls.filter((c) => c.activity === 'setKubernetesWorkloadSpec').map((c) => c.detail)).toEqual(['db:2 coordinated']);
    expect(set.images()).toEqual(['db:2', 'db:2', 'db:2']);
    expect(state.affectedVnfcs?.map((v) => [v.id, v.changeType])).toEqual([['db-0', 'MODIFIED'], ['db-1', 'MODIFIED'], ['db-2', 'MODIFIED']]);
  });

  it('keeps the partition above an aborted pod; a retry coordinates that pod again, and none before it', async () => {
    const { log, set, em, activities } = fakes({}, { accepted: {}, held: true });
    const input = statefulSetChangeInput({ set: SET, vduParams: [{ vduId: 'VDU1', coordinated: true }] });

    await harness.withWorker(activities, async (taskQueue) => {
      const handle = await startChange(harness.client, taskQueue, asInput(input));
      await eventually('db-2 in coordination', () => log.count('requestCoordination') === 1);
      expect(em.finishHeld('CONTINUE')).toBe(1);
      await eventually('db-1 in coordination', () => log.count('requestCoordination') === 2);
      expect(em.finishHeld('ABORT', 'db-1')).toBe(1);
      const failed = await reachState(handle, 'FAILED_TEMP');
      expect(failed.error?.detail).toBe('the EM aborted the coordination');
      expect(set.partition).toBe(1);
      expect(set.images()).toEqual(['db:1', 'db:2', 'db:2']);
      em.planDefault({});
      await handle.executeUpdate(retryUpdate);
      expect((await handle.result()).operationState).toBe('COMPLETED');
    });
    expect(log.vnfcsOf('requestCoordination')).toEqual(['db-2', 'db-1', 'db-1', 'db-0']);
    expect(set.generations()).toEqual([2, 2, 2]); // each pod replaced once
  });

  it('stops on a GRACEFUL cancel before the partition is lowered again: the pod under coordination is finished, no further pod replaced', async () => {
    const { log, set, em, activities } = fakes({}, { accepted: {}, held: true });
    const input = statefulSetChangeInput({ set: SET, vduParams: [{ vduId: 'VDU1', coordinated: true }] });

    await harness.withWorker(activities, async (taskQueue) => {
      const handle = await startChange(harness.client, taskQueue, asInput(input));
      await eventually('db-2 in coordination', () => log.count('requestCoordination') === 1);
      await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'GRACEFUL' }] });
      expect(em.finishHeld('CONTINUE')).toBe(1);
      const stopped = await reachState(handle, 'FAILED_TEMP');
      expect(stopped.error?.detail).toBe('the operation was cancelled by the operator (GRACEFUL)');
    });
    expect(steps(log)).toEqual(['partition 2', 'coordinate db-2']);
    expect(set.generations()).toEqual([1, 1, 2]);
  });

  it('continues as new while it waits, and resumes at the ordinal where it stood', async () => {
    const { log, set, activities } = fakes({ replicas: 6, readsBeforeStart: 3 });
    const input = statefulSetChangeInput({ set: { ...SET, replicas: 6 }, vduParams: [{ vduId: 'VDU1', coordinated: true }], tuning: { historyEventLimit: 100 } });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, asInput(input))).result());

    expect(state.operationState).toBe('COMPLETED');
    expect(state.runs).toBeGreaterThan(1);
    expect(log.vnfcsOf('requestCoordination')).toEqual(['db-5', 'db-4', 'db-3', 'db-2', 'db-1', 'db-0']);
    expect(set.generations()).toEqual(Array(6).fill(2));
  });
});
