// Wire models of the ETSI NFV-SOL 003 VNF LCM interface (vnflcm v2, API version 2.0.0) that
// change_vnfpkg uses, with the Tacker additionalParams of the coordinateVNF guide.
import { z } from 'zod';
import { EmAuthentication } from '../lcmcoord/models.ts';
import { ProblemDetails } from '../http/problem.ts';
import { HttpUrl } from '../http/urls.ts';

export const VNFLCM_API_VERSION = '2.0.0';

/** SOL013 KeyValuePairs. */
const KeyValuePairs = z.record(z.string(), z.unknown());

/** Connection to the EM (and the VNFC) for one side of the change (old or new VNFC). */
export const VnfcParam = z.object({
  cp_name: z.string().min(1).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  /**
   * apiRoot of the EM coordination server. Tacker's documented body has none: then the VNFC is
   * not coordinated through the API (only its coordinate script runs).
   */
  endpoint: HttpUrl.describe('apiRoot of the EM coordination server').optional(),
  authentication: EmAuthentication.optional(),
  coordination_server_param: z.record(z.string(), z.unknown()).optional(),
  /** Seconds the VNFM keeps (re)requesting one coordination before it gives up. */
  timeout: z.number().positive().max(7 * 24 * 3600).optional(),
  /** Extra inputParams for the LcmCoordRequest, merged after the VNFC identity. */
  inputParams: z.record(z.string(), z.unknown()).optional(),
});
export type VnfcParam = z.infer<typeof VnfcParam>;

export const VduParam = z.object({
  vdu_id: z.string().min(1),
  old_vnfc_param: VnfcParam.optional(),
  new_vnfc_param: VnfcParam.optional(),
});
export type VduParam = z.infer<typeof VduParam>;

/**
 * The external load balancer of a Blue-Green change (Tacker's fields; more are handed to the
 * coordinate script as they are). `password` is a secret like the others.
 */
export const ExternalLbParam = z.looseObject({
  ip_address: z.union([z.ipv4(), z.ipv6(), z.hostname()]).describe('address or host name of the load balancer'),
  username: z.string().min(1),
  password: z.string(),
  /** The load balancer's management port, when it is not the protocol's own (an extension). */
  port: z.number().int().min(1).max(65535).optional(),
});
export type ExternalLbParam = z.infer<typeof ExternalLbParam>;

export const ChangeVnfPkgAdditionalParams = z.looseObject({
  upgrade_type: z.enum(['RollingUpdate', 'BlueGreen']),
  'lcm-operation-coordinate-new-vnf': z.string().min(1).optional(),
  'lcm-operation-coordinate-old-vnf': z.string().min(1).optional(),
  vdu_params: z.array(VduParam).min(1),
  external_lb_param: ExternalLbParam.optional(),
}).superRefine((params, ctx) => {
  if (params.upgrade_type === 'BlueGreen') {
    // The switch to green and back is the coordinate scripts' work, with the load balancer's address.
    for (const key of ['external_lb_param', 'lcm-operation-coordinate-new-vnf', 'lcm-operation-coordinate-old-vnf'] as const) {
      if (params[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `upgrade_type BlueGreen needs ${key}` });
    }
  }
  const seen = new Set<string>();
  params.vdu_params.forEach((p, i) => {
    if (seen.has(p.vdu_id)) ctx.addIssue({ code: 'custom', path: ['vdu_params', i, 'vdu_id'], message: `VDU ${p.vdu_id} is listed twice` });
    seen.add(p.vdu_id);
  });
});
export type ChangeVnfPkgAdditionalParams = z.infer<typeof ChangeVnfPkgAdditionalParams>;

/** A Kubernetes namespace name (an RFC 1123 label). */
const KubernetesNamespace = z.string().max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 label');

export const ChangeCurrentVnfPkgRequest = z.object({
  vnfdId: z.string().min(1),
  extVirtualLinks: z.array(z.unknown()).optional(),
  extManagedVirtualLinks: z.array(z.unknown()).optional(),
  vimConnectionInfo: z.record(z.string(), z.unknown()).optional(),
  additionalParams: ChangeVnfPkgAdditionalParams,
  extensions: z.record(z.string(), z.unknown()).optional(),
  vnfConfigurableProperties: z.record(z.string(), z.unknown()).optional(),
});
export type ChangeCurrentVnfPkgRequest = z.infer<typeof ChangeCurrentVnfPkgRequest>;

/**
 * change_vnfpkg's body as the route takes it, whatever the VIM: `vdu_params` is optional
 * (the guide: "required for OpenStack VIM and not required for Kubernetes VIM") and
 * `lcm-kubernetes-def-files` names the destination's manifests; the path of the instance's VIM
 * then parses the body with its own schema (ChangeCurrentVnfPkgRequest for OpenStack).
 */
export const ChangeCurrentVnfPkgRequestAnyVim = ChangeCurrentVnfPkgRequest.extend({
  additionalParams: z.looseObject({
    upgrade_type: z.string().min(1),
    'lcm-operation-coordinate-new-vnf': z.string().min(1).optional(),
    'lcm-operation-coordinate-old-vnf': z.string().min(1).optional(),
    vdu_params: z.array(VduParam).optional(),
    'lcm-kubernetes-def-files': z.array(z.string().min(1)).min(1).optional(),
  }),
});
export type ChangeCurrentVnfPkgRequestAnyVim = z.infer<typeof ChangeCurrentVnfPkgRequestAnyVim>;

/** Body of the cancel task (SOL003 CancelMode). */
export const CancelMode = z.object({ cancelMode: z.enum(['GRACEFUL', 'FORCEFUL']) });
export type CancelMode = z.infer<typeof CancelMode>;

export const LcmOperationStateType = z.enum([
  'STARTING', 'PROCESSING', 'COMPLETED', 'FAILED_TEMP', 'FAILED', 'ROLLING_BACK', 'ROLLED_BACK',
]);
export type LcmOperationStateType = z.infer<typeof LcmOperationStateType>;

export const LcmCoordinationRecord = z.object({
  id: z.string(),
  coordinationActionName: z.string(),
  coordinationResult: z.enum(['CONTINUE', 'ABORT', 'CANCELLED']).optional(),
  startTime: z.string(),
  endTime: z.string().optional(),
  endpointType: z.enum(['MGMT', 'VNF']),
  delay: z.string().optional(),
});
export type LcmCoordinationRecord = z.infer<typeof LcmCoordinationRecord>;

export const RejectedLcmCoordinationRecord = z.object({
  coordinationActionName: z.string(),
  rejectionTime: z.string(),
  endpointType: z.enum(['MGMT', 'VNF']),
  delay: z.string(),
});
export type RejectedLcmCoordinationRecord = z.infer<typeof RejectedLcmCoordinationRecord>;

/** SOL003 ResourceHandle: a resource on a VIM, named by the vimConnectionInfo entry that reaches it (direct mode). */
export const ResourceHandle = z.object({
  vimConnectionId: z.string().optional(),
  resourceProviderId: z.string().optional(),
  resourceId: z.string(),
  vimLevelResourceType: z.string().optional(),
});
export type ResourceHandle = z.infer<typeof ResourceHandle>;

export const AffectedVnfc = z.object({
  id: z.string(),
  vduId: z.string(),
  changeType: z.enum(['ADDED', 'REMOVED', 'MODIFIED', 'TEMPORARY']),
  computeResource: ResourceHandle,
});
export type AffectedVnfc = z.infer<typeof AffectedVnfc>;

const Link = z.object({ href: z.string() });

/** What a completed change_vnfpkg changed in the VNF instance's identity (SOL003 §5.5.3.x). */
export const ModificationsTriggeredByVnfPkgChange = z.object({
  vnfdId: z.string().optional(),
  vnfProvider: z.string().optional(),
  vnfProductName: z.string().optional(),
  vnfSoftwareVersion: z.string().optional(),
  vnfdVersion: z.string().optional(),
});

// --- Modify VNF information (SOL003 §5.4.3.3.4, PATCH /vnf_instances/{id}) ---

/**
 * VnfInfoModificationRequest, a JSON merge patch (RFC 7396) of the instance: names and
 * description replace (null removes), the key-value maps are merged (a null value removes
 * its key), vnfdId moves the instance to another package of the same VNF without touching
 * the VIM. vimConnectionInfo and vnfcInfoModifications are understood and refused (422).
 */
export const VnfInfoModificationRequest = z.object({
  vnfInstanceName: z.string().nullable().optional(),
  vnfInstanceDescription: z.string().nullable().optional(),
  vnfdId: z.string().min(1).optional(),
  vnfConfigurableProperties: KeyValuePairs.nullable().optional(),
  metadata: KeyValuePairs.nullable().optional(),
  extensions: KeyValuePairs.nullable().optional(),
  vimConnectionInfo: KeyValuePairs.nullable().optional(),
  vimConnectionInfoDeleteIds: z.array(z.string()).optional(),
  vnfcInfoModifications: z.array(z.record(z.string(), z.unknown())).optional(),
  vnfcInfoModificationsDeleteIds: z.array(z.string()).optional(),
}).refine((request) => Object.values(request).some((value) => value !== undefined), {
  message: 'a VnfInfoModificationRequest names at least one attribute to change',
});
export type VnfInfoModificationRequest = z.infer<typeof VnfInfoModificationRequest>;

/** SOL003 VnfInfoModifications: what a MODIFY_INFO operation changed (the op occ's changedInfo). */
export const VnfInfoModifications = z.object({
  vnfInstanceName: z.string().nullable().optional(),
  vnfInstanceDescription: z.string().nullable().optional(),
  vnfConfigurableProperties: KeyValuePairs.nullable().optional(),
  metadata: KeyValuePairs.nullable().optional(),
  extensions: KeyValuePairs.nullable().optional(),
  vnfdId: z.string().optional(),
  vnfProvider: z.string().optional(),
  vnfProductName: z.string().optional(),
  vnfSoftwareVersion: z.string().optional(),
  vnfdVersion: z.string().optional(),
});
export type VnfInfoModifications = z.infer<typeof VnfInfoModifications>;

export const VnfLcmOpOcc = z.object({
  id: z.string(),
  operationState: LcmOperationStateType,
  stateEnteredTime: z.string(),
  startTime: z.string(),
  vnfInstanceId: z.string(),
  operation: z.enum(['INSTANTIATE', 'SCALE', 'SCALE_TO_LEVEL', 'CHANGE_FLAVOUR', 'TERMINATE', 'HEAL', 'OPERATE',
    'CHANGE_EXT_CONN', 'MODIFY_INFO', 'CREATE_SNAPSHOT', 'REVERT_TO_SNAPSHOT', 'CHANGE_VNFPKG']),
  isAutomaticInvocation: z.boolean(),
  operationParams: z.record(z.string(), z.unknown()).optional(),
  isCancelPending: z.boolean(),
  cancelMode: z.enum(['GRACEFUL', 'FORCEFUL']).optional(),
  error: ProblemDetails.optional(),
  resourceChanges: z.object({ affectedVnfcs: z.array(AffectedVnfc) }).optional(),
  modificationsTriggeredByVnfPkgChange: ModificationsTriggeredByVnfPkgChange.optional(),
  /** MODIFY_INFO: what the operation changed (SOL003 VnfInfoModifications). */
  changedInfo: VnfInfoModifications.optional(),
  /** Changes of external connectivity; no operation of this VNFM makes one. */
  changedExtConnectivity: z.array(z.record(z.string(), z.unknown())).optional(),
  lcmCoordinations: z.array(LcmCoordinationRecord).optional(),
  rejectedLcmCoordinations: z.array(RejectedLcmCoordinationRecord).optional(),
  _links: z.object({
    self: Link,
    vnfInstance: Link,
    retry: Link.optional(),
    rollback: Link.optional(),
    fail: Link.optional(),
    cancel: Link.optional(),
  }),
});
export type VnfLcmOpOcc = z.infer<typeof VnfLcmOpOcc>;

// --- VNF instances (SOL003 §5.5.2) ---

export const CreateVnfRequest = z.object({
  vnfdId: z.string().min(1),
  vnfInstanceName: z.string().optional(),
  vnfInstanceDescription: z.string().optional(),
  metadata: KeyValuePairs.optional(),
});
export type CreateVnfRequest = z.infer<typeof CreateVnfRequest>;

export const InstantiateVnfRequest = z.object({
  flavourId: z.string().min(1),
  instantiationLevelId: z.string().optional(),
  extVirtualLinks: z.array(z.unknown()).optional(),
  extManagedVirtualLinks: z.array(z.unknown()).optional(),
  vimConnectionInfo: z.record(z.string(), z.unknown()).optional(),
  localizationLanguage: z.string().optional(),
  extensions: z.record(z.string(), z.unknown()).optional(),
  vnfConfigurableProperties: z.record(z.string(), z.unknown()).optional(),
  /** Tacker-style: VNFCs per VDU, e.g. { "vdu_layout": { "VDU1": 2, "VDU2": 2 } } (default: each VDU's min_number_of_instances, at least 1). */
  additionalParams: z.looseObject({
    vdu_layout: z.record(z.string(), z.number().int().min(1).max(100)).optional(),
    /** Kubernetes VIM (Tacker's parameters): the package's manifests to create, and the namespace to put them in. */
    'lcm-kubernetes-def-files': z.array(z.string().min(1)).min(1).optional(),
    namespace: KubernetesNamespace.optional(),
  }).optional(),
});
export type InstantiateVnfRequest = z.infer<typeof InstantiateVnfRequest>;

export const TerminateVnfRequest = z.object({
  terminationType: z.enum(['FORCEFUL', 'GRACEFUL']),
  gracefulTerminationTimeout: z.number().int().nonnegative().optional(),
  additionalParams: z.record(z.string(), z.unknown()).optional(),
});
export type TerminateVnfRequest = z.infer<typeof TerminateVnfRequest>;

export const VnfcResourceInfoModel = z.object({
  id: z.string(),
  vduId: z.string(),
  computeResource: ResourceHandle,
  metadata: KeyValuePairs.optional(),
});

/** SOL003 VnfcInfo: the VNFC as a whole (its state), beside the resources of vnfcResourceInfo. */
export const VnfcInfo = z.object({
  id: z.string(),
  vduId: z.string(),
  vnfcResourceInfoId: z.string(),
  vnfcState: z.enum(['STARTED', 'STOPPED']),
  vnfcConfigurableProperties: KeyValuePairs.optional(),
});

/**
 * SOL003 v3 VimConnectionInfo, as the instance shows it: which VIM (vimType, the Keystone
 * endpoint in interfaceInfo) and as whom (accessInfo without any credential).
 */
export const VimConnectionInfo = z.object({
  vimId: z.string().optional(),
  vimType: z.string(),
  interfaceInfo: KeyValuePairs.optional(),
  accessInfo: KeyValuePairs.optional(),
  extra: KeyValuePairs.optional(),
});
export type VimConnectionInfo = z.infer<typeof VimConnectionInfo>;

export const VnfInstance = z.object({
  id: z.string(),
  vnfInstanceName: z.string().optional(),
  vnfInstanceDescription: z.string().optional(),
  vnfdId: z.string(),
  vnfProvider: z.string(),
  vnfProductName: z.string(),
  vnfSoftwareVersion: z.string(),
  vnfdVersion: z.string(),
  vnfConfigurableProperties: KeyValuePairs.optional(),
  /** Keyed by vimConnectionId, the name resource handles use for the VIM. */
  vimConnectionInfo: z.record(z.string(), VimConnectionInfo).optional(),
  instantiationState: z.enum(['NOT_INSTANTIATED', 'INSTANTIATED']),
  instantiatedVnfInfo: z.object({
    flavourId: z.string(),
    vnfState: z.enum(['STARTED', 'STOPPED']),
    vnfcResourceInfo: z.array(VnfcResourceInfoModel).optional(),
    vnfcInfo: z.array(VnfcInfo).optional(),
    /** The VIM resource that holds the VNF's resources (the Heat stack); on Kubernetes, as Tacker shows it, the namespace and the manifests. */
    metadata: KeyValuePairs.optional(),
  }).optional(),
  metadata: KeyValuePairs.optional(),
  extensions: KeyValuePairs.optional(),
  _links: z.object({
    self: Link,
    instantiate: Link.optional(),
    terminate: Link.optional(),
    changeVnfPkg: Link.optional(),
  }),
});
export type VnfInstance = z.infer<typeof VnfInstance>;
