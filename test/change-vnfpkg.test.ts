// change_vnfpkg end to end: gateway → workflow → VIM simulator and reference EM, on the run's
// Temporal dev server. Each test is one behaviour of the rolling update.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordHistory } from './support/histories.ts';
import { changeRequest, opIdOf, postChange, startSystem, vimStack, waitForState, type TestSystem } from './support/system.ts';

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem('change');
});
afterAll(async () => {
  await system?.close();
});

async function destination() {
  const [v1, v2] = system.packages;
  const current = (await system.inventory.instance(system.instance.id))?.vnfdId;
  return current === v1?.vnfd.vnfdId ? v2! : v1!;
}

function vnfcPostOrder(): string[] {
  return system.em.requests.entries()
    .filter((e) => e.method === 'POST' && e.path === '/lcmcoord/v1/coordinations')
    .map((e) => e.vnfcInstanceId ?? '?');
}

describe('change_vnfpkg', () => {
  it('rolls every VNFC onto the new package with a synchronous EM, highest vnfcResourceInfo index first', async () => {
    system.em.behaviours.set({ default: { mode: 'sync' } });
    system.em.requests.clear();
    const target = await destination();

    const { status, location } = await postChange(system, changeRequest(system, target.vnfd.vnfdId));
    expect(status).toBe(202);
    const op = await waitForState(system, opIdOf(location), ['COMPLETED', 'FAILED_TEMP']);

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    const expectedOrder = [...system.instance.vnfcResourceInfo].reverse().map((v) => v.id);
    expect(vnfcPostOrder()).toEqual(expectedOrder);
    const stack = await vimStack(system);
    for (const vnfc of stack.vnfcs) {
      expect(vnfc.image).toBe(target.vnfd.vdus[vnfc.vduId]?.image);
      expect(vnfc.flavor).toBe(target.vnfd.vdus[vnfc.vduId]?.flavor);
    }
    expect(op.lcmCoordinations).toHaveLength(4);
    expect(op.lcmCoordinations?.every((c) => c.coordinationResult === 'CONTINUE' && c.endTime)).toBe(true);
    expect(op.modificationsTriggeredByVnfPkgChange?.vnfdId).toBe(target.vnfd.vnfdId);
    expect((await system.inventory.instance(system.instance.id))?.vnfdId).toBe(target.vnfd.vnfdId);
    await recordHistory(system.client, opIdOf(location), 'change-sync-em');
  });

  it('rolls every VNFC onto the new package with an asynchronous EM that is polled until it answers', async () => {
    system.em.behaviours.set({ default: { mode: 'async', polls: 2, retryAfter: 0 } });
    system.em.requests.clear();
    const target = await destination();

    const { status, location } = await postChange(system, changeRequest(system, target.vnfd.vnfdId));
    expect(status).toBe(202);
    const op = await waitForState(system, opIdOf(location), ['COMPLETED', 'FAILED_TEMP']);

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(vnfcPostOrder()).toEqual([...system.instance.vnfcResourceInfo].reverse().map((v) => v.id));
    const gets = system.em.requests.entries().filter((e) => e.method === 'GET');
    expect(gets).toHaveLength(4 * 3);
    const stack = await vimStack(system);
    expect(stack.vnfcs.every((v) => v.image === target.vnfd.vdus[v.vduId]?.image)).toBe(true);
    await recordHistory(system.client, opIdOf(location), 'change-async-em');
  });

  it('waits at least Retry-After before polling the coordination again', async () => {
    system.em.behaviours.set({ default: { mode: 'async', polls: 1, retryAfter: 1 } });
    system.em.requests.clear();
    const target = await destination();
    const body = changeRequest(system, target.vnfd.vnfdId);
    (body.additionalParams as { vdu_params: unknown[] }).vdu_params.splice(1); // VDU1 only: 2 VNFCs

    const { location } = await postChange(system, body);
    const op = await waitForState(system, opIdOf(location), ['COMPLETED', 'FAILED_TEMP']);

    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    const log = system.em.requests.entries();
    let checked = 0;
    for (const [i, entry] of log.entries()) {
      if (entry.method !== 'GET') continue;
      const previous = log.slice(0, i).reverse().find((e) => e.coordinationId === entry.coordinationId);
      expect(previous, 'a GET follows the exchange that set its Retry-After').toBeDefined();
      expect(entry.time - (previous?.time ?? 0)).toBeGreaterThanOrEqual(1000);
      checked += 1;
    }
    expect(checked).toBe(2 * 2);
    await recordHistory(system.client, opIdOf(location), 'change-retry-after');
  });

  it('fails the step to FAILED_TEMP with the EM detail when the EM answers ABORT', async () => {
    system.em.behaviours.set({ default: { mode: 'sync', result: 'ABORT', error: 'VNFC not drained' } });
    const target = await destination();

    const { location } = await postChange(system, changeRequest(system, target.vnfd.vnfdId));
    const op = await waitForState(system, opIdOf(location), ['COMPLETED', 'FAILED_TEMP']);

    expect(op.operationState).toBe('FAILED_TEMP');
    expect(op.error?.detail).toBe('VNFC not drained');
    expect(op._links.retry).toBeDefined();
    await system.client.workflow.getHandle(opIdOf(location)).terminate('test cleanup');
  });
});

describe('changeVnfPkg started by hand, not through the VNFM API', () => {
  it('fails at once with InvalidInput naming the missing parts, instead of failing workflow tasks over and over', async () => {
    const handle = await system.client.workflow.start('changeVnfPkg', {
      taskQueue: system.taskQueue, workflowId: `by-hand-${Date.now()}`, args: [{ vnfLcmOpOccId: 'x', stack: { name: 's' } }],
    });

    const failure = await handle.result().then(() => undefined, (err: unknown) => (err as { cause?: { type?: string; message?: string } }).cause);
    expect(failure?.type).toBe('InvalidInput');
    expect(failure?.message).toBe('invalid changeVnfPkg input: vnfInstanceId, stack, vnfcResourceInfo, request.additionalParams.vdu_params, target.vdus, target.coordinationActionNames, links missing or malformed (start it through the VNFM API)');
  });
});
