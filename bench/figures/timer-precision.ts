// Figure 2: timer precision. The EM answers every coordination asynchronously with
// Retry-After: 1 and several 202 polls; the workflow's re-request must come when the delay
// has passed. Lateness of a request = its arrival at the EM − (arrival of the previous request
// of the same coordination + Retry-After). The reference EM answers at once (delayMs 0), so
// the arrival of the previous request stands for the time of its answer.
import type { ReferenceEm } from '../../src/em/server.ts';
import type { Client } from '@temporalio/client';
import { allRuns, changeRequest, completed, durationMs, eventTimeMs, postChange } from '../lib/ops.ts';
import { Stage, type BenchContext } from '../lib/parts.ts';
import { max, percentile } from '../lib/stats.ts';

export interface TimerPrecisionResult {
  operations: number;
  vnfcsPerOperation: number;
  pollsPerCoordination: number;
  samples: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests that came before Retry-After had passed (should be 0). */
  early: number;
  wallMs: number;
  /** Where the lateness goes, from the histories (server clock), p50 / p99 in ms. */
  breakdown: LatenessBreakdown;
}

export interface LatenessBreakdown {
  /** ActivityTaskCompleted (the EM answered) → TimerStarted: the workflow task that decides to wait. */
  answerToTimer: [number, number];
  /** TimerFired − (TimerStarted + timer duration): the server's timer precision. */
  timerLate: [number, number];
  /** TimerFired → next ActivityTaskStarted: the workflow task that schedules the request, and dispatch. */
  firedToRequest: [number, number];
  /** How many timers the breakdown saw. */
  timers: number;
}

const RETRY_AFTER_S = 1;

export async function timerPrecision(ctx: BenchContext, options: { operations: number; vnfcs: number; polls: number }): Promise<TimerPrecisionResult> {
  const stage = await Stage.start(ctx, { name: 'timers', vimUpdateDelayMs: 0 });
  try {
    const em = await stage.startEm({ behaviour: { default: { mode: 'async', retryAfter: RETRY_AFTER_S, polls: options.polls } } });
    await stage.startWorker();
    const gateway = await stage.startGateway(); // production tuning: Retry-After is honoured as sent
    const instances = await stage.createInstances(options.operations, { VDU1: options.vnfcs });
    const body = changeRequest({ vnfdId: stage.destination.vnfd.vnfdId, emUrl: em.url, vduIds: ['VDU1'] });
    const started = performance.now();
    const ops = await Promise.all(instances.map((i) => postChange(gateway.url, i.id, body)));
    await Promise.all(ops.map((op) => completed(ctx.client, op.opId)));
    const wallMs = performance.now() - started;
    const lateness = latenessOf(em, RETRY_AFTER_S);
    const breakdown = await breakdownOf(ctx.client, ops.map((op) => op.opId));
    return {
      operations: options.operations,
      vnfcsPerOperation: options.vnfcs,
      pollsPerCoordination: options.polls,
      samples: lateness.length,
      p50Ms: percentile(lateness, 50),
      p90Ms: percentile(lateness, 90),
      p99Ms: percentile(lateness, 99),
      maxMs: max(lateness),
      early: lateness.filter((l) => l < 0).length,
      wallMs,
      breakdown,
    };
  } finally {
    await stage.close();
  }
}

/** Per coordination, in arrival order: every request after the first is due Retry-After after the one before. */
export function latenessOf(em: ReferenceEm, retryAfterS: number): number[] {
  const byCoordination = new Map<string, number[]>();
  for (const entry of em.requests.entries()) {
    if (!entry.coordinationId || !entry.path.startsWith('/lcmcoord/')) continue;
    const times = byCoordination.get(entry.coordinationId) ?? [];
    times.push(entry.time);
    byCoordination.set(entry.coordinationId, times);
  }
  const lateness: number[] = [];
  for (const times of byCoordination.values()) {
    for (let i = 1; i < times.length; i++) lateness.push((times[i] as number) - ((times[i - 1] as number) + retryAfterS * 1000));
  }
  return lateness;
}

/** Splits each wait into its parts using the event times of the operations' histories. */
async function breakdownOf(client: Client, opIds: string[]): Promise<LatenessBreakdown> {
  const answerToTimer: number[] = [];
  const timerLate: number[] = [];
  const firedToRequest: number[] = [];
  for (const opId of opIds) {
    for (const events of await allRuns(client, opId)) {
      const started = new Map<string, { at: number; durationMs: number }>();
      let lastActivityCompleted: number | undefined;
      let firedAt: number | undefined;
      for (const event of events) {
        const at = eventTimeMs(event);
        if (event.activityTaskCompletedEventAttributes) lastActivityCompleted = at;
        const timer = event.timerStartedEventAttributes;
        if (timer?.timerId) {
          started.set(timer.timerId, { at, durationMs: durationMs(timer.startToFireTimeout) });
          if (lastActivityCompleted !== undefined) answerToTimer.push(at - lastActivityCompleted);
        }
        const fired = event.timerFiredEventAttributes;
        if (fired?.timerId) {
          const start = started.get(fired.timerId);
          if (start) timerLate.push(at - start.at - start.durationMs);
          firedAt = at;
        }
        if (event.activityTaskStartedEventAttributes && firedAt !== undefined) {
          firedToRequest.push(at - firedAt);
          firedAt = undefined;
        }
      }
    }
  }
  const p = (values: number[]): [number, number] => [percentile(values, 50), percentile(values, 99)];
  return { answerToTimer: p(answerToTimer), timerLate: p(timerLate), firedToRequest: p(firedToRequest), timers: timerLate.length };
}
