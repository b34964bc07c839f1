// SOL003 §5.4.12–5.4.17 VNF LCM operation occurrences: the list (SOL013 filter, paged with
// Link: rel="next"), one occurrence, and the tasks on one (retry, rollback, fail, cancel), each
// read from or sent to the operation's workflow.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { App } from '../../http/app.ts';
import type { ResourceModel } from '../../http/sol013-selectors.ts';
import { CancelMode, VnfLcmOpOcc } from '../../sol003/models.ts';
import { cancelUpdate, failUpdate, retryUpdate, rollbackUpdate } from '../../workflows/messages.ts';
import { occurrenceView } from '../../workflows/occurrence-view.ts';
import { empty, json, problem, TEMPORAL_UNREACHABLE } from '../answers.ts';
import { listRequest, ListQuery, NEXT_PAGE_LINK, setNextLink, type ListPaging } from '../collections.ts';
import { listOpOccs } from '../op-occ-list.ts';
import { toVnfLcmOpOcc } from '../op-occ.ts';
import { operationSnapshot, withOperation, type OperationWorkflows } from '../operation-workflows.ts';
import { VNFLCM_BASE } from '../vnf-instances.ts';
import { IdParams } from './params.ts';

export interface OpOccRouteDependencies {
  client: Client;
  taskQueue: string;
  apiRoot: string;
  lists: ListPaging;
}

const tags = ['vnflcm'];
/** SOL003 §5.4.12.3.2: what a list of occurrences leaves out unless asked for. */
export const VNF_LCM_OP_OCC_MODEL: ResourceModel = {
  schema: VnfLcmOpOcc, name: 'VnfLcmOpOcc',
  defaultExcluded: ['operationParams', 'error', 'resourceChanges', 'changedInfo', 'changedExtConnectivity'],
};
/** python-tackerclient's `op list --exclude-fields` sends the parameter with a hyphen: the same selector. */
const OpOccListQuery = ListQuery.extend({
  'exclude-fields': z.string().describe('the same as exclude_fields (as python-tackerclient spells it)').optional(),
});

export function vnfLcmOpOccRoutes(scope: App, deps: OpOccRouteDependencies): void {
  scope.get('/vnf_lcm_op_occs', {
    schema: {
      operationId: 'listVnfLcmOpOccs', tags, summary: 'VNF LCM operation occurrences (SOL013 filter, attribute selectors, paged)',
      querystring: OpOccListQuery,
      response: {
        200: json(z.array(VnfLcmOpOcc), 'the matching occurrences; Link names the next page', NEXT_PAGE_LINK),
        ...TEMPORAL_UNREACHABLE,
      },
    },
  }, async (request, reply) => {
    const { 'exclude-fields': hyphenated, ...standard } = request.query;
    const query: ListQuery = { ...standard, ...(hyphenated !== undefined && standard.exclude_fields === undefined ? { exclude_fields: hyphenated } : {}) };
    const list = listRequest(query, VNF_LCM_OP_OCC_MODEL, deps.lists.markers);
    const page = await listOpOccs(deps, list.terms, list.after, deps.lists.pageSize);
    if (page.next) setNextLink(reply, `${deps.apiRoot}${VNFLCM_BASE}/vnf_lcm_op_occs`, query, deps.lists.markers.seal(page.next));
    return page.occurrences.map((occurrence) => list.selector.apply(occurrence));
  });

  scope.get('/vnf_lcm_op_occs/:id', {
    schema: {
      operationId: 'getVnfLcmOpOcc', tags, summary: 'One VNF LCM operation occurrence', params: IdParams,
      response: { 200: json(VnfLcmOpOcc, 'the occurrence'), ...TEMPORAL_UNREACHABLE },
    },
  }, async (request) => {
    const { id } = request.params;
    return toVnfLcmOpOcc(await operationSnapshot(deps, id), deps.apiRoot);
  });

  for (const [task, update] of [['retry', retryUpdate], ['rollback', rollbackUpdate]] as const) {
    scope.post(`/vnf_lcm_op_occs/:id/${task}`, {
      schema: {
        operationId: `${task}VnfLcmOpOcc`, tags, summary: `${task === 'retry' ? 'Retry' : 'Roll back'} an operation in FAILED_TEMP`, params: IdParams,
        response: { 202: empty('accepted'), 409: problem(`the occurrence is not in FAILED_TEMP, or ${task} is not allowed`), ...TEMPORAL_UNREACHABLE },
      },
    }, async (request, reply) => {
      await withOperation(deps, request.params.id, (handle) => handle.executeUpdate(update));
      return reply.code(202).send();
    });
  }

  scope.post('/vnf_lcm_op_occs/:id/fail', {
    schema: {
      operationId: 'failVnfLcmOpOcc', tags, summary: 'Mark an operation in FAILED_TEMP as FAILED', params: IdParams,
      response: { 200: json(VnfLcmOpOcc, 'the occurrence, now FAILED'), 409: problem('the occurrence is not in FAILED_TEMP'), ...TEMPORAL_UNREACHABLE },
    },
  }, async (request) => toVnfLcmOpOcc(occurrenceView(await withOperation(deps, request.params.id, (handle) => handle.executeUpdate(failUpdate))), deps.apiRoot));

  cancelRoute(scope, deps, 'cancelVnfLcmOpOcc');
}

/** The cancel task (SOL003 §5.4.17): declared at v2, and at v1 for python-tackerclient (vnflcm-v1.ts). */
export function cancelRoute(scope: App, deps: OperationWorkflows, operationId: string, summary = 'Cancel an operation in STARTING, PROCESSING or ROLLING_BACK'): void {
  scope.post('/vnf_lcm_op_occs/:id/cancel', {
    schema: {
      operationId, tags, summary, params: IdParams, body: CancelMode,
      response: { 202: empty('accepted'), 409: problem('the occurrence is not in STARTING, PROCESSING or ROLLING_BACK'), ...TEMPORAL_UNREACHABLE },
    },
  }, async (request, reply) => {
    await withOperation(deps, request.params.id, (handle) => handle.executeUpdate(cancelUpdate, { args: [request.body] }));
    return reply.code(202).send();
  });
}
