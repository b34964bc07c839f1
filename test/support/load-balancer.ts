// The load balancer simulator in front of a test system's VNFCs (their guest applications on
// the VIM simulator, which the system must start with `vimGuestPort`), and the client traffic a
// Blue-Green test sends through it.
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { ensureSampleInstance } from '../../src/inventory/sample.ts';
import type { VnfInstanceRecord, VnfPackageRecord } from '../../src/inventory/store.ts';
import type { Member, PoolStats } from '../../src/load-balancer-simulator/pool.ts';
import { instanceMembers, setPool } from '../../src/load-balancer-simulator/sample-pool.ts';
import { startLoadBalancerSimulator, type LoadBalancerSimulator } from '../../src/load-balancer-simulator/server.ts';
import type { TestSystem } from './system.ts';

export const LB_CREDENTIALS = { username: 'lb-admin', password: 'lb-secret-0123' };

export interface TestLoadBalancer {
  simulator: LoadBalancerSimulator;
  /** external_lb_param pointing at this load balancer (the password is the real one). */
  param: { ip_address: string; port: number; username: string; password: string };
  pool(): Promise<Member[]>;
  stats(): Promise<PoolStats>;
  /** Points the pool at an instance's VNFCs (their addresses on the VIM simulator). */
  frontInstance(instance: VnfInstanceRecord): Promise<void>;
  admin(method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

export async function startLoadBalancer(system: TestSystem): Promise<TestLoadBalancer> {
  if (system.vim.guestPort === undefined) throw new Error('start the test system with vimGuestPort to put a load balancer in front of it');
  const simulator = await startLoadBalancerSimulator({ ...LB_CREDENTIALS, port: 0, adminPort: 0, memberPort: system.vim.guestPort, log: () => undefined });
  const adminAccess = { adminUrl: simulator.adminUrl, ...LB_CREDENTIALS };
  const authorization = `Basic ${Buffer.from(`${LB_CREDENTIALS.username}:${LB_CREDENTIALS.password}`).toString('base64')}`;
  const admin: TestLoadBalancer['admin'] = async (method, path, body) => {
    const res = await request(`${simulator.adminUrl}${path}`, {
      method, headers: { Authorization: authorization, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) as unknown : undefined };
  };
  return {
    simulator,
    param: { ip_address: '127.0.0.1', port: Number(new URL(simulator.adminUrl).port), ...LB_CREDENTIALS },
    pool: async () => ((await admin('GET', '/v1/pool')).body as { members: Member[] }).members,
    stats: async () => (await admin('GET', '/v1/stats')).body as PoolStats,
    frontInstance: async (instance) => setPool(adminAccess, await instanceMembers(system.vim.url, instance)),
    admin,
  };
}

/** A VNF instance of its own on the sample package v1 (2 VNFCs of VDU1, 2 of VDU2), recorded in the system's inventory. */
export function newSampleInstance(system: TestSystem): Promise<VnfInstanceRecord> {
  return ensureSampleInstance(system.inventory, system.vim.url, system.packages[0] as VnfPackageRecord, { instanceId: randomUUID() });
}

/** Addresses of a VNF instance's VNFCs as the VIM simulator has them. */
export async function addressesOf(system: TestSystem, instance: VnfInstanceRecord): Promise<Map<string, string>> {
  const stack = await request(`${system.vim.url}/admin/stacks/${encodeURIComponent(instance.stack?.name ?? '')}`);
  const { vnfcs } = await stack.body.json() as { vnfcs: { serverId: string; address?: string }[] };
  return new Map(vnfcs.flatMap((v) => (v.address ? [[v.serverId, v.address] as const] : [])));
}

/**
 * Client traffic through the load balancer's front: one request after another, each waiting
 * for the previous answer, until stopped. Counts what the client saw.
 */
export class Traffic {
  sent = 0;
  failed: string[] = [];
  private stopped = false;
  private readonly running: Promise<void>;

  constructor(url: string) {
    this.running = this.loop(url);
  }

  private async loop(url: string): Promise<void> {
    while (!this.stopped) {
      this.sent += 1;
      try {
        const res = await request(`${url}/traffic/${this.sent}`);
        await res.body.dump();
        if (res.statusCode !== 200) this.failed.push(`request ${this.sent}: ${res.statusCode}`);
      } catch (err) {
        this.failed.push(`request ${this.sent}: ${(err as Error).message}`);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
