// The parts of one benchmark stage, built from the project's own modules: VIM simulator,
// reference EM, inventory with the sample packages, worker (in-process or the production entry
// as a subprocess) and gateway. Each figure builds a fresh stage on the shared dev server, so
// the VIM and inventory of one figure never slow the next.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import {
  bundleWorkflowCode, makeTelemetryFilterString, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { loadConfig, type Env } from '../../src/config.ts';
import { startReferenceEm, type ReferenceEm, type ReferenceEmOptions } from '../../src/em/server.ts';
import { createGatewayApp, type GatewayDependencies } from '../../src/gateway/app.ts';
import { listenThenBuild } from '../../src/http/listen.ts';
import { NEVER_REACHED } from '../../src/outbound/egress.ts';
import { inventoryFile } from '../../src/inventory/location.ts';
import { ensureSampleInstance } from '../../src/inventory/sample.ts';
import { onboardSamplePackagesAsCsar } from '../../src/packages/onboard-samples.ts';
import { FilePackageRepository } from '../../src/packages/repository.ts';
import { FileInventoryStore, type VnfInstanceRecord, type VnfPackageRecord } from '../../src/inventory/store.ts';
import { PROJECT_ROOT } from '../../src/project-root.ts';
import { startVimSimulator } from '../../src/vim-simulator/server.ts';
import type { ChangeVnfPkgTuning } from '../../src/lcm/change-vnfpkg-input.ts';
import { createAdmissionWorker, createWorker } from '../../src/worker.ts';
import { loadWorkflowBundle } from '../../src/workflow-bundle.ts';
import { workerNodeArgs } from '../../src/worker-heap.ts';
import { productionDataConverter } from './production.ts';

export const FLOOR_WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/floor.ts', import.meta.url));
const FLOOR_WORKER_ENTRY = fileURLToPath(new URL('../workflows/floor-worker.ts', import.meta.url));

const quietLogger = {
  log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined,
  warn: (m: string) => console.warn(`  [sdk] ${m}`), error: (m: string) => console.error(`  [sdk] ${m}`),
};

let runtimeInstalled = false;
/** Core SDK logs errors only; once per process. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: quietLogger, telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
}

export interface Bundles {
  /** The VNFM's bundle as `npm run build` made it (what a production worker loads). */
  vnfm: { code: string };
  floor: WorkflowBundleWithSourceMap;
}

export async function bundleAll(): Promise<Bundles> {
  const vnfm = loadWorkflowBundle();
  const floor = await bundleWorkflowCode({ workflowsPath: FLOOR_WORKFLOWS_PATH, logger: quietLogger });
  return { vnfm, floor };
}

/** Shared by every stage: the server, the workflow bundles, one payload key, one client. */
export interface BenchContext {
  temporalAddress: string;
  bundles: Bundles;
  /** VNFM_CODEC_KEYS for every process of the run (the production entries refuse to start without a key). */
  codecKeys: string;
  dataConverter: DataConverter;
  client: Client;
  quick: boolean;
  log(line: string): void;
}

export async function createContext(temporalAddress: string, bundles: Bundles, quick: boolean, log: (line: string) => void): Promise<BenchContext> {
  const codecKeys = `bench:${randomBytes(32).toString('base64')}`;
  const probe = loadConfig({ TEMPORAL_ADDRESS: temporalAddress, VNFM_CODEC_KEYS: codecKeys });
  const dataConverter = productionDataConverter(probe);
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, dataConverter });
  return { temporalAddress, bundles, codecKeys, dataConverter, client, quick, log };
}

export interface VimHandle {
  url: string;
  authUrl: string;
  /** The simulator's own process, when it runs in one. */
  pid?: number;
  close(): Promise<void>;
}

export interface StageOptions {
  name: string;
  /** How long a Heat update stays UPDATE_IN_PROGRESS; 0 = completes at once. */
  vimUpdateDelayMs: number;
  /** Run the VIM simulator as its own process (the big figures), so its CPU is not the harness's. */
  vimProcess?: boolean;
}

/** One figure's world: data folder, VIM, inventory with the sample packages, task queue. */
export class Stage {
  readonly taskQueue: string;
  readonly inventory: FileInventoryStore;
  readonly packages: VnfPackageRecord[];
  private readonly closers: (() => Promise<unknown>)[] = [];

  private constructor(
    readonly ctx: BenchContext,
    readonly dataDir: string,
    readonly vim: VimHandle,
    name: string,
    inventory: FileInventoryStore,
    packages: VnfPackageRecord[],
  ) {
    this.taskQueue = `bench-${name}-${Date.now()}`;
    this.inventory = inventory;
    this.packages = packages;
    this.closers.push(() => vim.close());
  }

  static async start(ctx: BenchContext, options: StageOptions): Promise<Stage> {
    const dataDir = mkdtempSync(join(tmpdir(), `vnfm-bench-${options.name}-`));
    const vim = options.vimProcess
      ? await startVimProcess(dataDir, options.vimUpdateDelayMs)
      : await startVimInProcess(dataDir, options.vimUpdateDelayMs);
    // The samples are onboarded as CSARs, through the same code path as the API and npm start.
    const inventory = new FileInventoryStore(inventoryFile({ DATA_DIR: dataDir }));
    const packages = await onboardSamplePackagesAsCsar(inventory, new FilePackageRepository(join(dataDir, 'packages')));
    return new Stage(ctx, dataDir, vim, options.name, inventory, packages);
  }

  get source(): VnfPackageRecord {
    return this.packages[0] as VnfPackageRecord;
  }

  get destination(): VnfPackageRecord {
    return this.packages[1] as VnfPackageRecord;
  }

  /** The configuration a production process of this stage reads from its environment. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      TEMPORAL_ADDRESS: this.ctx.temporalAddress,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      DATA_DIR: this.dataDir,
      VIM_AUTH_URL: this.vim.authUrl,
      VNFM_CODEC_KEYS: this.ctx.codecKeys,
      // The stage's EM and subscribers listen on loopback, which a deployment's egress policy denies.
      VNFM_EGRESS_DENY: NEVER_REACHED.join(','),
      ...extra,
    };
  }

  config(extra: Record<string, string> = {}): Env {
    return loadConfig(this.env(extra));
  }

  /** VNF instances of the source package on the VIM, `layout` VNFCs per VDU each. */
  async createInstances(count: number, layout: Record<string, number>): Promise<VnfInstanceRecord[]> {
    const instances: VnfInstanceRecord[] = [];
    for (let i = 0; i < count; i++) {
      instances.push(await ensureSampleInstance(this.inventory, this.vim.url, this.source, { instanceId: randomUUID(), layout }));
    }
    return instances;
  }

  async startEm(options: ReferenceEmOptions = {}): Promise<ReferenceEm> {
    const em = await startReferenceEm({ port: 0, log: () => undefined, auth: { methods: ['BASIC'] }, ...options });
    this.closers.push(() => em.close());
    return em;
  }

  /**
   * The production workers (src/worker.ts createWorker, and createAdmissionWorker for the instance
   * entities) in this process, on the pre-built bundle.
   */
  async startWorker(): Promise<Worker> {
    const code = { workflowsPath: undefined, workflowBundle: this.ctx.bundles.vnfm };
    const workers = [await createWorker(this.config(), code), await createAdmissionWorker(this.config(), code)];
    const running = Promise.all(workers.map((w) => w.run()));
    this.closers.push(async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    });
    return workers[0] as Worker;
  }

  /** The floor workflow's worker: one no-op activity, the plain or the project's data converter. */
  async startFloorWorker(taskQueue: string, withCodec: boolean): Promise<Worker> {
    const worker = await Worker.create({
      connection: await NativeConnection.connect({ address: this.ctx.temporalAddress }),
      taskQueue,
      workflowBundle: this.ctx.bundles.floor,
      activities: { noop: () => Promise.resolve() },
      ...(withCodec ? { dataConverter: this.ctx.dataConverter } : {}),
    });
    const running = worker.run();
    this.closers.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    return worker;
  }

  /** `node --import tsx src/worker.ts`, configured through its environment as in production. */
  startWorkerProcess(label: string): WorkerProcess {
    const proc = new WorkerProcess(label, this.env());
    this.closers.push(() => proc.stop());
    return proc;
  }

  /**
   * The engine floor's worker (bench/workflows/floor-worker.ts) as its own process, with the
   * production worker's cache size and heap bound, polling `taskQueue`.
   */
  startFloorWorkerProcess(label: string, taskQueue: string): WorkerProcess {
    const bundleFile = join(this.dataDir, 'floor-bundle.js');
    writeFileSync(bundleFile, this.ctx.bundles.floor.code);
    const proc = new WorkerProcess(label, this.env({ FLOOR_TASK_QUEUE: taskQueue, FLOOR_BUNDLE_FILE: bundleFile }), FLOOR_WORKER_ENTRY, /floor worker polling task queue/);
    this.closers.push(() => proc.stop());
    return proc;
  }

  /** The gateway's app (src/gateway/app.ts) on its own loopback HTTP server in this process. */
  async startGateway(tuning: Partial<ChangeVnfPkgTuning> = {}, extra: Partial<GatewayDependencies> = {}): Promise<Gateway> {
    const gateway = await listenThenBuild('127.0.0.1', 0, (apiRoot) => createGatewayApp({
      client: this.ctx.client,
      taskQueue: this.taskQueue,
      inventory: this.inventory,
      apiRoot,
      defaultCoordinationAction: 'prv.tacker_organization.coordination_test',
      tuning,
      ...extra,
    }));
    this.closers.push(() => gateway.close());
    return { url: gateway.url };
  }

  /** `node --import tsx src/gateway/main.ts` with an API token, as deployed. */
  async startGatewayProcess(label: string, port: number, extra: Record<string, string> = {}): Promise<Gateway> {
    const child = spawnNode(join(PROJECT_ROOT, 'src/gateway/main.ts'), this.env({ GATEWAY_PORT: String(port), ...extra }));
    const output = collect(child);
    await waitForLine(child, output, /gateway listening on (\S+)/, `gateway ${label}`);
    this.closers.push(() => stopChild(child));
    return { url: `http://127.0.0.1:${port}`, pid: child.pid };
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) {
      try {
        await close();
      } catch (err) {
        this.ctx.log(`  (closing a part failed: ${(err as Error).message})`);
      }
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export interface Gateway {
  url: string;
  pid?: number;
}

/** The production worker entry as a subprocess, with its RSS sampled from /proc. */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  private readonly output: { text: string };
  private sampler?: NodeJS.Timeout;
  /** Largest VmRSS seen by the sampler (bytes). */
  peakSampledRss = 0;
  /** VmHWM when the worker was ready: the start-up part of the peak (bundling the workflow code). */
  readyHwm = 0;

  constructor(readonly label: string, env: Record<string, string>, entry = join(PROJECT_ROOT, 'src/worker.ts'), ready = /worker polling task queue/) {
    // As the launchers start it (src/worker-heap.ts), unless BENCH_WORKER_HEAP=in-process (the bound
    // set from inside, workflow threads only, to compare). BENCH_WORKER_NODE_ARGS (e.g.
    // `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the worker.
    const launcherArgs = process.env.BENCH_WORKER_HEAP === 'in-process' ? [] : workerNodeArgs(loadConfig({ ...process.env, ...env }));
    const nodeArgs = [...launcherArgs, ...process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []];
    this.child = spawnNode(entry, env, false, nodeArgs);
    this.output = collect(this.child);
    this.ready = waitForLine(this.child, this.output, ready, `worker ${label}`).then(() => {
      this.readyHwm = this.memory().hwm;
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** VmRSS and VmHWM (peak RSS) of the process, in bytes. */
  memory(): { rss: number; hwm: number } {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
      return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
    } catch {
      return { rss: 0, hwm: 0 };
    }
  }

  sampleEvery(ms: number): void {
    this.sampler = setInterval(() => {
      this.peakSampledRss = Math.max(this.peakSampledRss, this.memory().rss);
    }, ms);
    this.sampler.unref();
  }

  tail(): string {
    return this.output.text.slice(-3000);
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    clearInterval(this.sampler);
    await stopChild(this.child, signal);
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
  }
}

async function startVimInProcess(dataDir: string, updateDelayMs: number): Promise<VimHandle> {
  const vim = await startVimSimulator({ stateFile: join(dataDir, 'vim.json'), port: 0, updateDelayMs, log: () => undefined });
  return { url: vim.url, authUrl: vim.authUrl, close: () => vim.close() };
}

async function startVimProcess(dataDir: string, updateDelayMs: number): Promise<VimHandle> {
  const child = spawnNode(join(PROJECT_ROOT, 'src/vim-simulator/main.ts'), {
    // Port 0 for the servers' guest applications too: a figure beside another runs its own VIM.
    VIM_PORT: '0', VIM_GUEST_PORT: '0', VIM_STATE_FILE: join(dataDir, 'vim.json'), VIM_UPDATE_DELAY_MS: String(updateDelayMs),
  }, true);
  const output = collect(child);
  const url = await waitForLine(child, output, /vim-simulator listening on (http:\/\/[^\s;]+)/, 'VIM simulator');
  return { url, authUrl: `${url}/identity/v3`, pid: child.pid, close: () => stopChild(child) };
}

function spawnNode(entry: string, env: Record<string, string>, quietStdout = false, nodeArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (quietStdout) {
    // The VIM simulator logs a line per request; keep reading so its pipe never fills.
    child.stdout?.resume();
  }
  return child;
}

function collect(child: ChildProcess): { text: string } {
  const output = { text: '' };
  const onData = (chunk: Buffer): void => {
    output.text = (output.text + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return output;
}

/** Resolves with the first capture group of the first output line matching `pattern`. */
function waitForLine(child: ChildProcess, output: { text: string }, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = pattern.exec(output.text);
      if (match) {
        cleanup();
        resolve(match[1] ?? match[0]);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`${what} exited before it was ready (${signal ?? code}): ${output.text.slice(-2000)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} was not ready within 120 s: ${output.text.slice(-2000)}`));
    }, 120_000);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
