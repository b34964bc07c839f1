// Nova compute API v2.1 server show, rendered at microversion 2.47 (flavor embedded with
// its original name), which is what the client asks for.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../http/app.ts';
import { requireToken, type TokenRegistry } from './keystone.ts';
import type { VimModel } from './model.ts';
import { OpenStackFault, speaks } from './openstack-faults.ts';
import type { SimServer } from './state.ts';

export const NOVA_PATH = '/compute/v2.1';

export interface NovaDeps {
  model: VimModel;
  tokens: TokenRegistry;
  refresh(): void;
  publicUrl(request: FastifyRequest): string;
}

export function novaRoutes(scope: App, deps: NovaDeps): void {
  speaks(scope, 'nova');
  scope.addHook('onRequest', (request, _reply, done) => {
    requireToken(request.headers, deps.tokens, deps.publicUrl(request));
    done();
  });
  scope.get(`${NOVA_PATH}/servers/:serverId`, { schema: { params: z.object({ serverId: z.string() }) } }, async (request, reply) => {
    deps.refresh();
    const { serverId } = request.params;
    const server = deps.model.findServer(serverId);
    if (!server) throw new OpenStackFault(404, `Instance ${serverId} could not be found.`);
    return reply.header('OpenStack-API-Version', 'compute 2.47').send({ server: serverBody(server, deps.publicUrl(request), deps.model) });
  });
}

function serverBody(server: SimServer, base: string, model: VimModel): unknown {
  const status = model.serverStatus(server);
  const self = `${base}${NOVA_PATH}/servers/${server.id}`;
  return {
    id: server.id,
    name: server.name,
    status,
    tenant_id: model.state.projectId,
    user_id: model.state.userId,
    created: novaTime(server.createdAt),
    updated: novaTime(server.updatedAt ?? server.createdAt),
    image: { id: server.image, links: [{ rel: 'bookmark', href: `${base}/images/${encodeURIComponent(server.image)}` }] },
    flavor: { original_name: server.flavor, vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, extra_specs: {} },
    // Every server sits on one network with a loopback address of its own (its guest application answers there).
    addresses: server.address ? { net0: [{ version: 4, addr: server.address, 'OS-EXT-IPS:type': 'fixed' }] } : {},
    metadata: {},
    hostId: '',
    'OS-EXT-STS:vm_state': 'active',
    'OS-EXT-STS:task_state': status === 'REBUILD' ? 'rebuilding' : null,
    links: [{ rel: 'self', href: self }],
  };
}

/** Nova's timestamps have whole seconds: 2024-01-01T00:00:00Z. */
function novaTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
