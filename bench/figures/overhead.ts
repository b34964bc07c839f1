// Figure 1: orchestration overhead per VNFC. One change_vnfpkg over 50 VNFCs (zero-delay VIM,
// synchronous EM), started through the gateway's POST, against the engine floor measured on the
// same server in the same run: a workflow running the change's activities as no-ops, one after
// another, regular and local ones in the change's order. Rounds alternate change and floor
// (A/B/A/B) so machine noise hits both, and nothing else of the benchmark runs beside them.
import { execFileSync } from 'node:child_process';
import { Client } from '@temporalio/client';
import { completed, allRuns, changeRequest, floorPlan, planCounts, postChange, spanMs } from '../lib/ops.ts';
import { Stage, type BenchContext } from '../lib/parts.ts';
import type { FloorStep } from '../workflows/floor.ts';
import { median } from '../lib/stats.ts';

export const VNFCS = 50;
/** Change/floor pairs, A/B/A/B; the ratio is their median. */
const ROUNDS = { quick: 3, full: 5 };

export interface OverheadRound {
  /** Server-side span of the change, first event of the first run to the last of the last run. */
  changeMs: number;
  /** POST sent → result read by the client. */
  changeEndToEndMs: number;
  /** Regular activities scheduled. */
  activities: number;
  localActivities: number;
  /** The change's activities in order, 'A' regular, 'L' local: what the floor runs as no-ops. */
  plan: FloorStep[];
  events: number;
  runs: number;
  floorMs: number;
  floorCodecMs: number;
}

export interface OverheadResult {
  vnfcs: number;
  rounds: OverheadRound[];
  perVnfcMs: number;
  perVnfcEndToEndMs: number;
  floorPerVnfcMs: number;
  floorCodecPerVnfcMs: number;
  activitiesPerVnfc: number;
  localActivitiesPerVnfc: number;
  eventsPerVnfc: number;
  ratio: number;
  /** Lowest and highest change ÷ floor of the rounds. */
  ratioRange: [number, number];
  ratioToCodecFloor: number;
  pythonStartMs: number;
  pythonStartSamples: number;
}

export async function orchestrationOverhead(ctx: BenchContext): Promise<OverheadResult> {
  const stage = await Stage.start(ctx, { name: 'overhead', vimUpdateDelayMs: 0 });
  try {
    const em = await stage.startEm(); // default behaviour: synchronous CONTINUE (201)
    await stage.startWorker();
    const gateway = await stage.startGateway();
    const floorQueue = `${stage.taskQueue}-floor`;
    const floorCodecQueue = `${stage.taskQueue}-floor-codec`;
    await stage.startFloorWorker(floorQueue, false);
    if (!ctx.quick) await stage.startFloorWorker(floorCodecQueue, true);
    const plainClient = new Client({ connection: ctx.client.connection });

    const runChange = async (vnfcs: number) => {
      const [instance] = await stage.createInstances(1, { VDU1: vnfcs });
      const body = changeRequest({ vnfdId: stage.destination.vnfd.vnfdId, emUrl: em.url, vduIds: ['VDU1'] });
      const started = performance.now();
      const { opId } = await postChange(gateway.url, instance?.id ?? '', body);
      await completed(ctx.client, opId);
      const endToEnd = performance.now() - started;
      const runs = await allRuns(ctx.client, opId);
      const plan = floorPlan(runs);
      const { activities, localActivities } = planCounts(plan);
      return {
        changeMs: spanMs(runs), changeEndToEndMs: endToEnd, runs: runs.length, plan, activities, localActivities,
        events: runs.reduce((n, r) => n + r.length, 0),
      };
    };
    const runFloor = async (client: Client, taskQueue: string, plan: FloorStep[]) => {
      const workflowId = `floor-${taskQueue}-${Date.now()}`;
      await client.workflow.execute('engineFloor', { workflowId, taskQueue, args: [plan] });
      return spanMs(await allRuns(client, workflowId));
    };

    // Warm-up: connections, worker caches, JIT; not measured.
    const warm = await runChange(2);
    await runFloor(plainClient, floorQueue, warm.plan);
    if (!ctx.quick) await runFloor(ctx.client, floorCodecQueue, warm.plan);

    const rounds: OverheadRound[] = [];
    const count = ctx.quick ? ROUNDS.quick : ROUNDS.full;
    for (let i = 0; i < count; i++) {
      const change = await runChange(VNFCS);
      const floorMs = await runFloor(plainClient, floorQueue, change.plan);
      // The codec floor only in full mode: it tells how much of the change's time is encryption.
      const floorCodecMs = ctx.quick ? Number.NaN : await runFloor(ctx.client, floorCodecQueue, change.plan);
      rounds.push({ ...change, floorMs, floorCodecMs });
      ctx.log(`  round ${i + 1}: change ${(change.changeMs / VNFCS).toFixed(1)} ms/VNFC (${change.activities} activities + ${change.localActivities} local, ${change.runs} runs), floor ${(floorMs / VNFCS).toFixed(1)} ms/VNFC`);
    }

    const python = measurePythonStart(ctx.quick ? 5 : 15);
    const perVnfcMs = median(rounds.map((r) => r.changeMs)) / VNFCS;
    const floorPerVnfcMs = median(rounds.map((r) => r.floorMs)) / VNFCS;
    const floorCodecPerVnfcMs = median(rounds.map((r) => r.floorCodecMs)) / VNFCS;
    return {
      vnfcs: VNFCS,
      rounds,
      perVnfcMs,
      perVnfcEndToEndMs: median(rounds.map((r) => r.changeEndToEndMs)) / VNFCS,
      floorPerVnfcMs,
      floorCodecPerVnfcMs,
      activitiesPerVnfc: median(rounds.map((r) => r.activities)) / VNFCS,
      localActivitiesPerVnfc: median(rounds.map((r) => r.localActivities)) / VNFCS,
      eventsPerVnfc: median(rounds.map((r) => r.events)) / VNFCS,
      ratio: median(rounds.map((r) => r.changeMs / r.floorMs)),
      ratioRange: [Math.min(...rounds.map((r) => r.changeMs / r.floorMs)), Math.max(...rounds.map((r) => r.changeMs / r.floorMs))],
      ratioToCodecFloor: median(rounds.map((r) => r.changeMs / r.floorCodecMs)),
      pythonStartMs: python,
      pythonStartSamples: ctx.quick ? 5 : 15,
    };
  } finally {
    await stage.close();
  }
}

/** Median wall time of `python3 -c pass`: the cost of the subprocess Tacker starts per VNFC for the coordinate script. */
function measurePythonStart(samples: number): number {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    execFileSync('python3', ['-c', 'pass']);
    times.push(performance.now() - started);
  }
  return median(times);
}
