// SOL003 §5.4.18–19 subscriptions of the VNF LCM API: create (with the test of the notification
// endpoint), list, read, delete. The subscriber's credentials are stored for the deliveries and
// never shown: every response is rendered field by field from the stored record.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { describeZodError, HttpProblem } from '../http/problem.ts';
import { sendEmpty, sendJson, type Router } from '../http/server.ts';
import { matchesFilter, parseFilter } from '../http/sol013-filter.ts';
import type { NotificationClient } from '../notifications/client.ts';
import { OutboundError } from '../outbound/errors.ts';
import { LccnSubscriptionRequest, unsupportedFilterAttributes, type SubscriptionAuthentication } from '../notifications/models.ts';
import { toLccnSubscription, type SubscriptionRecord, type SubscriptionStore } from '../notifications/store.ts';

/** What the subscription routes need: the store, and a client for the endpoint test. */
export interface SubscriptionServices {
  store: SubscriptionStore;
  client: NotificationClient;
}

export interface SubscriptionRouteDependencies {
  /** Absent: the gateway serves no subscriptions (some in-process tests). */
  subscriptions?: SubscriptionServices;
  /** Public base URL, for Location headers and _links. */
  apiRoot: string;
  log?: (line: string) => void;
}

const PATH = '/vnflcm/v2/subscriptions';
/** Attributes of LccnSubscription a `filter` query parameter may name (SOL013 §5.2). */
const FILTERABLE = new Set([
  'id', 'callbackUri', 'verbosity',
  'filter.vnfInstanceSubscriptionFilter.vnfInstanceIds', 'filter.notificationTypes', 'filter.operationTypes', 'filter.operationStates',
]);

export function registerSubscriptionRoutes(router: Router, deps: SubscriptionRouteDependencies): void {
  if (!deps.subscriptions) return;
  const { store, client } = deps.subscriptions;
  const location = (id: string): string => `${deps.apiRoot}${PATH}/${encodeURIComponent(id)}`;

  router.on('POST', PATH, async (ctx) => {
    const request = parseRequest(await ctx.json(z.unknown()));
    const verbosity = request.verbosity ?? 'FULL';

    const existing = store.findDuplicate({ callbackUri: request.callbackUri, filter: request.filter, verbosity });
    if (existing) {
      // SOL003 §5.4.18.3.1: the same subscription exists; point at it rather than make a second.
      sendEmpty(ctx.res, 303, { Location: location(existing.id) });
      return;
    }
    try {
      await client.testCallback({ callbackUri: request.callbackUri, authentication: request.authentication });
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      throw new HttpProblem(400, `callbackUri ${request.callbackUri} failed the notification endpoint test: ${err.detail}`);
    }
    const record: SubscriptionRecord = {
      id: randomUUID(),
      callbackUri: request.callbackUri,
      ...(request.filter ? { filter: request.filter } : {}),
      verbosity,
      ...(request.authentication ? { authentication: request.authentication } : {}),
      createdAt: new Date().toISOString(),
    };
    store.put(record);
    deps.log?.(`subscription ${record.id} created for ${record.callbackUri}`);
    sendJson(ctx.res, 201, toLccnSubscription(record, deps.apiRoot), { Location: location(record.id) });
  });

  router.on('GET', PATH, ({ res, url }) => {
    const terms = parseFilter(url.searchParams.get('filter'), FILTERABLE);
    const all = store.list().sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map((s) => toLccnSubscription(s, deps.apiRoot));
    sendJson(res, 200, all.filter((s) => matchesFilter(s, terms)));
  });

  router.on('GET', `${PATH}/:id`, ({ res, params }) => {
    sendJson(res, 200, toLccnSubscription(subscriptionOrThrow(store, params.id), deps.apiRoot));
  });

  router.on('DELETE', `${PATH}/:id`, ({ res, params }) => {
    const id = params.id ?? '';
    if (!store.delete(id)) throw new HttpProblem(404, `subscription ${id} does not exist`);
    deps.log?.(`subscription ${id} deleted`);
    sendEmpty(res, 204);
  });
}

/**
 * A body that is not an LccnSubscriptionRequest is a 400 with the field at fault; a valid one
 * asking for what this VNFM does not do (a filter it would not evaluate, client-certificate
 * authentication) is a 422: refused, rather than silently served differently.
 */
function parseRequest(body: unknown): LccnSubscriptionRequest {
  const parsed = LccnSubscriptionRequest.safeParse(body);
  if (!parsed.success) throw new HttpProblem(400, `request body is not a valid LccnSubscriptionRequest: ${describeZodError(parsed.error)}`);
  const request = parsed.data;
  const unsupported = unsupportedFilterAttributes(request.filter);
  if (unsupported.length > 0) {
    throw new HttpProblem(422, `filter attribute(s) ${unsupported.map((a) => `filter.${a}`).join(', ')} not supported; this VNFM filters on vnfInstanceSubscriptionFilter.vnfInstanceIds, notificationTypes, operationTypes and operationStates`);
  }
  if (request.authentication && !offersSupportedAuth(request.authentication)) {
    throw new HttpProblem(422, `authentication.authType ${request.authentication.authType.join(', ')} not supported for notifications; offer BASIC or OAUTH2_CLIENT_CREDENTIALS`);
  }
  return request;
}

function offersSupportedAuth(auth: SubscriptionAuthentication): boolean {
  return auth.authType.includes('BASIC') || auth.authType.includes('OAUTH2_CLIENT_CREDENTIALS');
}

function subscriptionOrThrow(store: SubscriptionStore, id: string | undefined): SubscriptionRecord {
  const record = id ? store.get(id) : undefined;
  if (!record) throw new HttpProblem(404, `subscription ${id} does not exist`);
  return record;
}
