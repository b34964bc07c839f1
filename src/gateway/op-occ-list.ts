// The list of VNF LCM operation occurrences: a page of Temporal visibility, narrowed by the
// filter terms visibility can evaluate, each occurrence rendered from its workflow and checked
// against the whole filter (visibility lags behind the workflows).
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { matchesFilter, type FilterTerm } from '../http/sol013-filter.ts';
import { VNF_INSTANCE_ID, VNF_LCM_OPERATION, VNF_LCM_OPERATION_STATE } from '../search-attributes.ts';
import type { VnfLcmOpOcc } from '../sol003/models.ts';
import { toVnfLcmOpOcc } from './op-occ.ts';
import { operationSnapshot } from './operation-workflows.ts';
import { OPERATION_WORKFLOW_TYPES } from '../lcm/operation-lifecycle.ts';

const RENDER_TIMEOUT_MS = 3_000;
/** Filter attributes that Temporal visibility can narrow down (the rest is checked on the rendered occurrence). */
const VISIBILITY_ATTRIBUTES: Record<string, string> = {
  id: 'WorkflowId', operationState: VNF_LCM_OPERATION_STATE.name, vnfInstanceId: VNF_INSTANCE_ID.name, operation: VNF_LCM_OPERATION.name,
};
const LCM_WORKFLOW_TYPES = Object.values(OPERATION_WORKFLOW_TYPES);

export interface OpOccPage {
  occurrences: VnfLcmOpOcc[];
  /** Temporal's token of the next page, if there is one. */
  next?: Uint8Array;
}

export async function listOpOccs(
  deps: { client: Client; taskQueue: string; apiRoot: string }, terms: FilterTerm[], pageToken: Uint8Array | undefined, pageSize: number,
): Promise<OpOccPage> {
  const page = await deps.client.workflowService.listWorkflowExecutions({
    namespace: deps.client.options.namespace,
    query: visibilityQuery(terms, deps.taskQueue),
    pageSize,
    nextPageToken: pageToken,
  });
  const rendered = await Promise.all((page.executions ?? []).map(async (execution) => {
    const id = execution.execution?.workflowId;
    if (!id) return undefined;
    // One slow or unreachable occurrence must not hold the whole page.
    const state = await Promise.race([operationSnapshot(deps, id), delay(RENDER_TIMEOUT_MS)]).catch(() => undefined);
    return state && toVnfLcmOpOcc(state, deps.apiRoot);
  }));
  return {
    occurrences: rendered.filter((op): op is VnfLcmOpOcc => op !== undefined && matchesFilter(op, terms)),
    ...(page.nextPageToken?.length ? { next: page.nextPageToken } : {}),
  };
}

/** The filter's equality terms as a visibility query; visibility lags, so results are re-checked. */
function visibilityQuery(terms: FilterTerm[], taskQueue: string): string {
  const clauses = [
    `WorkflowType IN (${LCM_WORKFLOW_TYPES.map(quote).join(', ')})`, `ExecutionStatus != 'ContinuedAsNew'`, `TaskQueue = ${quote(taskQueue)}`,
  ];
  for (const term of terms) {
    const attribute = term.path.length === 1 ? VISIBILITY_ATTRIBUTES[term.path[0] ?? ''] : undefined;
    if (!attribute || !['eq', 'in', 'neq', 'nin'].includes(term.op)) continue;
    const negate = term.op === 'neq' || term.op === 'nin';
    clauses.push(`${attribute} ${negate ? 'NOT IN' : 'IN'} (${term.values.map((value) => quote(String(value))).join(', ')})`);
  }
  return clauses.join(' AND ');
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
