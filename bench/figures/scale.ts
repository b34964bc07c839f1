// Figure 3: waiting at scale, against the engine floor at the same scale. Many concurrent change
// operations, each over several VNFCs, all coordinated asynchronously (Retry-After: 1, a few 202
// polls per VNFC), on one worker: the production entry as a subprocess, its peak RSS read from
// /proc, the gateway's POST and GET op occ timed meanwhile. Then the engine floor: as many
// concurrent no-op workflows (bench/workflows/floor.ts), each running the sequence of regular
// activities, local activities and timers of one of those operations, on a floor worker process of
// the same settings. Rounds alternate change and floor (A/B/A/B); the ratios of wall time and of
// CPU per VNFC step (worker, server) are their medians.
import { Client } from '@temporalio/client';
import { FileInventoryStore } from '../../src/inventory/store.ts';
import { allRuns, changeRequest, completed, floorPlan, getOpOcc, planCounts, postChange } from '../lib/ops.ts';
import { Stage, type BenchContext } from '../lib/parts.ts';
import { accountCpu, temporalServerPid, type CpuReport } from '../lib/cpu.ts';
import { median, percentile } from '../lib/stats.ts';
import type { FloorStep } from '../workflows/floor.ts';

export interface ChangeRound {
  completed: number;
  /** The cap ended the wait before every operation completed. */
  capped: boolean;
  setupMs: number;
  /** First POST → last operation completed. */
  wallMs: number;
  operationP50Ms: number;
  operationMaxMs: number;
  vnfcSteps: number;
  cpu: CpuReport;
  inventoryUpdated: number;
}

export interface FloorRound {
  completed: number;
  /** First start → last workflow completed. */
  wallMs: number;
  steps: number;
  cpu: CpuReport;
}

export interface ScaleRound {
  change: ChangeRound;
  floor: FloorRound;
  /** change ÷ floor: wall time, worker CPU per step, server CPU per step. */
  ratios: { wall: number; workerCpu: number; serverCpu: number };
}

export interface ScaleResult {
  operations: number;
  vnfcsPerOperation: number;
  polls: number;
  retryAfterS: number;
  capMs: number;
  rounds: ScaleRound[];
  /** The floor's sequence per operation, from the first operation's history. */
  floorPlan: { activities: number; localActivities: number; timers: number };
  postP50Ms: number;
  postP99Ms: number;
  /** The least an operation can take: every VNFC waits (polls + 1) × Retry-After. */
  minimumOperationMs: number;
  workerPeakRss: number;
  workerReadyRss: number;
  workerSampledPeakRss: number;
  floorWorkerPeakRss: number;
  getSamples: number;
  getP50Ms: number;
  getP99Ms: number;
  getErrors: number;
  /** Status (or client error) of each failed GET. */
  getErrorKinds: string[];
  /** Medians over the rounds, and the lowest and highest round. */
  ratios: { wall: RatioSpread; workerCpu: RatioSpread; serverCpu: RatioSpread };
}

export interface RatioSpread {
  median: number;
  min: number;
  max: number;
}

export interface ScaleOptions {
  operations: number;
  vnfcs: number;
  polls: number;
  /** Change/floor pairs. */
  rounds: number;
  /** Stop waiting for a round after this long (the run must end); the result then says how many completed. */
  capMs: number;
}

const RETRY_AFTER_S = 1;
const POST_CONCURRENCY = 16;

export async function waitingAtScale(ctx: BenchContext, options: ScaleOptions): Promise<ScaleResult> {
  const stage = await Stage.start(ctx, { name: 'scale', vimUpdateDelayMs: 0, vimProcess: true });
  try {
    const finished = coordinationFinishLog();
    const em = await stage.startEm({ log: finished.log, behaviour: { default: { mode: 'async', retryAfter: RETRY_AFTER_S, polls: options.polls } } });
    const worker = stage.startWorkerProcess('scale');
    const floorQueue = `${stage.taskQueue}-floor`;
    const floorWorker = stage.startFloorWorkerProcess('floor', floorQueue);
    await Promise.all([worker.ready, floorWorker.ready]);
    worker.sampleEvery(250);
    const gateway = await stage.startGateway();
    const body = changeRequest({ vnfdId: stage.destination.vnfd.vnfdId, emUrl: em.url, vduIds: ['VDU1'] });
    const plainClient = new Client({ connection: ctx.client.connection });
    const postLatencies: number[] = [];
    const gets: GetSamples = { latencies: [], errors: 0, errorKinds: [] };

    const changeRound = async (operations: number, vnfcs: number, sampleGets: boolean): Promise<{ round: ChangeRound; opIds: string[] }> => {
      const setupStarted = performance.now();
      const instances = await stage.createInstances(operations, { VDU1: vnfcs });
      const setupMs = performance.now() - setupStarted;
      const stepsBefore = finished.times.length;
      const cpu = accountCpu({ worker: worker.pid, temporal: temporalServerPid(), vim: stage.vim.pid });
      const started = performance.now();
      const opIds: string[] = [];
      const finishedAt = new Map<string, number>();
      const waits: Promise<void>[] = [];
      const sampler = sampleGets ? sampleGetsOf(gateway.url, opIds, gets) : undefined;
      await forEachLimited(instances, POST_CONCURRENCY, async (instance) => {
        const post = await postChange(gateway.url, instance.id, body);
        if (sampleGets) postLatencies.push(post.latencyMs);
        opIds.push(post.opId);
        const postedAt = Date.now();
        waits.push(completed(ctx.client, post.opId).then(
          () => void finishedAt.set(post.opId, Date.now() - postedAt),
          (err: unknown) => ctx.log(`  operation ${post.opId} failed: ${String(err)}`),
        ));
      });
      const capped = await untilDoneOrCap(Promise.all(waits), options.capMs);
      const wallMs = performance.now() - started;
      const cpuReport = cpu.stop();
      await sampler?.stop();
      if (capped) ctx.log(`  stopped waiting after ${options.capMs / 60000} min: ${finishedAt.size} of ${operations} completed`);
      const durations = [...finishedAt.values()];
      const after = new FileInventoryStore(stage.inventory.file);
      const destination = stage.destination.vnfd.vnfdId;
      return {
        opIds,
        round: {
          completed: finishedAt.size, capped, setupMs, wallMs,
          operationP50Ms: percentile(durations, 50), operationMaxMs: percentile(durations, 100),
          vnfcSteps: finished.times.length - stepsBefore, cpu: cpuReport,
          inventoryUpdated: (await Promise.all(instances.map(async (i) => (await after.instance(i.id))?.vnfdId))).filter((id) => id === destination).length,
        },
      };
    };

    const floorRound = async (workflows: number, plan: FloorStep[], steps: number): Promise<FloorRound> => {
      const cpu = accountCpu({ floorWorker: floorWorker.pid, temporal: temporalServerPid() });
      const started = performance.now();
      const results: Promise<unknown>[] = [];
      const ids = Array.from({ length: workflows }, (_, i) => `floor-${Date.now()}-${i}`);
      await forEachLimited(ids, POST_CONCURRENCY, async (workflowId) => {
        const handle = await plainClient.workflow.start('engineFloor', { workflowId, taskQueue: floorQueue, args: [plan] });
        results.push(handle.result());
      });
      const settled = await Promise.allSettled(results);
      return { completed: settled.filter((r) => r.status === 'fulfilled').length, wallMs: performance.now() - started, steps, cpu: cpu.stop() };
    };

    // Warm-up (not counted): the worker's and the floor worker's code paths, connections and JIT.
    const warm = await changeRound(Math.min(4, options.operations), 1, false);
    const warmPlan = floorPlan(await allRuns(ctx.client, warm.opIds[0] ?? ''));
    await floorRound(Math.min(4, options.operations), warmPlan, 0);

    const rounds: ScaleRound[] = [];
    let plan: FloorStep[] | undefined;
    for (let i = 0; i < options.rounds; i++) {
      const { round: change, opIds } = await changeRound(options.operations, options.vnfcs, true);
      // Every operation of the figure does the same work: the first one's history is the floor's plan.
      plan ??= floorPlan(await allRuns(ctx.client, opIds[0] ?? ''));
      const floor = await floorRound(options.operations, plan, options.operations * options.vnfcs);
      const perStep = (round: { cpu: CpuReport }, part: string, steps: number): number => (round.cpu.parts[part] ?? 0) / Math.max(1, steps);
      const ratios = {
        wall: change.wallMs / floor.wallMs,
        workerCpu: perStep(change, 'worker', change.vnfcSteps) / perStep(floor, 'floorWorker', floor.steps),
        serverCpu: perStep(change, 'temporal', change.vnfcSteps) / perStep(floor, 'temporal', floor.steps),
      };
      rounds.push({ change, floor, ratios });
      ctx.log(`  round ${i + 1}: change ${(change.wallMs / 1000).toFixed(1)} s (${change.completed}/${options.operations}), floor ${(floor.wallMs / 1000).toFixed(1)} s; ÷ floor: wall ${ratios.wall.toFixed(2)}, worker CPU/step ${ratios.workerCpu.toFixed(2)}, server CPU/step ${ratios.serverCpu.toFixed(2)}`);
    }

    const memory = worker.memory();
    const spread = (pick: (r: ScaleRound) => number): RatioSpread => {
      const values = rounds.map(pick);
      return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
    };
    return {
      operations: options.operations,
      vnfcsPerOperation: options.vnfcs,
      polls: options.polls,
      retryAfterS: RETRY_AFTER_S,
      capMs: options.capMs,
      rounds,
      floorPlan: planCounts(plan ?? []),
      postP50Ms: percentile(postLatencies, 50),
      postP99Ms: percentile(postLatencies, 99),
      minimumOperationMs: options.vnfcs * (options.polls + 1) * RETRY_AFTER_S * 1000,
      workerPeakRss: memory.hwm,
      workerReadyRss: worker.readyHwm,
      workerSampledPeakRss: worker.peakSampledRss,
      floorWorkerPeakRss: floorWorker.memory().hwm,
      getSamples: gets.latencies.length,
      getP50Ms: percentile(gets.latencies, 50),
      getP99Ms: percentile(gets.latencies, 99),
      getErrors: gets.errors,
      getErrorKinds: gets.errorKinds,
      ratios: { wall: spread((r) => r.ratios.wall), workerCpu: spread((r) => r.ratios.workerCpu), serverCpu: spread((r) => r.ratios.serverCpu) },
    };
  } finally {
    await stage.close();
  }
}

/** True when the cap came first. */
export async function untilDoneOrCap(done: Promise<unknown>, capMs: number): Promise<boolean> {
  let cap: NodeJS.Timeout | undefined;
  const capped = await Promise.race([
    done.then(() => false),
    new Promise<boolean>((resolve) => (cap = setTimeout(() => resolve(true), capMs))),
  ]);
  clearTimeout(cap);
  return capped;
}

/** A log function for startReferenceEm that records when each coordination finished (GET answered 200). */
export function coordinationFinishLog(): { log: (line: string) => void; times: number[] } {
  const times: number[] = [];
  return {
    times,
    log: (line: string) => {
      if (line.startsWith('GET /lcmcoord/v1/coordinations/') && line.endsWith(' 200')) times.push(Date.now());
    },
  };
}

export interface GetSamples {
  latencies: number[];
  errors: number;
  /** What each failed GET was: its HTTP status or the client's error. */
  errorKinds: string[];
}

/**
 * GETs a random started operation, two loops with a 250 ms pause after each answer, until
 * stopped; latency of each, into `into`. A sample of what a client sees, not load: figure 6 is
 * the load test.
 */
export function sampleGetsOf(gatewayUrl: string, opIds: string[], into: GetSamples): { stop(): Promise<void> } {
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      await new Promise((r) => setTimeout(r, GET_PAUSE_MS));
      const id = opIds[Math.floor(Math.random() * opIds.length)];
      if (!id) continue;
      try {
        const res = await getOpOcc(gatewayUrl, id);
        if (res.status === 200) {
          into.latencies.push(res.latencyMs);
        } else {
          into.errors += 1;
          into.errorKinds.push(`HTTP ${res.status} after ${Math.round(res.latencyMs)} ms`);
        }
      } catch (err) {
        into.errors += 1;
        into.errorKinds.push((err as Error).message);
      }
    }
  };
  const loops = [loop(), loop()];
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

export const GET_PAUSE_MS = 250;

export async function forEachLimited<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
