// Figure 3: waiting at scale. Many concurrent change operations, each over several VNFCs, all
// coordinated asynchronously (Retry-After: 1, a few 202 polls per VNFC), on one worker: the
// production entry as a subprocess, its peak RSS read from /proc. The gateway's GET op occ is
// sampled during the run. Every operation must complete.
import { FileInventoryStore } from '../../src/inventory/store.ts';
import { changeRequest, completed, getOpOcc, postChange } from '../lib/ops.ts';
import { Stage, type BenchContext } from '../lib/parts.ts';
import { accountCpu, temporalServerPid, type CpuReport } from '../lib/cpu.ts';
import { percentile } from '../lib/stats.ts';

export interface ScaleResult {
  operations: number;
  vnfcsPerOperation: number;
  polls: number;
  retryAfterS: number;
  completed: number;
  /** The cap ended the wait before every operation completed. */
  capped: boolean;
  capMs: number;
  setupMs: number;
  postP50Ms: number;
  postP99Ms: number;
  /** First POST → last operation completed. */
  wallMs: number;
  /** The least an operation can take: every VNFC waits (polls + 1) × Retry-After. */
  minimumOperationMs: number;
  operationP50Ms: number;
  operationMaxMs: number;
  vnfcSteps: number;
  stepsPerSecond: number;
  workerPeakRss: number;
  workerReadyRss: number;
  workerSampledPeakRss: number;
  getSamples: number;
  getP50Ms: number;
  getP99Ms: number;
  getErrors: number;
  /** Status (or client error) of each failed GET. */
  getErrorKinds: string[];
  /** Instances whose inventory record shows the destination package afterwards. */
  inventoryUpdated: number;
  cpu: CpuReport;
}

export interface ScaleOptions {
  operations: number;
  vnfcs: number;
  polls: number;
  /** Stop waiting after this long (the run must end); the result then says how many completed. */
  capMs: number;
}

const RETRY_AFTER_S = 1;
const POST_CONCURRENCY = 16;

export async function waitingAtScale(ctx: BenchContext, options: ScaleOptions): Promise<ScaleResult> {
  const stage = await Stage.start(ctx, { name: 'scale', vimUpdateDelayMs: 0, vimProcess: true });
  try {
    const setupStarted = performance.now();
    const finished = coordinationFinishLog();
    const em = await stage.startEm({ log: finished.log, behaviour: { default: { mode: 'async', retryAfter: RETRY_AFTER_S, polls: options.polls } } });
    const instances = await stage.createInstances(options.operations, { VDU1: options.vnfcs });
    const setupMs = performance.now() - setupStarted;
    ctx.log(`  ${options.operations} instances of ${options.vnfcs} VNFCs set up in ${(setupMs / 1000).toFixed(1)} s`);
    const worker = stage.startWorkerProcess('scale');
    await worker.ready;
    worker.sampleEvery(250);
    const gateway = await stage.startGateway();
    const body = changeRequest({ vnfdId: stage.destination.vnfd.vnfdId, emUrl: em.url, vduIds: ['VDU1'] });

    const cpu = accountCpu({ worker: worker.pid, temporal: temporalServerPid(), vim: stage.vim.pid });
    const started = performance.now();
    const opIds: string[] = [];
    const postLatencies: number[] = [];
    const finishedAt = new Map<string, number>();
    const failed: string[] = [];
    const waits: Promise<void>[] = [];
    const sampler = sampleGets(gateway.url, opIds);
    await forEachLimited(instances, POST_CONCURRENCY, async (instance) => {
      const post = await postChange(gateway.url, instance.id, body);
      postLatencies.push(post.latencyMs);
      opIds.push(post.opId);
      const postedAt = Date.now();
      waits.push(completed(ctx.client, post.opId).then(
        () => void finishedAt.set(post.opId, Date.now() - postedAt),
        (err: unknown) => void failed.push(String(err)),
      ));
    });
    ctx.log(`  ${opIds.length} operations started in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    let cap: NodeJS.Timeout | undefined;
    const capped = await Promise.race([
      Promise.all(waits).then(() => false),
      new Promise<boolean>((resolve) => (cap = setTimeout(() => resolve(true), options.capMs))),
    ]);
    clearTimeout(cap);
    const wallMs = performance.now() - started;
    const cpuReport = cpu.stop();
    const gets = await sampler.stop();
    const memory = worker.memory();
    if (failed.length) ctx.log(`  ${failed.length} operations failed: ${failed[0]}`);
    if (capped) ctx.log(`  stopped waiting after ${options.capMs / 60000} min: ${finishedAt.size} of ${options.operations} completed`);
    const durations = [...finishedAt.values()];
    const destination = stage.destination.vnfd.vnfdId;
    const after = new FileInventoryStore(stage.inventory.file);
    const inventoryUpdated = (await Promise.all(instances.map(async (i) => (await after.instance(i.id))?.vnfdId))).filter((id) => id === destination).length;
    return {
      operations: options.operations,
      vnfcsPerOperation: options.vnfcs,
      polls: options.polls,
      retryAfterS: RETRY_AFTER_S,
      completed: finishedAt.size,
      capped,
      capMs: options.capMs,
      setupMs,
      postP50Ms: percentile(postLatencies, 50),
      postP99Ms: percentile(postLatencies, 99),
      wallMs,
      minimumOperationMs: options.vnfcs * (options.polls + 1) * RETRY_AFTER_S * 1000,
      operationP50Ms: percentile(durations, 50),
      operationMaxMs: percentile(durations, 100),
      vnfcSteps: finished.times.length,
      stepsPerSecond: finished.times.length / (wallMs / 1000),
      workerPeakRss: memory.hwm,
      workerReadyRss: worker.readyHwm,
      workerSampledPeakRss: worker.peakSampledRss,
      getSamples: gets.latencies.length,
      getP50Ms: percentile(gets.latencies, 50),
      getP99Ms: percentile(gets.latencies, 99),
      getErrors: gets.errors,
      getErrorKinds: gets.errorKinds,
      inventoryUpdated,
      cpu: cpuReport,
    };
  } finally {
    await stage.close();
  }
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

/**
 * GETs a random started operation, two loops with a 250 ms pause after each answer, until
 * stopped; latency of each. A sample of what a client sees, not load: figure 6 is the load test.
 */
function sampleGets(gatewayUrl: string, opIds: string[]): { stop(): Promise<{ latencies: number[]; errors: number; errorKinds: string[] }> } {
  const latencies: number[] = [];
  let errors = 0;
  /** What each failed GET was: its HTTP status or the client's error. */
  const errorKinds: string[] = [];
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      await new Promise((r) => setTimeout(r, GET_PAUSE_MS));
      const id = opIds[Math.floor(Math.random() * opIds.length)];
      if (!id) continue;
      try {
        const res = await getOpOcc(gatewayUrl, id);
        if (res.status === 200) {
          latencies.push(res.latencyMs);
        } else {
          errors += 1;
          errorKinds.push(`HTTP ${res.status} after ${Math.round(res.latencyMs)} ms`);
        }
      } catch (err) {
        errors += 1;
        errorKinds.push((err as Error).message);
      }
    }
  };
  const loops = [loop(), loop()];
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { latencies, errors, errorKinds };
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
