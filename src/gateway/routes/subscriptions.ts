// SOL003 §5.4.18–19 subscriptions of the VNF LCM API: create (with the test of the notification
// endpoint), list, read, delete. The subscriber's credentials are stored for the deliveries and
// never shown: every response is rendered field by field from the stored record.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { HttpProblem } from '../../http/problem.ts';
import type { ResourceModel } from '../../http/sol013-selectors.ts';
import { OutboundError } from '../../outbound/errors.ts';
import {
  LccnSubscription, LccnSubscriptionRequest, unsupportedFilterAttributes, type SubscriptionAuthentication,
} from '../../notifications/models.ts';
import { toLccnSubscription, type SubscriptionRecord, type SubscriptionStore } from '../../notifications/store.ts';
import { empty, json, LOCATION, problem } from '../answers.ts';
import type { SubscriptionServices } from '../app.ts';
import { VNFLCM_BASE } from '../vnf-instances.ts';
import { listRequest, ListQuery, NEXT_PAGE_LINK, NEXTPAGE_MARKER, pageOf, type ListPaging } from '../collections.ts';
import { IdParams } from './params.ts';

export interface SubscriptionRouteDependencies {
  subscriptions: SubscriptionServices;
  lists: ListPaging;
  /** Public base URL, for Location headers and _links. */
  apiRoot: string;
  log?: (line: string) => void;
}

const tags = ['vnflcm'];
/** Subscriptions have no attribute selectors in SOL003 (§5.4.18.3.2): filter and paging only. */
const SUBSCRIPTION_MODEL: ResourceModel = { schema: LccnSubscription, name: 'LccnSubscription', defaultExcluded: [] };
const SubscriptionListQuery = ListQuery.pick({ filter: true, [NEXTPAGE_MARKER]: true });

export function subscriptionRoutes(scope: App, deps: SubscriptionRouteDependencies): void {
  const { store, client } = deps.subscriptions;
  const location = (id: string): string => `${deps.apiRoot}${VNFLCM_BASE}/subscriptions/${encodeURIComponent(id)}`;

  scope.post('/subscriptions', {
    schema: {
      operationId: 'createSubscription', tags, summary: 'Subscribe to lifecycle change notifications (the callbackUri is tested first)',
      body: LccnSubscriptionRequest,
      response: {
        201: json(LccnSubscription, 'created', LOCATION),
        303: empty('the same subscription exists; Location names it', LOCATION),
        422: problem('the callbackUri failed the notification endpoint test, or a filter attribute or authentication type is not supported'),
      },
    },
  }, async (request, reply) => {
    const subscription = supported(request.body);
    const verbosity = subscription.verbosity ?? 'FULL';
    const existing = await store.findDuplicate({ callbackUri: subscription.callbackUri, filter: subscription.filter, verbosity });
    // SOL003 §5.4.18.3.1: the same subscription exists; point at it rather than make a second.
    if (existing) return reply.header('Location', location(existing.id)).code(303).send();
    try {
      await client.testCallback({ callbackUri: subscription.callbackUri, authentication: subscription.authentication });
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      // SOL003 §5.4.18.3.1: a notification endpoint that fails the test makes the request unprocessable.
      throw new HttpProblem(422, `callbackUri ${subscription.callbackUri} failed the notification endpoint test: ${err.detail}`);
    }
    const record: SubscriptionRecord = {
      id: randomUUID(),
      callbackUri: subscription.callbackUri,
      ...(subscription.filter ? { filter: subscription.filter } : {}),
      verbosity,
      ...(subscription.authentication ? { authentication: subscription.authentication } : {}),
      createdAt: new Date().toISOString(),
    };
    await store.put(record);
    deps.log?.(`subscription ${record.id} created for ${record.callbackUri}`);
    return reply.header('Location', location(record.id)).code(201).send(toLccnSubscription(record, deps.apiRoot));
  });

  scope.get('/subscriptions', {
    schema: {
      operationId: 'listSubscriptions', tags, summary: 'Subscriptions to lifecycle change notifications (SOL013 attribute filter, paged)',
      querystring: SubscriptionListQuery,
      response: { 200: json(z.array(LccnSubscription), 'the matching subscriptions, oldest first; Link names the next page', NEXT_PAGE_LINK) },
    },
  }, async (request, reply) => {
    const list = listRequest(request.query, SUBSCRIPTION_MODEL, deps.lists.markers);
    const records = await store.list();
    const keys = new Map(records.map((s) => [s.id, orderKey(s)]));
    const all = records.sort((a, b) => orderKey(a).localeCompare(orderKey(b))).map((s) => toLccnSubscription(s, deps.apiRoot));
    return pageOf(all, (s) => keys.get(s.id) ?? s.id, list, { reply, url: `${deps.apiRoot}${VNFLCM_BASE}/subscriptions`, query: request.query, paging: deps.lists });
  });

  scope.get('/subscriptions/:id', {
    schema: {
      operationId: 'getSubscription', tags, summary: 'One subscription (never its authentication)', params: IdParams,
      response: { 200: json(LccnSubscription, 'the subscription') },
    },
  }, async (request) => toLccnSubscription(await subscriptionOrThrow(store, request.params.id), deps.apiRoot));

  scope.delete('/subscriptions/:id', {
    schema: { operationId: 'deleteSubscription', tags, summary: 'Delete a subscription', params: IdParams, response: { 204: empty('deleted') } },
  }, async (request, reply) => {
    const { id } = request.params;
    if (!(await store.delete(id))) throw new HttpProblem(404, `subscription ${id} does not exist`);
    deps.log?.(`subscription ${id} deleted`);
    return reply.code(204).send();
  });
}

/**
 * A valid LccnSubscriptionRequest asking for what this VNFM does not do (a filter it would not
 * evaluate, client-certificate authentication) is a 422: refused, rather than silently served
 * differently.
 */
function supported(request: LccnSubscriptionRequest): LccnSubscriptionRequest {
  const unsupported = unsupportedFilterAttributes(request.filter);
  if (unsupported.length > 0) {
    throw new HttpProblem(422, `filter attribute(s) ${unsupported.map((a) => `filter.${a}`).join(', ')} not supported; this VNFM filters on vnfInstanceSubscriptionFilter (vnfdIds, vnfProductsFromProviders, vnfInstanceIds, vnfInstanceNames), notificationTypes, operationTypes and operationStates`);
  }
  if (request.authentication && !offersSupportedAuth(request.authentication)) {
    throw new HttpProblem(422, `authentication.authType ${request.authentication.authType.join(', ')} not supported for notifications; offer BASIC or OAUTH2_CLIENT_CREDENTIALS`);
  }
  return request;
}

function offersSupportedAuth(auth: SubscriptionAuthentication): boolean {
  return auth.authType.includes('BASIC') || auth.authType.includes('OAUTH2_CLIENT_CREDENTIALS');
}

async function subscriptionOrThrow(store: SubscriptionStore, id: string): Promise<SubscriptionRecord> {
  const record = await store.get(id);
  if (!record) throw new HttpProblem(404, `subscription ${id} does not exist`);
  return record;
}

/** Oldest first; the id breaks ties, so that the order (and the page markers) are total. */
function orderKey(record: SubscriptionRecord): string {
  return `${record.createdAt}|${record.id}`;
}
