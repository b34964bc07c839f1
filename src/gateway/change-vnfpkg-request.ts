// A ChangeCurrentVnfPkgRequest resolved against the inventory into the changeVnfPkg workflow's
// start: the destination package, the VDUs and scripts it names checked (422), the input
// validated against the workflow's input schema, and what the Temporal UI shows of it.
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { describeZodError, HttpProblem } from '../http/problem.ts';
import type { InventoryStore, VnfInstanceRecord, VnfPackageRecord } from '../inventory/store.ts';
import { ChangeCurrentVnfPkgRequest, type ChangeCurrentVnfPkgRequestAnyVim } from '../sol003/models.ts';
import { ChangeVnfPkgInput, type ChangeVnfPkgTuning, type ParsedChangeVnfPkgInput } from '../lcm/change-vnfpkg-input.ts';
import type { StartOperation } from '../workflows/start-operation.ts';
import { kubernetesChangeStart } from './kubernetes-requests.ts';
import { VNFLCM_BASE } from './vnf-instances.ts';

export interface ChangeVnfPkgDependencies {
  inventory: InventoryStore;
  apiRoot: string;
  /** Used when the destination VNFD declares no coordination action for change_current_package. */
  defaultCoordinationAction: string;
  tuning?: Partial<ChangeVnfPkgTuning>;
}

/** The start of the operation, or the 400/409/422 that refuses the request. */
export function changeVnfPkgStart(
  deps: ChangeVnfPkgDependencies, opId: string, instance: VnfInstanceRecord, body: ChangeCurrentVnfPkgRequestAnyVim,
): StartOperation {
  // A VNF on a Kubernetes VIM changes by its manifests (kubernetes-requests.ts).
  if (instance.kubernetes) return kubernetesChangeStart(deps, opId, instance, body);
  const request = openStackRequest(body);
  if (instance.instantiationState !== 'INSTANTIATED' || !instance.stack) {
    throw new HttpProblem(409, `VNF instance ${instance.id} is ${instance.instantiationState}; change_vnfpkg needs INSTANTIATED`);
  }
  const target = destinationPackage(deps.inventory, request.vnfdId);
  checkVduParams(instance, target, request.additionalParams.vdu_params.map((p) => p.vdu_id));
  checkScripts(target, request.additionalParams);
  const input = changeVnfPkgInput(deps, opId, instance, target, request);
  return {
    kind: 'CHANGE_VNFPKG',
    vnfLcmOpOccId: opId,
    input,
    staticSummary: `change_vnfpkg of VNF ${instance.id}: ${instance.vnfSoftwareVersion || instance.vnfdId} → ${target.vnfd.vnfSoftwareVersion || target.vnfd.vnfdId}`,
    staticDetails: staticDetails(instance, target, input),
  };
}

/** On OpenStack the body must be ChangeCurrentVnfPkgRequest (vdu_params required, as the guide says). */
function openStackRequest(body: ChangeCurrentVnfPkgRequestAnyVim): ChangeCurrentVnfPkgRequest {
  const parsed = ChangeCurrentVnfPkgRequest.safeParse(body);
  if (!parsed.success) throw new HttpProblem(400, `request body is invalid: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export function destinationPackage(inventory: InventoryStore, vnfdId: string): VnfPackageRecord {
  const pkg = inventory.packageByVnfdId(vnfdId);
  if (!pkg) throw new HttpProblem(422, `no onboarded VNF package has vnfdId ${vnfdId}`);
  if (pkg.onboardingState !== 'ONBOARDED' || pkg.operationalState !== 'ENABLED') {
    throw new HttpProblem(422, `VNF package ${pkg.id} (vnfdId ${vnfdId}) is ${pkg.onboardingState}/${pkg.operationalState}; it must be ONBOARDED and ENABLED`);
  }
  return pkg;
}

function checkVduParams(instance: VnfInstanceRecord, target: VnfPackageRecord, vduIds: string[]): void {
  for (const vduId of vduIds) {
    if (!instance.vnfcResourceInfo.some((v) => v.vduId === vduId)) {
      throw new HttpProblem(422, `additionalParams.vdu_params names ${vduId}, which has no VNFC in VNF instance ${instance.id}`);
    }
    if (!target.vnfd.vdus[vduId]) {
      throw new HttpProblem(422, `additionalParams.vdu_params names ${vduId}, which the destination VNFD ${target.vnfd.vnfdId} does not define`);
    }
  }
}

/** Tacker's rule: coordinate scripts named in additionalParams must be files of the package. */
export function checkScripts(target: VnfPackageRecord, additionalParams: Pick<ChangeCurrentVnfPkgRequest['additionalParams'], 'lcm-operation-coordinate-new-vnf' | 'lcm-operation-coordinate-old-vnf'>): void {
  for (const key of ['lcm-operation-coordinate-new-vnf', 'lcm-operation-coordinate-old-vnf'] as const) {
    const script = additionalParams[key];
    if (!script) continue;
    const path = target.contentDir ? resolve(target.contentDir, script) : undefined;
    const inside = path && target.contentDir ? relative(target.contentDir, path) : '..';
    if (!path || inside.startsWith('..') || isAbsolute(inside) || !existsSync(path)) {
      throw new HttpProblem(422, `additionalParams.${key} names ${script}, which is not a file of VNF package ${target.id}`);
    }
  }
}

function changeVnfPkgInput(
  deps: ChangeVnfPkgDependencies, opId: string, instance: VnfInstanceRecord,
  target: VnfPackageRecord, request: ChangeCurrentVnfPkgRequest,
): ParsedChangeVnfPkgInput {
  const { vnfd } = target;
  // The one validation of the workflow's input (the workflow itself carries no zod).
  return ChangeVnfPkgInput.parse({
    vnfLcmOpOccId: opId,
    vnfInstanceId: instance.id,
    sourceVnfdId: instance.vnfdId,
    sourcePackageId: deps.inventory.packageByVnfdId(instance.vnfdId)?.id,
    stack: instance.stack ?? { name: '', id: '' },
    vnfcResourceInfo: instance.vnfcResourceInfo.map((v) => ({ id: v.id, vduId: v.vduId, serverId: v.computeResource.resourceId })),
    request,
    target: {
      ...vnfd,
      packageId: target.id,
      coordinationActionNames: vnfd.coordinationActionNames.length ? vnfd.coordinationActionNames : [deps.defaultCoordinationAction],
    },
    links: { vnfLcmOpOcc: `${deps.apiRoot}${VNFLCM_BASE}/vnf_lcm_op_occs/${opId}`, vnfInstance: `${deps.apiRoot}${VNFLCM_BASE}/vnf_instances/${instance.id}` },
    tuning: deps.tuning,
  });
}

/** Markdown shown in the Temporal UI beside the summary: what moves where. */
function staticDetails(instance: VnfInstanceRecord, target: VnfPackageRecord, input: ChangeVnfPkgInput): string {
  const vdus = input.request.additionalParams.vdu_params.map((p) => {
    const vdu = target.vnfd.vdus[p.vdu_id];
    const count = instance.vnfcResourceInfo.filter((v) => v.vduId === p.vdu_id).length;
    return `- ${p.vdu_id} (${count} VNFCs) → image \`${vdu?.image}\`, flavour \`${vdu?.flavor}\`, EM ${p.new_vnfc_param?.endpoint ?? 'none'}`;
  });
  return [`VNF instance \`${instance.id}\`, vnfdId \`${instance.vnfdId}\` → \`${target.vnfd.vnfdId}\``, ...vdus].join('\n');
}

