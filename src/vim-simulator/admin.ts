// The simulator's own control API (not OpenStack): set up VNF stacks, inject faults, tune the
// update delay, and read back the PATCH requests Heat received. No authentication, so it
// answers only to loopback clients, whatever address the simulator listens on.
import { z } from 'zod';
import { HttpProblem } from '../http/problem.ts';
import { sendEmpty, sendJson, type Handler, type RequestContext, type Router } from '../http/server.ts';
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

export function registerAdminRoutes(router: Router, deps: AdminDeps): void {
  const guard = (handler: Handler): Handler => (deps.adminRemote ? handler : loopbackOnly(handler));
  router.on('POST', `${ADMIN_PATH}/stacks`, guard(async (ctx) => {
    const request = await ctx.json(CreateStackRequest);
    deps.refresh();
    const existing = deps.model.findVnfStack(request.stackName);
    if (existing) {
      sendJson(ctx.res, 200, deps.model.describeVnfStack(existing));
      return;
    }
    const created = deps.model.createVnfStack(request.stackName, request.vdus, Date.now());
    deps.changed();
    sendJson(ctx.res, 201, deps.model.describeVnfStack(created), { Location: `${ADMIN_PATH}/stacks/${encodeURIComponent(created.name)}` });
  }));

  router.on('GET', `${ADMIN_PATH}/stacks/:stackName`, guard((ctx) => {
    deps.refresh();
    const name = ctx.params.stackName ?? '';
    const stack = deps.model.findVnfStack(name);
    if (!stack) throw new HttpProblem(404, `no VNF stack named ${name}`);
    sendJson(ctx.res, 200, deps.model.describeVnfStack(stack));
  }));

  router.on('PUT', `${ADMIN_PATH}/faults/:serverId`, guard(async (ctx) => {
    const { reason } = await ctx.json(FaultRequest);
    const serverId = ctx.params.serverId ?? '';
    if (!deps.model.findServer(serverId)) throw new HttpProblem(404, `no server with id ${serverId}`);
    deps.model.setFault(serverId, reason);
    deps.changed();
    sendEmpty(ctx.res, 204);
  }));

  router.on('DELETE', `${ADMIN_PATH}/faults/:serverId`, guard((ctx) => {
    deps.model.clearFault(ctx.params.serverId ?? '');
    deps.changed();
    sendEmpty(ctx.res, 204);
  }));

  router.on('PUT', `${ADMIN_PATH}/config`, guard(async (ctx) => {
    const { updateDelayMs } = await ctx.json(ConfigRequest);
    deps.settings.updateDelayMs = updateDelayMs;
    sendJson(ctx.res, 200, { updateDelayMs });
  }));

  router.on('GET', `${ADMIN_PATH}/requests`, guard((ctx) => {
    sendJson(ctx.res, 200, { requests: deps.model.state.patchRequests });
  }));

  // Revoking every token lets a test watch a client re-authenticate after a 401.
  router.on('DELETE', `${ADMIN_PATH}/tokens`, guard((ctx) => {
    deps.tokens.revokeAll();
    sendEmpty(ctx.res, 204);
  }));
}

function loopbackOnly(handler: Handler): Handler {
  return (ctx: RequestContext) => {
    if (!isLoopback(ctx.req.socket.remoteAddress)) throw new HttpProblem(403, 'the admin API answers loopback clients only');
    return handler(ctx);
  };
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
