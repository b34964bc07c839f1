// SOL003 §5.4.12–5.4.17 VNF LCM operation occurrences: the list (SOL013 filter, paged with
// Link: rel="next"), one occurrence, and the tasks on one (retry, rollback, fail, cancel), each
// read from or sent to the operation's workflow.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { parseFilter } from '../../http/sol013-filter.ts';
import { CancelMode, VnfLcmOpOcc } from '../../sol003/models.ts';
import { cancelUpdate, failUpdate, retryUpdate, rollbackUpdate } from '../../workflows/messages.ts';
import { occurrenceView } from '../../workflows/occurrence-view.ts';
import { empty, json, problem, TEMPORAL_UNREACHABLE } from '../answers.ts';
import { listOpOccs, OP_OCC_FILTER_ATTRIBUTES } from '../op-occ-list.ts';
import { toVnfLcmOpOcc } from '../op-occ.ts';
import { operationSnapshot, withOperation } from '../operation-workflows.ts';
import { PageMarkers } from '../page-markers.ts';
import { VNFLCM_BASE } from '../vnf-instances.ts';
import { filter, IdParams } from './params.ts';

export interface OpOccRouteDependencies {
  client: Client;
  taskQueue: string;
  apiRoot: string;
  pageMarkerSecret?: string;
}

const tags = ['vnflcm'];
const ListQuery = z.object({
  filter,
  nextpage_opaque_marker: z.string().describe('the marker of the next page, from the Link header').optional(),
});

export function vnfLcmOpOccRoutes(scope: App, deps: OpOccRouteDependencies): void {
  const markers = new PageMarkers(deps.pageMarkerSecret);

  scope.get('/vnf_lcm_op_occs', {
    schema: {
      operationId: 'listVnfLcmOpOccs', tags, summary: 'VNF LCM operation occurrences (SOL013 attribute filter, paged)',
      querystring: ListQuery,
      response: {
        200: json(z.array(VnfLcmOpOcc), 'the matching occurrences; Link names the next page', {
          Link: z.string().describe('rel="next": the next page').optional(),
        }),
        ...TEMPORAL_UNREACHABLE,
      },
    },
  }, async (request, reply) => {
    const terms = parseFilter(request.query.filter ?? null, OP_OCC_FILTER_ATTRIBUTES);
    const page = await listOpOccs(deps, terms, markers.open(request.query.nextpage_opaque_marker));
    if (page.next) {
      const query = new URLSearchParams({ ...(request.query.filter ? { filter: request.query.filter } : {}), nextpage_opaque_marker: markers.seal(page.next) });
      reply.header('Link', `<${deps.apiRoot}${VNFLCM_BASE}/vnf_lcm_op_occs?${query.toString()}>; rel="next"`);
    }
    return page.occurrences;
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

  scope.post('/vnf_lcm_op_occs/:id/cancel', {
    schema: {
      operationId: 'cancelVnfLcmOpOcc', tags, summary: 'Cancel an operation in STARTING, PROCESSING or ROLLING_BACK', params: IdParams, body: CancelMode,
      response: { 202: empty('accepted'), 409: problem('the occurrence is not in STARTING, PROCESSING or ROLLING_BACK'), ...TEMPORAL_UNREACHABLE },
    },
  }, async (request, reply) => {
    await withOperation(deps, request.params.id, (handle) => handle.executeUpdate(cancelUpdate, { args: [request.body] }));
    return reply.code(202).send();
  });
}
