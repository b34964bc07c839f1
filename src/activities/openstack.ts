// Activities towards the VIM (OpenStack Heat): one exchange each through the protocol client.
// The embedded VIM simulator and a real cloud look the same from here.
import { ApplicationFailure } from '@temporalio/activity';
import type { OpenStackClient } from '../openstack/client.ts';
import { OutboundError } from '../outbound/errors.ts';
import { applicationFailureOf, asApplicationFailure } from './failures.ts';

export interface StackRef {
  name: string;
  id: string;
}

export interface VnfcStackStatus {
  status: string;
  reason?: string;
  image?: string;
  flavor?: string;
}

/** A server of a VNF and the group (a resource of the VNF's top-level stack) that holds it. */
export interface GroupedVnfc {
  serverId: string;
  vduId: string;
  group: string;
}

/** A group of VNFCs to add beside an existing one: its definition copied, on another image and flavour. */
export interface NewVnfcGroup {
  /** Resource name in the top-level stack. */
  name: string;
  /** The existing group whose definition the new one copies. */
  like: string;
  count: number;
  image: string;
  flavor: string;
}

const SERVER_TYPE = 'OS::Nova::Server';

export function createOpenStackActivities(client: OpenStackClient) {
  return {
    /** Finds the nested stack that holds the VNFC's server (Tacker's "get stack resource to update"). */
    async getStackResource({ stack, serverId }: { stack: StackRef; serverId: string }): Promise<{ memberStack: StackRef }> {
      const resources = await asApplicationFailure('Vim', () => client.listResources(stack.name, stack.id, { nestedDepth: 3 }));
      const server = resources.find((r) => r.resource_type === SERVER_TYPE && r.physical_resource_id === serverId);
      if (!server) {
        throw ApplicationFailure.nonRetryable(`stack ${stack.name} has no server ${serverId}`, 'Vim.ResourceNotFound');
      }
      const owner = server.links.find((l) => l.rel === 'stack')?.href;
      const memberStack = owner ? stackRefOf(owner) : undefined;
      if (!memberStack) {
        throw ApplicationFailure.nonRetryable(`server ${serverId} in stack ${stack.name} has no readable owning-stack link`, 'Vim.Malformed');
      }
      return { memberStack };
    },

    /** The VNFC's nested stack: its status and the image and flavour it is (or is being) set to. */
    async readVnfcStack({ memberStack }: { memberStack: StackRef }): Promise<VnfcStackStatus> {
      const stack = await asApplicationFailure('Vim', () => client.showStack(memberStack.name, memberStack.id));
      const { image, flavor } = stack.parameters;
      return {
        status: stack.stack_status,
        reason: stack.stack_status_reason ?? undefined,
        image: typeof image === 'string' ? image : undefined,
        flavor: typeof flavor === 'string' ? flavor : undefined,
      };
    },

    /**
     * Creates the VNF's stack: one AutoScalingGroup per VDU whose members carry the image and
     * flavour. Idempotent: a retried create finds the stack it made (Heat refuses a duplicate name).
     */
    async createVnfStack({ stackName, vdus }: { stackName: string; vdus: { vduId: string; count: number; image: string; flavor: string }[] }): Promise<StackRef> {
      const template = {
        heat_template_version: '2013-05-23',
        resources: Object.fromEntries(vdus.map((vdu) => [vdu.vduId, {
          type: 'OS::Heat::AutoScalingGroup',
          properties: {
            min_size: vdu.count, max_size: Math.max(vdu.count, 1), desired_capacity: vdu.count,
            resource: { type: `${vdu.vduId}.yaml`, properties: { image: vdu.image, flavor: vdu.flavor } },
          },
        }])),
      };
      try {
        const { id } = await client.createStack(stackName, template);
        return { name: stackName, id };
      } catch (err) {
        if (!(err instanceof OutboundError)) throw err;
        if (err.status !== 409) throw applicationFailureOf('Vim', err);
        const existing = await asApplicationFailure('Vim', () => client.showStack(stackName));
        return { name: stackName, id: existing.id };
      }
    },

    /** The VNFCs of a VNF stack: its servers, in the order Heat lists them. */
    async listVnfcs({ stack }: { stack: StackRef }): Promise<{ vduId: string; serverId: string }[]> {
      const resources = await asApplicationFailure('Vim', () => client.listResources(stack.name, stack.id, { nestedDepth: 3 }));
      return resources.filter((r) => r.resource_type === SERVER_TYPE && r.physical_resource_id)
        .map((r) => ({ vduId: r.resource_name, serverId: r.physical_resource_id }));
    },

    async deleteVnfStack({ stack }: { stack: StackRef }): Promise<void> {
      await asApplicationFailure('Vim', () => client.deleteStack(stack.name, stack.id));
    },

    /**
     * Every server of the VNF with the group that holds it: the server's owning (member) stack
     * is a resource of a group stack, whose `parent_resource` names the group in the top stack.
     */
    async listGroupedVnfcs({ stack }: { stack: StackRef }): Promise<GroupedVnfc[]> {
      const resources = await asApplicationFailure('Vim', () => client.listResources(stack.name, stack.id, { nestedDepth: 3 }));
      const byPhysicalId = new Map(resources.map((r) => [r.physical_resource_id, r]));
      return resources.filter((r) => r.resource_type === SERVER_TYPE && r.physical_resource_id).map((server) => {
        const owner = server.links.find((l) => l.rel === 'stack')?.href;
        const memberStack = owner ? stackRefOf(owner) : undefined;
        const group = memberStack ? byPhysicalId.get(memberStack.id)?.parent_resource : undefined;
        if (!group) {
          throw ApplicationFailure.nonRetryable(`server ${server.physical_resource_id} in stack ${stack.name} belongs to no group of the top-level stack`, 'Vim.Malformed');
        }
        return { serverId: server.physical_resource_id, vduId: server.resource_name, group };
      });
    },

    /** The server's fixed IPv4 address (the first one Nova lists), where its application answers. */
    async readServerAddress({ serverId }: { serverId: string }): Promise<{ address?: string }> {
      const server = await asApplicationFailure('Vim', () => client.showServer(serverId));
      const addresses = Object.values(server.addresses).flat();
      return { address: (addresses.find((a) => a.version === 4) ?? addresses[0])?.addr };
    },

    /**
     * Adds groups of VNFCs to the VNF's top-level stack and/or deletes groups from it, in one
     * Heat update with the stack's template changed accordingly (read, changed, PATCHed back).
     * Idempotent: when the template is as asked already and no update of it failed, nothing is
     * sent (a retried activity finds its own update accepted, or done).
     */
    async updateVnfcGroups({ stack, add = [], remove = [] }: { stack: StackRef; add?: NewVnfcGroup[]; remove?: string[] }): Promise<{ patched: boolean }> {
      const template = await asApplicationFailure('Vim', () => client.getTemplate(stack.name, stack.id));
      const { stack_status: status } = await asApplicationFailure('Vim', () => client.showStack(stack.name, stack.id));
      const resources = { ...template.resources };
      const asked = add.every((g) => g.name in resources) && remove.every((name) => !(name in resources));
      if (asked && !status.endsWith('_FAILED')) return { patched: false };
      for (const name of remove) delete resources[name];
      for (const group of add) resources[group.name] ??= groupLike(template.resources[group.like], group, stack);
      await asApplicationFailure('Vim', () => client.updateStack(stack.name, stack.id, { template: { ...template, resources } }));
      return { patched: true };
    },

    /** PATCHes the VNFC's nested stack with the destination image and flavour; Heat answers 202. */
    async updateVnfc({ memberStack, image, flavor }: { memberStack: StackRef; image: string; flavor: string }): Promise<void> {
      await asApplicationFailure('Vim', () => client.updateStack(memberStack.name, memberStack.id, { parameters: { image, flavor } }));
    },
  };
}

/**
 * A copy of an existing group's definition with another image, flavour and size: whatever else
 * the VNF's template gives its groups (networks, metadata, scaling bounds) stays as it was.
 */
function groupLike(existing: Record<string, unknown> | undefined, group: NewVnfcGroup, stack: StackRef): { type: string } & Record<string, unknown> {
  const definition = structuredClone(existing) as { type?: string; properties?: { resource?: { properties?: Record<string, unknown> } } & Record<string, unknown> } | undefined;
  const member = definition?.properties?.resource?.properties;
  if (definition?.type !== 'OS::Heat::AutoScalingGroup' || !definition.properties || !member) {
    throw ApplicationFailure.nonRetryable(`group ${group.like} of stack ${stack.name} is not an OS::Heat::AutoScalingGroup whose member resource has properties; cannot add ${group.name} like it`, 'Vim.Malformed');
  }
  Object.assign(definition.properties, { min_size: group.count, max_size: group.count, desired_capacity: group.count });
  Object.assign(member, { image: group.image, flavor: group.flavor });
  return { ...definition, type: definition.type };
}

/** `…/stacks/{name}/{id}` → { name, id } */
function stackRefOf(href: string): StackRef | undefined {
  const match = /\/stacks\/([^/]+)\/([^/?#]+)/.exec(href);
  return match?.[1] && match[2] ? { name: decodeURIComponent(match[1]), id: decodeURIComponent(match[2]) } : undefined;
}
