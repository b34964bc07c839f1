// The inputs of the LCM operations on a Kubernetes VIM: what the gateway resolved from the
// request, the VNF instance and the packages (the VIM to reach, the manifests as objects placed
// in the VNF's namespace, the Deployment of each VDU). The gateway validates every input
// against these schemas before it starts the workflow; workflow code imports their types only.
import { z } from 'zod';
import { KubernetesVimConnectionInfo } from '../kubernetes/vim-connection.ts';
import { ChangeCurrentVnfPkgRequestAnyVim, InstantiateVnfRequest, TerminateVnfRequest } from '../sol003/models.ts';
import { ChangeVnfPkgTuning, TargetPackage } from './change-vnfpkg-input.ts';

export const KubernetesTargetSchema = z.object({
  endpoint: z.url(),
  caCertPem: z.string().optional(),
  bearerToken: z.string().optional(),
  clientCertPem: z.string().optional(),
  clientKeyPem: z.string().optional(),
});

export const WorkloadKindSchema = z.enum(['Deployment', 'StatefulSet']);
export const WorkloadRefSchema = z.object({ kind: WorkloadKindSchema, namespace: z.string().min(1), name: z.string().min(1) });

export const KubernetesObjectSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
});

export const ResourceRefSchema = z.object({
  apiVersion: z.string().min(1), kind: z.string().min(1), namespace: z.string().optional(), name: z.string().min(1),
});

/** A pod of the instance, as a VNFC. */
export const KubernetesVnfcSchema = z.object({
  id: z.string().min(1), vduId: z.string().min(1), kind: WorkloadKindSchema,
  /** A StatefulSet's pod keeps its name when replaced: the revision it runs tells the replacement. */
  revision: z.string().optional(),
});

/** Where a CNF runs and what it is made of: kept in the instance record, carried in each operation's input. */
export const KubernetesDeploymentInfo = z.object({
  vim: KubernetesVimConnectionInfo,
  /** The key of the VIM in vimConnectionInfo (e.g. `vim1`). */
  vimKey: z.string().min(1),
  namespace: z.string().min(1),
  /** Tacker's `lcm-kubernetes-def-files`: the package's manifests the instance was made of. */
  defFiles: z.array(z.string().min(1)),
  /** Every object those manifests made, in creation order. */
  resources: z.array(ResourceRefSchema),
  /** The Deployment or StatefulSet of each container VDU. */
  vdus: z.record(z.string(), WorkloadRefSchema),
});
export type KubernetesDeploymentInfo = z.infer<typeof KubernetesDeploymentInfo>;

const Links = z.object({ vnfLcmOpOcc: z.url(), vnfInstance: z.url() });
const VnfdIdentity = z.object({
  vnfdId: z.string(), vnfProvider: z.string().optional(), vnfProductName: z.string().optional(),
  vnfSoftwareVersion: z.string().optional(), vnfdVersion: z.string().optional(),
});

/** Knobs of instantiate and terminate: how often the API server is read, how long a rollout may take. */
export const KubernetesWaitTuning = z.object({
  pollIntervalMs: z.number().int().positive().default(1_000),
  timeoutSec: z.number().positive().default(1_800),
});

export const KubernetesInstantiateInput = z.object({
  vnfLcmOpOccId: z.string().min(1),
  vnfInstanceId: z.string().min(1),
  request: InstantiateVnfRequest,
  vnfd: VnfdIdentity,
  links: Links,
  flavourId: z.string().min(1),
  kubernetes: KubernetesDeploymentInfo.extend({
    target: KubernetesTargetSchema,
    /** The objects to create, in order, placed and labelled. */
    objects: z.array(KubernetesObjectSchema),
  }),
  tuning: KubernetesWaitTuning.default(KubernetesWaitTuning.parse({})),
});
export type KubernetesInstantiateInput = z.input<typeof KubernetesInstantiateInput>;

export const KubernetesTerminateInput = z.object({
  vnfLcmOpOccId: z.string().min(1),
  vnfInstanceId: z.string().min(1),
  request: TerminateVnfRequest,
  vnfd: VnfdIdentity,
  links: Links,
  kubernetes: z.object({ target: KubernetesTargetSchema, resources: z.array(ResourceRefSchema) }),
  tuning: KubernetesWaitTuning.default(KubernetesWaitTuning.parse({})),
});
export type KubernetesTerminateInput = z.input<typeof KubernetesTerminateInput>;

export const KubernetesChangeVnfPkgInput = z.object({
  vnfLcmOpOccId: z.string().min(1),
  vnfInstanceId: z.string().min(1),
  sourceVnfdId: z.string().min(1),
  sourcePackageId: z.string().min(1).optional(),
  /** The request as received (vdu_params optional on Kubernetes). */
  request: ChangeCurrentVnfPkgRequestAnyVim,
  /** The destination package: identity, id (its coordinate script), coordination actions. */
  target: TargetPackage,
  links: Links,
  tuning: ChangeVnfPkgTuning.default(ChangeVnfPkgTuning.parse({})),
  kubernetes: z.object({
    target: KubernetesTargetSchema,
    namespace: z.string().min(1),
    /** The VDUs whose Deployments change, in order (vdu_params' order, else the VNFD's). */
    order: z.array(z.string().min(1)),
    /** The destination's objects, placed; its VDUs' Deployments among them. */
    objects: z.array(KubernetesObjectSchema),
    vdus: z.record(z.string(), WorkloadRefSchema),
    /** The source's VDUs' Deployments (the instance's before the change). */
    sourceVdus: z.record(z.string(), WorkloadRefSchema),
    /** The source's objects other than the VDUs' Deployments: what a rollback puts back. */
    sourceObjects: z.array(KubernetesObjectSchema),
    defFiles: z.array(z.string().min(1)),
    /** The instance's VNFCs (pods) when the change starts. */
    vnfcsBefore: z.array(KubernetesVnfcSchema),
  }),
});
export type KubernetesChangeVnfPkgInput = z.input<typeof KubernetesChangeVnfPkgInput>;
export type ParsedKubernetesChangeVnfPkgInput = z.output<typeof KubernetesChangeVnfPkgInput>;
