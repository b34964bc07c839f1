// The fast layer for workflow logic (the samples-typescript pattern): the real workflow code on
// the run's Temporal dev server, with its activities stubbed per test by the fakes beside this
// file. No HTTP, no VIM, no EM: a test is one behaviour of the workflow, and its waits are the
// workflow's own short timers, so each runs in well under a second of workflow time.
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { ChangeVnfPkgInput, type ChangeVnfPkgTuning } from '../../src/lcm/change-vnfpkg-input.ts';
import type { changeVnfPkg } from '../../src/workflows/change-vnfpkg.ts';
import { operationQuery } from '../../src/workflows/messages.ts';
import type { OperationState } from '../../src/workflows/operation-state.ts';
import { installQuietRuntime, testDataConverter, workflowBundle } from '../support/system.ts';
import { eventually } from '../support/wait.ts';

export interface Harness {
  readonly client: Client;
  /**
   * Runs `body` while a worker with these activities polls a task queue of the test's own; the
   * worker stops when the body ends.
   */
  withWorker<T>(activities: object, body: (taskQueue: string) => Promise<T>): Promise<T>;
}

/** Registers the file's hooks: one connection to the run's dev server, the workflow bundle built once. */
export function useHarness(): Harness {
  let client: Client | undefined;
  let native: NativeConnection | undefined;
  beforeAll(async () => {
    installQuietRuntime();
    const address = inject('temporalAddress');
    client = new Client({ connection: await Connection.connect({ address }), dataConverter: testDataConverter });
    native = await NativeConnection.connect({ address });
    await workflowBundle();
  });
  afterAll(async () => {
    await client?.connection.close();
    await native?.close();
  });
  return {
    get client() {
      if (!client) throw new Error('the harness is not connected');
      return client;
    },
    async withWorker(activities, body) {
      if (!native) throw new Error('the harness is not connected');
      const taskQueue = `fast-${randomUUID()}`;
      const worker = await Worker.create({
        connection: native, taskQueue, workflowBundle: await workflowBundle(), activities, dataConverter: testDataConverter,
      });
      return worker.runUntil(body(taskQueue));
    },
  };
}

// --- The change operation ---

/** Short waits, same logic: every wait of the workflow is a timer of a few tens of milliseconds. */
export const FAST_TUNING: Partial<ChangeVnfPkgTuning> = {
  minPollIntervalMs: 20, defaultPollIntervalMs: 40, vimPollIntervalMs: 20, defaultCoordinationTimeoutSec: 30, vimUpdateTimeoutSec: 30,
};

export interface VnfcSpec {
  id: string;
  vduId: string;
  serverId: string;
}

/** VNFCs `vnfc-0…` of VDU1 on servers `server-0…`, in vnfcResourceInfo order. */
export function vnfcs(count: number, vduId = 'VDU1', from = 0): VnfcSpec[] {
  return Array.from({ length: count }, (_, i) => ({ id: `vnfc-${from + i}`, vduId, serverId: `server-${from + i}` }));
}

export const EM_NEW = 'http://em-new.test';
export const EM_OLD = 'http://em-old.test';

export interface ChangeOptions {
  vnfcResourceInfo: VnfcSpec[];
  /** VDUs in vdu_params; default every VDU of the VNFCs. */
  vdus?: string[];
  tuning?: Partial<ChangeVnfPkgTuning>;
  /** Per-VNFC `timeout` in seconds (both sides). */
  timeoutSec?: number;
  /** No EM for the new VNFC side (no new_vnfc_param): nothing to coordinate. */
  withoutEm?: boolean;
  /** Tacker's documented new_vnfc_param: cp_name, username and password, no endpoint. */
  tackerStyleParam?: boolean;
  scripts?: { newVnf?: string; oldVnf?: string };
  coordinationActionNames?: string[];
}

/** A changeVnfPkg input as the gateway would build it (validated by the same schema). */
export function changeInput(options: ChangeOptions): ChangeVnfPkgInput {
  const vdus = options.vdus ?? [...new Set(options.vnfcResourceInfo.map((v) => v.vduId))];
  const param = (endpoint: string) => ({ endpoint, ...(options.timeoutSec ? { timeout: options.timeoutSec } : {}) });
  const opId = randomUUID();
  return ChangeVnfPkgInput.parse({
    vnfLcmOpOccId: opId,
    vnfInstanceId: 'vnf-1',
    sourceVnfdId: 'vnfd-v1',
    sourcePackageId: 'package-v1',
    stack: { name: 'vnf-stack', id: 'vnf-stack-id' },
    vnfcResourceInfo: options.vnfcResourceInfo,
    request: {
      vnfdId: 'vnfd-v2',
      additionalParams: {
        upgrade_type: 'RollingUpdate',
        ...(options.scripts?.newVnf ? { 'lcm-operation-coordinate-new-vnf': options.scripts.newVnf } : {}),
        ...(options.scripts?.oldVnf ? { 'lcm-operation-coordinate-old-vnf': options.scripts.oldVnf } : {}),
        vdu_params: vdus.map((vdu_id) => ({
          vdu_id, old_vnfc_param: param(EM_OLD),
          ...(options.withoutEm ? {} : { new_vnfc_param: options.tackerStyleParam ? { cp_name: `${vdu_id}_CP1`, username: 'ubuntu', password: 'ubuntu' } : param(EM_NEW) }),
        })),
      },
    },
    target: {
      vnfdId: 'vnfd-v2',
      vdus: Object.fromEntries(vdus.map((vdu) => [vdu, { image: `${vdu}-image-v2`, flavor: `${vdu}-flavor-v2` }])),
      packageId: 'package-v2',
      coordinationActionNames: options.coordinationActionNames ?? ['prv.test.coordination'],
    },
    links: { vnfLcmOpOcc: `http://vnfm.test/vnflcm/v2/vnf_lcm_op_occs/${opId}`, vnfInstance: 'http://vnfm.test/vnflcm/v2/vnf_instances/vnf-1' },
    tuning: { ...FAST_TUNING, ...options.tuning },
  });
}

/** The servers of the VNFCs on the source package's image and flavour. */
export function sourceServers(vnfcResourceInfo: VnfcSpec[]): { serverId: string; image: string; flavor: string }[] {
  return vnfcResourceInfo.map((v) => ({ serverId: v.serverId, image: `${v.vduId}-image-v1`, flavor: `${v.vduId}-flavor-v1` }));
}

export async function startChange(client: Client, taskQueue: string, input: ChangeVnfPkgInput): Promise<WorkflowHandle<typeof changeVnfPkg>> {
  return client.workflow.start<typeof changeVnfPkg>('changeVnfPkg', { workflowId: input.vnfLcmOpOccId, taskQueue, args: [input] });
}

/** Queries the operation until it is in one of the states. */
export async function reachState(handle: WorkflowHandle, ...states: OperationState['operationState'][]): Promise<OperationState> {
  return eventually(`operation ${handle.workflowId} to reach ${states.join('|')}`, async () => {
    const state = await handle.query(operationQuery);
    return states.includes(state.operationState) && state;
  }, 30_000);
}

/** Durations (ms) of the timers the workflow's latest run started, in order. */
export async function timerDurations(client: Client, workflowId: string): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const timeout = event.timerStartedEventAttributes?.startToFireTimeout;
    return timeout ? [Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6)] : [];
  });
}
