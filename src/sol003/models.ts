// Wire models of the ETSI NFV-SOL 003 VNF LCM interface (vnflcm v2, API version 2.0.0) that
// change_vnfpkg uses, with the Tacker additionalParams of the coordinateVNF guide.
import { z } from 'zod';
import { EmAuthentication } from '../lcmcoord/models.ts';
import { ProblemDetails } from '../http/problem.ts';
import { HttpUrl } from '../http/urls.ts';

export const VNFLCM_API_VERSION = '2.0.0';

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

export const ChangeVnfPkgAdditionalParams = z.looseObject({
  upgrade_type: z.enum(['RollingUpdate']),
  'lcm-operation-coordinate-new-vnf': z.string().min(1).optional(),
  'lcm-operation-coordinate-old-vnf': z.string().min(1).optional(),
  vdu_params: z.array(VduParam).min(1),
  external_lb_param: z.object({ ip_address: z.string(), username: z.string(), password: z.string() }).optional(),
}).superRefine((params, ctx) => {
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

export const AffectedVnfc = z.object({
  id: z.string(),
  vduId: z.string(),
  changeType: z.enum(['ADDED', 'REMOVED', 'MODIFIED', 'TEMPORARY']),
  computeResource: z.object({ resourceId: z.string(), vimLevelResourceType: z.string().optional() }),
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
  metadata: z.record(z.string(), z.unknown()).optional(),
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
  computeResource: z.object({ resourceId: z.string(), vimLevelResourceType: z.string().optional() }),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export const VnfInstance = z.object({
  id: z.string(),
  vnfInstanceName: z.string().optional(),
  vnfInstanceDescription: z.string().optional(),
  vnfdId: z.string(),
  vnfProvider: z.string(),
  vnfProductName: z.string(),
  vnfSoftwareVersion: z.string(),
  vnfdVersion: z.string(),
  instantiationState: z.enum(['NOT_INSTANTIATED', 'INSTANTIATED']),
  /** The VIMs the instance runs on, their credentials redacted. */
  vimConnectionInfo: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  instantiatedVnfInfo: z.object({
    flavourId: z.string(),
    vnfState: z.enum(['STARTED', 'STOPPED']),
    vnfcResourceInfo: z.array(VnfcResourceInfoModel).optional(),
    /** On Kubernetes, as Tacker shows it: the namespace and the manifests the instance is made of. */
    metadata: z.record(z.string(), z.unknown()).optional(),
  }).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  _links: z.object({
    self: Link,
    instantiate: Link.optional(),
    terminate: Link.optional(),
    changeVnfPkg: Link.optional(),
  }),
});
export type VnfInstance = z.infer<typeof VnfInstance>;
