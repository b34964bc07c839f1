// Blue-Green change_vnfpkg end to end: the gateway, a worker, the VIM simulator whose servers
// answer on their own addresses, the reference EM, the sample package's coordinate script in
// the sandbox, and the load balancer simulator in front of the VNF with client traffic flowing
// through it the whole time. Whether a request failed is what the load balancer itself counted
// (and what the client saw), never a matter of timing. The python-tackerclient CLI drives one
// change with the sample Blue-Green parameter file.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../src/inventory/sample.ts';
import type { VnfInstanceRecord } from '../src/inventory/store.ts';
import type { PoolStats } from '../src/load-balancer-simulator/pool.ts';
import type { VnfInstance, VnfLcmOpOcc } from '../src/sol003/models.ts';
import { recordHistory } from './support/histories.ts';
import { addressesOf, newSampleInstance, startLoadBalancer, Traffic, type TestLoadBalancer } from './support/load-balancer.ts';
import { pythonTool } from './support/python-tools.ts';
import { changeRequest, opIdOf, operatorTask, postChange, startSystem, waitForState, type TestSystem } from './support/system.ts';
import { eventually } from './support/wait.ts';

const TOKEN = 'blue-green-cli-token-0123456789';
const SCRIPT = './Scripts/coordinate_vnf.py';
let system: TestSystem;
let lb: TestLoadBalancer;

beforeAll(async () => {
  system = await startSystem('bluegreen', { vimGuestPort: 0, apiToken: TOKEN });
  lb = await startLoadBalancer(system);
});
afterAll(async () => {
  await lb?.simulator.close();
  await system?.close();
});

function blueGreenRequest(vnfdId: string): Record<string, unknown> {
  const rolling = changeRequest(system, vnfdId);
  return {
    ...rolling,
    additionalParams: {
      ...(rolling.additionalParams as Record<string, unknown>),
      upgrade_type: 'BlueGreen', 'lcm-operation-coordinate-new-vnf': SCRIPT, 'lcm-operation-coordinate-old-vnf': SCRIPT, external_lb_param: lb.param,
    },
  };
}

/** Requests the load balancer forwarded to an address since `before`, and how many of them failed. */
function servedSince(before: PoolStats, after: PoolStats, address: string): { forwarded: number; failed: number } {
  const key = `${address}:${system.vim.guestPort}`;
  return {
    forwarded: (after.byMember[key]?.forwarded ?? 0) - (before.byMember[key]?.forwarded ?? 0),
    failed: (after.byMember[key]?.failed ?? 0) - (before.byMember[key]?.failed ?? 0),
  };
}

/** What a VNFC's address answers now: its guest application's status, or the connection's error code. */
async function guestAt(address: string): Promise<number | string> {
  try {
    const res = await request(`http://${address}:${system.vim.guestPort}/`);
    await res.body.dump();
    return res.statusCode;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
}

async function instanceOf(id: string): Promise<VnfInstance> {
  const res = await request(`${system.gatewayUrl}/vnflcm/v2/vnf_instances/${id}`, { headers: system.headers });
  return await res.body.json() as VnfInstance;
}

/** A fresh instance with the load balancer in front of it and traffic flowing to every one of its VNFCs. */
async function servedInstance(): Promise<{ instance: VnfInstanceRecord; blue: Map<string, string>; before: PoolStats; traffic: Traffic }> {
  const instance = await newSampleInstance(system);
  await lb.frontInstance(instance);
  const blue = await addressesOf(system, instance);
  const before = await lb.stats();
  const traffic = new Traffic(lb.simulator.url);
  await eventually('traffic to every blue VNFC', async () => {
    const now = await lb.stats();
    return [...blue.values()].every((address) => servedSince(before, now, address).forwarded > 0);
  });
  return { instance, blue, before, traffic };
}

function changed(op: VnfLcmOpOcc, type: 'ADDED' | 'REMOVED'): string[] {
  return (op.resourceChanges?.affectedVnfcs ?? []).filter((v) => v.changeType === type).map((v) => v.id);
}

it('completes a Blue-Green change while traffic flows through the load balancer, no request failing', async () => {
  const { instance, blue, before, traffic } = await servedInstance();
  const target = system.packages[1]!.vnfd;

  const { status, location, body } = await postChange(system, blueGreenRequest(target.vnfdId), instance.id);
  expect(status, body).toBe(202);
  const op = await waitForState(system, opIdOf(location), ['COMPLETED', 'FAILED_TEMP'], 90_000);
  expect(op.operationState, op.error?.detail).toBe('COMPLETED');
  const green = await addressesOf(system, instance); // the stack holds the green VNFCs only now
  await eventually('traffic to every green VNFC', async () => {
    const now = await lb.stats();
    return [...green.values()].every((address) => servedSince(before, now, address).forwarded > 0);
  });
  await traffic.stop();
  const after = await lb.stats();
  await recordHistory(system.client, opIdOf(location), 'blue-green-change');

  // No request failed, as the load balancer counted them and as the client saw them.
  expect(traffic.failed).toEqual([]);
  expect(after.failed - before.failed).toBe(0);
  expect(after.requests - before.requests).toBe(traffic.sent);
  // Blue carried traffic before the switch, green after it; blue is gone from the VIM.
  expect([...blue.values()].every((a) => servedSince(before, after, a).forwarded > 0)).toBe(true);
  expect(new Set((await lb.pool()).map((m) => m.address))).toEqual(new Set(green.values()));
  for (const address of blue.values()) expect(await guestAt(address)).toBe('ECONNREFUSED');

  expect(new Set(changed(op, 'REMOVED'))).toEqual(new Set(blue.keys()));
  expect(new Set(changed(op, 'ADDED'))).toEqual(new Set(green.keys()));
  expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(Array(8).fill('CONTINUE'));
  const changedInstance = await instanceOf(instance.id);
  expect(changedInstance.vnfdId).toBe(target.vnfdId);
  expect(new Set(changedInstance.instantiatedVnfInfo?.vnfcResourceInfo?.map((v) => v.id))).toEqual(new Set(green.keys()));
  expect(JSON.stringify(op)).not.toContain(lb.param.password);
  expect(op.operationParams).toMatchObject({ additionalParams: { external_lb_param: { password: '***' } } });
});

it('goes to FAILED_TEMP when the switch fails, and a rollback puts the load balancer back on blue and deletes green', async () => {
  const { instance, blue, before, traffic } = await servedInstance();
  // The load balancer takes the new pool, then fails to confirm it: every attempt of the switch.
  expect((await lb.admin('PUT', '/v1/faults', { switch: 'fail-after-switch', times: 100 })).status).toBe(200);

  const { location } = await postChange(system, blueGreenRequest(system.packages[1]!.vnfd.vnfdId), instance.id);
  const opId = opIdOf(location);
  const failed = await waitForState(system, opId, ['FAILED_TEMP', 'COMPLETED'], 90_000);
  expect(failed.operationState).toBe('FAILED_TEMP');
  expect(failed.error?.detail).toMatch(/load balancer switch to the green VNFCs: .*answered 500/);
  expect(failed.error?.detail).not.toContain(lb.param.password);
  const green = changed(failed, 'ADDED');
  expect(green).toHaveLength(4);
  // The switch did happen at the load balancer: green carries the traffic while the operation waits.
  const addresses = await addressesOf(system, instance);
  expect(new Set((await lb.pool()).map((m) => m.address))).toEqual(new Set(green.map((id) => addresses.get(id))));

  expect((await lb.admin('DELETE', '/v1/faults')).status).toBe(204);
  expect((await operatorTask(system, opId, 'rollback')).status).toBe(202);
  const rolledBack = await waitForState(system, opId, ['ROLLED_BACK', 'FAILED_TEMP'], 90_000);
  await traffic.stop();
  await recordHistory(system.client, opId, 'blue-green-rollback');

  expect(rolledBack.operationState, rolledBack.error?.detail).toBe('ROLLED_BACK');
  expect(new Set((await lb.pool()).map((m) => m.address))).toEqual(new Set(blue.values()));
  expect(new Set((await addressesOf(system, instance)).keys())).toEqual(new Set(blue.keys()));
  for (const id of green) expect(await guestAt(addresses.get(id) ?? '')).toBe('ECONNREFUSED');
  const after = await lb.stats();
  expect(traffic.failed).toEqual([]);
  expect(after.failed - before.failed).toBe(0);
  const unchanged = await instanceOf(instance.id);
  expect(unchanged.vnfdId).toBe(system.packages[0]!.vnfd.vnfdId);
  expect(new Set(unchanged.instantiatedVnfInfo?.vnfcResourceInfo?.map((v) => v.id))).toEqual(new Set(blue.keys()));
  expect(changed(rolledBack, 'ADDED')).toEqual([]);
});

it('changes the package with python-tackerclient and the sample Blue-Green parameter file', async () => {
  const openstack = pythonTool('openstack');
  const { instance, before, traffic } = await servedInstance();
  const sample = JSON.parse(readFileSync(join(SAMPLES_DIR, 'sample_param_file_blue_green.json'), 'utf8')) as { vnfdId: string; additionalParams: Record<string, unknown> };
  // The sample points at npm start's EM and load balancer; here they are the test's own.
  const params = JSON.parse(JSON.stringify(sample).replaceAll('http://127.0.0.1:6789', system.em.url)) as typeof sample;
  params.additionalParams.external_lb_param = lb.param;
  const file = join(system.dataDir, 'blue-green-params.json');
  writeFileSync(file, JSON.stringify(params));
  const cli = async (...args: string[]): Promise<string> => (await promisify(execFile)(openstack, [
    'vnflcm', ...args, '--os-auth-type', 'admin_token', '--os-token', TOKEN, '--os-endpoint', system.gatewayUrl, '--os-tacker-api-version', '2',
  ], { timeout: 60_000, env: { ...process.env, OS_CLOUD: '', PYTHONWARNINGS: 'ignore' } })).stdout;
  const opIds = async (): Promise<string[]> => (JSON.parse(await cli('op', 'list', '-f', 'json')) as { ID: string }[]).map((o) => o.ID);

  const known = new Set(await opIds());
  expect(await cli('change-vnfpkg', instance.id, file)).toContain('has been accepted');
  const opId = (await opIds()).find((id) => !known.has(id));
  const op = await waitForState(system, opId ?? '', ['COMPLETED', 'FAILED_TEMP'], 90_000);
  await traffic.stop();

  expect(op.operationState, op.error?.detail).toBe('COMPLETED');
  const shown = JSON.parse(await cli('op', 'show', opId ?? '', '-f', 'json')) as { 'Operation State': string; 'Operation Parameters': { additionalParams: { upgrade_type: string } } };
  expect(shown['Operation State']).toBe('COMPLETED');
  expect(shown['Operation Parameters'].additionalParams.upgrade_type).toBe('BlueGreen');
  expect(params.vnfdId).toBe(system.packages[1]!.vnfd.vnfdId);
  expect(traffic.failed).toEqual([]);
  expect((await lb.stats()).failed - before.failed).toBe(0);
});

it('answers 400 to a BlueGreen request without external_lb_param, naming it', async () => {
  const body = blueGreenRequest(system.packages[1]!.vnfd.vnfdId);
  delete (body.additionalParams as Record<string, unknown>).external_lb_param;
  const { status, body: text } = await postChange(system, body);
  expect(status).toBe(400);
  expect(text).toContain('external_lb_param');
});
