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

/** SOL003 VnfProductsFromProviders: VNFs of a provider, narrowed to products, software versions and VNFD versions. */
export const VnfProductsFromProviders = z.object({
  vnfProvider: z.string().min(1),
  vnfProducts: z.array(z.object({
    vnfProductName: z.string().min(1),
    versions: z.array(z.object({
      vnfSoftwareVersion: z.string().min(1),
      vnfdVersions: z.array(z.string().min(1)).min(1).optional(),
    })).min(1).optional(),
  })).min(1).optional(),
});

/**
 * SOL013 §8.3.5 VnfInstanceSubscriptionFilter, as Tacker matches it: by VNFD (vnfdIds, or the
 * products of providers) and by instance (ids, or names). Each pair is an alternative: a filter
 * gives one of vnfdIds and vnfProductsFromProviders, one of vnfInstanceIds and vnfInstanceNames.
 * Other keys are kept to be refused (422).
 */
export const VnfInstanceSubscriptionFilter = z.looseObject({
  vnfdIds: z.array(z.string().min(1)).min(1).optional(),
  vnfProductsFromProviders: z.array(VnfProductsFromProviders).min(1).optional(),
  vnfInstanceIds: z.array(z.string().min(1)).min(1).optional(),
  vnfInstanceNames: z.array(z.string().min(1)).min(1).optional(),
}).superRefine((filter, ctx) => {
  for (const [one, other] of [['vnfdIds', 'vnfProductsFromProviders'], ['vnfInstanceIds', 'vnfInstanceNames']] as const) {
    if (filter[one] && filter[other]) ctx.addIssue({ code: 'custom', path: [other], message: `${one} and ${other} are alternatives (SOL013 §8.3.5): give one of them` });
  }
});
export type VnfInstanceSubscriptionFilter = z.infer<typeof VnfInstanceSubscriptionFilter>;

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
export const SUPPORTED_INSTANCE_FILTER_ATTRIBUTES = ['vnfdIds', 'vnfProductsFromProviders', 'vnfInstanceIds', 'vnfInstanceNames'];

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

const IdentifierLinks = z.object({ vnfInstance: Link, subscription: Link });

/** SOL003 §5.5.2.18: a VNF instance resource was created. */
export const VnfIdentifierCreationNotification = z.object({
  id: z.string(),
  notificationType: z.literal('VnfIdentifierCreationNotification'),
  subscriptionId: z.string(),
  timeStamp: z.string(),
  vnfInstanceId: z.string(),
  _links: IdentifierLinks,
});
export type VnfIdentifierCreationNotification = z.infer<typeof VnfIdentifierCreationNotification>;

/** SOL003 §5.5.2.19: a VNF instance resource was deleted. */
export const VnfIdentifierDeletionNotification = VnfIdentifierCreationNotification.extend({
  notificationType: z.literal('VnfIdentifierDeletionNotification'),
});
export type VnfIdentifierDeletionNotification = z.infer<typeof VnfIdentifierDeletionNotification>;

/** Any notification a subscriber of the VNF LCM API receives. */
export const LccnNotification = z.discriminatedUnion('notificationType', [
  VnfLcmOperationOccurrenceNotification, VnfIdentifierCreationNotification, VnfIdentifierDeletionNotification,
]);
export type LccnNotification = z.infer<typeof LccnNotification>;

/** What subscription filters on VNFs look at: the instance's package identity and name. */
export interface InstanceIdentity {
  vnfdId: string;
  vnfProvider: string;
  vnfProductName: string;
  vnfSoftwareVersion: string;
  vnfdVersion: string;
  vnfInstanceName?: string;
}

/**
 * A notification as the VNFM emits it, before it is addressed to a subscription: the
 * delivery fills `subscriptionId` and `_links.subscription` (and applies the verbosity).
 */
export type OperationNotificationDraft = Omit<VnfLcmOperationOccurrenceNotification, 'subscriptionId' | '_links' | 'verbosity'> & {
  _links: { vnfInstance: { href: string }; vnfLcmOpOcc: { href: string } };
};

/**
 * An identifier notification as the gateway emits it. It carries the identity of the instance
 * as it was (a deleted instance can no longer be looked up), for the filters; that is not sent.
 */
export type IdentifierNotificationDraft = Omit<VnfIdentifierCreationNotification | VnfIdentifierDeletionNotification, 'subscriptionId' | '_links'> & {
  _links: { vnfInstance: { href: string } };
  instance: InstanceIdentity;
};

export type NotificationDraft = OperationNotificationDraft | IdentifierNotificationDraft;

/** What subscription filters are evaluated against. */
export interface NotificationSummary {
  notificationType: NotificationType;
  vnfInstanceId: string;
  /** Of an operation occurrence notification. */
  operation?: LcmOperationType;
  operationState?: LcmOperationStateType;
  /** The instance as it was when the notification was made; otherwise it is looked up. */
  instance?: InstanceIdentity;
}

/**
 * SOL003 filter semantics: every attribute present must match (AND); values of one attribute are
 * alternatives (OR). operationTypes and operationStates apply to operation occurrence
 * notifications only. A filter on the VNF's identity does not match when it is unknown.
 */
export function matchesFilter(filter: LifecycleChangeNotificationsFilter | undefined, n: NotificationSummary, identity = n.instance): boolean {
  if (!filter) return true;
  if (!matchesInstance(filter.vnfInstanceSubscriptionFilter, n.vnfInstanceId, identity)) return false;
  if (filter.notificationTypes && !filter.notificationTypes.includes(n.notificationType)) return false;
  if (n.notificationType === 'VnfLcmOperationOccurrenceNotification') {
    if (filter.operationTypes && (!n.operation || !filter.operationTypes.includes(n.operation))) return false;
    if (filter.operationStates && (!n.operationState || !filter.operationStates.includes(n.operationState))) return false;
  }
  return true;
}

function matchesInstance(filter: VnfInstanceSubscriptionFilter | undefined, vnfInstanceId: string, identity: InstanceIdentity | undefined): boolean {
  if (!filter) return true;
  if (filter.vnfInstanceIds && !filter.vnfInstanceIds.includes(vnfInstanceId)) return false;
  if (filter.vnfInstanceNames && !(identity?.vnfInstanceName !== undefined && filter.vnfInstanceNames.includes(identity.vnfInstanceName))) return false;
  if (filter.vnfdIds && !(identity && filter.vnfdIds.includes(identity.vnfdId))) return false;
  if (filter.vnfProductsFromProviders && !(identity && filter.vnfProductsFromProviders.some((p) => matchesProvider(p, identity)))) return false;
  return true;
}

/** A provider, and (when given) one of its products, of its software versions, of their VNFD versions. */
function matchesProvider(provider: z.infer<typeof VnfProductsFromProviders>, vnf: InstanceIdentity): boolean {
  if (provider.vnfProvider !== vnf.vnfProvider) return false;
  if (!provider.vnfProducts) return true;
  return provider.vnfProducts.some((product) => product.vnfProductName === vnf.vnfProductName && (!product.versions
    || product.versions.some((version) => version.vnfSoftwareVersion === vnf.vnfSoftwareVersion
      && (!version.vnfdVersions || version.vnfdVersions.includes(vnf.vnfdVersion)))));
}

/** `_links.subscription.href`: the subscription resource beside the instance, on the same API root. */
export function subscriptionHref(vnfInstanceHref: string, subscriptionId: string): string {
  return vnfInstanceHref.replace(/\/vnf_instances\/[^/]*$/, `/subscriptions/${encodeURIComponent(subscriptionId)}`);
}

/** The notification as one subscription receives it. */
export function addressedTo(draft: NotificationDraft, subscriptionId: string, verbosity: Verbosity): LccnNotification {
  const subscription = { href: subscriptionHref(draft._links.vnfInstance.href, subscriptionId) };
  if (draft.notificationType !== 'VnfLcmOperationOccurrenceNotification') {
    // Field by field: the identity the draft carries for the filters is not sent.
    const { id, notificationType, timeStamp, vnfInstanceId } = draft;
    return { id, notificationType, subscriptionId, timeStamp, vnfInstanceId, _links: { vnfInstance: draft._links.vnfInstance, subscription } };
  }
  const { affectedVnfcs, modificationsTriggeredByVnfPkgChange, changedInfo, ...rest } = draft;
  return {
    ...rest,
    subscriptionId,
    verbosity,
    // SOL003 §5.5.2.17: with SHORT verbosity the change details are left out.
    ...(verbosity === 'FULL' && affectedVnfcs ? { affectedVnfcs } : {}),
    ...(verbosity === 'FULL' && modificationsTriggeredByVnfPkgChange ? { modificationsTriggeredByVnfPkgChange } : {}),
    ...(verbosity === 'FULL' && changedInfo ? { changedInfo } : {}),
    _links: { ...draft._links, subscription },
  };
}
