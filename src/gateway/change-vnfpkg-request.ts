// A ChangeCurrentVnfPkgRequest resolved against the inventory into the changeVnfPkg workflow's
// start: the destination package, the VDUs and scripts it names checked (422), the input
// validated against the workflow's input schema, and what the Temporal UI shows of it.
import { describeZodError, HttpProblem } from '../http/problem.ts';
import type { InventoryStore, VnfInstanceRecord, VnfPackageRecord } from '../inventory/store.ts';
import { PackageFileError, type PackageRepository } from '../packages/repository.ts';
import { ChangeCurrentVnfPkgRequest, type ChangeCurrentVnfPkgRequestAnyVim } from '../sol003/models.ts';
import { ChangeVnfPkgInput, type ChangeVnfPkgTuning, type ParsedChangeVnfPkgInput } from '../lcm/change-vnfpkg-input.ts';
import type { StartOperation } from '../workflows/start-operation.ts';
import { kubernetesChangeStart } from './kubernetes-requests.ts';
import { VNFLCM_BASE } from './vnf-instances.ts';

export interface ChangeVnfPkgDependencies {
  inventory: InventoryStore;
  /** Where the destination package's scripts are looked for (the gateway's package store). */
  packages?: PackageRepository;
  apiRoot: string;
  /** Used when the destination VNFD declares no coordination action for change_current_package. */
  defaultCoordinationAction: string;
  tuning?: Partial<ChangeVnfPkgTuning>;
}

/** The start of the operation, or the 400/409/422 that refuses the request. */
export async function changeVnfPkgStart(
  deps: ChangeVnfPkgDependencies, opId: string, instance: VnfInstanceRecord, body: ChangeCurrentVnfPkgRequestAnyVim,
): Promise<StartOperation> {
  // A VNF on a Kubernetes VIM changes by its manifests (kubernetes-requests.ts).
  if (instance.kubernetes) return kubernetesChangeStart(deps, opId, instance, body);
  const request = openStackRequest(body);
  if (instance.instantiationState !== 'INSTANTIATED' || !instance.stack) {
    throw new HttpProblem(409, `VNF instance ${instance.id} is ${instance.instantiationState}; change_vnfpkg needs INSTANTIATED`);
  }
  const target = await destinationPackage(deps.inventory, request.vnfdId);
  checkVduParams(instance, target, request.additionalParams.vdu_params.map((p) => p.vdu_id));
  await checkScripts(deps.packages, target, request.additionalParams);
  const source = await deps.inventory.packageByVnfdId(instance.vnfdId);
  // Blue-Green switches the load balancer back to blue with the source package's coordinate-old-vnf script.
  if (request.additionalParams.upgrade_type === 'BlueGreen') {
    await checkScript(deps.packages, source, 'lcm-operation-coordinate-old-vnf', request.additionalParams, request.vnfdId);
  }
  const input = changeVnfPkgInput(deps, opId, instance, source?.id, target, request);
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

export async function destinationPackage(inventory: InventoryStore, vnfdId: string): Promise<VnfPackageRecord> {
  const pkg = await inventory.packageByVnfdId(vnfdId);
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

type ScriptKey = 'lcm-operation-coordinate-new-vnf' | 'lcm-operation-coordinate-old-vnf';
type ScriptParams = Partial<Pick<ChangeCurrentVnfPkgRequest['additionalParams'], ScriptKey>>;

/**
 * Tacker's rule: coordinate scripts named in additionalParams must be files of the package, found
 * the way the worker will find them (PackageRepository.locateScript). A gateway without a
 * package store has none to check, and the worker refuses a missing script when it runs.
 */
export async function checkScripts(packages: PackageRepository | undefined, target: VnfPackageRecord, params: ScriptParams): Promise<void> {
  for (const key of ['lcm-operation-coordinate-new-vnf', 'lcm-operation-coordinate-old-vnf'] as const) {
    await checkScript(packages, target, key, params, target.vnfd.vnfdId);
  }
}

async function checkScript(
  packages: PackageRepository | undefined, pkg: VnfPackageRecord | undefined, key: ScriptKey, params: ScriptParams, vnfdId: string,
): Promise<void> {
  const script = params[key];
  if (!script || !packages) return;
  const refusal = new HttpProblem(422, `additionalParams.${key} names ${script}, which is not a file of VNF package ${pkg?.id ?? `of vnfdId ${vnfdId}`}`);
  if (!pkg) throw refusal;
  try {
    await packages.locateScript(pkg.id, script);
  } catch (err) {
    if (!(err instanceof PackageFileError)) throw err;
    throw refusal;
  }
}

function changeVnfPkgInput(
  deps: ChangeVnfPkgDependencies, opId: string, instance: VnfInstanceRecord, sourcePackageId: string | undefined,
  target: VnfPackageRecord, request: ChangeCurrentVnfPkgRequest,
): ParsedChangeVnfPkgInput {
  const { vnfd } = target;
  // The one validation of the workflow's input (the workflow itself carries no zod).
  return ChangeVnfPkgInput.parse({
    vnfLcmOpOccId: opId,
    vnfInstanceId: instance.id,
    sourceVnfdId: instance.vnfdId,
    sourcePackageId,
    stack: instance.stack ?? { name: '', id: '' },
    vnfcResourceInfo: instance.vnfcResourceInfo.map((v) => ({
      id: v.id, vduId: v.vduId, serverId: v.computeResource.resourceId,
      ...(v.computeResource.vimConnectionId ? { vimConnectionId: v.computeResource.vimConnectionId } : {}),
    })),
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
  const lb = input.request.additionalParams.external_lb_param;
  const how = input.request.additionalParams.upgrade_type === 'BlueGreen'
    ? [`Blue-Green: green VNFCs beside the blue ones, traffic switched at load balancer \`${lb?.ip_address ?? '?'}\`, then the blue ones removed`]
    : [];
  return [`VNF instance \`${instance.id}\`, vnfdId \`${instance.vnfdId}\` → \`${target.vnfd.vnfdId}\``, ...how, ...vdus].join('\n');
}

