// LCM requests for a VNF on a Kubernetes VIM resolved into the workflows' inputs: the VIM from
// the request (instantiate) or the instance (change, terminate), the package's manifests read
// and placed in the VNF's namespace, the Deployment of each VDU found (422 when something the
// request names is not in the package), the input validated against its schema.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { describeZodError, HttpProblem } from '../http/problem.ts';
import type { InventoryStore, VnfcResourceInfo, VnfInstanceRecord, VnfPackageRecord } from '../inventory/store.ts';
import type { KubeResource } from '../kubernetes/client.ts';
import { ManifestError, placeManifests, readManifests, type PlacedManifests } from '../kubernetes/manifests.ts';
import { targetOf, type kubernetesVimIn, type KubernetesVimConnectionInfo } from '../kubernetes/vim-connection.ts';
import { KubernetesChangeVnfPkgInput, KubernetesInstantiateInput, KubernetesTerminateInput } from '../lcm/kubernetes-input.ts';
import type { PackageRepository } from '../packages/repository.ts';
import type { ChangeCurrentVnfPkgRequestAnyVim, InstantiateVnfRequest, TerminateVnfRequest } from '../sol003/models.ts';
import type { StartOperation } from '../workflows/start-operation.ts';
import { checkScripts, destinationPackage, type ChangeVnfPkgDependencies } from './change-vnfpkg-request.ts';
import { VNFLCM_BASE } from './vnf-instances.ts';

const DEF_FILES = 'lcm-kubernetes-def-files';

/** The Kubernetes entry of a request's vimConnectionInfo, as kubernetesVimIn finds it. */
export type FoundVim = NonNullable<ReturnType<typeof kubernetesVimIn>>;

export async function kubernetesInstantiateStart(
  deps: { inventory: InventoryStore; packages?: PackageRepository; apiRoot: string }, instance: VnfInstanceRecord, request: InstantiateVnfRequest,
  vim: FoundVim,
): Promise<StartOperation> {
  const info = vimOrThrow(vim);
  const pkg = await deps.inventory.packageByVnfdId(instance.vnfdId);
  if (!pkg) throw new HttpProblem(422, `the VNF package of vnfdId ${instance.vnfdId} is no longer onboarded`);
  const defFiles = request.additionalParams?.[DEF_FILES];
  if (!defFiles) throw new HttpProblem(422, `additionalParams.${DEF_FILES} must name the package's Kubernetes manifests on a Kubernetes VIM`);
  const containerVdus = containerVdusOf(pkg);
  const layout = request.additionalParams?.vdu_layout ?? {};
  for (const vduId of Object.keys(layout)) {
    if (!containerVdus[vduId]) throw new HttpProblem(422, `additionalParams.vdu_layout names ${vduId}, which is not a container VDU of VNFD ${pkg.vnfd.vnfdId}`);
  }
  const placed = await manifestsOf(deps.packages, pkg, defFiles, { namespace: request.additionalParams?.namespace, vnfInstanceId: instance.id, containerVdus, replicas: layout });
  if (Object.keys(placed.vdus).length === 0) {
    throw new HttpProblem(422, `no VDU of VNFD ${pkg.vnfd.vnfdId} (${Object.values(containerVdus).map((v) => v.resourceName).join(', ')}) is a Deployment or StatefulSet of ${defFiles.join(', ')}`);
  }
  const opId = randomUUID();
  const input = parse(KubernetesInstantiateInput, {
    vnfLcmOpOccId: opId, vnfInstanceId: instance.id, request, vnfd: identityOf(instance), links: linksOf(deps.apiRoot, instance.id, opId),
    flavourId: request.flavourId,
    kubernetes: {
      vim: info, vimKey: vim.key, namespace: placed.namespace, defFiles, vdus: placed.vdus,
      resources: placed.resources.map(refOf), target: targetOf(info), objects: placed.resources,
    },
  });
  return {
    kind: 'INSTANTIATE', vnfLcmOpOccId: opId, input,
    staticSummary: `instantiate VNF ${instance.id} (${instance.vnfProductName} ${instance.vnfSoftwareVersion}) on Kubernetes ${new URL(info.interfaceInfo.endpoint).host}`,
    staticDetails: `namespace \`${placed.namespace}\`, manifests ${defFiles.map((f) => `\`${f}\``).join(', ')}`,
  };
}

export function kubernetesTerminateStart(apiRoot: string, instance: VnfInstanceRecord, request: TerminateVnfRequest): StartOperation {
  const k8s = instance.kubernetes;
  if (instance.instantiationState !== 'INSTANTIATED' || !k8s) {
    throw new HttpProblem(409, `VNF instance ${instance.id} is ${instance.instantiationState}; terminate needs INSTANTIATED`);
  }
  const opId = randomUUID();
  const input = parse(KubernetesTerminateInput, {
    vnfLcmOpOccId: opId, vnfInstanceId: instance.id, request, vnfd: identityOf(instance), links: linksOf(apiRoot, instance.id, opId),
    kubernetes: { target: targetOf(k8s.vim), resources: k8s.resources },
  });
  return { kind: 'TERMINATE', vnfLcmOpOccId: opId, input, staticSummary: `terminate VNF ${instance.id} on Kubernetes` };
}

export async function kubernetesChangeStart(
  deps: ChangeVnfPkgDependencies, opId: string, instance: VnfInstanceRecord, request: ChangeCurrentVnfPkgRequestAnyVim,
): Promise<StartOperation> {
  const k8s = instance.kubernetes;
  if (instance.instantiationState !== 'INSTANTIATED' || !k8s) {
    throw new HttpProblem(409, `VNF instance ${instance.id} is ${instance.instantiationState}; change_vnfpkg needs INSTANTIATED`);
  }
  const params = request.additionalParams;
  if (params.upgrade_type !== 'RollingUpdate') {
    throw new HttpProblem(422, `additionalParams.upgrade_type ${params.upgrade_type} is not supported on a Kubernetes VIM: its Deployments change by RollingUpdate`);
  }
  const defFiles = params[DEF_FILES];
  if (!defFiles) throw new HttpProblem(422, `additionalParams.${DEF_FILES} must name the destination package's Kubernetes manifests on a Kubernetes VIM`);
  const target = await destinationPackage(deps.inventory, request.vnfdId);
  await checkScripts(deps.packages, target, params);
  const containerVdus = containerVdusOf(target);
  const destination = await manifestsOf(deps.packages, target, defFiles, { namespace: k8s.namespace, vnfInstanceId: instance.id, containerVdus });
  for (const [vduId, workload] of Object.entries(destination.vdus)) {
    const before = k8s.vdus[vduId];
    if (before && before.kind !== workload.kind) {
      throw new HttpProblem(422, `VDU ${vduId} is the ${before.kind} ${before.name} in VNF instance ${instance.id} and the ${workload.kind} ${workload.name} in ${defFiles.join(', ')}: a rolling update cannot change a VDU's kind`);
    }
  }
  for (const { vdu_id: vduId } of params.vdu_params ?? []) {
    if (!k8s.vdus[vduId]) throw new HttpProblem(422, `additionalParams.vdu_params names ${vduId}, which has no Deployment or StatefulSet in VNF instance ${instance.id}`);
    if (!destination.vdus[vduId]) throw new HttpProblem(422, `additionalParams.vdu_params names ${vduId}, which is not a Deployment or StatefulSet of ${defFiles.join(', ')}`);
  }
  const source = await deps.inventory.packageByVnfdId(instance.vnfdId);
  const sourceObjects = source
    ? besideWorkloads(await manifestsOf(deps.packages, source, k8s.defFiles, { namespace: k8s.namespace, vnfInstanceId: instance.id, containerVdus: containerVdusOf(source) }))
    : [];
  const order = params.vdu_params?.map((p) => p.vdu_id) ?? Object.keys(destination.vdus);
  const { vnfd } = target;
  const input = parse(KubernetesChangeVnfPkgInput, {
    vnfLcmOpOccId: opId,
    vnfInstanceId: instance.id,
    sourceVnfdId: instance.vnfdId,
    sourcePackageId: source?.id,
    request,
    target: {
      ...vnfd, packageId: target.id,
      coordinationActionNames: vnfd.coordinationActionNames.length ? vnfd.coordinationActionNames : [deps.defaultCoordinationAction],
    },
    links: linksOf(deps.apiRoot, instance.id, opId),
    tuning: deps.tuning,
    kubernetes: {
      target: targetOf(k8s.vim), namespace: k8s.namespace, order, objects: destination.resources, vdus: destination.vdus,
      sourceVdus: k8s.vdus, sourceObjects, defFiles,
      vnfcsBefore: instance.vnfcResourceInfo.map(vnfcOf),
    },
  });
  return {
    kind: 'CHANGE_VNFPKG',
    vnfLcmOpOccId: opId,
    input,
    staticSummary: `change_vnfpkg of VNF ${instance.id} on Kubernetes: ${instance.vnfSoftwareVersion || instance.vnfdId} → ${vnfd.vnfSoftwareVersion || vnfd.vnfdId}`,
    staticDetails: [
      `VNF instance \`${instance.id}\`, namespace \`${k8s.namespace}\`, vnfdId \`${instance.vnfdId}\` → \`${vnfd.vnfdId}\``,
      ...order.map((vduId) => {
        const param = params.vdu_params?.find((p) => p.vdu_id === vduId);
        return `- ${vduId}: ${destination.vdus[vduId]?.kind ?? 'Deployment'} \`${destination.vdus[vduId]?.name ?? '?'}\`, ${param?.new_vnfc_param?.endpoint ? `pod by pod with EM ${param.new_vnfc_param.endpoint}` : 'plain rollout'}`;
      }),
    ].join('\n'),
  };
}

function vimOrThrow(vim: FoundVim): KubernetesVimConnectionInfo {
  if (vim.parsed.success) return vim.parsed.data;
  const issues = vim.parsed.error.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(entry)'}: ${i.message}`).join('; ');
  throw new HttpProblem(422, `vimConnectionInfo.${vim.key} is not a usable Kubernetes VIM: ${issues}`);
}

function containerVdusOf(pkg: VnfPackageRecord): Record<string, { resourceName: string }> {
  const vdus = pkg.vnfd.containerVdus ?? {};
  if (Object.keys(vdus).length === 0) throw new HttpProblem(422, `VNFD ${pkg.vnfd.vnfdId} has no container VDU (a Vdu.Compute without sw_image_data, or a Vdu.OsContainerDeployableUnit)`);
  return vdus;
}

/** The package's content is read where the gateway's package store keeps it (a cache of PostgreSQL's in a cluster). */
async function manifestsOf(
  packages: PackageRepository | undefined, pkg: VnfPackageRecord, files: string[], options: Parameters<typeof placeManifests>[1],
): Promise<PlacedManifests> {
  const contentDir = packages ? await packages.localContent(pkg.id) : pkg.contentDir;
  if (!contentDir) throw new HttpProblem(422, `VNF package ${pkg.id} has no content on this VNFM`);
  try {
    return placeManifests(readManifests(contentDir, files), options);
  } catch (err) {
    if (err instanceof ManifestError) throw new HttpProblem(422, `VNF package ${pkg.id}: ${err.message}`);
    throw err;
  }
}

function besideWorkloads(placed: PlacedManifests): KubeResource[] {
  const workloads = Object.values(placed.vdus);
  return placed.resources.filter((r) => !workloads.some((w) => w.kind === r.kind && w.name === r.metadata?.name));
}

/** A VNFC of the instance as the change's ledger takes it: a StatefulSet's pod with the revision it ran. */
function vnfcOf(v: VnfcResourceInfo) {
  const kind = v.computeResource.vimLevelResourceType === 'StatefulSet' ? 'StatefulSet' as const : 'Deployment' as const;
  const revision = typeof v.metadata?.revision === 'string' ? v.metadata.revision : undefined;
  return { id: v.id, vduId: v.vduId, kind, ...(kind === 'StatefulSet' && revision ? { revision } : {}) };
}

function refOf(resource: KubeResource) {
  return { apiVersion: resource.apiVersion, kind: resource.kind, name: resource.metadata?.name ?? '', ...(resource.metadata?.namespace ? { namespace: resource.metadata.namespace } : {}) };
}

function identityOf(instance: VnfInstanceRecord) {
  const { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion } = instance;
  return { vnfdId, vnfProvider, vnfProductName, vnfSoftwareVersion, vnfdVersion };
}

function linksOf(apiRoot: string, instanceId: string, opId: string) {
  return { vnfLcmOpOcc: `${apiRoot}${VNFLCM_BASE}/vnf_lcm_op_occs/${opId}`, vnfInstance: `${apiRoot}${VNFLCM_BASE}/vnf_instances/${instanceId}` };
}

/** The one validation of a workflow's input (the workflow carries no zod). */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpProblem(422, `the request cannot be run on this Kubernetes VIM: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
