// Reads what the VNFM needs from a SOL001 VNFD (TOSCA YAML): identity, per VDU the software
// image and flavour (a VM) or the name of its Kubernetes workload (a container VDU), and the
// LCM coordination actions declared for change_current_package. Tacker cannot read the latter
// and hard-codes the action name in a script; we read it here.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describeZodError } from '../http/problem.ts';

const NodeTemplate = z.looseObject({
  type: z.string(),
  properties: z.record(z.string(), z.unknown()).optional(),
  capabilities: z.record(z.string(), z.unknown()).optional(),
});

const Policy = z.looseObject({
  type: z.string(),
  properties: z.record(z.string(), z.unknown()).optional(),
  targets: z.array(z.string()).optional(),
});

const VnfdDocument = z.looseObject({
  tosca_definitions_version: z.string(),
  topology_template: z.looseObject({
    node_templates: z.record(z.string(), NodeTemplate),
    // TOSCA lists policies as a list of one-key maps.
    policies: z.array(z.record(z.string(), Policy)).optional(),
  }),
});

export const VnfdSummary = z.object({
  vnfdId: z.string().min(1),
  vnfProvider: z.string(),
  vnfProductName: z.string(),
  vnfSoftwareVersion: z.string(),
  vnfdVersion: z.string(),
  vdus: z.record(z.string(), z.object({ image: z.string().min(1), flavor: z.string().min(1) })),
  /**
   * VDUs deployed as containers (a CNF): no software image of their own, their workload is the
   * Deployment of the Kubernetes manifests named `resourceName` (the VDU's `properties.name`,
   * Tacker's convention).
   */
  containerVdus: z.record(z.string(), z.object({ resourceName: z.string().min(1) })).optional(),
  coordinationActionNames: z.array(z.string()),
});
export type VnfdSummary = z.infer<typeof VnfdSummary>;

export class VnfdError extends Error {
  override readonly name = 'VnfdError';
}

const VNF_TYPE = /^tosca\.nodes\.nfv\.VNF$|\.VNF$|VNF$/;
const VDU_TYPE = 'tosca.nodes.nfv.Vdu.Compute';
/** SOL001's container VDU; Tacker's CNF packages use a Vdu.Compute without sw_image_data instead. */
const CONTAINER_VDU_TYPE = 'tosca.nodes.nfv.Vdu.OsContainerDeployableUnit';
const COORDINATION_ACTION = 'tosca.policies.nfv.LcmCoordinationAction';
const PACKAGE_CHANGE = 'tosca.policies.nfv.VnfPackageChange';
const COORDINATIONS_FOR_OPERATION = 'tosca.policies.nfv.LcmCoordinationsForLcmOperation';

export function readVnfd(yamlText: string): VnfdSummary {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (err) {
    throw new VnfdError(`VNFD is not valid YAML: ${(err as Error).message}`);
  }
  const parsed = VnfdDocument.safeParse(raw);
  if (!parsed.success) throw new VnfdError(`VNFD is not a TOSCA service template: ${describeZodError(parsed.error)}`);
  const { node_templates: nodes, policies = [] } = parsed.data.topology_template;

  const vnf = Object.values(nodes).find((n) => VNF_TYPE.test(n.type) && n.properties?.descriptor_id);
  if (!vnf?.properties) throw new VnfdError('VNFD has no VNF node template with a descriptor_id');
  const text = (key: string): string => {
    const value = vnf.properties?.[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  };

  const vdus: VnfdSummary['vdus'] = {};
  const containerVdus: NonNullable<VnfdSummary['containerVdus']> = {};
  for (const [name, node] of Object.entries(nodes)) {
    if (node.type === CONTAINER_VDU_TYPE || (node.type === VDU_TYPE && node.properties?.sw_image_data === undefined)) {
      const resourceName = node.properties?.name;
      containerVdus[name] = { resourceName: typeof resourceName === 'string' && resourceName ? resourceName : name };
    } else if (node.type === VDU_TYPE) {
      vdus[name] = { image: imageOf(name, node), flavor: flavorOf(name, node) };
    }
  }
  if (Object.keys(vdus).length === 0 && Object.keys(containerVdus).length === 0) throw new VnfdError(`VNFD has no ${VDU_TYPE} node template`);

  return {
    vnfdId: text('descriptor_id'),
    vnfProvider: text('provider'),
    vnfProductName: text('product_name'),
    vnfSoftwareVersion: text('software_version'),
    vnfdVersion: text('descriptor_version'),
    vdus,
    ...(Object.keys(containerVdus).length ? { containerVdus } : {}),
    coordinationActionNames: coordinationActionsForPackageChange(policies),
  };
}

function imageOf(vdu: string, node: z.infer<typeof NodeTemplate>): string {
  const swImage = node.properties?.sw_image_data as { name?: unknown } | undefined;
  if (typeof swImage?.name !== 'string') throw new VnfdError(`VDU ${vdu} has no properties.sw_image_data.name`);
  return swImage.name;
}

/** Tacker's convention: the flavour name is the VDU's requested additional capability name. */
function flavorOf(vdu: string, node: z.infer<typeof NodeTemplate>): string {
  const compute = node.capabilities?.virtual_compute as { properties?: { requested_additional_capabilities?: Record<string, { requested_additional_capability_name?: unknown }> } } | undefined;
  const first = Object.values(compute?.properties?.requested_additional_capabilities ?? {})[0];
  const name = first?.requested_additional_capability_name;
  if (typeof name !== 'string') throw new VnfdError(`VDU ${vdu} has no requested_additional_capability_name (the flavour)`);
  return name;
}

/**
 * Action names of the LcmCoordinationAction policies referenced, for change_current_package,
 * by a VnfPackageChange policy or by an LcmCoordinationsForLcmOperation policy, in order.
 */
function coordinationActionsForPackageChange(policies: Record<string, z.infer<typeof Policy>>[]): string[] {
  const byName = new Map<string, z.infer<typeof Policy>>();
  for (const entry of policies) for (const [name, policy] of Object.entries(entry)) byName.set(name, policy);

  const referenced: string[] = [];
  for (const policy of byName.values()) {
    const props = policy.properties ?? {};
    const forPackageChange = policy.type === PACKAGE_CHANGE
      || (policy.type === COORDINATIONS_FOR_OPERATION && props.lcm_operation === 'change_current_package');
    if (!forPackageChange) continue;
    for (const key of ['coordination_actions', 'referenced_coordination_actions']) {
      const refs = props[key];
      if (Array.isArray(refs)) referenced.push(...refs.filter((r): r is string => typeof r === 'string'));
    }
  }
  const names: string[] = [];
  for (const ref of referenced) {
    const action = byName.get(ref);
    if (action?.type !== COORDINATION_ACTION) throw new VnfdError(`policy ${ref} is referenced as a coordination action but is not a ${COORDINATION_ACTION}`);
    const actionName = action.properties?.action_name;
    if (typeof actionName !== 'string' || !actionName) throw new VnfdError(`coordination action policy ${ref} has no action_name`);
    if (!names.includes(actionName)) names.push(actionName);
  }
  return names;
}
