// A Blue-Green change as workflow logic: the order of its steps, FAILED_TEMP at each kind of
// step, retry resuming at the failed step, rollback (switch back only if a switch was started,
// then the green VNFCs deleted; refused once the blue ones are being deleted), cancel, and
// continue-as-new in a long VIM wait. Activities are fakes (blue-green-fakes.ts, fakes.ts).
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { expect, it } from 'vitest';
import { ChangeVnfPkgInput, type ParsedChangeVnfPkgInput } from '../../src/lcm/change-vnfpkg-input.ts';
import { affectedVnfcsOf } from '../../src/workflows/affected-vnfcs.ts';
import { cancelUpdate, operationQuery, retryUpdate, rollbackUpdate } from '../../src/workflows/messages.ts';
import type { OperationState } from '../../src/workflows/operation-state.ts';
import { eventually } from '../support/wait.ts';
import { FakeGroupedStack, FakeLoadBalancer, replacementRecord } from './blue-green-fakes.ts';
import { CallLog, FakeEm, sideActivities, type EmPlan } from './fakes.ts';
import { changeInput, EM_NEW, EM_OLD, reachState, startChange, useHarness, vnfcs, type ChangeOptions } from './harness.ts';

const harness = useHarness();
/** Two VNFCs of VDU1 and one of VDU2: the blue side. */
const blueVnfcs = [...vnfcs(2, 'VDU1'), ...vnfcs(1, 'VDU2', 2)];
const SCRIPTS = { newVnf: './Scripts/coordinate_vnf.py', oldVnf: './Scripts/coordinate_vnf_old.py' };
const LB = { ip_address: '192.0.2.10', username: 'lb-admin', password: 'lb-secret' };

function blueGreenInput(options: Partial<ChangeOptions> = {}): ParsedChangeVnfPkgInput {
  const rolling = changeInput({ vnfcResourceInfo: blueVnfcs, scripts: SCRIPTS, ...options });
  const { additionalParams } = rolling.request;
  return ChangeVnfPkgInput.parse({
    ...rolling, request: { ...rolling.request, additionalParams: { ...additionalParams, upgrade_type: 'BlueGreen', external_lb_param: LB } },
  });
}

/** The server ids Heat gives the green VNFCs of a VDU (the fake names them after the group). */
function greenServers(input: ParsedChangeVnfPkgInput, vduId: string, count: number): string[] {
  const suffix = input.vnfLcmOpOccId.replace(/[^A-Za-z0-9]/g, '').slice(0, 8);
  return Array.from({ length: count }, (_, i) => `${vduId}-${suffix}-server-${i}`);
}

function fakes(emPlan: EmPlan = {}) {
  const log = new CallLog();
  const stack = new FakeGroupedStack(log, blueVnfcs);
  const em = new FakeEm(log, emPlan);
  const lb = new FakeLoadBalancer(log, stack.serverIds());
  const activities = { ...sideActivities(log), ...em.activities(), ...stack.activities(), ...lb.activities(), ...replacementRecord(log) };
  return { log, stack, em, lb, activities };
}

/** The steps that change something, in the order they ran. */
function changes(log: CallLog): string[] {
  const kinds = new Set(['updateVnfcGroups', 'requestCoordination', 'switchLoadBalancer', 'recordVnfcReplacement', 'recordPackageChange']);
  return log.calls.filter((c) => kinds.has(c.activity)).map((c) => `${c.activity} ${c.vnfc ?? c.detail ?? ''}`.trim());
}

async function query(handle: WorkflowHandle): Promise<OperationState> {
  return handle.query(operationQuery);
}

it('adds green, coordinates it as new, switches, coordinates blue as old, removes blue, and records the green VNFCs', async () => {
  const { log, stack, lb, activities } = fakes();
  const input = blueGreenInput();
  const green = [...greenServers(input, 'VDU1', 2), ...greenServers(input, 'VDU2', 1)];

  const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

  expect(state.operationState, state.error?.detail).toBe('COMPLETED');
  const suffix = green[0]!.split('-')[1];
  expect(changes(log)).toEqual([
    `updateVnfcGroups ${JSON.stringify({ add: [`VDU1-${suffix}`, `VDU2-${suffix}`], remove: [] })}`,
    ...green.map((id) => `requestCoordination ${id}`),
    `switchLoadBalancer ${green.join(',')}`,
    // blue, newest first
    'requestCoordination vnfc-2', 'requestCoordination vnfc-1', 'requestCoordination vnfc-0',
    `updateVnfcGroups ${JSON.stringify({ add: [], remove: ['VDU2', 'VDU1'] })}`, // the groups of blue, in blue's order
    `recordVnfcReplacement ${JSON.stringify({ removed: ['vnfc-2', 'vnfc-1', 'vnfc-0'], added: green })}`,
    'recordPackageChange vnfd-v2',
  ]);
  // green with the new VNFCs' parameters and script, blue with the old ones'
  expect(log.calls.filter((c) => c.activity === 'requestCoordination').map((c) => c.detail)).toEqual([EM_NEW, EM_NEW, EM_NEW, EM_OLD, EM_OLD, EM_OLD]);
  expect(log.calls.filter((c) => c.activity === 'runCoordinateScript').map((c) => c.detail)).toEqual([
    SCRIPTS.newVnf, SCRIPTS.newVnf, SCRIPTS.newVnf, SCRIPTS.oldVnf, SCRIPTS.oldVnf, SCRIPTS.oldVnf,
  ]);
  expect(lb.pool).toEqual(green);
  expect(stack.serverIds()).toEqual(green);
  expect(affectedVnfcsOf(state).map((v) => `${v.changeType} ${v.id}`)).toEqual([
    ...green.map((id) => `ADDED ${id}`), 'REMOVED vnfc-2', 'REMOVED vnfc-1', 'REMOVED vnfc-0',
  ]);
});

it('goes to FAILED_TEMP when Heat fails to add the green VNFCs, and retry sends the update again and completes', async () => {
  const { log, stack, activities } = fakes();
  stack.failNextUpdate = 'Quota exceeded for instances';
  const input = blueGreenInput();

  await harness.withWorker(activities, async (taskQueue) => {
    const handle = await startChange(harness.client, taskQueue, input);
    const failed = await reachState(handle, 'FAILED_TEMP');
    expect(failed.error?.detail).toContain('Quota exceeded for instances');
    expect(affectedVnfcsOf(failed)).toEqual([]);

    await handle.executeUpdate(retryUpdate);
    expect((await handle.result()).operationState).toBe('COMPLETED');
  });
  expect(log.calls.filter((c) => c.activity === 'updateVnfcGroups')).toHaveLength(3); // add, add again, remove
  expect(log.count('switchLoadBalancer')).toBe(1);
});

it('resumes at the green VNFC the EM aborted on retry: the VNFCs before it are not coordinated again', async () => {
  const { log, em, activities } = fakes();
  const input = blueGreenInput();
  const [first, second] = greenServers(input, 'VDU1', 2);
  em.plan(second!, { result: 'ABORT', error: 'not now' });

  await harness.withWorker(activities, async (taskQueue) => {
    const handle = await startChange(harness.client, taskQueue, input);
    expect((await reachState(handle, 'FAILED_TEMP')).error?.detail).toBe('not now');
    em.plan(second!, {});
    await handle.executeUpdate(retryUpdate);
    expect((await handle.result()).operationState).toBe('COMPLETED');
  });
  expect(log.vnfcsOf('requestCoordination').filter((v) => v === first)).toHaveLength(1);
  expect(log.vnfcsOf('requestCoordination').filter((v) => v === second)).toHaveLength(2);
  expect(log.calls.filter((c) => c.activity === 'updateVnfcGroups')).toHaveLength(2); // green added once
});

it('rolls back a change that failed before the switch by deleting the green VNFCs, without touching the load balancer', async () => {
  const { log, em, stack, lb, activities } = fakes();
  const input = blueGreenInput();
  em.plan(greenServers(input, 'VDU1', 1)[0]!, { result: 'ABORT' });

  const state = await harness.withWorker(activities, async (taskQueue) => {
    const handle = await startChange(harness.client, taskQueue, input);
    await reachState(handle, 'FAILED_TEMP');
    await handle.executeUpdate(rollbackUpdate);
    return handle.result();
  });

  expect(state.operationState).toBe('ROLLED_BACK');
  expect(log.count('switchLoadBalancer')).toBe(0);
  expect(stack.serverIds()).toEqual(blueVnfcs.map((v) => v.serverId));
  expect(lb.pool).toEqual(blueVnfcs.map((v) => v.serverId));
  expect(affectedVnfcsOf(state)).toEqual([]);
  expect(log.count('recordPackageChange')).toBe(0);
});

it('rolls back a switch that failed after changing the pool: the load balancer goes back to blue, then green is deleted', async () => {
  const { log, stack, lb, activities } = fakes();
  lb.failNext = 'after';
  const input = blueGreenInput();
  const green = [...greenServers(input, 'VDU1', 2), ...greenServers(input, 'VDU2', 1)];

  const state = await harness.withWorker(activities, async (taskQueue) => {
    const handle = await startChange(harness.client, taskQueue, input);
    const failed = await reachState(handle, 'FAILED_TEMP');
    expect(failed.error?.detail).toContain('the load balancer did not confirm the change');
    expect(lb.pool).toEqual(green);
    await handle.executeUpdate(rollbackUpdate);
    return handle.result();
  });

  expect(state.operationState).toBe('ROLLED_BACK');
  const blue = blueVnfcs.map((v) => v.serverId);
  expect(log.calls.filter((c) => c.activity === 'switchLoadBalancer').map((c) => [c.vnfc, c.detail])).toEqual([
    [green.join(','), `new:${SCRIPTS.newVnf}`],
    // the switch back runs the old package's script; blue in the order it is coordinated (newest first)
    [[...blue].reverse().join(','), `old:${SCRIPTS.oldVnf}`],
  ]);
  expect(lb.pool).toEqual([...blue].reverse());
  expect(stack.serverIds()).toEqual(blue);
  // the switch back came before green was deleted
  const order = changes(log).map((c) => c.split(' ')[0]);
  expect(order.slice(-2)).toEqual(['switchLoadBalancer', 'updateVnfcGroups']);
});

it('refuses the rollback once the blue VNFCs are being deleted; retry completes the change', async () => {
  const { stack, activities } = fakes();
  stack.failRemovalOf = { group: 'VDU1', reason: 'Resource DELETE failed' };
  const input = blueGreenInput();

  await harness.withWorker(activities, async (taskQueue) => {
    const handle = await startChange(harness.client, taskQueue, input);
    const failed = await reachState(handle, 'FAILED_TEMP');
    expect(failed.error?.detail).toContain('Resource DELETE failed');
    expect(failed.blueGreen?.stage).toBe('REMOVING_BLUE');

    const refusal = await handle.executeUpdate(rollbackUpdate).then(() => undefined, (err: unknown) => err);
    expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refusal as WorkflowUpdateFailedError).cause?.message).toMatch(/cannot be rolled back: the blue VNFCs are being deleted/);

    await handle.executeUpdate(retryUpdate);
    expect((await handle.result()).operationState).toBe('COMPLETED');
  });
});

it('stops a GRACEFUL cancel after the green VNFC in coordination, before the next one', async () => {
  const { log, em, activities } = fakes();
  const input = blueGreenInput();
  const [first, second] = greenServers(input, 'VDU1', 2);
  em.plan(first!, { accepted: { retryAfterMs: 20 }, held: true });

  await harness.withWorker(activities, async (taskQueue) => {
    const handle = await startChange(harness.client, taskQueue, input);
    await eventually('the first green VNFC in coordination', async () => (await query(handle)).lcmCoordinations.length === 1);
    await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'GRACEFUL' }] });
    expect(em.finishHeld('CONTINUE')).toBe(1);
    const failed = await reachState(handle, 'FAILED_TEMP');
    expect(failed.error?.detail).toBe('the operation was cancelled by the operator (GRACEFUL)');
  });
  expect(log.vnfcsOf('requestCoordination')).toEqual([first]);
  expect(log.vnfcsOf('requestCoordination')).not.toContain(second);
  expect(log.count('switchLoadBalancer')).toBe(0);
});

it('cancels the open coordination at the EM on a FORCEFUL cancel; rollback then deletes the green VNFCs', async () => {
  const { log, em, stack, activities } = fakes();
  const input = blueGreenInput();
  const [first] = greenServers(input, 'VDU1', 1);
  em.plan(first!, { accepted: { retryAfterMs: 20 }, held: true });

  const state = await harness.withWorker(activities, async (taskQueue) => {
    const handle = await startChange(harness.client, taskQueue, input);
    await eventually('the first green VNFC in coordination', async () => (await query(handle)).lcmCoordinations.length === 1);
    await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'FORCEFUL' }] });
    expect((await reachState(handle, 'FAILED_TEMP')).error?.detail).toBe('the operation was cancelled by the operator (FORCEFUL)');
    await handle.executeUpdate(rollbackUpdate);
    return handle.result();
  });

  expect(log.vnfcsOf('cancelCoordination')).toEqual([first]);
  expect(state.operationState).toBe('ROLLED_BACK');
  expect(stack.serverIds()).toEqual(blueVnfcs.map((v) => v.serverId));
});

it('switches back on rollback when a FORCEFUL cancel stopped the switch: it may have happened', async () => {
  const { log, lb, activities } = fakes();
  lb.hold();
  const input = blueGreenInput();

  await harness.withWorker(activities, async (taskQueue) => {
    const handle = await startChange(harness.client, taskQueue, input);
    await eventually('the switch to start', () => log.count('switchLoadBalancer') === 1);
    await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'FORCEFUL' }] });
    expect((await reachState(handle, 'FAILED_TEMP')).blueGreen?.switchToGreen).toBe('STARTED');
    lb.releaseHeld(); // the stopped switch goes through at the load balancer after all
    await handle.executeUpdate(rollbackUpdate);
    expect((await handle.result()).operationState).toBe('ROLLED_BACK');
  });
  expect(log.calls.filter((c) => c.activity === 'switchLoadBalancer').map((c) => c.detail?.split(':')[0])).toEqual(['new', 'old']);
  expect(new Set(lb.pool)).toEqual(new Set(blueVnfcs.map((v) => v.serverId)));
});

it('keeps its progress and the VIM deadline across continue-as-new during a long Heat update', async () => {
  const { log, stack, activities } = fakes();
  stack.readsInProgress = 40;
  const input = blueGreenInput({ tuning: { historyEventLimit: 100 } });

  const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

  expect(state.operationState).toBe('COMPLETED');
  expect(state.runs).toBeGreaterThan(1);
  expect(log.calls.filter((c) => c.activity === 'updateVnfcGroups' && c.detail?.includes('"add":["VDU1'))).toHaveLength(1);
});
