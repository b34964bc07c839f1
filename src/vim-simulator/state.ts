// The simulator's persisted state: what a Heat + Nova database would hold for our stacks.
// The schema validates the file on load, so a hand-edited or truncated file fails loudly.
import { z } from 'zod';

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
  createdAt: z.number(),
  updatedAt: z.number().optional(),
});
export type SimServer = z.infer<typeof SimServer>;

export const PatchRecord = z.object({
  time: z.string(),
  stackName: z.string(),
  stackId: z.string(),
  parameters: z.record(z.string(), z.unknown()),
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
});
export type VimState = z.infer<typeof VimState>;
