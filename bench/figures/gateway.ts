// Figure 6: the gateway under load, measured with autocannon against the production gateway
// process (src/gateway/main.ts, API-token authentication as tackerclient sends it). GET op occ
// is a query to the workflow: measured on a running operation (cached in the worker) and on a
// completed one (the worker replays its history to answer). POST change_vnfpkg needs a distinct
// VNF instance per request (one operation at a time per instance, 409 otherwise): N instances
// are created beforehand and autocannon's setupRequest hands each request the next one.
import { createServer } from 'node:net';
import autocannon, { type Result } from 'autocannon';
import { changeRequest, completed, getOpOcc, postChange, VNFLCM_HEADERS } from '../lib/ops.ts';
import { Stage, type BenchContext } from '../lib/parts.ts';

export interface LoadResult {
  label: string;
  connections: number;
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  statuses: string;
}

export interface GatewayResult {
  loads: LoadResult[];
  instancesForPost: number;
}

const API_TOKEN = 'bench-api-token-0123456789';
const CONNECTIONS = 10;
/** autocannon's per-request timeout (its default is 10 s); a request that takes longer is an error. */
export const TIMEOUT_S = 30;

export async function gatewayLoad(ctx: BenchContext): Promise<GatewayResult> {
  const stage = await Stage.start(ctx, { name: 'gateway', vimUpdateDelayMs: 0, vimProcess: true });
  try {
    // Operations POSTed under load wait at an EM that never finishes (an hour between polls).
    const em = await stage.startEm({ behaviour: { default: { mode: 'async', never: true, retryAfter: 3600 } } });
    const syncEm = await stage.startEm();
    const worker = stage.startWorkerProcess('gateway');
    await worker.ready;
    const gateway = await stage.startGatewayProcess('a', await freePort(), { GATEWAY_API_TOKENS: API_TOKEN });
    const headers = { ...VNFLCM_HEADERS, 'X-Auth-Token': API_TOKEN };
    const vnfdId = stage.destination.vnfd.vnfdId;
    const duration = ctx.quick ? 3 : 10;

    // A completed operation over 10 VNFCs, and one that is running (waiting for the EM).
    const [doneInstance, runningInstance] = await stage.createInstances(2, { VDU1: 10 });
    const done = await postChange(gateway.url, doneInstance?.id ?? '', changeRequest({ vnfdId, emUrl: syncEm.url, vduIds: ['VDU1'] }), headers);
    await completed(ctx.client, done.opId);
    const running = await postChange(gateway.url, runningInstance?.id ?? '', changeRequest({ vnfdId, emUrl: em.url, vduIds: ['VDU1'] }), headers);
    await waitForWaiting(gateway.url, running.opId, headers);

    const loads: LoadResult[] = [];
    const getPath = (opId: string) => `${gateway.url}/vnflcm/v2/vnf_lcm_op_occs/${opId}`;
    loads.push(summarize('GET op occ (running operation)', await autocannon({ url: getPath(running.opId), connections: CONNECTIONS, duration, headers, timeout: TIMEOUT_S })));
    loads.push(summarize('GET op occ (completed operation)', await autocannon({ url: getPath(done.opId), connections: CONNECTIONS, duration, headers, timeout: TIMEOUT_S })));

    const count = ctx.quick ? 30 : 100;
    // A few spare instances: a request autocannon gives up on (timeout) is followed by a new one.
    const instances = await stage.createInstances(count + 20, { VDU1: 1 });
    const paths = instances.map((i) => `/vnflcm/v2/vnf_instances/${i.id}/change_vnfpkg`);
    let next = 0;
    const body = JSON.stringify(changeRequest({ vnfdId, emUrl: em.url, vduIds: ['VDU1'] }));
    const post = await autocannon({
      url: gateway.url, connections: CONNECTIONS, amount: count, method: 'POST', headers, body, timeout: TIMEOUT_S,
      requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
    });
    loads.push(summarize('POST change_vnfpkg (distinct instances)', post));
    await terminateRunning(ctx, stage.taskQueue);
    return { loads, instancesForPost: count };
  } finally {
    await stage.close();
  }
}

function summarize(label: string, result: Result): LoadResult {
  return {
    label,
    connections: CONNECTIONS,
    requests: result.requests.total,
    durationS: result.duration,
    rps: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    statuses: Object.entries(result.statusCodeStats).map(([code, { count }]) => `${code}×${count}`).join(', '),
  };
}

async function waitForWaiting(gatewayUrl: string, opId: string, headers: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await getOpOcc(gatewayUrl, opId, headers);
    if (res.status === 200 && res.state === 'PROCESSING') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`operation ${opId} did not reach PROCESSING`);
}

/** Ends the operations left waiting at the never-finishing EM. */
async function terminateRunning(ctx: BenchContext, taskQueue: string): Promise<void> {
  const ids: string[] = [];
  for await (const run of ctx.client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) ids.push(run.workflowId);
  await Promise.all(ids.map((id) => ctx.client.workflow.getHandle(id).terminate('benchmark finished').catch(() => undefined)));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
