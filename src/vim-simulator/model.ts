// What the simulated cloud knows and how it changes, with no HTTP in sight. A VNF is a Heat
// stack shaped the way Tacker's v2 templates shape it:
//
//   vnf-<id>                          top-level stack
//     VDU1  OS::Heat::AutoScalingGroup  → nested group stack
//       vdu1-<shortid>  VDU1.yaml       → member stack (parameters image, flavor)
//         VDU1  OS::Nova::Server        → the VNFC's server
//
// Nested stacks are named the way Heat names them, `<parent stack>-<resource>-<shortid>`, so
// a client that confuses resource names with stack names fails here as it would on a cloud.
import { randomBytes, randomUUID } from 'node:crypto';
import { DeadlineQueue } from './deadline-queue.ts';
import type { PatchRecord, PendingUpdate, SimResource, SimServer, SimStack, VimState } from './state.ts';
import { groupsOf, templateOfGroups, updatePlan, type GroupSpec, type VnfTemplate } from './template.ts';

export const SERVER_TYPE = 'OS::Nova::Server';
export const SCALING_GROUP_TYPE = 'OS::Heat::AutoScalingGroup';

/** The log of PATCH requests is for tests; it must not grow without bound in a long run. */
const MAX_PATCH_RECORDS = 1000;

export interface VduSpec {
  vduId: string;
  count: number;
  image: string;
  flavor: string;
}

export interface VnfcView {
  vduId: string;
  /** The group (AutoScalingGroup resource of the top-level stack) the VNFC belongs to. */
  group: string;
  memberStackName: string;
  memberStackId: string;
  memberStackStatus: string;
  serverId: string;
  address?: string;
  image: string;
  flavor: string;
}

export interface VnfStackView {
  stackName: string;
  stackId: string;
  stackStatus: string;
  vnfcs: VnfcView[];
}

/** A resource together with the stack that holds it, as Heat's nested resource list reports it. */
export interface LocatedResource {
  stack: SimStack;
  resource: SimResource;
}

export function emptyVimState(): VimState {
  return { version: 1, projectId: hexId(), userId: hexId(), stacks: {}, servers: {}, faults: {}, patchRequests: [] };
}

/** An accepted update waiting for its deadline; stale once the stack is deleted. */
interface ScheduledUpdate {
  stack: SimStack;
  update: PendingUpdate;
}

/**
 * The state plus indexes over it, so that a request costs the same with five stacks or five
 * thousand. The indexes are derived, never persisted: built from the state on load and kept in
 * step by every method that adds or removes a stack or an update.
 */
export class VimModel {
  /** Stacks by name, in creation order: names repeat only if a state file was edited by hand. */
  private readonly stacksByName = new Map<string, SimStack[]>();
  private readonly pendingUpdates = new DeadlineQueue<ScheduledUpdate>();

  constructor(readonly state: VimState) {
    for (const stack of Object.values(state.stacks)) {
      this.indexName(stack);
      if (stack.pendingUpdate) this.schedule(stack, stack.pendingUpdate);
    }
    // Servers of state files written before servers had addresses get theirs now.
    for (const server of Object.values(state.servers)) server.address ??= this.nextAddress();
  }

  /** Heat accepts a stack's name or its id wherever it asks for a stack identity. */
  findStack(identity: string): SimStack | undefined {
    return this.state.stacks[identity] ?? this.stacksByName.get(identity)?.[0];
  }

  findStackByNameAndId(name: string, id: string): SimStack | undefined {
    const stack = this.state.stacks[id];
    return stack?.name === name ? stack : undefined;
  }

  /** A VNF's top-level stack by name (nested stacks are not VNFs). */
  findVnfStack(name: string): SimStack | undefined {
    return this.stacksByName.get(name)?.find((stack) => !stack.parent);
  }

  findServer(serverId: string): SimServer | undefined {
    return this.state.servers[serverId];
  }

  /** A VNF's stack with one group per VDU named after it, or the groups a template declares. */
  createVnfStack(stackName: string, vdus: VduSpec[], now: number, template?: VnfTemplate): SimStack {
    const top = this.addStack(stackName, undefined, {}, now);
    top.template = template ?? templateOfGroups(vdus.map((vdu) => ({ name: vdu.vduId, ...vdu })));
    for (const group of groupsOf(top.template)) this.addGroup(top, group, now);
    return top;
  }

  /** The template of a top-level stack: as created or last updated (derived for stacks of older state files). */
  templateOf(top: SimStack): VnfTemplate {
    return top.template ?? templateOfGroups(this.nestedStacksOf(top).map(({ stack, resource }) => {
      const members = this.nestedStacksOf(stack);
      const first = members[0]?.stack;
      const vduId = members[0]?.resource.type.replace(/\.yaml$/, '') ?? resource.name;
      return { name: resource.name, vduId, count: members.length, image: first?.parameters.image ?? '', flavor: first?.parameters.flavor ?? '' };
    }));
  }

  /** Removes a stack with every nested stack and server below it (Heat stack delete). */
  deleteStack(stack: SimStack): void {
    for (const nested of this.nestedStacksOf(stack)) this.deleteStack(nested.stack);
    for (const server of this.serversOf(stack)) {
      delete this.state.servers[server.id];
      delete this.state.faults[server.id];
    }
    delete this.state.stacks[stack.id];
    this.unindexName(stack);
  }

  describeVnfStack(top: SimStack): VnfStackView {
    const vnfcs: VnfcView[] = [];
    for (const group of this.nestedStacksOf(top)) {
      for (const member of this.nestedStacksOf(group.stack)) {
        const serverResource = member.stack.resources.find((resource) => resource.type === SERVER_TYPE);
        const server = serverResource && this.state.servers[serverResource.physicalId];
        if (!serverResource || !server) continue;
        vnfcs.push({
          vduId: serverResource.name,
          group: group.resource.name,
          memberStackName: member.stack.name,
          memberStackId: member.stack.id,
          memberStackStatus: member.stack.status,
          serverId: server.id,
          ...(server.address ? { address: server.address } : {}),
          image: server.image,
          flavor: server.flavor,
        });
      }
    }
    return { stackName: top.name, stackId: top.id, stackStatus: top.status, vnfcs };
  }

  /** The stack's resources and, `depth` levels down, those of its nested stacks. */
  listResources(stack: SimStack, depth: number): LocatedResource[] {
    const own = stack.resources.map((resource) => ({ stack, resource }));
    if (depth <= 0) return own;
    return own.concat(this.nestedStacksOf(stack).flatMap((nested) => this.listResources(nested.stack, depth - 1)));
  }

  /**
   * Accepts an update of parameter values. Whether it will fail is decided now, from the
   * faults injected on the stack's servers, so the outcome does not depend on when it is read.
   */
  beginUpdate(stack: SimStack, parameters: Record<string, string>, now: number, delayMs: number): void {
    const failureReason = this.serversOf(stack).map((server) => this.state.faults[server.id]).find((reason) => reason !== undefined);
    stack.pendingUpdate = {
      completesAt: now + delayMs,
      parameters: { ...stack.parameters, ...parameters },
      ...(failureReason === undefined ? {} : { failureReason }),
    };
    this.schedule(stack, stack.pendingUpdate);
    setStatus(stack, 'UPDATE_IN_PROGRESS', 'Stack UPDATE started', now);
    for (const resource of this.serverResourcesOf(stack)) setStatus(resource, 'UPDATE_IN_PROGRESS', 'state changed', now);
  }

  /**
   * Accepts a top-level stack update to a new template: the groups it adds are created and the
   * groups it lacks deleted when the update completes. The stack shows the new template at once,
   * as Heat does; a refusal (a group changed in place) is answered instead.
   */
  beginTemplateUpdate(top: SimStack, template: VnfTemplate, now: number, delayMs: number): string | undefined {
    const plan = updatePlan(this.templateOf(top), new Set(top.resources.map((r) => r.name)), template);
    if ('refusal' in plan) return plan.refusal;
    top.template = template;
    top.pendingUpdate = { completesAt: now + delayMs, parameters: { ...top.parameters }, template };
    this.schedule(top, top.pendingUpdate);
    setStatus(top, 'UPDATE_IN_PROGRESS', 'Stack UPDATE started', now);
    return undefined;
  }

  /** Completes every update whose deadline has passed; true when anything changed. */
  completeDueUpdates(now: number): boolean {
    let changed = false;
    for (let next = this.pendingUpdates.peek(); next && next.at <= now; next = this.pendingUpdates.peek()) {
      this.pendingUpdates.pop();
      if (!this.isCurrent(next.item)) continue;
      this.completeUpdate(next.item.stack);
      changed = true;
    }
    return changed;
  }

  /** Epoch ms of the earliest pending completion, if any. */
  nextCompletion(): number | undefined {
    // Updates of deleted stacks are dropped here rather than on delete, where finding them would cost a scan.
    for (let next = this.pendingUpdates.peek(); next; next = this.pendingUpdates.peek()) {
      if (this.isCurrent(next.item)) return next.at;
      this.pendingUpdates.pop();
    }
    return undefined;
  }

  /** Nova rebuilds a server while Heat updates its image; otherwise it is ACTIVE. */
  serverStatus(server: SimServer): 'ACTIVE' | 'REBUILD' {
    return this.state.stacks[server.stackId]?.pendingUpdate ? 'REBUILD' : 'ACTIVE';
  }

  setFault(serverId: string, reason: string): void {
    this.state.faults[serverId] = reason;
  }

  clearFault(serverId: string): void {
    delete this.state.faults[serverId];
  }

  recordPatch(record: PatchRecord): void {
    this.state.patchRequests.push(record);
    this.state.patchRequests.splice(0, Math.max(0, this.state.patchRequests.length - MAX_PATCH_RECORDS));
  }

  private completeUpdate(stack: SimStack): void {
    const pending = stack.pendingUpdate;
    if (!pending) return;
    delete stack.pendingUpdate;
    // The update finished at its deadline, whenever the simulator happens to notice.
    const at = pending.completesAt;
    if (pending.template) {
      this.applyTemplate(stack, pending.template, at);
      setStatus(stack, 'UPDATE_COMPLETE', 'Stack UPDATE completed successfully', at);
      return;
    }
    if (pending.failureReason !== undefined) {
      setStatus(stack, 'UPDATE_FAILED', pending.failureReason, at);
      for (const resource of this.serverResourcesOf(stack)) setStatus(resource, 'UPDATE_FAILED', pending.failureReason, at);
      return;
    }
    stack.parameters = pending.parameters;
    setStatus(stack, 'UPDATE_COMPLETE', 'Stack UPDATE completed successfully', at);
    for (const resource of this.serverResourcesOf(stack)) setStatus(resource, 'UPDATE_COMPLETE', 'state changed', at);
    for (const server of this.serversOf(stack)) {
      server.image = pending.parameters.image ?? server.image;
      server.flavor = pending.parameters.flavor ?? server.flavor;
      server.updatedAt = at;
    }
  }

  /** Creates the groups the template adds and deletes those it lacks (the plan was checked when the update was accepted). */
  private applyTemplate(top: SimStack, template: VnfTemplate, at: number): void {
    const plan = updatePlan(this.templateOf(top), new Set(top.resources.map((r) => r.name)), template);
    if ('refusal' in plan) return;
    for (const name of plan.remove) {
      const resource = top.resources.find((r) => r.name === name);
      const nested = resource?.nestedStackId === undefined ? undefined : this.state.stacks[resource.nestedStackId];
      if (nested) this.deleteStack(nested);
      top.resources = top.resources.filter((r) => r.name !== name);
    }
    for (const group of plan.add) this.addGroup(top, group, at);
  }

  private addGroup(top: SimStack, group: GroupSpec, now: number): void {
    const nested = this.addNestedStack(top, group.name, SCALING_GROUP_TYPE, {}, now);
    for (let index = 0; index < group.count; index++) this.addMember(nested, group, now);
  }

  /** The next fixed address: 127.77.0.1, 127.77.0.2, … (loopback, so a guest application can listen on it). */
  private nextAddress(): string {
    const n = (this.state.addressesAssigned ?? 0) + 1;
    this.state.addressesAssigned = n;
    return `127.77.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  }

  private schedule(stack: SimStack, update: PendingUpdate): void {
    this.pendingUpdates.push(update.completesAt, { stack, update });
  }

  private isCurrent({ stack, update }: ScheduledUpdate): boolean {
    return this.state.stacks[stack.id] === stack && stack.pendingUpdate === update;
  }

  private indexName(stack: SimStack): void {
    const named = this.stacksByName.get(stack.name);
    if (named) named.push(stack);
    else this.stacksByName.set(stack.name, [stack]);
  }

  private unindexName(stack: SimStack): void {
    const remaining = (this.stacksByName.get(stack.name) ?? []).filter((named) => named !== stack);
    if (remaining.length) this.stacksByName.set(stack.name, remaining);
    else this.stacksByName.delete(stack.name);
  }

  private addMember(group: SimStack, vdu: Omit<VduSpec, 'count'>, now: number): void {
    const resourceName = `${vdu.vduId.toLowerCase()}-${shortId()}`;
    const member = this.addNestedStack(group, resourceName, `${vdu.vduId}.yaml`, { image: vdu.image, flavor: vdu.flavor }, now);
    const server: SimServer = {
      id: randomUUID(), name: resourceName, stackId: member.id, image: vdu.image, flavor: vdu.flavor, address: this.nextAddress(), createdAt: now,
    };
    this.state.servers[server.id] = server;
    member.resources.push(createdResource(vdu.vduId, SERVER_TYPE, server.id, now));
  }

  private addNestedStack(parent: SimStack, resourceName: string, resourceType: string, parameters: Record<string, string>, now: number): SimStack {
    const nested = this.addStack(`${parent.name}-${resourceName}-${shortId()}`, { stackId: parent.id, resourceName }, parameters, now);
    parent.resources.push({ ...createdResource(resourceName, resourceType, nested.id, now), nestedStackId: nested.id });
    return nested;
  }

  private addStack(name: string, parent: SimStack['parent'], parameters: Record<string, string>, now: number): SimStack {
    const stack: SimStack = {
      id: randomUUID(), name, ...(parent ? { parent } : {}),
      status: 'CREATE_COMPLETE', statusReason: 'Stack CREATE completed successfully',
      parameters, resources: [], createdAt: now,
    };
    this.state.stacks[stack.id] = stack;
    this.indexName(stack);
    return stack;
  }

  private nestedStacksOf(stack: SimStack): LocatedResource[] {
    return stack.resources.flatMap((resource) => {
      const nested = resource.nestedStackId === undefined ? undefined : this.state.stacks[resource.nestedStackId];
      return nested ? [{ stack: nested, resource }] : [];
    });
  }

  private serverResourcesOf(stack: SimStack): SimResource[] {
    return stack.resources.filter((resource) => resource.type === SERVER_TYPE);
  }

  private serversOf(stack: SimStack): SimServer[] {
    return this.serverResourcesOf(stack).flatMap((resource) => {
      const server = this.state.servers[resource.physicalId];
      return server ? [server] : [];
    });
  }
}

function createdResource(name: string, type: string, physicalId: string, now: number): SimResource {
  return { name, type, physicalId, status: 'CREATE_COMPLETE', statusReason: 'state changed', createdAt: now };
}

function setStatus(target: SimStack | SimResource, status: string, reason: string, at: number): void {
  target.status = status;
  target.statusReason = reason;
  target.updatedAt = at;
}

/** Heat's short ids: 12 lowercase letters and digits. */
function shortId(): string {
  return randomBytes(6).toString('hex');
}

/** Keystone ids are 32 hex digits. */
function hexId(): string {
  return randomBytes(16).toString('hex');
}
