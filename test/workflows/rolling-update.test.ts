// changeVnfPkg's rolling update, as workflow logic: which VNFC goes when, how the VIM update is
// waited for, and how the history stays bounded. Activities are fakes; see harness.ts.
import { describe, expect, it } from 'vitest';
import { CallLog, FakeEm, FakeVim, sideActivities } from './fakes.ts';
import { changeInput, reachState, sourceServers, startChange, timerDurations, useHarness, vnfcs, type VnfcSpec } from './harness.ts';

const harness = useHarness();

function fakes(vnfcResourceInfo: VnfcSpec[], vim: ConstructorParameters<typeof FakeVim>[2] = {}) {
  const log = new CallLog();
  const fakeVim = new FakeVim(log, sourceServers(vnfcResourceInfo), vim);
  const em = new FakeEm(log);
  return { log, vim: fakeVim, em, activities: { ...fakeVim.activities(), ...em.activities(), ...sideActivities(log) } };
}

describe('the rolling order', () => {
  it('updates and coordinates the VNFCs of the listed VDUs one by one, highest vnfcResourceInfo index first', async () => {
    const vnfcResourceInfo = [...vnfcs(2, 'VDU1'), ...vnfcs(1, 'VDU2', 2), ...vnfcs(1, 'VDU1', 3)];
    const { log, activities } = fakes(vnfcResourceInfo);
    const input = changeInput({ vnfcResourceInfo, vdus: ['VDU1'] });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    expect(state.operationState).toBe('COMPLETED');
    expect(log.vnfcsOf('updateVnfc')).toEqual(['server-3', 'server-1', 'server-0']);
    expect(log.vnfcsOf('requestCoordination')).toEqual(['vnfc-3', 'vnfc-1', 'vnfc-0']);
    // Each VNFC is coordinated after its own VIM update and before the next VNFC is touched.
    const steps = log.calls.filter((c) => ['updateVnfc', 'requestCoordination'].includes(c.activity)).map((c) => `${c.activity} ${c.vnfc}`);
    expect(steps).toEqual([
      'updateVnfc server-3', 'requestCoordination vnfc-3', 'updateVnfc server-1', 'requestCoordination vnfc-1',
      'updateVnfc server-0', 'requestCoordination vnfc-0',
    ]);
    expect(log.calls.filter((c) => c.activity === 'recordPackageChange').map((c) => c.detail)).toEqual(['vnfd-v2']);
    expect(state.vnfcs.map((v) => [v.id, v.previousImage])).toEqual([['vnfc-3', 'VDU1-image-v1'], ['vnfc-1', 'VDU1-image-v1'], ['vnfc-0', 'VDU1-image-v1']]);
  });

  it('coordinates every action the destination VNFD declares, in order, for each VNFC', async () => {
    const vnfcResourceInfo = vnfcs(2);
    const { log, activities } = fakes(vnfcResourceInfo);
    const input = changeInput({ vnfcResourceInfo, coordinationActionNames: ['prv.drain', 'prv.verify'] });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    expect(state.lcmCoordinations.map((c) => c.coordinationActionName)).toEqual(['prv.drain', 'prv.verify', 'prv.drain', 'prv.verify']);
    expect(log.vnfcsOf('requestCoordination')).toEqual(['vnfc-1', 'vnfc-1', 'vnfc-0', 'vnfc-0']);
  });

  it('coordinates nothing for a VDU without new_vnfc_param, as Tacker does', async () => {
    const vnfcResourceInfo = vnfcs(2);
    const { log, activities } = fakes(vnfcResourceInfo);

    const state = await harness.withWorker(activities, async (taskQueue) =>
      (await startChange(harness.client, taskQueue, changeInput({ vnfcResourceInfo, withoutEm: true }))).result());

    expect(state.operationState).toBe('COMPLETED');
    expect(log.count('updateVnfc')).toBe(2);
    expect(log.count('requestCoordination')).toBe(0);
    expect(state.lcmCoordinations).toEqual([]);
  });

  it('coordinates nothing through the API for Tacker\'s documented parameters (no endpoint), and still runs the script', async () => {
    const vnfcResourceInfo = vnfcs(2);
    const { log, activities } = fakes(vnfcResourceInfo);
    const input = changeInput({ vnfcResourceInfo, tackerStyleParam: true, scripts: { newVnf: './Scripts/coordinate_vnf.py' } });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    expect(state.operationState).toBe('COMPLETED');
    expect(log.vnfcsOf('runCoordinateScript')).toEqual(['vnfc-1', 'vnfc-0']);
    expect(log.count('requestCoordination')).toBe(0);
    expect(state.lcmCoordinations).toEqual([]);
  });

  it('runs the coordinate-new-vnf script once per VNFC, before the EM is asked', async () => {
    const vnfcResourceInfo = vnfcs(2);
    const { log, activities } = fakes(vnfcResourceInfo);
    const input = changeInput({ vnfcResourceInfo, scripts: { newVnf: './Scripts/coordinate_vnf.py' } });

    await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    const steps = log.calls.filter((c) => ['runCoordinateScript', 'requestCoordination'].includes(c.activity)).map((c) => `${c.activity} ${c.vnfc}`);
    expect(steps).toEqual(['runCoordinateScript vnfc-1', 'requestCoordination vnfc-1', 'runCoordinateScript vnfc-0', 'requestCoordination vnfc-0']);
  });
});

describe('the VIM update of a VNFC', () => {
  it('waits for UPDATE_COMPLETE with workflow timers of vimPollIntervalMs', async () => {
    const vnfcResourceInfo = vnfcs(1);
    const { log, activities } = fakes(vnfcResourceInfo, { readsInProgress: 3 });
    const input = changeInput({ vnfcResourceInfo, tuning: { vimPollIntervalMs: 25 } });

    await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    // One read before the PATCH (the image to come back to), then three in progress, then complete.
    expect(log.count('readVnfcStack')).toBe(5);
    expect(await timerDurations(harness.client, input.vnfLcmOpOccId)).toEqual([25, 25, 25]);
  });

  it('fails the step (504) when the update does not complete within vimUpdateTimeoutSec', async () => {
    const vnfcResourceInfo = vnfcs(1);
    const { vim, activities } = fakes(vnfcResourceInfo);
    vim.stuck.add('server-0');
    const input = changeInput({ vnfcResourceInfo, tuning: { vimUpdateTimeoutSec: 0.2 } });

    const state = await harness.withWorker(activities, async (taskQueue) => reachState(await startChange(harness.client, taskQueue, input), 'FAILED_TEMP'));

    expect(state.error).toEqual({ status: 504, title: 'Gateway Timeout', detail: 'VIM update of VNFC vnfc-0 (VDU1) did not complete within 0.2 s' });
  });

  it('fails the step (502) with Heat\'s reason when the update ends UPDATE_FAILED', async () => {
    const vnfcResourceInfo = vnfcs(1);
    const { vim, log, activities } = fakes(vnfcResourceInfo);
    vim.faults.set('server-0', 'No valid host was found');

    const state = await harness.withWorker(activities, async (taskQueue) =>
      reachState(await startChange(harness.client, taskQueue, changeInput({ vnfcResourceInfo })), 'FAILED_TEMP'));

    expect(state.error?.detail).toBe('VIM update of VNFC vnfc-0 (VDU1) ended UPDATE_FAILED: No valid host was found');
    expect(log.count('requestCoordination')).toBe(0);
  });

  it('does not PATCH a VNFC that is already on the destination image and flavour', async () => {
    const vnfcResourceInfo = vnfcs(2);
    const log = new CallLog();
    const servers = sourceServers(vnfcResourceInfo).map((s) => (s.serverId === 'server-1' ? { ...s, image: 'VDU1-image-v2', flavor: 'VDU1-flavor-v2' } : s));
    const vim = new FakeVim(log, servers);
    const activities = { ...vim.activities(), ...new FakeEm(log).activities(), ...sideActivities(log) };

    await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, changeInput({ vnfcResourceInfo }))).result());

    expect(log.vnfcsOf('updateVnfc')).toEqual(['server-0']);
    expect(log.vnfcsOf('requestCoordination')).toEqual(['vnfc-1', 'vnfc-0']);
  });
});

describe('bounded history', () => {
  it('continues as new at the checkpoint once a run passes historyEventLimit, and carries the progress across', async () => {
    const vnfcResourceInfo = vnfcs(8);
    const { log, activities } = fakes(vnfcResourceInfo);
    const input = changeInput({ vnfcResourceInfo, tuning: { historyEventLimit: 100 } });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    expect(state.operationState).toBe('COMPLETED');
    expect(state.runs).toBeGreaterThan(1);
    // Nothing done twice across runs: every VNFC updated and coordinated exactly once.
    expect(log.vnfcsOf('updateVnfc')).toEqual(vnfcResourceInfo.map((v) => v.serverId).reverse());
    expect(log.vnfcsOf('requestCoordination')).toEqual(vnfcResourceInfo.map((v) => v.id).reverse());
    expect(state.lcmCoordinations).toHaveLength(8);
    const runs = [];
    for await (const run of harness.client.workflow.list({ query: `WorkflowId = '${input.vnfLcmOpOccId}'` })) runs.push(run);
    expect(runs).toHaveLength(state.runs);
    // The checkpoint comes before a VNFC step, so a run passes the limit by one step at most.
    for (const run of runs) expect(run.historyLength).toBeLessThan(100 + 40);
  });

  it('continues as new inside a long EM wait and goes on polling the same coordination', async () => {
    const vnfcResourceInfo = vnfcs(1);
    const log = new CallLog();
    const activities = {
      ...new FakeVim(log, sourceServers(vnfcResourceInfo), { readsInProgress: 0 }).activities(),
      ...new FakeEm(log, { accepted: { retryAfterMs: 0 }, polls: Array.from({ length: 40 }, () => 0) }).activities(),
      ...sideActivities(log),
    };
    const input = changeInput({ vnfcResourceInfo, tuning: { historyEventLimit: 100, minPollIntervalMs: 5 } });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    expect(state.operationState).toBe('COMPLETED');
    expect(state.runs).toBeGreaterThan(1);
    expect(log.count('requestCoordination')).toBe(1);
    expect(log.count('readCoordination')).toBe(41);
    expect(state.lcmCoordinations).toEqual([expect.objectContaining({ id: 'coordination-0', coordinationResult: 'CONTINUE' })]);
    for await (const run of harness.client.workflow.list({ query: `WorkflowId = '${input.vnfLcmOpOccId}'` })) {
      // The checkpoint comes before each wait: a run that continued as new passed the limit by one
      // poll at most. The last run also holds the end of the operation after its last poll (the
      // package record, the final state with its search attributes, view and notification lookup:
      // 16 events), which no checkpoint precedes.
      expect(run.historyLength).toBeLessThan(run.status.name === 'CONTINUED_AS_NEW' ? 100 + 20 : 100 + 20 + 16);
    }
  });
});
