// The SOL003 tasks that undo or stop a change: rollback from FAILED_TEMP (the touched VNFCs,
// newest first, back to their old image, through the old-VNFC coordination path) and cancel
// in both modes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BehaviourConfigInput } from '../src/em/behaviour.ts';
import { ensureSampleInstance } from '../src/inventory/sample.ts';
import type { VnfInstanceRecord, VnfPackageRecord } from '../src/inventory/store.ts';
import { recordHistory } from './support/histories.ts';
import {
  changeRequest, getOpOcc, operatorTask, opIdOf, postChange, startSystem, vimStack, waitForState, type TestSystem,
} from './support/system.ts';
import { eventually } from './support/wait.ts';

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem('undo');
});
afterAll(async () => {
  await system?.close();
});

const TERMINAL = ['COMPLETED', 'FAILED_TEMP', 'FAILED', 'ROLLED_BACK'];

async function freshInstance(layout: Record<string, number> = { VDU1: 2, VDU2: 2 }): Promise<VnfInstanceRecord> {
  return ensureSampleInstance(system.inventory, system.vim.url, system.packages[0] as VnfPackageRecord, { instanceId: crypto.randomUUID(), layout });
}

async function start(behaviour: BehaviourConfigInput, instance: VnfInstanceRecord, vnfcParam: Record<string, unknown> = {}): Promise<string> {
  system.em.behaviours.set(behaviour);
  const res = await postChange(system, changeRequest(system, system.packages[1]!.vnfd.vnfdId, vnfcParam), instance.id);
  expect(res.status, res.body).toBe(202);
  return opIdOf(res.location);
}

/** The first VNFC of the instance in rolling order has its coordination under way at the EM. */
async function firstVnfcCoordinating(instance: VnfInstanceRecord): Promise<string> {
  const first = instance.vnfcResourceInfo.at(-1)!;
  await eventually(`the EM to accept the coordination of ${first.id}`, () => system.em.requests.entries()
    .some((e) => e.method === 'POST' && e.path.endsWith('/coordinations') && e.status === 202 && e.vnfcInstanceId === first.id));
  return first.id;
}

async function imagesOf(instance: VnfInstanceRecord): Promise<Map<string, string>> {
  const stack = await vimStack({ ...system, instance });
  return new Map(stack.vnfcs.map((v) => [v.serverId, v.image]));
}

describe('rollback', () => {
  it('reverts, newest first, only the VNFCs that were changed, coordinating each with the old VNFC parameters', async () => {
    const instance = await freshInstance();
    const order = [...instance.vnfcResourceInfo].reverse();
    const before = await imagesOf(instance);
    const opId = await start({
      rules: [{ match: { vnfcInstanceId: order[1]!.id }, result: 'ABORT', error: 'not now' }],
      default: { mode: 'sync' },
    }, instance);
    expect((await waitForState(system, opId, TERMINAL)).operationState).toBe('FAILED_TEMP');
    system.em.requests.clear();
    system.em.behaviours.set({ default: { mode: 'sync' } });

    expect((await operatorTask(system, opId, 'rollback')).status).toBe(202);
    const op = await waitForState(system, opId, TERMINAL);

    expect(op.operationState, op.error?.detail).toBe('ROLLED_BACK');
    await recordHistory(system.client, opId, 'rollback');
    expect(await imagesOf(instance)).toEqual(before);
    const rolledBack = system.em.requests.entries().filter((e) => e.method === 'POST').map((e) => e.vnfcInstanceId);
    expect(rolledBack).toEqual([order[1]!.id, order[0]!.id]);
    expect((await system.inventory.instance(instance.id))?.vnfdId).toBe(system.packages[0]!.vnfd.vnfdId);
    expect(op._links.retry).toBeUndefined();
  });

  it('is refused with 409 unless the operation is in FAILED_TEMP', async () => {
    const instance = await freshInstance({ VDU1: 1, VDU2: 1 });
    const opId = await start({ default: { mode: 'sync' } }, instance);
    await waitForState(system, opId, TERMINAL);
    const res = await operatorTask(system, opId, 'rollback');
    expect(res.status).toBe(409);
  });
});

describe('cancel', () => {
  it('GRACEFUL lets the current VNFC finish, then stops in FAILED_TEMP', async () => {
    const instance = await freshInstance();
    // The EM holds the first VNFC in coordination until the test ends it.
    const opId = await start({ default: { mode: 'async', never: true } }, instance);
    const first = await firstVnfcCoordinating(instance);

    expect((await operatorTask(system, opId, 'cancel', { cancelMode: 'GRACEFUL' })).status).toBe(202);
    expect((await getOpOcc(system, opId)).isCancelPending).toBe(true);
    expect(system.em.finishHeld('CONTINUE', { vnfcInstanceId: first })).toBe(1);
    const op = await waitForState(system, opId, TERMINAL);

    expect(op.operationState).toBe('FAILED_TEMP');
    expect(op.error?.detail).toBe('the operation was cancelled by the operator (GRACEFUL)');
    expect(op.isCancelPending).toBe(false);
    expect(op.lcmCoordinations).toHaveLength(1);
    expect(op.lcmCoordinations?.[0]?.coordinationResult).toBe('CONTINUE');
    expect((await operatorTask(system, opId, 'fail')).status).toBe(200);
  });

  it('FORCEFUL stops at once and cancels the open coordination at the EM', async () => {
    const instance = await freshInstance();
    const opId = await start({ default: { mode: 'async', never: true, retryAfter: 1 } }, instance);
    // The 202 is back and recorded: the workflow waits in a timer with the coordination open.
    await eventually('the open coordination in the operation', async () => (await getOpOcc(system, opId)).lcmCoordinations?.length === 1);
    system.em.requests.clear();

    expect((await operatorTask(system, opId, 'cancel', { cancelMode: 'FORCEFUL' })).status).toBe(202);
    const op = await waitForState(system, opId, TERMINAL, 15_000);

    expect(op.operationState).toBe('FAILED_TEMP');
    expect(op.error?.detail).toBe('the operation was cancelled by the operator (FORCEFUL)');
    await recordHistory(system.client, opId, 'cancel-forceful');
    const cancels = system.em.requests.entries().filter((e) => e.path.endsWith('/cancel'));
    expect(cancels.map((c) => c.status)).toEqual([202]);
    expect((await operatorTask(system, opId, 'fail')).status).toBe(200);
  });

  it('answers 400 to a cancel without a valid cancelMode and 409 when the operation is not running', async () => {
    const instance = await freshInstance({ VDU1: 1, VDU2: 1 });
    const opId = await start({ default: { mode: 'sync' } }, instance);
    expect((await operatorTask(system, opId, 'cancel', { cancelMode: 'SOFT' })).status).toBe(400);
    await waitForState(system, opId, TERMINAL);
    expect((await operatorTask(system, opId, 'cancel', { cancelMode: 'GRACEFUL' })).status).toBe(409);
  });
});
