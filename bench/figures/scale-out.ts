// Figure 7: scale-out and a worker crash. Two production worker processes and two production
// gateway processes on one server; operations are POSTed through both gateways; when half the
// VNFC steps are done, one worker is killed with SIGKILL. Every operation must still complete.
// Throughput before and after the kill comes from the EM's clock of finished coordinations.
import type { Client } from '@temporalio/client';
import { changeRequest, completed, postChange, VNFLCM_HEADERS } from '../lib/ops.ts';
import { Stage, type BenchContext } from '../lib/parts.ts';
import { percentile } from '../lib/stats.ts';
import { freePort } from './gateway.ts';
import { coordinationFinishLog, forEachLimited } from './scale.ts';

export interface ScaleOutResult {
  operations: number;
  vnfcsPerOperation: number;
  completed: number;
  vnfcSteps: number;
  killedAtMs: number;
  stepsBeforeKill: number;
  stepsPerSecondBefore: number;
  stepsPerSecondAfter: number;
  /** The longest time without any VNFC step finishing after the kill. */
  longestGapAfterKillMs: number;
  /** Kill → last operation completed. */
  tailAfterKillMs: number;
  wallMs: number;
  postedPerGateway: [number, number];
  inventoryUpdated: number;
  operationP50Ms: number;
  operationMaxMs: number;
}

const API_TOKEN = 'bench-api-token-0123456789';

/** What a scale-out run drives: two gateways, two workers (one to kill), a client and an EM. */
export interface ScaleOutParts {
  gatewayUrls: [string, string];
  headers: Record<string, string>;
  /** SIGKILLs the first worker. */
  killWorker(): Promise<void>;
  client: Client;
  instances: { id: string }[];
  emUrl: string;
  /** When each coordination finished (the EM's log, see coordinationFinishLog). */
  finishedTimes: number[];
  destinationVnfdId: string;
  /** The VNFD each instance runs now, as the inventory records it. */
  vnfdIdOf(instanceId: string): Promise<string | undefined>;
  log(line: string): void;
}

export async function scaleOut(ctx: BenchContext, options: { operations: number; vnfcs: number; polls: number }): Promise<ScaleOutResult> {
  const stage = await Stage.start(ctx, { name: 'scale-out', vimUpdateDelayMs: 0, vimProcess: true });
  try {
    const finished = coordinationFinishLog();
    const em = await stage.startEm({ log: finished.log, behaviour: { default: { mode: 'async', retryAfter: 1, polls: options.polls } } });
    const instances = await stage.createInstances(options.operations, { VDU1: options.vnfcs });
    const workers = [stage.startWorkerProcess('w1'), stage.startWorkerProcess('w2')];
    await Promise.all(workers.map((w) => w.ready));
    const gatewayEnv = { GATEWAY_API_TOKENS: API_TOKEN };
    const gateways = [
      await stage.startGatewayProcess('a', await freePort(), gatewayEnv),
      await stage.startGatewayProcess('b', await freePort(), gatewayEnv),
    ];
    return await runScaleOut({
      gatewayUrls: [(gateways[0] as { url: string }).url, (gateways[1] as { url: string }).url],
      headers: { ...VNFLCM_HEADERS, 'X-Auth-Token': API_TOKEN },
      killWorker: () => (workers[0] as { kill(signal: NodeJS.Signals): Promise<void> }).kill('SIGKILL'),
      client: ctx.client,
      instances,
      emUrl: em.url,
      finishedTimes: finished.times,
      destinationVnfdId: stage.destination.vnfd.vnfdId,
      vnfdIdOf: async (id) => (await stage.inventory.instance(id))?.vnfdId,
      log: (line) => ctx.log(line),
    }, options);
  } finally {
    await stage.close();
  }
}

/**
 * POSTs one change per instance, alternately through the two gateways (16 at a time), kills
 * the first worker when half the VNFC steps are done, and follows every operation to its end.
 */
export async function runScaleOut(parts: ScaleOutParts, options: { operations: number; vnfcs: number }): Promise<ScaleOutResult> {
  const { instances, headers } = parts;
  const finished = { times: parts.finishedTimes };
  const body = changeRequest({ vnfdId: parts.destinationVnfdId, emUrl: parts.emUrl, vduIds: ['VDU1'] });
  const totalSteps = options.operations * options.vnfcs;

  const started = Date.now();
  const posted: [number, number] = [0, 0];
  const durations: number[] = [];
  const waits: Promise<void>[] = [];
  let index = 0;
  await forEachLimited(instances, 16, async (instance) => {
    const which = (index++ % 2) as 0 | 1;
    const post = await postChange(parts.gatewayUrls[which], instance.id, body, headers);
    posted[which] += 1;
    const postedAt = Date.now();
    waits.push(completed(parts.client, post.opId).then(() => void durations.push(Date.now() - postedAt)));
  });

  // Kill one worker when half the VNFC steps are done.
  while (finished.times.length < totalSteps / 2) await new Promise((r) => setTimeout(r, 100));
  const killedAt = Date.now();
  const stepsBeforeKill = finished.times.length;
  await parts.killWorker();
  parts.log(`  worker 1 killed (SIGKILL) after ${stepsBeforeKill} of ${totalSteps} VNFC steps, ${((killedAt - started) / 1000).toFixed(1)} s in`);

  const results = await Promise.allSettled(waits);
  const ended = Date.now();
  const failures = results.filter((r) => r.status === 'rejected');
  if (failures.length) parts.log(`  ${failures.length} operations did not complete: ${String((failures[0] as PromiseRejectedResult).reason)}`);
  const after = finished.times.filter((t) => t >= killedAt);
  let longestGap = 0;
  let previous = killedAt;
  for (const t of after) {
    longestGap = Math.max(longestGap, t - previous);
    previous = t;
  }
  const inventoryUpdated = (await Promise.all(instances.map((i) => parts.vnfdIdOf(i.id)))).filter((id) => id === parts.destinationVnfdId).length;
  return {
    operations: options.operations,
    vnfcsPerOperation: options.vnfcs,
    completed: results.length - failures.length,
    vnfcSteps: finished.times.length,
    killedAtMs: killedAt - started,
    stepsBeforeKill,
    stepsPerSecondBefore: stepsBeforeKill / ((killedAt - started) / 1000),
    stepsPerSecondAfter: after.length / ((ended - killedAt) / 1000),
    longestGapAfterKillMs: longestGap,
    tailAfterKillMs: ended - killedAt,
    wallMs: ended - started,
    postedPerGateway: posted,
    inventoryUpdated,
    operationP50Ms: percentile(durations, 50),
    operationMaxMs: percentile(durations, 100),
  };
}
