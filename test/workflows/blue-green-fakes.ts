// Test doubles of a Blue-Green change's own activities, for the fast workflow layer: the VNF's
// stack as groups of servers that a Heat update adds and deletes, the servers' addresses, the
// load balancer switch, and the inventory record of the replaced VNFCs. Each stub has the type
// of the activity it stands for; every call goes to the shared CallLog (fakes.ts).
/* eslint-disable @typescript-eslint/require-await -- each fake stands for an async activity and answers at once */
import { ApplicationFailure } from '@temporalio/activity';
import type { Activities } from '../../src/activities/index.ts';
import type { NewVnfcGroup } from '../../src/activities/openstack.ts';
import type { CallLog } from './fakes.ts';
import type { VnfcSpec } from './harness.ts';

interface PendingUpdate {
  add: NewVnfcGroup[];
  remove: string[];
  readsLeft: number;
  failure?: string;
}

export const STACK = { name: 'vnf-stack', id: 'vnf-stack-id' };

export class FakeGroupedStack {
  /** Servers by group, in creation order. */
  readonly groups = new Map<string, { vduId: string; servers: string[] }>();
  /** The groups the stack's template declares (changed at once by an update, as Heat does). */
  private template = new Set<string>();
  private pending?: PendingUpdate;
  status = 'CREATE_COMPLETE';
  /** The next stack update ends UPDATE_FAILED with this reason (once). */
  failNextUpdate?: string;
  /** The first stack update that deletes this group ends UPDATE_FAILED with the reason. */
  failRemovalOf?: { group: string; reason: string };
  /** Reads that answer UPDATE_IN_PROGRESS before an update completes. */
  readsInProgress = 1;
  /** The update never completes while set. */
  stuck = false;

  constructor(private readonly log: CallLog, vnfcResourceInfo: VnfcSpec[]) {
    for (const vnfc of vnfcResourceInfo) {
      const group = this.groups.get(vnfc.vduId) ?? { vduId: vnfc.vduId, servers: [] };
      group.servers.push(vnfc.serverId);
      this.groups.set(vnfc.vduId, group);
      this.template.add(vnfc.vduId);
    }
  }

  serverIds(): string[] {
    return [...this.groups.values()].flatMap((g) => g.servers);
  }

  activities() {
    const listGroupedVnfcs: Activities['listGroupedVnfcs'] = async () => {
      this.log.record('listGroupedVnfcs');
      return [...this.groups.entries()].flatMap(([group, { vduId, servers }]) => servers.map((serverId) => ({ serverId, vduId, group })));
    };
    const readServerAddress: Activities['readServerAddress'] = async ({ serverId }) => {
      this.log.record('readServerAddress', serverId);
      return { address: `address-of-${serverId}` };
    };
    const updateVnfcGroups: Activities['updateVnfcGroups'] = async ({ add = [], remove = [] }) => {
      this.log.record('updateVnfcGroups', undefined, JSON.stringify({ add: add.map((g) => g.name), remove }));
      if (this.pending) throw ApplicationFailure.retryable('an update is in progress', 'Vim.busy');
      const asked = add.every((g) => this.template.has(g.name)) && remove.every((name) => !this.template.has(name));
      if (asked && !this.status.endsWith('_FAILED')) return { patched: false };
      for (const g of add) this.template.add(g.name);
      for (const name of remove) this.template.delete(name);
      let failure = this.failNextUpdate;
      this.failNextUpdate = undefined;
      if (this.failRemovalOf && remove.includes(this.failRemovalOf.group)) {
        failure = this.failRemovalOf.reason;
        this.failRemovalOf = undefined;
      }
      this.pending = { add, remove, readsLeft: this.readsInProgress, failure };
      this.status = 'UPDATE_IN_PROGRESS';
      return { patched: true };
    };
    const readVnfcStack: Activities['readVnfcStack'] = async ({ memberStack }) => {
      this.log.record('readVnfcStack', undefined, memberStack.name);
      const pending = this.pending;
      if (pending && !this.stuck) {
        if (pending.readsLeft > 0) {
          pending.readsLeft -= 1;
        } else {
          this.pending = undefined;
          if (pending.failure) {
            this.status = 'UPDATE_FAILED';
            return { status: this.status, reason: pending.failure };
          }
          for (const name of pending.remove) this.groups.delete(name);
          for (const g of pending.add) {
            if (!this.groups.has(g.name)) this.groups.set(g.name, { vduId: g.name.split('-')[0] ?? g.name, servers: Array.from({ length: g.count }, (_, i) => `${g.name}-server-${i}`) });
          }
          this.status = 'UPDATE_COMPLETE';
        }
      }
      return { status: this.status };
    };
    return { listGroupedVnfcs, readServerAddress, updateVnfcGroups, readVnfcStack };
  }
}

export class FakeLoadBalancer {
  /** The servers the load balancer sends traffic to. */
  pool: string[];
  /** The next switch fails: before it changes the pool, or after it has changed it. */
  failNext?: 'before' | 'after';
  /** Switches held until `release` is called. */
  private held?: Promise<void>;
  private release?: () => void;

  constructor(private readonly log: CallLog, blue: string[]) {
    this.pool = [...blue];
  }

  hold(): void {
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  releaseHeld(): void {
    this.release?.();
    this.held = undefined;
  }

  activities() {
    const switchLoadBalancer: Activities['switchLoadBalancer'] = async ({ members, script, context }) => {
      this.log.record('switchLoadBalancer', members.map((m) => m.serverId).join(','), `${String(context.side)}:${script}`);
      await this.held;
      const failure = this.failNext;
      this.failNext = undefined;
      if (failure === 'before') throw ApplicationFailure.nonRetryable('the load balancer refused the change', 'LoadBalancer.SwitchFailed');
      this.pool = members.map((m) => m.serverId);
      if (failure === 'after') throw ApplicationFailure.nonRetryable('the load balancer did not confirm the change', 'LoadBalancer.SwitchFailed');
      return { stderrTail: '' };
    };
    return { switchLoadBalancer };
  }
}

/** The inventory's record of the VNFCs a Blue-Green change replaced. */
export function replacementRecord(log: CallLog) {
  const recordVnfcReplacement: Activities['recordVnfcReplacement'] = async ({ removedIds, added }) => {
    log.record('recordVnfcReplacement', undefined, JSON.stringify({ removed: removedIds, added: added.map((a) => a.id) }));
  };
  return { recordVnfcReplacement };
}
