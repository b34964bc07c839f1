// An operation occurrence is its workflow: read its state, and run a task on it, with Temporal's
// answers mapped onto SOL003 statuses.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { HttpProblem } from '../http/problem.ts';
import type { changeVnfPkg } from '../workflows/change-vnfpkg.ts';
import { operationQuery } from '../workflows/messages.ts';
import type { OperationState } from '../workflows/operation-state.ts';
import { queryWhenReady } from './temporal-errors.ts';

/** The operation's state: the result of a finished workflow, the query answer of a running one. */
export async function operationSnapshot(client: Client, id: string): Promise<OperationState> {
  const handle = client.workflow.getHandle<typeof changeVnfPkg>(id);
  const { status } = await handle.describe();
  return status.name === 'COMPLETED' ? handle.result() : queryWhenReady(() => handle.query(operationQuery));
}

/** Runs a call on an operation's workflow: unknown → 404, finished or refused → 409. */
export async function withOperation<T>(
  client: Client, id: string, call: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>,
): Promise<T> {
  try {
    return await call(client.workflow.getHandle(id));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      // An update to a closed workflow reports "not found"; the occurrence exists but has finished.
      const exists = await client.workflow.getHandle(id).describe().then(() => true, () => false);
      if (exists) throw new HttpProblem(409, `VNF LCM operation occurrence ${id} has finished; the task is not allowed`);
      throw new HttpProblem(404, `VNF LCM operation occurrence ${id} does not exist`);
    }
    if (err instanceof WorkflowUpdateFailedError) throw new HttpProblem(409, err.cause?.message ?? err.message);
    const message = (err as Error).message ?? '';
    if (/already completed|workflow execution already completed/i.test(message)) {
      throw new HttpProblem(409, `VNF LCM operation occurrence ${id} has finished; the task is not allowed`);
    }
    throw err;
  }
}
