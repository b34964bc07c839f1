// Whoever reaches the Temporal frontend can start workflows on the VNFM's task queue. Each test
// is such a caller without the payload keys, sending what once made the worker run a script
// of its choice, and what comes of it: the worker takes nothing it cannot decrypt.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeRequest, postChange, startSystem, waitForState, type TestSystem } from './support/system.ts';
import { eventually } from './support/wait.ts';

const EventType = temporal.api.enums.v1.EventType;

let system: TestSystem;
let connection: Connection;
/** A client of the same namespace with Temporal's default data converter: no keys. */
let outsider: Client;
const started: string[] = [];

beforeAll(async () => {
  system = await startSystem('hostile-inputs');
  connection = await Connection.connect({ address: system.temporalAddress });
  outsider = new Client({ connection });
});
afterAll(async () => {
  await Promise.all(started.map((id) => system.client.workflow.getHandle(id).terminate('test over').catch(() => undefined)));
  await connection?.close();
  await system?.close();
});

async function eventTypes(workflowId: string): Promise<temporal.api.enums.v1.EventType[]> {
  const history = await system.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => e.eventType ?? EventType.EVENT_TYPE_UNSPECIFIED);
}

describe('a workflow started on the frontend by a caller without the payload keys', () => {
  it('is refused at its first workflow task: the worker schedules nothing and runs no script', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'hostile-input-')), 'owned');
    const workflowId = randomUUID();
    // The shape of a change input, with the folder and script an attacker would choose.
    await outsider.workflow.start('changeVnfPkg', {
      taskQueue: system.taskQueue, workflowId,
      args: [{ vnfInstanceId: system.instance.id, contentDir: '/', packageId: '../../..', script: `/bin/sh -c "touch ${marker}"` }],
    });
    started.push(workflowId);

    await eventually('the worker refuses the workflow task', async () => (await eventTypes(workflowId)).includes(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED));

    const events = await eventTypes(workflowId);
    expect(events).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect(events).not.toContain(EventType.EVENT_TYPE_MARKER_RECORDED);
    expect(existsSync(marker)).toBe(false);
    expect((await system.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
  });

  it('cannot steer an operation of the VNFM: a plaintext update to it is refused and the operation goes on', async () => {
    system.em.behaviours.set({ default: { mode: 'async', never: true } });
    const { location } = await postChange(system, changeRequest(system, system.packages[1]!.vnfd.vnfdId));
    const opId = String(location).split('/').pop() ?? '';
    await waitForState(system, opId, ['PROCESSING']);

    // The worker cannot decode it, so it never reaches the workflow; the server fails it when the update times out (20 s).
    const refused = await outsider.workflow.getHandle(opId).executeUpdate('cancel', { args: [{ cancelMode: 'FORCEFUL' }] }).then(() => undefined, (err: unknown) => err);

    expect(refused).toBeInstanceOf(Error);
    const events = await eventTypes(opId);
    expect(events).not.toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
    system.em.behaviours.reset();
    system.em.finishHeld();
    expect((await waitForState(system, opId, ['COMPLETED', 'FAILED_TEMP', 'ROLLED_BACK'])).operationState).toBe('COMPLETED');
  });
});
