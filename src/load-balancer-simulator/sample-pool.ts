// The embedded default's load balancer starts in front of the sample VNF: when its pool is
// empty, `npm start` fills it with the addresses of the instance's VNFCs (read from the VIM
// simulator's admin API), so traffic flows through it before any Blue-Green change.
import { request } from 'undici';
import { z } from 'zod';
import type { VnfInstanceRecord } from '../inventory/store.ts';

const StackView = z.object({ vnfcs: z.array(z.object({ serverId: z.string(), address: z.string().optional() })) });
const PoolView = z.object({ members: z.array(z.unknown()) });

export interface LoadBalancerAdmin {
  adminUrl: string;
  username: string;
  password: string;
}

/** The pool members that front an instance: the addresses of its VNFCs on the VIM simulator. */
export async function instanceMembers(vimUrl: string, instance: VnfInstanceRecord): Promise<{ address: string }[]> {
  if (!instance.stack) return [];
  const stack = await request(`${vimUrl}/admin/stacks/${encodeURIComponent(instance.stack.name)}`);
  if (stack.statusCode !== 200) throw new Error(`VIM simulator answered ${stack.statusCode} for stack ${instance.stack.name}`);
  const servers = new Set(instance.vnfcResourceInfo.map((v) => v.computeResource.resourceId));
  return StackView.parse(await stack.body.json()).vnfcs.flatMap((v) => (servers.has(v.serverId) && v.address ? [{ address: v.address }] : []));
}

/** Puts the whole pool (PUT /v1/pool). */
export async function setPool(lb: LoadBalancerAdmin, members: { address: string; port?: number }[]): Promise<void> {
  const put = await request(`${lb.adminUrl}/v1/pool`, {
    method: 'PUT', headers: { Authorization: basic(lb), 'Content-Type': 'application/json' }, body: JSON.stringify({ members }),
  });
  const text = await put.body.text();
  if (put.statusCode !== 200) throw new Error(`load balancer simulator answered ${put.statusCode} to PUT /v1/pool: ${text}`);
}

/** Fronts the instance when the pool is empty (a pool that has members was set on purpose, and is kept). */
export async function ensureSamplePool(lb: LoadBalancerAdmin, vimUrl: string, instance: VnfInstanceRecord): Promise<void> {
  const pool = await request(`${lb.adminUrl}/v1/pool`, { headers: { Authorization: basic(lb) } });
  if (pool.statusCode !== 200) throw new Error(`load balancer simulator answered ${pool.statusCode} to GET /v1/pool`);
  if (PoolView.parse(await pool.body.json()).members.length > 0) return;
  const members = await instanceMembers(vimUrl, instance);
  if (members.length > 0) await setPool(lb, members);
}

function basic({ username, password }: LoadBalancerAdmin): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
