// An operation occurrence is its workflow: read its state, and run a task on it, with Temporal's
// answers mapped onto SOL003 statuses. Only the operation workflows of this VNFM are occurrences:
// an id that names any other workflow of the namespace (an instance entity, a notifier, another
// application's) is a 404 like an id that names nothing.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { HttpProblem } from '../http/problem.ts';
import { OPERATION_WORKFLOW_TYPES } from '../lcm/operation-lifecycle.ts';
import type { changeVnfPkg } from '../workflows/change-vnfpkg.ts';
import { operationQuery } from '../workflows/messages.ts';
import { OCCURRENCE_MEMO, occurrenceView, type OccurrenceView } from '../workflows/occurrence-view.ts';
import { queryWhenReady } from './temporal-errors.ts';

export interface OperationWorkflows {
  client: Client;
  /** The VNFM's task queue: occurrences of another deployment sharing the namespace are not ours. */
  taskQueue: string;
}

/** Occurrence ids are the UUIDs the gateway gives them. */
const OCCURRENCE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WORKFLOW_TYPES: ReadonlySet<string> = new Set(Object.values(OPERATION_WORKFLOW_TYPES));

/**
 * What a reader sees of the operation: the view the workflow keeps in its memo, read from the
 * server with the describe that finds the occurrence, so no reader waits for a worker, however
 * busy. Runs that keep no view (started before it existed, or with a view too large for a memo)
 * are read as before: the result of a finished workflow, the query answer of a running one.
 */
export async function operationSnapshot(deps: OperationWorkflows, id: string): Promise<OccurrenceView> {
  const { handle, finished, memo } = await occurrence(deps, id);
  const published = memo?.[OCCURRENCE_MEMO] as OccurrenceView | undefined;
  if (published) return published;
  return occurrenceView(await (finished ? handle.result() : queryWhenReady(() => handle.query(operationQuery))));
}

/** Runs a task on an operation's workflow: unknown → 404, finished or refused → 409. */
export async function withOperation<T>(deps: OperationWorkflows, id: string, call: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
  const { handle } = await occurrence(deps, id);
  try {
    return await call(handle);
  } catch (err) {
    // An update to a closed workflow reports "not found"; the occurrence exists but has finished.
    if (err instanceof WorkflowNotFoundError) throw finished(id);
    if (err instanceof WorkflowUpdateFailedError) throw new HttpProblem(409, err.cause?.message ?? err.message);
    if (/already completed|workflow execution already completed/i.test((err as Error).message ?? '')) throw finished(id);
    throw err;
  }
}

async function occurrence(
  deps: OperationWorkflows, id: string,
): Promise<{ handle: WorkflowHandle<typeof changeVnfPkg>; finished: boolean; memo?: Record<string, unknown> }> {
  if (!OCCURRENCE_ID.test(id)) throw notFound(id);
  const handle = deps.client.workflow.getHandle<typeof changeVnfPkg>(id);
  const description = await handle.describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) throw notFound(id);
    throw err;
  });
  if (!WORKFLOW_TYPES.has(description.type) || description.taskQueue !== deps.taskQueue) throw notFound(id);
  return { handle, finished: description.status.name === 'COMPLETED', memo: description.memo };
}

function notFound(id: string): HttpProblem {
  return new HttpProblem(404, `VNF LCM operation occurrence ${id} does not exist`);
}

function finished(id: string): HttpProblem {
  return new HttpProblem(409, `VNF LCM operation occurrence ${id} has finished; the task is not allowed`);
}
