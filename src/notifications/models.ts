// Wire models of SOL003 (vnflcm v2, API version 2.0.0) subscriptions and the lifecycle change
// notification the VNFM sends: each is defined once, as a schema; its type is inferred.
// Workflow code imports these types and the pure helpers at the bottom (no I/O here).
import { z } from 'zod';
import { ProblemDetails } from '../http/problem.ts';
import { HttpUrl } from '../http/urls.ts';
import { AffectedVnfc, LcmOperationStateType, ModificationsTriggeredByVnfPkgChange, VnfInfoModifications } from '../sol003/models.ts';

export { summaryOf } from './summary.ts';

export const LcmOperationType = z.enum([
  'INSTANTIATE', 'SCALE', 'SCALE_TO_LEVEL', 'CHANGE_FLAVOUR', 'TERMINATE', 'HEAL', 'OPERATE',
  'CHANGE_EXT_CONN', 'MODIFY_INFO', 'CREATE_SNAPSHOT', 'REVERT_TO_SNAPSHOT', 'CHANGE_VNFPKG',
]);
export type LcmOperationType = z.infer<typeof LcmOperationType>;

export const NotificationType = z.enum([
  'VnfLcmOperationOccurrenceNotification', 'VnfIdentifierCreationNotification', 'VnfIdentifierDeletionNotification',
]);
export type NotificationType = z.infer<typeof NotificationType>;

export const Verbosity = z.enum(['FULL', 'SHORT']);
export type Verbosity = z.infer<typeof Verbosity>;

const httpUri = HttpUrl;

/**
 * SOL013 §8.3.4 SubscriptionAuthentication: how the VNFM authenticates towards the subscriber.
 * Parameters are required here (nothing is provisioned out of band); OAUTH2_CLIENT_CERT is
 * understood but not offered (the route answers 422 when it is the only choice).
 */
export const SubscriptionAuthentication = z.object({
  authType: z.array(z.enum(['BASIC', 'OAUTH2_CLIENT_CREDENTIALS', 'OAUTH2_CLIENT_CERT'])).min(1),
  paramsBasic: z.object({ userName: z.string().min(1), password: z.string() }).optional(),
  paramsOauth2ClientCredentials: z.object({
    clientId: z.string().min(1),
    clientPassword: z.string(),
    tokenEndpoint: httpUri,
  }).optional(),
  paramsOauth2ClientCert: z.unknown().optional(),
}).superRefine((auth, ctx) => {
  if (auth.authType.includes('BASIC') && !auth.paramsBasic) {
    ctx.addIssue({ code: 'custom', path: ['paramsBasic'], message: 'required when authType contains BASIC' });
  }
  if (auth.authType.includes('OAUTH2_CLIENT_CREDENTIALS') && !auth.paramsOauth2ClientCredentials) {
    ctx.addIssue({ code: 'custom', path: ['paramsOauth2ClientCredentials'], message: 'required when authType contains OAUTH2_CLIENT_CREDENTIALS' });
  }
});
export type SubscriptionAuthentication = z.infer<typeof SubscriptionAuthentication>;

/** The subset of VnfInstanceSubscriptionFilter this VNFM evaluates; other keys are kept to be refused (422). */
export const VnfInstanceSubscriptionFilter = z.looseObject({
  vnfInstanceIds: z.array(z.string().min(1)).min(1).optional(),
});

export const LifecycleChangeNotificationsFilter = z.looseObject({
  vnfInstanceSubscriptionFilter: VnfInstanceSubscriptionFilter.optional(),
  notificationTypes: z.array(NotificationType).min(1).optional(),
  operationTypes: z.array(LcmOperationType).min(1).optional(),
  operationStates: z.array(LcmOperationStateType).min(1).optional(),
}).superRefine((filter, ctx) => {
  // SOL003 §5.5.3.12: the operation attributes only make sense for operation occurrence notifications.
  if (filter.notificationTypes && !filter.notificationTypes.includes('VnfLcmOperationOccurrenceNotification')) {
    for (const key of ['operationTypes', 'operationStates'] as const) {
      if (filter[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'shall be absent when notificationTypes does not contain VnfLcmOperationOccurrenceNotification' });
    }
  }
});
export type LifecycleChangeNotificationsFilter = z.infer<typeof LifecycleChangeNotificationsFilter>;

export const SUPPORTED_FILTER_ATTRIBUTES = ['vnfInstanceSubscriptionFilter', 'notificationTypes', 'operationTypes', 'operationStates'];
export const SUPPORTED_INSTANCE_FILTER_ATTRIBUTES = ['vnfInstanceIds'];

/** Filter attributes the request names that this VNFM would not evaluate (refused rather than ignored). */
export function unsupportedFilterAttributes(filter: LifecycleChangeNotificationsFilter | undefined): string[] {
  if (!filter) return [];
  const top = Object.keys(filter).filter((k) => !SUPPORTED_FILTER_ATTRIBUTES.includes(k));
  const nested = Object.keys(filter.vnfInstanceSubscriptionFilter ?? {})
    .filter((k) => !SUPPORTED_INSTANCE_FILTER_ATTRIBUTES.includes(k))
    .map((k) => `vnfInstanceSubscriptionFilter.${k}`);
  return [...top, ...nested];
}

export const LccnSubscriptionRequest = z.object({
  filter: LifecycleChangeNotificationsFilter.optional(),
  callbackUri: httpUri,
  authentication: SubscriptionAuthentication.optional(),
  verbosity: Verbosity.optional(),
});
export type LccnSubscriptionRequest = z.infer<typeof LccnSubscriptionRequest>;

const Link = z.object({ href: z.string() });

/** The subscription resource as the API shows it: never its authentication. */
export const LccnSubscription = z.strictObject({
  id: z.string(),
  filter: LifecycleChangeNotificationsFilter.optional(),
  callbackUri: z.string(),
  verbosity: Verbosity.optional(),
  _links: z.object({ self: Link }),
});
export type LccnSubscription = z.infer<typeof LccnSubscription>;

/** SOL003 §5.5.2.17 VnfLcmOperationOccurrenceNotification (the attributes change_vnfpkg fills). */
export const VnfLcmOperationOccurrenceNotification = z.object({
  id: z.string(),
  notificationType: z.literal('VnfLcmOperationOccurrenceNotification'),
  subscriptionId: z.string(),
  timeStamp: z.string(),
  notificationStatus: z.enum(['START', 'RESULT']),
  operationState: LcmOperationStateType,
  vnfInstanceId: z.string(),
  operation: LcmOperationType,
  isAutomaticInvocation: z.boolean(),
  verbosity: Verbosity.optional(),
  vnfLcmOpOccId: z.string(),
  affectedVnfcs: z.array(AffectedVnfc).optional(),
  modificationsTriggeredByVnfPkgChange: ModificationsTriggeredByVnfPkgChange.optional(),
  /** MODIFY_INFO: what it changed. */
  changedInfo: VnfInfoModifications.optional(),
  error: ProblemDetails.optional(),
  _links: z.object({ vnfInstance: Link, subscription: Link, vnfLcmOpOcc: Link.optional() }),
});
export type VnfLcmOperationOccurrenceNotification = z.infer<typeof VnfLcmOperationOccurrenceNotification>;

/**
 * A notification as the operation emits it, before it is addressed to a subscription: the
 * delivery fills `subscriptionId` and `_links.subscription` (and applies the verbosity).
 */
export type NotificationDraft = Omit<VnfLcmOperationOccurrenceNotification, 'subscriptionId' | '_links' | 'verbosity'> & {
  _links: { vnfInstance: { href: string }; vnfLcmOpOcc: { href: string } };
};

/** What subscription filters are evaluated against. */
export interface NotificationSummary {
  notificationType: NotificationType;
  vnfInstanceId: string;
  operation: LcmOperationType;
  operationState: LcmOperationStateType;
}

/** SOL003 filter semantics: every attribute present must match (AND); values of one attribute are alternatives (OR). */
export function matchesFilter(filter: LifecycleChangeNotificationsFilter | undefined, n: NotificationSummary): boolean {
  if (!filter) return true;
  const ids = filter.vnfInstanceSubscriptionFilter?.vnfInstanceIds;
  if (ids && !ids.includes(n.vnfInstanceId)) return false;
  if (filter.notificationTypes && !filter.notificationTypes.includes(n.notificationType)) return false;
  if (filter.operationTypes && !filter.operationTypes.includes(n.operation)) return false;
  if (filter.operationStates && !filter.operationStates.includes(n.operationState)) return false;
  return true;
}

/** `_links.subscription.href`: the subscription resource beside the operation occurrence, on the same API root. */
export function subscriptionHref(vnfLcmOpOccHref: string, subscriptionId: string): string {
  return vnfLcmOpOccHref.replace(/\/vnf_lcm_op_occs\/[^/]*$/, `/subscriptions/${encodeURIComponent(subscriptionId)}`);
}

/** The notification as one subscription receives it. */
export function addressedTo(draft: NotificationDraft, subscriptionId: string, verbosity: Verbosity): VnfLcmOperationOccurrenceNotification {
  const { affectedVnfcs, modificationsTriggeredByVnfPkgChange, changedInfo, ...rest } = draft;
  return {
    ...rest,
    subscriptionId,
    verbosity,
    // SOL003 §5.5.2.17: with SHORT verbosity the change details are left out.
    ...(verbosity === 'FULL' && affectedVnfcs ? { affectedVnfcs } : {}),
    ...(verbosity === 'FULL' && modificationsTriggeredByVnfPkgChange ? { modificationsTriggeredByVnfPkgChange } : {}),
    ...(verbosity === 'FULL' && changedInfo ? { changedInfo } : {}),
    _links: { ...draft._links, subscription: { href: subscriptionHref(draft._links.vnfLcmOpOcc.href, subscriptionId) } },
  };
}
