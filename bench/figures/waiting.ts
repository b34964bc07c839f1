// Figure 9: thousands of operations waiting at the EM on one worker. Each operation changes one
// VNFC; the EM answers its coordination 202 with Retry-After: 30 and a few more 202 polls before
// the 200, so every operation spends minutes waiting, all at the same time. One worker (the
// production entry as a subprocess) holds them all: its peak RSS, the lateness of every re-request
// after its Retry-After, and GET op occ sampled meanwhile.
import type { ReferenceEm } from '../../src/em/server.ts';
import { accountCpu, temporalServerPid, type CpuReport } from '../lib/cpu.ts';
import { changeRequest, completed, postChange } from '../lib/ops.ts';
import { Stage, type BenchContext } from '../lib/parts.ts';
import { max, percentile } from '../lib/stats.ts';
import { forEachLimited, sampleGetsOf, untilDoneOrCap, type GetSamples } from './scale.ts';
import { latenessOf } from './timer-precision.ts';

export interface WaitingResult {
  operations: number;
  polls: number;
  retryAfterS: number;
  completed: number;
  capped: boolean;
  capMs: number;
  setupMs: number;
  /** First POST → last POST answered. */
  admissionMs: number;
  postP50Ms: number;
  postP99Ms: number;
  /** First POST → last operation completed. */
  wallMs: number;
  /** The least an operation can take: (polls + 1) × Retry-After. */
  minimumOperationMs: number;
  operationP50Ms: number;
  operationMaxMs: number;
  /** Re-requests after a Retry-After: how late each came (EM arrival times). */
  lateness: { samples: number; p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number; early: number };
  emRequests: number;
  workerPeakRss: number;
  workerReadyRss: number;
  workerSampledPeakRss: number;
  getSamples: number;
  getP50Ms: number;
  getP99Ms: number;
  getErrors: number;
  getErrorKinds: string[];
  cpu: CpuReport;
}

export interface WaitingOptions {
  operations: number;
  polls: number;
  retryAfterS: number;
  capMs: number;
}

const POST_CONCURRENCY = 16;

export async function waitingOperations(ctx: BenchContext, options: WaitingOptions): Promise<WaitingResult> {
  const stage = await Stage.start(ctx, { name: 'waiting', vimUpdateDelayMs: 0, vimProcess: true });
  try {
    const em: ReferenceEm = await stage.startEm({ behaviour: { default: { mode: 'async', retryAfter: options.retryAfterS, polls: options.polls } } });
    const setupStarted = performance.now();
    const instances = await stage.createInstances(options.operations, { VDU1: 1 });
    const setupMs = performance.now() - setupStarted;
    const worker = stage.startWorkerProcess('waiting');
    await worker.ready;
    worker.sampleEvery(250);
    const gateway = await stage.startGateway();
    const body = changeRequest({ vnfdId: stage.destination.vnfd.vnfdId, emUrl: em.url, vduIds: ['VDU1'] });

    const cpu = accountCpu({ worker: worker.pid, temporal: temporalServerPid(), vim: stage.vim.pid });
    const started = performance.now();
    const opIds: string[] = [];
    const postLatencies: number[] = [];
    const durations: number[] = [];
    const waits: Promise<void>[] = [];
    const gets: GetSamples = { latencies: [], errors: 0, errorKinds: [] };
    const sampler = sampleGetsOf(gateway.url, opIds, gets);
    await forEachLimited(instances, POST_CONCURRENCY, async (instance) => {
      const post = await postChange(gateway.url, instance.id, body);
      postLatencies.push(post.latencyMs);
      opIds.push(post.opId);
      const postedAt = Date.now();
      waits.push(completed(ctx.client, post.opId).then(
        () => void durations.push(Date.now() - postedAt),
        (err: unknown) => ctx.log(`  operation ${post.opId} failed: ${String(err)}`),
      ));
    });
    const admissionMs = performance.now() - started;
    ctx.log(`  ${opIds.length} operations admitted in ${(admissionMs / 1000).toFixed(1)} s`);
    const capped = await untilDoneOrCap(Promise.all(waits), options.capMs);
    const wallMs = performance.now() - started;
    const cpuReport = cpu.stop();
    await sampler.stop();
    if (capped) ctx.log(`  stopped waiting after ${options.capMs / 60000} min: ${durations.length} of ${options.operations} completed`);
    const lateness = latenessOf(em, options.retryAfterS);
    const memory = worker.memory();
    return {
      operations: options.operations,
      polls: options.polls,
      retryAfterS: options.retryAfterS,
      completed: durations.length,
      capped,
      capMs: options.capMs,
      setupMs,
      admissionMs,
      postP50Ms: percentile(postLatencies, 50),
      postP99Ms: percentile(postLatencies, 99),
      wallMs,
      minimumOperationMs: (options.polls + 1) * options.retryAfterS * 1000,
      operationP50Ms: percentile(durations, 50),
      operationMaxMs: percentile(durations, 100),
      lateness: {
        samples: lateness.length,
        p50Ms: percentile(lateness, 50),
        p90Ms: percentile(lateness, 90),
        p99Ms: percentile(lateness, 99),
        maxMs: max(lateness),
        early: lateness.filter((l) => l < 0).length,
      },
      emRequests: em.requests.entries().length,
      workerPeakRss: memory.hwm,
      workerReadyRss: worker.readyHwm,
      workerSampledPeakRss: worker.peakSampledRss,
      getSamples: gets.latencies.length,
      getP50Ms: percentile(gets.latencies, 50),
      getP99Ms: percentile(gets.latencies, 99),
      getErrors: gets.errors,
      getErrorKinds: gets.errorKinds,
      cpu: cpuReport,
    };
  } finally {
    await stage.close();
  }
}
