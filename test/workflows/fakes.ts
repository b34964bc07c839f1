// Test doubles for the fast workflow layer: the activities of the VIM, the EM, the scripts, the
// inventory and the notifications, as plain in-memory objects that record every call. Each
// stub has the type of the activity it stands for, so a changed activity signature breaks
// these tests at compile time instead of at run time.
/* eslint-disable @typescript-eslint/require-await -- each fake stands for an async activity and answers at once */
import { ApplicationFailure } from '@temporalio/activity';
import type { Activities } from '../../src/activities/index.ts';
import type { LcmCoord, LcmCoordRequest } from '../../src/lcmcoord/models.ts';

export interface Call {
  activity: string;
  /** The VNFC the call is about (server id for the VIM, vnfcInstanceId for the EM), if any. */
  vnfc?: string;
  /** Image of a VIM update; endpoint of an EM exchange. */
  detail?: string;
  at: number;
}

/** Every call of every fake of one test, in the order they happened. */
export class CallLog {
  readonly calls: Call[] = [];

  record(activity: string, vnfc?: string, detail?: string): void {
    this.calls.push({ activity, vnfc, detail, at: Date.now() });
  }

  /** The VNFCs of the calls of one activity, in order (optionally only those with this detail). */
  vnfcsOf(activity: string, detail?: string): (string | undefined)[] {
    return this.calls.filter((c) => c.activity === activity && (detail === undefined || c.detail === detail)).map((c) => c.vnfc);
  }

  count(activity: string): number {
    return this.calls.filter((c) => c.activity === activity).length;
  }
}

// --- The VIM (Heat) ---

interface FakeServer {
  image: string;
  flavor: string;
  status: string;
  reason?: string;
  /** Reads still to answer UPDATE_IN_PROGRESS before the update completes (or fails). */
  readsInProgress: number;
}

export interface VimBehaviour {
  /** Reads of an updating VNFC answered UPDATE_IN_PROGRESS before UPDATE_COMPLETE; default 1. */
  readsInProgress?: number;
}

export class FakeVim {
  private readonly servers = new Map<string, FakeServer>();
  /** serverId → reason: the next update of that server ends UPDATE_FAILED. */
  readonly faults = new Map<string, string>();
  /** serverIds whose update never completes (a stuck Heat). */
  readonly stuck = new Set<string>();
  stackStatus = 'CREATE_COMPLETE';

  constructor(private readonly log: CallLog, servers: { serverId: string; image: string; flavor: string }[], private readonly behaviour: VimBehaviour = {}) {
    for (const s of servers) this.servers.set(s.serverId, { image: s.image, flavor: s.flavor, status: 'CREATE_COMPLETE', readsInProgress: 0 });
  }

  imageOf(serverId: string): string | undefined {
    return this.servers.get(serverId)?.image;
  }

  private server(memberStackName: string): FakeServer {
    const serverId = memberStackName.replace(/^member-/, '');
    const server = this.servers.get(serverId);
    if (!server) throw ApplicationFailure.nonRetryable(`no server ${serverId}`, 'Vim.ResourceNotFound');
    return server;
  }

  activities() {
    const getStackResource: Activities['getStackResource'] = async ({ serverId }) => {
      this.log.record('getStackResource', serverId);
      if (!this.servers.has(serverId)) throw ApplicationFailure.nonRetryable(`stack has no server ${serverId}`, 'Vim.ResourceNotFound');
      return { memberStack: { name: `member-${serverId}`, id: `id-${serverId}` } };
    };
    const readVnfcStack: Activities['readVnfcStack'] = async ({ memberStack }) => {
      // instantiate waits for the VNF's own stack through the same read
      if (!memberStack.name.startsWith('member-')) {
        this.log.record('readVnfcStack', undefined, memberStack.name);
        return { status: this.stackStatus };
      }
      const server = this.server(memberStack.name);
      this.log.record('readVnfcStack', memberStack.name.replace(/^member-/, ''));
      if (server.status === 'UPDATE_IN_PROGRESS') {
        const serverId = memberStack.name.replace(/^member-/, '');
        if (server.readsInProgress > 0 || this.stuck.has(serverId)) {
          server.readsInProgress -= 1;
        } else {
          const reason = this.faults.get(serverId);
          server.status = reason ? 'UPDATE_FAILED' : 'UPDATE_COMPLETE';
          server.reason = reason;
        }
      }
      return { status: server.status, reason: server.reason, image: server.image, flavor: server.flavor };
    };
    const updateVnfc: Activities['updateVnfc'] = async ({ memberStack, image, flavor }) => {
      const server = this.server(memberStack.name);
      this.log.record('updateVnfc', memberStack.name.replace(/^member-/, ''), image);
      Object.assign(server, { image, flavor, status: 'UPDATE_IN_PROGRESS', reason: undefined, readsInProgress: this.behaviour.readsInProgress ?? 1 });
    };
    const createVnfStack: Activities['createVnfStack'] = async ({ stackName, vdus }) => {
      this.log.record('createVnfStack', undefined, stackName);
      let index = 0;
      for (const vdu of vdus) {
        for (let i = 0; i < vdu.count; i++) {
          this.servers.set(`${vdu.vduId}-server-${index++}`, { image: vdu.image, flavor: vdu.flavor, status: 'CREATE_COMPLETE', readsInProgress: 0 });
        }
      }
      return { name: stackName, id: `id-${stackName}` };
    };
    const listVnfcs: Activities['listVnfcs'] = async () => {
      this.log.record('listVnfcs');
      return [...this.servers.keys()].map((serverId) => ({ vduId: serverId.split('-server-')[0] ?? 'VDU1', serverId }));
    };
    const deleteVnfStack: Activities['deleteVnfStack'] = async ({ stack }) => {
      this.log.record('deleteVnfStack', undefined, stack.name);
      const reason = this.faults.get('delete');
      if (reason) throw ApplicationFailure.nonRetryable(reason, 'Vim.409');
    };
    return { getStackResource, readVnfcStack, updateVnfc, createVnfStack, listVnfcs, deleteVnfStack };
  }
}

// --- The EM (lcmcoord) ---

export interface EmPlan {
  /** Retry-After (ms) of each 503 the POST gets before it is accepted. */
  busy?: (number | undefined)[];
  /** The refusals are 429 Too Many Requests instead of 503. */
  busyStatus?: 429;
  /** async: 202 with this Retry-After (ms); otherwise the POST answers 201 with the result. */
  accepted?: { retryAfterMs?: number };
  /** Retry-After (ms) of each GET answered 202 before the result. */
  polls?: (number | undefined)[];
  /** async: every GET answers 202 until `finishHeld` (or a cancel). */
  held?: boolean;
  result?: 'CONTINUE' | 'ABORT' | 'CANCELLED';
  /** Detail of the EM's ProblemDetails on ABORT. */
  error?: string;
  /** The POST fails for good with this status (a 4xx of the EM). */
  rejectWith?: number;
}

interface OpenCoordination {
  vnfc: string;
  action: string;
  plan: EmPlan;
  pollsLeft: (number | undefined)[];
  result?: 'CONTINUE' | 'ABORT' | 'CANCELLED';
}

/**
 * The EM as the workflow sees it through its activities. `answerSkewMs` moves the `answeredAt`
 * of every answer: positive means the EM answered "later" than the workflow's clock says now,
 * which makes each wait exactly the delay the workflow computed from the answer.
 */
export class FakeEm {
  private readonly plans = new Map<string, EmPlan>();
  private readonly busyLeft = new Map<string, (number | undefined)[]>();
  private readonly open = new Map<string, OpenCoordination>();
  private nextId = 0;
  answerSkewMs = 0;

  constructor(private readonly log: CallLog, private defaultPlan: EmPlan = {}) {}

  /** The plan of every VNFC that has none of its own, from now on. */
  planDefault(plan: EmPlan): this {
    this.defaultPlan = plan;
    return this;
  }

  plan(vnfcInstanceId: string, plan: EmPlan): this {
    this.plans.set(vnfcInstanceId, plan);
    this.busyLeft.delete(vnfcInstanceId);
    return this;
  }

  /** Ends held coordinations (of one VNFC, or all) with the result; answers how many. */
  finishHeld(result: 'CONTINUE' | 'ABORT' = 'CONTINUE', vnfc?: string): number {
    let finished = 0;
    for (const c of this.open.values()) {
      if (c.result === undefined && c.plan.held && (vnfc === undefined || c.vnfc === vnfc)) {
        c.result = result;
        finished += 1;
      }
    }
    return finished;
  }

  private planOf(vnfc: string): EmPlan {
    return this.plans.get(vnfc) ?? this.defaultPlan;
  }

  private answered<T extends object>(outcome: T): T & { answeredAt: number } {
    return { ...outcome, answeredAt: Date.now() + this.answerSkewMs };
  }

  activities() {
    const requestCoordination: Activities['requestCoordination'] = async (target, body) => {
      const vnfc = vnfcOf(body);
      this.log.record('requestCoordination', vnfc, target.endpoint);
      const plan = this.planOf(vnfc);
      if (plan.rejectWith !== undefined) {
        throw ApplicationFailure.create({
          type: 'Coordination.rejected', message: `EM answered ${plan.rejectWith}: not allowed now`, nonRetryable: true,
          details: [{ status: plan.rejectWith }],
        });
      }
      const busy = this.busyLeft.get(vnfc) ?? [...(plan.busy ?? [])];
      if (busy.length > 0) {
        const retryAfterMs = busy.shift();
        this.busyLeft.set(vnfc, busy);
        return this.answered({ kind: 'busy' as const, status: plan.busyStatus ?? 503, retryAfterMs, detail: 'EM busy' });
      }
      this.busyLeft.delete(vnfc);
      const id = `coordination-${this.nextId++}`;
      if (!plan.accepted) return this.answered({ kind: 'finished' as const, coordination: lcmCoord(id, body.coordinationActionName, plan.result ?? 'CONTINUE', plan.error) });
      this.open.set(id, { vnfc, action: body.coordinationActionName, plan, pollsLeft: [...(plan.polls ?? [])] });
      return this.answered({ kind: 'accepted' as const, location: `${target.endpoint}/lcmcoord/v1/coordinations/${id}`, retryAfterMs: plan.accepted.retryAfterMs });
    };
    const readCoordination: Activities['readCoordination'] = async (target, location) => {
      const id = location.split('/').pop() ?? '';
      const coordination = this.open.get(id);
      if (!coordination) throw ApplicationFailure.nonRetryable(`no coordination ${id}`, 'Coordination.rejected');
      this.log.record('readCoordination', coordination.vnfc, target.endpoint);
      const { plan } = coordination;
      if (coordination.result === undefined && (plan.held || coordination.pollsLeft.length > 0)) {
        const retryAfterMs = plan.held ? plan.accepted?.retryAfterMs : coordination.pollsLeft.shift();
        return this.answered({ kind: 'ongoing' as const, retryAfterMs });
      }
      const result = coordination.result ?? plan.result ?? 'CONTINUE';
      return this.answered({ kind: 'finished' as const, coordination: lcmCoord(id, coordination.action, result, plan.error) });
    };
    const cancelCoordination: Activities['cancelCoordination'] = async (target, location) => {
      const id = location.split('/').pop() ?? '';
      const coordination = this.open.get(id);
      this.log.record('cancelCoordination', coordination?.vnfc, target.endpoint);
      if (!coordination || coordination.result !== undefined) return { kind: 'already-finished' };
      coordination.result = 'CANCELLED';
      return { kind: 'accepted' };
    };
    return { requestCoordination, readCoordination, cancelCoordination };
  }
}

function vnfcOf(body: LcmCoordRequest): string {
  const id = body.inputParams?.vnfcInstanceId;
  return typeof id === 'string' ? id : '?';
}

function lcmCoord(id: string, coordinationActionName: string, result: LcmCoord['coordinationResult'], error?: string): LcmCoord {
  const links = { self: { href: `http://em.test/lcmcoord/v1/coordinations/${id}` }, vnfLcmOpOcc: { href: 'http://vnfm.test/op' }, vnfInstance: { href: 'http://vnfm.test/vnf' } };
  return {
    id, coordinationResult: result, vnfInstanceId: 'vnf', vnfLcmOpOccId: 'op', lcmOperationType: 'CHANGE_VNFPKG',
    coordinationActionName,
    ...(result === 'ABORT' ? { error: { status: 409, title: 'Conflict', detail: error ?? 'the EM aborted the coordination' } } : {}),
    _links: links,
  };
}

// --- Everything else the workflows call ---

/** Scripts, inventory and notifications: recorded, always succeeding (a script may be made to fail). */
export function sideActivities(log: CallLog, options: { scriptFailure?: string } = {}) {
  const runCoordinateScript: Activities['runCoordinateScript'] = async (input) => {
    const vnfc = (input.params.vnfc as { id?: string } | undefined)?.id;
    log.record('runCoordinateScript', vnfc, input.script);
    if (options.scriptFailure) throw ApplicationFailure.nonRetryable(options.scriptFailure, 'Script.Failed');
    return { stderrTail: '' };
  };
  const recordPackageChange: Activities['recordPackageChange'] = async ({ target }) => log.record('recordPackageChange', undefined, target.vnfdId);
  const recordInstantiation: Activities['recordInstantiation'] = async ({ vnfInstanceId }) => log.record('recordInstantiation', undefined, vnfInstanceId);
  const recordTermination: Activities['recordTermination'] = async ({ vnfInstanceId }) => log.record('recordTermination', undefined, vnfInstanceId);
  const recordModification: Activities['recordModification'] = async ({ vnfInstanceId, changes }) => log.record('recordModification', undefined, `${vnfInstanceId} ${JSON.stringify(changes)}`);
  const matchingSubscriptions: Activities['matchingSubscriptions'] = async () => [];
  const deliverNotification: Activities['deliverNotification'] = async () => ({ kind: 'subscription-gone' });
  return { runCoordinateScript, recordPackageChange, recordInstantiation, recordTermination, recordModification, matchingSubscriptions, deliverNotification };
}
