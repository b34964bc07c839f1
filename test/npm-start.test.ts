// `npm start` as an operator runs it: the whole system as child processes on its own data
// folder. A part that dies (a gateway killed by a hostile upload, a worker out of memory) comes
// back by itself and the operation in flight goes on; the data folder keeps its secrets and
// its database to the VNFM's own user.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SAMPLE_CNF_INSTANCE_ID, SAMPLE_VNF_INSTANCE_ID } from '../src/inventory/sample.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { childProcessPort } from './support/ports.ts';
import { eventually } from './support/wait.ts';

interface RunningStart {
  process: ChildProcess;
  lines: string[];
  dataDir: string;
  apiRoot: string;
  emUrl: string;
  apiToken: string;
}

/** How long `npm start` may take to come up on a loaded 2-core machine (the Temporal server opens its SQLite file first). */
const START_TIMEOUT_MS = 180_000;
const API = { Version: '2.0.0', 'Content-Type': 'application/json' };

let start: RunningStart;

/** `npm start` on ports of its own; a port another process took makes a part fail at start, and then it is drawn again. */
async function startNpmStart(): Promise<RunningStart> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce();
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function startOnce(): Promise<RunningStart> {
  const ports = {
    TEMPORAL_PORT: 0, TEMPORAL_UI_PORT: 0, VIM_PORT: 0, EM_PORT: 0, GATEWAY_PORT: 0, VNFM_CODEC_PORT: 0, VIM_GUEST_PORT: 0, LB_PORT: 0, LB_ADMIN_PORT: 0,
    KUBERNETES_SIMULATOR_PORT: 0,
  };
  const drawn = new Set<number>();
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) {
    let port = childProcessPort();
    while (drawn.has(port)) port = childProcessPort();
    drawn.add(port);
    ports[key] = port;
  }
  const dataDir = join(mkdtempSync(join(tmpdir(), 'npm-start-')), 'data');
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/start.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const exited = new Promise<never>((_resolve, reject) => child.once('exit', (code, signal) => {
    reject(new Error(`npm start exited (${signal ?? `code ${code}`}) before it was up:\n${lines.slice(-40).join('\n')}`));
  }));
  await Promise.race([eventually('npm start is up', () => lines.includes('durable-vnfm is up.'), START_TIMEOUT_MS), exited]).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  exited.catch(() => undefined);
  const { apiToken } = z.object({ apiToken: z.string() }).parse(JSON.parse(readFileSync(join(dataDir, 'gateway-credentials.json'), 'utf8')));
  return {
    process: child, lines, dataDir, apiToken,
    apiRoot: `http://127.0.0.1:${ports.GATEWAY_PORT}`, emUrl: `http://127.0.0.1:${ports.EM_PORT}`,
  };
}

beforeAll(async () => {
  start = await startNpmStart();
}, 3 * START_TIMEOUT_MS);

afterAll(async () => {
  if (!start || start.process.exitCode !== null) return;
  const stopped = new Promise((resolve) => start.process.once('exit', resolve));
  start.process.kill('SIGTERM');
  await stopped;
});

/** The pid the supervisor last started a part with, from its log. */
function pidOf(part: string): number | undefined {
  const pattern = new RegExp(`^\\[${part}\\] +started \\(pid (\\d+)\\)$`);
  const pids = start.lines.flatMap((line) => pattern.exec(line)?.[1] ?? []);
  return pids.length ? Number(pids.at(-1)) : undefined;
}

async function api(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(`${start.apiRoot}${path}`, {
    method, headers: { ...API, 'X-Auth-Token': start.apiToken }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

async function em(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<string> {
  const res = await request(`${start.emUrl}${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
  return text;
}

/** The sample parameter file, its EM endpoints pointed at this run's reference EM. */
function changeRequest(): unknown {
  const text = readFileSync(join(PROJECT_ROOT, 'samples/sample_param_file_for_coordination.json'), 'utf8');
  return JSON.parse(text.replaceAll('http://127.0.0.1:6789', start.emUrl)) as unknown;
}

describe('npm start', () => {
  it('keeps its data folder to its own user: the folder 0700, every file in it 0600', () => {
    expect(statSync(start.dataDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(start.dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    const names = files.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['codec-keys.json', 'codec-token', 'gateway-credentials.json', 'temporal.sqlite']));
    const open = files.map((f) => join(f.parentPath, f.name)).filter((path) => (statSync(path).mode & 0o077) !== 0);
    expect(open).toEqual([]);
  });

  it('runs the Kubernetes simulator and instantiates the sample CNF on it', async () => {
    expect(start.lines).toContainEqual(expect.stringMatching(/^\[k8s\] +kubernetes-simulator listening on https:\/\/127\.0\.0\.1:\d+$/));
    const res = await api('GET', `/vnflcm/v2/vnf_instances/${SAMPLE_CNF_INSTANCE_ID}`);
    const instance = JSON.parse(res.text) as { instantiationState: string; instantiatedVnfInfo?: { vnfcResourceInfo: { vduId: string }[] } };
    expect(instance.instantiationState).toBe('INSTANTIATED');
    expect(instance.instantiatedVnfInfo?.vnfcResourceInfo.map((v) => v.vduId).sort()).toEqual(['VDU1', 'VDU1', 'VDU1', 'VDU2', 'VDU2']);
  });

  it('brings back a killed worker and gateway, and the operation in flight completes', async () => {
    // The EM holds every coordination open until the test ends it: the kills land mid-operation.
    await em('PUT', '/admin/behaviours', { default: { mode: 'async', never: true } });
    const started = await api('POST', `/vnflcm/v2/vnf_instances/${SAMPLE_VNF_INSTANCE_ID}/change_vnfpkg`, changeRequest());
    expect(started.status, started.text).toBe(202);
    const opOcc = new URL(String(started.headers.location)).pathname;
    // A coordination POST, not any lcmcoord request: `npm start` itself probed the EM's api_versions when it came up.
    await eventually('the EM holds a coordination', async () => (JSON.parse(await em('GET', '/admin/requests')) as { requests: { method: string; path: string }[] })
      .requests.some((r) => r.method === 'POST' && r.path.endsWith('/coordinations')));

    const [worker, gateway] = [pidOf('worker'), pidOf('gateway')];
    process.kill(worker!, 'SIGKILL');
    process.kill(gateway!, 'SIGKILL');

    await eventually('the supervisor restarted both', () => pidOf('worker') !== worker && pidOf('gateway') !== gateway);
    expect(start.lines).toContainEqual(expect.stringMatching(/^\[worker\] +exited unexpectedly \(SIGKILL\); restarting in 1 s/));
    expect(start.lines).toContainEqual(expect.stringMatching(/^\[gateway\] +exited unexpectedly \(SIGKILL\); restarting in 1 s/));
    const during = await eventually('the new gateway answers', async () => {
      const res = await api('GET', opOcc);
      return res.status === 200 && (JSON.parse(res.text) as { operationState: string });
    });
    expect(during.operationState).toBe('PROCESSING');

    await em('DELETE', '/admin/behaviours');
    const completed = await eventually('the operation completes', async () => {
      await em('POST', '/admin/held-coordinations/finish', {});
      const res = await api('GET', opOcc);
      const state = (JSON.parse(res.text) as { operationState: string }).operationState;
      return ['COMPLETED', 'FAILED_TEMP', 'FAILED'].includes(state) && state;
    }, START_TIMEOUT_MS);
    expect(completed).toBe('COMPLETED');
    expect(start.process.exitCode).toBeNull();
  }, 2 * START_TIMEOUT_MS);
});
