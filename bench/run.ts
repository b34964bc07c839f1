// `npm run bench` (full) and `npm run bench -- --quick`: starts its own Temporal dev servers and every part of the system, measures the
// nine figures, and writes BENCHMARKS.md (or `--out=FILE`). `--only=1,3` runs some figures and
// prints the report instead of writing it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { temporalCliPath } from '../src/temporal-cli.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { emRequestCounts } from './figures/em-requests.ts';
import { gatewayLoad } from './figures/gateway.ts';
import { historyGrowth } from './figures/history.ts';
import { orchestrationOverhead } from './figures/overhead.ts';
import { scaleOut } from './figures/scale-out.ts';
import { waitingAtScale } from './figures/scale.ts';
import { waitingOperations } from './figures/waiting.ts';
import { timerPrecision } from './figures/timer-precision.ts';
import { uploadBombs } from './figures/upload-bombs.ts';
import { bundleAll, createContext, installQuietRuntime } from './lib/parts.ts';
import { startTemporal, type BenchServer } from './lib/temporal.ts';
import { clusterSection, withClusterSection } from './lib/cluster-section.ts';
import { renderReport, type MachineInfo, type RunResults } from './report.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='));
/** `--out=FILE` writes the report elsewhere (default BENCHMARKS.md in the project). */
const outArg = args.find((a) => a.startsWith('--out='));
const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',').map(Number)) : undefined;
const want = (figure: number): boolean => !only || only.has(figure);
/**
 * `--scale=OPERATIONSxVNFCS[xROUNDS]` and `--waiting=OPERATIONS` resize figures 3 and 9 (while
 * working on them, or to trade figure 3's change/floor rounds for time; the report says the sizes).
 */
const sizeArg = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
function scaleOverrides(): { operations?: number; vnfcs?: number; rounds?: number } {
  const [operations, vnfcs, rounds] = (sizeArg('scale') ?? '').split('x').map(Number);
  return { ...(operations ? { operations } : {}), ...(vnfcs ? { vnfcs } : {}), ...(rounds ? { rounds } : {}) };
}
function waitingOverrides(): { operations?: number } {
  const operations = Number(sizeArg('waiting'));
  return operations ? { operations } : {};
}

/** Sizes per mode; the full sizes are the specification's. */
const SIZES = quick
  ? {
    timers: { operations: 10, vnfcs: 2, polls: 5 },
    scale: { operations: 30, vnfcs: 3, polls: 3, rounds: 2, capMs: 8 * 60_000 },
    waiting: { operations: 200, polls: 1, retryAfterS: 10, capMs: 8 * 60_000 },
    history: { cases: [{ label: '1 min', polls: 60 }, { label: '3 min', polls: 180 }, { label: '1 h', polls: 3_600 }, { label: '24 h', polls: 86_400 }], maxMeasuredPolls: 180 },
    scaleOut: { operations: 10, vnfcs: 5, polls: 3 },
  }
  : {
    timers: { operations: 20, vnfcs: 3, polls: 5 },
    scale: { operations: 500, vnfcs: 10, polls: 3, rounds: 2, capMs: 20 * 60_000 },
    waiting: { operations: 2_000, polls: 3, retryAfterS: 30, capMs: 15 * 60_000 },
    history: { cases: [{ label: '1 min', polls: 60 }, { label: '1 h', polls: 3_600 }, { label: '24 h', polls: 86_400 }], maxMeasuredPolls: 3_600 },
    scaleOut: { operations: 40, vnfcs: 10, polls: 3 },
  };

const servers: BenchServer[] = [];
const log = (line: string): void => console.log(line);
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;

async function main(): Promise<void> {
  const machine = machineInfo();
  const dataDir = mkdtempSync(join(tmpdir(), 'vnfm-bench-'));
  installQuietRuntime();
  log(`durable-vnfm benchmark, ${quick ? 'quick' : 'full'} mode; ${machine.cpuModel}, ${machine.nproc} CPUs, load ${machine.loadStart.map((l) => l.toFixed(2)).join(' ')}`);

  const mainServer = await startTemporal(dataDir, 'main', { 'history.timerProcessorMaxTimeShift': '"10ms"' }, false);
  servers.push(mainServer);
  const bundles = await bundleAll();
  const ctx = await createContext(mainServer.address, bundles, quick, log);
  const results: RunResults = {
    machine, servers: [{ label: 'main server', args: mainServer.args, usedBy: 'figures 1, 3, 4, 5, 6, 7, 8, 9 and the comparison row of 2' }],
    wallMs: 0, phases: [], errors: [],
  };

  const phase = async <T>(figure: string, run: () => Promise<T>): Promise<T | undefined> => {
    const at = performance.now();
    log(`[${elapsed()}] ${figure} …`);
    try {
      return await run();
    } catch (err) {
      log(`  ${figure} failed: ${(err as Error).stack ?? String(err)}`);
      results.errors.push({ figure, message: (err as Error).message });
      return undefined;
    } finally {
      results.phases.push({ label: figure, wallMs: performance.now() - at });
    }
  };

  if (want(2)) {
    await phase('figure 2 (timer precision)', async () => {
      const deployed = await startTemporal(dataDir, 'as-deployed', {}, false);
      servers.push(deployed);
      results.servers.push({ label: 'as-deployed server', args: deployed.args, usedBy: 'figure 2: the dynamic config of `npm start`' });
      const deployedCtx = await createContext(deployed.address, bundles, quick, log);
      try {
        const result = await timerPrecision(deployedCtx, SIZES.timers);
        results.timers = [{ label: 'dynamic config of `npm start` (as deployed)', result }];
      } finally {
        await deployedCtx.client.connection.close();
        await deployed.teardown();
        servers.splice(servers.indexOf(deployed), 1);
      }
      if (!quick) results.timers.push({ label: 'timerProcessorMaxTimeShift 10 ms (main server)', result: await timerPrecision(ctx, SIZES.timers) });
    });
  }
  // Ratios to the engine floor (figures 1 and 3) are measured with nothing else of the benchmark
  // beside them. Figure 4 is one long sequential poll loop whose results are event counts, which
  // load does not change: it runs beside figures 5, 6, 8 and 7, after figure 2 (timer lateness is
  // what load changes most).
  if (want(1)) results.overhead = await phase('figure 1 (orchestration overhead), alone', () => orchestrationOverhead(ctx));
  const history = want(4) ? phase('figure 4 (history), beside figures 5, 6, 8, 7', () => historyGrowth(ctx, SIZES.history)) : undefined;
  if (want(5)) results.em = await phase('figure 5 (EM requests)', () => emRequestCounts(ctx));
  if (want(6)) results.gateway = await phase('figure 6 (gateway under load)', () => gatewayLoad(ctx));
  if (want(8)) results.uploadBombs = await phase('figure 8 (API during hostile uploads)', () => uploadBombs(ctx));
  if (want(7)) results.scaleOut = await phase('figure 7 (scale-out, worker killed)', () => scaleOut(ctx, SIZES.scaleOut));
  if (history) results.history = await history;
  if (want(3)) results.scale = await phase('figure 3 (waiting at scale, against the engine floor), alone', () => waitingAtScale(ctx, { ...SIZES.scale, ...scaleOverrides() }));
  if (want(9)) results.waiting = await phase('figure 9 (thousands of operations waiting), alone', () => waitingOperations(ctx, { ...SIZES.waiting, ...waitingOverrides() }));

  await ctx.client.connection.close();
  await shutdown();
  rmSync(dataDir, { recursive: true, force: true });
  results.wallMs = performance.now() - started;
  results.machine.loadEnd = loadavg();
  const report = renderReport(results);
  if (only) {
    console.log(report);
  } else {
    const out = outArg ? outArg.slice('--out='.length) : join(PROJECT_ROOT, 'BENCHMARKS.md');
    // Figure 7 on the cluster comes from `npm run bench:cluster`: kept as the file had it.
    const kept = (() => {
      try {
        return clusterSection(readFileSync(out, 'utf8'));
      } catch {
        return undefined;
      }
    })();
    writeFileSync(out, withClusterSection(report, kept));
    log(`${out} written; the run took ${(results.wallMs / 60000).toFixed(1)} min`);
  }
}

function machineInfo(): MachineInfo {
  const run = (command: string, commandArgs: string[]): string => {
    try {
      return execFileSync(command, commandArgs, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  const sdk = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules/@temporalio/worker/package.json'), 'utf8')) as { version: string };
  const dirty = run('git', ['status', '--porcelain', '--', 'src', 'bench']).split('\n').filter(Boolean).length;
  const viaNpm = process.env.npm_lifecycle_event === 'bench';
  return {
    date: new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
    command: viaNpm ? `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}` : `node --import tsx bench/run.ts ${args.join(' ')}`.trim(),
    mode: quick ? 'quick' : 'full',
    nproc: run('nproc', []),
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    temporal: run(temporalCliPath(), ['--version']),
    sdk: sdk.version,
    commit: `${run('git', ['rev-parse', '--short', 'HEAD'])}${dirty ? ` + ${dirty} uncommitted file(s) in src/ and bench/` : ''}`,
    loadStart: loadavg(),
    loadEnd: [],
  };
}

async function shutdown(): Promise<void> {
  await Promise.all(servers.splice(0).map((s) => s.teardown().catch(() => undefined)));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the benchmark's servers`);
    void shutdown().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(err);
    await shutdown();
    process.exit(1);
  },
);

