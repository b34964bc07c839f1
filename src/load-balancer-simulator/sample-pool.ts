// The embedded default's load balancer starts in front of the sample VNF: when its pool is
// empty, `npm start` fills it with the addresses of the instance's VNFCs (read from the VIM
// simulator's admin API), so traffic flows through it before any Blue-Green change.
import { request } from 'undici';
import { z } from 'zod';
import type { VnfInstanceRecord } from '../inventory/store.ts';

const StackView = z.object({ vnfcs: z.array(z.object({ serverId: z.string(), address: z.string().optional() })) });
const PoolView = z.object({ members: z.array(z.unknown()) });

export async function ensureSamplePool(
  lb: { adminUrl: string; username: string; password: string }, vimUrl: string, instance: VnfInstanceRecord,
): Promise<void> {
  const authorization = `Basic ${Buffer.from(`${lb.username}:${lb.password}`).toString('base64')}`;
  const pool = await request(`${lb.adminUrl}/v1/pool`, { headers: { Authorization: authorization } });
  if (pool.statusCode !== 200) throw new Error(`load balancer simulator answered ${pool.statusCode} to GET /v1/pool`);
  if (PoolView.parse(await pool.body.json()).members.length > 0 || !instance.stack) return;
  const stack = await request(`${vimUrl}/admin/stacks/${encodeURIComponent(instance.stack.name)}`);
  const servers = new Set(instance.vnfcResourceInfo.map((v) => v.computeResource.resourceId));
  const members = StackView.parse(await stack.body.json()).vnfcs
    .filter((v) => servers.has(v.serverId) && v.address)
    .map((v) => ({ address: v.address }));
  if (members.length === 0) return;
  const put = await request(`${lb.adminUrl}/v1/pool`, {
    method: 'PUT', headers: { Authorization: authorization, 'Content-Type': 'application/json' }, body: JSON.stringify({ members }),
  });
  if (put.statusCode !== 200) throw new Error(`load balancer simulator answered ${put.statusCode} to PUT /v1/pool`);
  await put.body.dump();
}
