// `npm run bench:cluster [-- --quick]`: figure 7 (scale-out, a worker SIGKILLed mid-run) on the
// cluster shape (src/cluster/topology.ts: the real Temporal server's four services on
// PostgreSQL behind mutual TLS, two gateways and two workers with their own data folders on the
// PostgreSQL stores), with the same sizes and the same code as figure 7 on the dev server
// (bench/figures/scale-out.ts). Writes its section into BENCHMARKS.md, beside figure 7 as the
// last `npm run bench` measured it; `npm run bench` keeps that section when it rewrites the file.
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Cluster, temporalPortsFrom } from '../src/cluster/topology.ts';
import { loadConfig } from '../src/config.ts';
import { startReferenceEm } from '../src/em/server.ts';
import { ensureSampleInstance } from '../src/inventory/sample.ts';
import type { VnfPackageRecord } from '../src/inventory/store.ts';
import { onboardSamplePackagesAsCsar } from '../src/packages/onboard-samples.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { openStores } from '../src/stores.ts';
import { clusterSection, SECTION_END, SECTION_START, withClusterSection } from './lib/cluster-section.ts';
import { VNFLCM_HEADERS } from './lib/ops.ts';
import { installQuietRuntime } from './lib/parts.ts';
import { productionDataConverter } from './lib/production.ts';
import { runScaleOut, type ScaleOutResult } from './figures/scale-out.ts';
import { coordinationFinishLog } from './figures/scale.ts';

const quick = process.argv.includes('--quick');
const SIZES = quick ? { operations: 10, vnfcs: 5, polls: 3 } : { operations: 40, vnfcs: 10, polls: 3 };
/** Away from `npm run cluster`'s and `npm start`'s ports. */
const BASE = 17_233;

async function main(): Promise<void> {
  installQuietRuntime();
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-bench-cluster-'));
  const logFile = join(dir, 'cluster.log');
  const cluster = new Cluster({
    dir,
    ports: {
      postgres: BASE + 100, temporal: temporalPortsFrom(BASE), ui: BASE + 101, codec: BASE + 102, em: BASE + 103, vim: BASE + 104,
      gateways: [BASE + 105, BASE + 106],
    },
    historyShards: 4, namespace: 'default', taskQueue: 'vnflcm', ui: false,
    vimEnv: { VIM_UPDATE_DELAY_MS: '0' },
    log: (part, line) => appendFileSync(logFile, `[${part}] ${line}\n`),
  });
  const began = Date.now();
  console.log(`figure 7 on the cluster (${quick ? 'quick' : 'full'}: ${SIZES.operations} operations × ${SIZES.vnfcs} VNFCs); log in ${logFile}`);
  try {
    await cluster.start();
    const startedInMs = Date.now() - began;
    console.log(`  cluster up in ${(startedInMs / 1000).toFixed(1)} s`);
    // The instances are written as the benchmark on the dev server writes them: straight into the
    // (shared) inventory, with their stacks on the VIM simulator.
    const stores = await openStores({ DATA_DIR: cluster.dataDir('bench'), VNFM_DATABASE_URL: cluster.databaseUrl, VNFM_DATABASE_POOL_SIZE: 4 });
    const [source, destination] = await onboardSamplePackagesAsCsar(stores.inventory, stores.packages) as [VnfPackageRecord, VnfPackageRecord];
    const instances = [];
    for (let i = 0; i < SIZES.operations; i++) {
      instances.push(await ensureSampleInstance(stores.inventory, cluster.vimUrl, source, { instanceId: randomUUID(), layout: { VDU1: SIZES.vnfcs } }));
    }
    const finished = coordinationFinishLog();
    const em = await startReferenceEm({ port: 0, log: finished.log, auth: { methods: ['BASIC'] }, behaviour: { default: { mode: 'async', retryAfter: 1, polls: SIZES.polls } } });
    const connection = await Connection.connect(cluster.temporalConnection());
    const client = new Client({ connection, dataConverter: productionDataConverter(loadConfig({ VNFM_CODEC_KEYS: cluster.secrets.codecKeys })) });
    const result = await runScaleOut({
      gatewayUrls: [cluster.gatewayUrl(0), cluster.gatewayUrl(1)],
      headers: { ...VNFLCM_HEADERS, 'X-Auth-Token': cluster.secrets.apiToken },
      killWorker: () => cluster.workers[0]!.kill(),
      client, instances, emUrl: em.url, finishedTimes: finished.times,
      destinationVnfdId: destination.vnfd.vnfdId,
      vnfdIdOf: async (id) => (await stores.inventory.instance(id))?.vnfdId,
      log: (line) => console.log(line),
    }, SIZES);
    await connection.close();
    await em.close();
    await stores.close();
    const section = render(result, startedInMs);
    console.log(section);
    if (!quick) writeSection(section);
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The dev server's figure 7 as BENCHMARKS.md has it now: its table's values by row label. */
function devServerFigure(): Map<string, string> {
  let text = '';
  try {
    text = readFileSync(join(PROJECT_ROOT, 'BENCHMARKS.md'), 'utf8');
  } catch {
    return new Map();
  }
  const start = text.indexOf('## 7. Scale-out');
  const table = start < 0 ? '' : text.slice(start, text.indexOf('\n## ', start + 1));
  return new Map([...table.matchAll(/^\| ([^|]+) \| ([^|]+) \|$/gm)].map((m) => [m[1]!.trim(), m[2]!.trim()]));
}

function render(so: ScaleOutResult, startedInMs: number): string {
  const dev = devServerFigure();
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const row = (label: string, cluster: string) => `| ${label} | ${dev.get(label) ?? '—'} | ${cluster} |`;
  return [
    SECTION_START,
    '## 7b. Scale-out on the cluster, compared with the dev server',
    '',
    `\`npm run bench:cluster\` on ${cpus().length} CPUs, ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC: the same run as figure 7 (${so.operations} operations × ${so.vnfcsPerOperation} VNFCs, async EM, Retry-After 1, 3 polls per VNFC, POSTed alternately through two gateways, worker 1 SIGKILLed when half the VNFC steps had finished), on the cluster shape of \`npm run cluster\`: the Temporal server v1.32.2 as four processes (frontend, history, matching, worker; 4 history shards) on PostgreSQL 15, mutual TLS between every client and the frontend, gateways and workers each with their own data folder and the VNFM's records (inventory, packages) in PostgreSQL. Both on this one 2-core machine: the cluster's extra processes share the same cores. The cluster was up in ${s(startedInMs)}.`,
    '',
    '| | dev server (figure 7 above) | cluster |',
    '|---|---|---|',
    row('operations completed', `**${so.completed} / ${so.operations}**`),
    row('VNFC steps', String(so.vnfcSteps)),
    row('throughput before the kill (2 workers)', `**${so.stepsPerSecondBefore.toFixed(2)} steps/s**`),
    row('throughput after the kill (1 worker)', `**${so.stepsPerSecondAfter.toFixed(2)} steps/s**`),
    row('longest time without a finished step after the kill', s(so.longestGapAfterKillMs)),
    row('kill → last operation completed', s(so.tailAfterKillMs)),
    row('operation time p50 / max', `${s(so.operationP50Ms)} / ${s(so.operationMaxMs)}`),
    row('inventory shows the destination package', `${so.inventoryUpdated} / ${so.operations} instances`),
    row('wall time', s(so.wallMs)),
    '',
    ...(so.vnfcSteps > so.operations * so.vnfcsPerOperation
      ? [`VNFC steps counts the GETs the EM answered 200 (a finished coordination). ${so.vnfcSteps - so.operations * so.vnfcsPerOperation} above ${so.operations * so.vnfcsPerOperation}: a poll made in a workflow task of the killed worker, whose answer never reached history, made again by the surviving worker. A read, not a second coordination: no VNFC is POSTed again after its result (test/cluster/faults.test.ts checks that).`, '']
      : []),
    'The cluster runs at about half the dev server\'s pace here: every part of it (four Temporal services, PostgreSQL with its fsyncs, two gateways, two workers, the VIM simulator) shares the same two cores, where the dev server is one process on SQLite. What it buys is not speed on one machine but parts that fail and restart alone, and gateways and workers that can move to other hosts (RELIABILITY.md has the cluster\'s fault figures).',
    '',
    SECTION_END,
  ].join('\n');
}

/** Replaces the section in BENCHMARKS.md, or puts it right after figure 7. */
function writeSection(section: string): void {
  const file = join(PROJECT_ROOT, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  // Only the first report's figure 7 (the full run), not the quick run's in the appendix.
  const own = clusterSection(text);
  writeFileSync(file, own ? text.replace(own, section) : withClusterSection(text, section));
  console.log(`${file}: figure 7 on the cluster written`);
}

main().catch((err: unknown) => {
  console.error(`bench:cluster failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
