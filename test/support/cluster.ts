// The cluster shape for `npm run test:cluster`: src/cluster/topology.ts in a fresh folder with
// ports drawn for every part (the Temporal server cannot listen on port 0), its log kept in a
// file of that folder (printed when a test fails to start it), and the API helpers the tests
// drive it through: every request goes through a gateway, as an NFVO's would.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { buildCsar } from '../../src/packages/csar.ts';
import { SAMPLES_DIR } from '../../src/inventory/sample.ts';
import type { VnfLcmOpOcc } from '../../src/sol003/models.ts';
import { Cluster, type ClusterPorts } from '../../src/cluster/topology.ts';
import { childProcessPort } from './ports.ts';
import { eventually } from './wait.ts';

export interface TestCluster {
  cluster: Cluster;
  logFile: string;
  close(): Promise<void>;
}

/** Distinct ports for every part, drawn as test/support/ports.ts draws them. */
function drawPorts(): ClusterPorts {
  const taken = new Set<number>();
  const draw = (): number => {
    for (;;) {
      const port = childProcessPort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  return {
    postgres: draw(),
    temporal: {
      frontend: { grpc: draw(), membership: draw(), http: draw() },
      history: { grpc: draw(), membership: draw() },
      matching: { grpc: draw(), membership: draw() },
      worker: { grpc: draw(), membership: draw() },
    },
    ui: draw(), codec: draw(), em: draw(), vim: draw(), gateways: [draw(), draw()],
  };
}

/** A whole cluster in a fresh folder; a start that fails (a drawn port taken) is tried again with new ports. */
export async function startTestCluster(name: string, attempts = 3): Promise<TestCluster> {
  for (let attempt = 1; ; attempt += 1) {
    const dir = mkdtempSync(join(tmpdir(), `vnfm-cluster-${name}-`));
    const logFile = join(dir, 'cluster.log');
    const cluster = new Cluster({
      dir, ports: drawPorts(), historyShards: 4, namespace: 'default', taskQueue: 'vnflcm', ui: false,
      vimEnv: { VIM_UPDATE_DELAY_MS: '50' },
      log: (part, line) => appendFileSync(logFile, `[${part}] ${line}\n`),
    });
    try {
      await cluster.start();
      return {
        cluster, logFile,
        async close() {
          await cluster.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      await cluster.stop().catch(() => undefined);
      // Said in full (the part's last lines are in the message); the folder and its log are kept.
      console.warn(`cluster ${name}: start ${attempt} of ${attempts} failed (log: ${logFile}): ${(err as Error).message}`);
      if (attempt >= attempts) throw new Error(`the cluster did not start (log: ${logFile}): ${(err as Error).message}`);
    }
  }
}

export interface ApiAnswer {
  status: number;
  location?: string;
  body: string;
}

/** One request to gateway `gateway` (0: A, 1: B) with the cluster's API token. */
export async function api(cluster: Cluster, gateway: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const version = path.startsWith('/vnfpkgm/') ? '2.1.0' : '2.0.0';
  const binary = body instanceof Uint8Array;
  const res = await request(`${cluster.gatewayUrl(gateway)}${path}`, {
    method: method as 'GET',
    headers: {
      'X-Auth-Token': cluster.secrets.apiToken, Version: version, Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': binary ? 'application/zip' : 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : binary ? body : JSON.stringify(body),
  });
  const location = res.headers.location;
  return { status: res.statusCode, location: typeof location === 'string' ? location : undefined, body: await res.body.text() };
}

export function json<T>(answer: ApiAnswer, status: number): T {
  if (answer.status !== status) throw new Error(`expected ${status}, got ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body) as T;
}

export function idOf(location: string | undefined): string {
  const id = location?.split('/').pop();
  if (!id) throw new Error('no Location');
  return id;
}

/** A sample package (samples/<dir>) created and uploaded through gateway `gateway`; its id. */
export async function uploadSamplePackage(cluster: Cluster, gateway: number, dir: string): Promise<{ id: string; vnfdId: string }> {
  const created = json<{ id: string }>(await api(cluster, gateway, 'POST', '/vnfpkgm/v1/vnf_packages', {}), 201);
  const uploaded = await api(cluster, gateway, 'PUT', `/vnfpkgm/v1/vnf_packages/${created.id}/package_content`, buildCsar(join(SAMPLES_DIR, dir)));
  if (uploaded.status !== 202) throw new Error(`upload of ${dir} refused: ${uploaded.status} ${uploaded.body}`);
  const info = json<{ vnfdId: string }>(await api(cluster, gateway, 'GET', `/vnfpkgm/v1/vnf_packages/${created.id}`), 200);
  return { id: created.id, vnfdId: info.vnfdId };
}

export async function opOcc(cluster: Cluster, gateway: number, opId: string): Promise<VnfLcmOpOcc> {
  return json<VnfLcmOpOcc>(await api(cluster, gateway, 'GET', `/vnflcm/v2/vnf_lcm_op_occs/${opId}`), 200);
}

/** Polls the operation through gateway `gateway` until it is in one of `states` (a gateway that is down now is asked again). */
export function waitForOpState(cluster: Cluster, gateway: number, opId: string, states: string[], timeoutMs = 180_000): Promise<VnfLcmOpOcc> {
  return eventually(`operation ${opId} in ${states.join('/')}`, async () => {
    const op = await opOcc(cluster, gateway, opId);
    return states.includes(op.operationState) ? op : undefined;
  }, timeoutMs);
}

/** A VNF instance of `vnfdId`, instantiated on the VIM simulator with one VNFC per VDU (given layout). */
export async function instantiatedVnf(cluster: Cluster, vnfdId: string, layout: Record<string, number> = { VDU1: 1, VDU2: 1 }): Promise<string> {
  const instance = json<{ id: string }>(await api(cluster, 0, 'POST', '/vnflcm/v2/vnf_instances', { vnfdId, vnfInstanceName: 'cluster-test' }), 201);
  const started = await api(cluster, 0, 'POST', `/vnflcm/v2/vnf_instances/${instance.id}/instantiate`, {
    flavourId: 'simple', additionalParams: { vdu_layout: layout },
  });
  if (started.status !== 202) throw new Error(`instantiate refused: ${started.status} ${started.body}`);
  const op = await waitForOpState(cluster, 1, idOf(started.location), ['COMPLETED', 'FAILED_TEMP']);
  if (op.operationState !== 'COMPLETED') throw new Error(`instantiate ended ${op.operationState}: ${op.error?.detail}`);
  return instance.id;
}

/** The seed's additionalParams for the VDUs of `layout`, pointed at `emUrl`. */
export function changeRequest(vnfdId: string, emUrl: string, options: { script?: string; vdus?: string[] } = {}): Record<string, unknown> {
  const param = (cp: string) => ({
    cp_name: cp, username: 'ubuntu', password: 'ubuntu', endpoint: emUrl,
    authentication: { authType: ['BASIC'], paramsBasic: { userName: 'tacker', password: 'tacker' } }, timeout: 600,
  });
  return {
    vnfdId,
    additionalParams: {
      upgrade_type: 'RollingUpdate',
      ...(options.script ? { 'lcm-operation-coordinate-new-vnf': options.script } : {}),
      vdu_params: (options.vdus ?? ['VDU1', 'VDU2']).map((vdu) => ({ vdu_id: vdu, old_vnfc_param: param(`${vdu}_CP1`), new_vnfc_param: param(`${vdu}_CP1`) })),
    },
  };
}
