// The HOT templates of a VNF's top-level stack, in the shape Tacker's BaseHOT gives them: one
// OS::Heat::AutoScalingGroup per group of VNFCs whose member resource is `<VDU>.yaml` with
// `image` and `flavor` properties. Stack create takes such a template, and so does a stack
// update (PATCH with `template`), which adds the groups the new template has and deletes the
// groups it lacks; the template is what `GET …/template` answers.
import { z } from 'zod';

export const HEAT_TEMPLATE_VERSION = '2013-05-23';

const ResourceName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must start with a letter and hold only letters, digits, _ -');

export const ScalingGroupResource = z.looseObject({
  type: z.literal('OS::Heat::AutoScalingGroup'),
  properties: z.looseObject({
    desired_capacity: z.number().int().min(1).max(100),
    resource: z.looseObject({
      type: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*\.yaml$/, 'must be <VDU>.yaml'),
      properties: z.looseObject({ image: z.string().min(1), flavor: z.string().min(1) }),
    }),
  }),
});
export type ScalingGroupResource = z.infer<typeof ScalingGroupResource>;

export const VnfTemplate = z.looseObject({
  heat_template_version: z.string().optional(),
  resources: z.record(ResourceName, ScalingGroupResource).refine((r) => Object.keys(r).length > 0, 'at least one resource'),
});
export type VnfTemplate = z.infer<typeof VnfTemplate>;

/** One group of VNFCs of one VDU, as a template declares it. */
export interface GroupSpec {
  /** The group's resource name in the top-level stack. */
  name: string;
  vduId: string;
  count: number;
  image: string;
  flavor: string;
}

export function groupsOf(template: VnfTemplate): GroupSpec[] {
  return Object.entries(template.resources).map(([name, resource]) => groupOf(name, resource));
}

export function groupOf(name: string, resource: ScalingGroupResource): GroupSpec {
  const { desired_capacity: count, resource: member } = resource.properties;
  return { name, vduId: member.type.replace(/\.yaml$/, ''), count, image: member.properties.image, flavor: member.properties.flavor };
}

export function scalingGroup(group: Omit<GroupSpec, 'name'>): ScalingGroupResource {
  return {
    type: 'OS::Heat::AutoScalingGroup',
    properties: {
      min_size: group.count, max_size: group.count, desired_capacity: group.count,
      resource: { type: `${group.vduId}.yaml`, properties: { image: group.image, flavor: group.flavor } },
    },
  };
}

export function templateOfGroups(groups: GroupSpec[]): VnfTemplate {
  return { heat_template_version: HEAT_TEMPLATE_VERSION, resources: Object.fromEntries(groups.map((g) => [g.name, scalingGroup(g)])) };
}

/**
 * What an update from `current` to `next` does: the groups it adds and the groups it deletes.
 * A group both templates have must be declared alike: the simulator adds and removes groups,
 * it does not resize or rebuild one (Heat would), and says so rather than pretend.
 */
export function updatePlan(current: VnfTemplate, existing: ReadonlySet<string>, next: VnfTemplate): { add: GroupSpec[]; remove: string[] } | { refusal: string } {
  for (const [name, resource] of Object.entries(next.resources)) {
    const before = current.resources[name];
    if (existing.has(name) && before && JSON.stringify(groupOf(name, before)) !== JSON.stringify(groupOf(name, resource))) {
      return { refusal: `resource ${name} would change in place; the VIM simulator updates a stack by adding and deleting resources only` };
    }
  }
  return {
    add: Object.entries(next.resources).filter(([name]) => !existing.has(name)).map(([name, resource]) => groupOf(name, resource)),
    remove: [...existing].filter((name) => !(name in next.resources)),
  };
}
