// The simulator's own control API (not OpenStack): set up VNF stacks, inject faults, tune the
// update delay, and read back the PATCH requests Heat received. No authentication, so it
// answers only to loopback clients, whatever address the simulator listens on.
import { z } from 'zod';
import { HttpProblem } from '../http/problem.ts';
import type { App } from '../http/app.ts';
import type { TokenRegistry } from './keystone.ts';
import type { VimModel } from './model.ts';

export const ADMIN_PATH = '/admin';

export interface AdminDeps {
  model: VimModel;
  tokens: TokenRegistry;
  settings: { updateDelayMs: number };
  refresh(): void;
  changed(): void;
  /** Serve non-loopback clients too. */
  adminRemote?: boolean;
}

// Heat's rule for stack names: a letter first, then letters, digits, '_', '-', '.'.
const HEAT_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

export const CreateStackRequest = z.object({
  stackName: z.string().max(255).regex(HEAT_NAME, 'must start with a letter and hold only letters, digits, _ - .'),
  vdus: z.array(z.object({
    vduId: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must start with a letter and hold only letters, digits, _ -'),
    count: z.number().int().min(1).max(100),
    image: z.string().min(1),
    flavor: z.string().min(1),
  })).min(1).refine((vdus) => new Set(vdus.map((vdu) => vdu.vduId)).size === vdus.length, 'vduId values must be distinct'),
});
export type CreateStackRequest = z.infer<typeof CreateStackRequest>;

export const FaultRequest = z.object({ reason: z.string().min(1) });
export const ConfigRequest = z.object({ updateDelayMs: z.number().int().min(0).max(3_600_000) });

const ServerParams = z.object({ serverId: z.string() });

export function adminRoutes(scope: App, deps: AdminDeps): void {
  if (!deps.adminRemote) {
    scope.addHook('onRequest', (request, _reply, done) => {
      if (!isLoopback(request.socket.remoteAddress)) throw new HttpProblem(403, 'the admin API answers loopback clients only');
      done();
    });
  }

  scope.post(`${ADMIN_PATH}/stacks`, { schema: { body: CreateStackRequest } }, async (request, reply) => {
    const { stackName, vdus } = request.body;
    deps.refresh();
    const existing = deps.model.findVnfStack(stackName);
    if (existing) return reply.send(deps.model.describeVnfStack(existing));
    const created = deps.model.createVnfStack(stackName, vdus, Date.now());
    deps.changed();
    return reply.code(201).header('Location', `${ADMIN_PATH}/stacks/${encodeURIComponent(created.name)}`).send(deps.model.describeVnfStack(created));
  });

  scope.get(`${ADMIN_PATH}/stacks/:stackName`, { schema: { params: z.object({ stackName: z.string() }) } }, (request) => {
    deps.refresh();
    const name = request.params.stackName;
    const stack = deps.model.findVnfStack(name);
    if (!stack) throw new HttpProblem(404, `no VNF stack named ${name}`);
    return deps.model.describeVnfStack(stack);
  });

  scope.put(`${ADMIN_PATH}/faults/:serverId`, { schema: { params: ServerParams, body: FaultRequest } }, async (request, reply) => {
    const { serverId } = request.params;
    if (!deps.model.findServer(serverId)) throw new HttpProblem(404, `no server with id ${serverId}`);
    deps.model.setFault(serverId, request.body.reason);
    deps.changed();
    return reply.code(204).send();
  });

  scope.delete(`${ADMIN_PATH}/faults/:serverId`, { schema: { params: ServerParams } }, async (request, reply) => {
    deps.model.clearFault(request.params.serverId);
    deps.changed();
    return reply.code(204).send();
  });

  scope.put(`${ADMIN_PATH}/config`, { schema: { body: ConfigRequest } }, (request) => {
    deps.settings.updateDelayMs = request.body.updateDelayMs;
    return { updateDelayMs: deps.settings.updateDelayMs };
  });

  scope.get(`${ADMIN_PATH}/requests`, () => ({ requests: deps.model.state.patchRequests }));

  // Revoking every token lets a test watch a client re-authenticate after a 401.
  scope.delete(`${ADMIN_PATH}/tokens`, async (_request, reply) => {
    deps.tokens.revokeAll();
    return reply.code(204).send();
  });
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
