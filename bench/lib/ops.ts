// Talking to the system as a client does: POST change_vnfpkg through the gateway, read op occs,
// wait for results, and read back every run of an operation's history.
import { setTimeout as delay } from 'node:timers/promises';
import { ServiceError, type Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Agent, request } from 'undici';
import type { EmAuthentication } from '../../src/lcmcoord/models.ts';
import type { OperationState } from '../../src/workflows/operation-state.ts';
import type { FloorStep } from '../workflows/floor.ts';

export const VNFLCM_HEADERS: Record<string, string> = { Version: '2.0.0', 'Content-Type': 'application/json', Accept: 'application/json' };

/** One pool for all the benchmark's gateway calls. */
export const httpAgent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });

export interface ChangeOptions {
  vnfdId: string;
  emUrl: string;
  vduIds: string[];
  authentication?: EmAuthentication;
  /** Coordination timeout (s) per VNFC. */
  timeoutSec?: number;
}

/** The seed's ChangeCurrentVnfPkgRequest (RollingUpdate, vdu_params pointing at the EM), without user scripts. */
export function changeRequest({ vnfdId, emUrl, vduIds, authentication, timeoutSec = 3600 }: ChangeOptions): Record<string, unknown> {
  const auth = authentication ?? { authType: ['BASIC'], paramsBasic: { userName: 'tacker', password: 'tacker' } };
  const param = (vdu: string) => ({
    cp_name: `${vdu}_CP1`, username: 'ubuntu', password: 'ubuntu', endpoint: emUrl, authentication: auth, timeout: timeoutSec,
  });
  return {
    vnfdId,
    additionalParams: {
      upgrade_type: 'RollingUpdate',
      vdu_params: vduIds.map((vdu) => ({ vdu_id: vdu, old_vnfc_param: param(vdu), new_vnfc_param: param(vdu) })),
    },
  };
}

export interface PostResult {
  status: number;
  opId: string;
  latencyMs: number;
  body: string;
}

export async function postChange(gatewayUrl: string, instanceId: string, body: unknown, headers: Record<string, string> = {}): Promise<PostResult> {
  const started = performance.now();
  const res = await request(`${gatewayUrl}/vnflcm/v2/vnf_instances/${instanceId}/change_vnfpkg`, {
    method: 'POST', headers: { ...VNFLCM_HEADERS, ...headers }, body: JSON.stringify(body), dispatcher: httpAgent,
  });
  const text = await res.body.text();
  const latencyMs = performance.now() - started;
  const location = res.headers.location;
  const opId = typeof location === 'string' ? (location.split('/').pop() ?? '') : '';
  if (res.statusCode !== 202 || !opId) throw new Error(`POST change_vnfpkg for ${instanceId}: ${res.statusCode} ${text.slice(0, 300)}`);
  return { status: res.statusCode, opId, latencyMs, body: text };
}

export async function getOpOcc(gatewayUrl: string, opId: string, headers: Record<string, string> = {}): Promise<{ status: number; latencyMs: number; state?: string }> {
  const started = performance.now();
  const res = await request(`${gatewayUrl}/vnflcm/v2/vnf_lcm_op_occs/${opId}`, { headers: { ...VNFLCM_HEADERS, ...headers }, dispatcher: httpAgent });
  const text = await res.body.text();
  const latencyMs = performance.now() - started;
  let state: string | undefined;
  if (res.statusCode === 200) state = (JSON.parse(text) as { operationState?: string }).operationState;
  return { status: res.statusCode, latencyMs, state };
}

/** The operation's final state (following continue-as-new); throws unless COMPLETED. */
export async function completed(client: Client, opId: string): Promise<OperationState> {
  const state = await resultOf(client, opId);
  if (state.operationState !== 'COMPLETED') {
    throw new Error(`operation ${opId} ended ${state.operationState}: ${state.error?.detail ?? ''}`);
  }
  return state;
}

/**
 * The operation's result, waited for again when the wait itself fails: with thousands of
 * operations the bench holds as many long polls of their histories, and the dev server drops
 * some ("Failed to get Workflow execution history"), which says nothing of the operation.
 */
async function resultOf(client: Client, opId: string): Promise<OperationState> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.workflow.getHandle(opId).result() as OperationState;
    } catch (err) {
      if (!(err instanceof ServiceError) || attempt >= 30) throw err;
      await delay(Math.min(5_000, 200 * attempt));
    }
  }
}

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every run of a workflow id, oldest first, following continuedExecutionRunId back from the latest. */
export async function allRuns(client: Client, workflowId: string): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    runs.unshift(events);
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return runs;
    runId = previous;
  }
}

export function eventTimeMs(event: HistoryEvent | undefined): number {
  const ts = event?.eventTime;
  if (!ts) return Number.NaN;
  const seconds = ts.seconds ?? 0;
  return (typeof seconds === 'number' ? seconds : Number(seconds.toString())) * 1000 + (ts.nanos ?? 0) / 1e6;
}

/** First event of the first run to last event of the last run, by the server's clock. */
export function spanMs(runs: HistoryEvent[][]): number {
  const first = runs[0]?.[0];
  const lastRun = runs[runs.length - 1] ?? [];
  return eventTimeMs(lastRun[lastRun.length - 1]) - eventTimeMs(first);
}

export function countEvents(runs: HistoryEvent[][], has: (e: HistoryEvent) => unknown): number {
  return runs.reduce((n, run) => n + run.filter((e) => Boolean(has(e))).length, 0);
}

/** Marker the SDK records for a local activity's result. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/**
 * What the engine floor runs for these runs (bench/workflows/floor.ts): in history order, 'A'
 * for a regular activity scheduled, 'L' for a local one, and each timer's duration in ms.
 */
export function floorPlan(runs: HistoryEvent[][]): FloorStep[] {
  return runs.flat().flatMap((e): FloorStep[] => {
    if (e.activityTaskScheduledEventAttributes) return ['A'];
    if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) return ['L'];
    const timer = e.timerStartedEventAttributes;
    return timer ? [Math.max(1, Math.round(durationMs(timer.startToFireTimeout)))] : [];
  });
}

export function planCounts(plan: readonly FloorStep[]): { activities: number; localActivities: number; timers: number } {
  return {
    activities: plan.filter((s) => s === 'A').length,
    localActivities: plan.filter((s) => s === 'L').length,
    timers: plan.filter((s) => typeof s === 'number').length,
  };
}

export function durationMs(duration: { seconds?: number | { toString(): string } | null; nanos?: number | null } | null | undefined): number {
  if (!duration) return 0;
  const seconds = duration.seconds ?? 0;
  return (typeof seconds === 'number' ? seconds : Number(seconds.toString())) * 1000 + (duration.nanos ?? 0) / 1e6;
}
