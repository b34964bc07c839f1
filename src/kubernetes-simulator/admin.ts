// The simulator's own control API (not Kubernetes): how long pods take to start and turn ready,
// and images that cannot be pulled (their pods stay in ImagePullBackOff). No authentication, so
// it answers loopback clients only, whatever address the simulator listens on.
import { z } from 'zod';
import type { App } from '../http/app.ts';
import { HttpProblem } from '../http/problem.ts';
import type { Cluster } from './cluster.ts';

export const ConfigRequest = z.object({
  podStartDelayMs: z.number().int().min(0).max(3_600_000).optional(),
  podReadyDelayMs: z.number().int().min(0).max(3_600_000).optional(),
});
export const ImageFaultRequest = z.object({ image: z.string().min(1), reason: z.string().min(1) });

export function adminRoutes(scope: App, deps: { cluster: Cluster; changed(): void; adminRemote: boolean }): void {
  if (!deps.adminRemote) {
    scope.addHook('onRequest', (request, _reply, done) => {
      if (!isLoopback(request.socket.remoteAddress)) throw new HttpProblem(403, 'the admin API answers loopback clients only');
      done();
    });
  }
  scope.get('/admin/config', () => deps.cluster.settings);
  scope.put('/admin/config', { schema: { body: ConfigRequest } }, (request) => {
    Object.assign(deps.cluster.settings, request.body);
    deps.changed();
    return deps.cluster.settings;
  });
  scope.put('/admin/image-faults', { schema: { body: ImageFaultRequest } }, (request) => {
    deps.cluster.settings.imageFaults[request.body.image] = request.body.reason;
    deps.changed();
    deps.cluster.kick();
    return deps.cluster.settings;
  });
  scope.delete('/admin/image-faults', { schema: { querystring: z.object({ image: z.string().min(1) }) } }, (request) => {
    delete deps.cluster.settings.imageFaults[request.query.image];
    deps.changed();
    deps.cluster.kick();
    return deps.cluster.settings;
  });
}

function isLoopback(address: string | undefined): boolean {
  return address === '::1' || address?.startsWith('127.') === true || address?.startsWith('::ffff:127.') === true;
}
