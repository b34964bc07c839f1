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

    /** PATCHes the VNFC's nested stack with the destination image and flavour; Heat answers 202. */
    async updateVnfc({ memberStack, image, flavor }: { memberStack: StackRef; image: string; flavor: string }): Promise<void> {
      await asApplicationFailure('Vim', () => client.updateStack(memberStack.name, memberStack.id, { parameters: { image, flavor } }));
    },
  };
}

/** `…/stacks/{name}/{id}` → { name, id } */
function stackRefOf(href: string): StackRef | undefined {
  const match = /\/stacks\/([^/]+)\/([^/?#]+)/.exec(href);
  return match?.[1] && match[2] ? { name: decodeURIComponent(match[1]), id: decodeURIComponent(match[2]) } : undefined;
}
