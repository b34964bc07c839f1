// The simulator's persisted state: what a Heat + Nova database would hold for our stacks.
// The schema validates the file on load, so a hand-edited or truncated file fails loudly.
import { z } from 'zod';
import { VnfTemplate } from './template.ts';

const Parameters = z.record(z.string(), z.string());

export const SimResource = z.object({
  name: z.string(),
  type: z.string(),
  /** Server id for OS::Nova::Server, nested stack id for nested-stack resources. */
  physicalId: z.string(),
  nestedStackId: z.string().optional(),
  status: z.string(),
  statusReason: z.string(),
  createdAt: z.number(),
  updatedAt: z.number().optional(),
});
export type SimResource = z.infer<typeof SimResource>;

/**
 * An accepted update. Its outcome is fixed when it is accepted and it completes at
 * `completesAt` (epoch ms), so a restarted simulator derives the same state from the clock.
 */
export const PendingUpdate = z.object({
  completesAt: z.number(),
  parameters: Parameters,
  /** A top-level stack's new template (PATCH with `template`): its groups are added and deleted on completion. */
  template: VnfTemplate.optional(),
  failureReason: z.string().optional(),
});
export type PendingUpdate = z.infer<typeof PendingUpdate>;

export const SimStack = z.object({
  id: z.string(),
  name: z.string(),
  parent: z.object({ stackId: z.string(), resourceName: z.string() }).optional(),
  status: z.string(),
  statusReason: z.string(),
  parameters: Parameters,
  resources: z.array(SimResource),
  /** A top-level stack's template (state files of earlier versions have none: it is derived). */
  template: VnfTemplate.optional(),
  createdAt: z.number(),
  updatedAt: z.number().optional(),
  pendingUpdate: PendingUpdate.optional(),
});
export type SimStack = z.infer<typeof SimStack>;

export const SimServer = z.object({
  id: z.string(),
  name: z.string(),
  stackId: z.string(),
  image: z.string(),
  flavor: z.string(),
  /** Its fixed IPv4 address, a loopback one of its own (127.77.x.y), where its guest application answers. */
  address: z.string().optional(),
  createdAt: z.number(),
  updatedAt: z.number().optional(),
});
export type SimServer = z.infer<typeof SimServer>;

export const PatchRecord = z.object({
  time: z.string(),
  stackName: z.string(),
  stackId: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  /** The resources of the template the PATCH carried, if it carried one. */
  templateResources: z.array(z.string()).optional(),
  status: z.number(),
});
export type PatchRecord = z.infer<typeof PatchRecord>;

export const VimState = z.object({
  version: z.literal(1),
  projectId: z.string(),
  userId: z.string(),
  /** Stacks by id. */
  stacks: z.record(z.string(), SimStack),
  /** Servers by id. */
  servers: z.record(z.string(), SimServer),
  /** Injected failure reasons by server id. */
  faults: z.record(z.string(), z.string()),
  patchRequests: z.array(PatchRecord),
  /** Addresses handed out so far (the next server gets the next one). */
  addressesAssigned: z.number().int().min(0).optional(),
});
export type VimState = z.infer<typeof VimState>;
