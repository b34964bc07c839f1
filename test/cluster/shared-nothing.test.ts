// The cluster shape: two gateways and two workers, each with its own data folder, sharing
// nothing but the Temporal server (mutual TLS) and PostgreSQL. What one gateway is told, the
// other serves; a package uploaded through one is run by workers that never saw its folder.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClusterPki } from '../../src/cluster/pki.ts';
import type { ManagedProcess } from '../../src/cluster/processes.ts';
import { startReferenceEm, type ReferenceEm } from '../../src/em/server.ts';
import { SAMPLES_DIR } from '../../src/inventory/sample.ts';
import { buildCsar } from '../../src/packages/csar.ts';
import {
  api, changeRequest, idOf, instantiatedVnf, json, startTestCluster, uploadSamplePackage, waitForOpState, type TestCluster,
} from '../support/cluster.ts';

let tc: TestCluster;
let em: ReferenceEm;
let v1: { id: string; vnfdId: string };
let v2: { id: string; vnfdId: string };
const extraWorkers: ManagedProcess[] = [];

beforeAll(async () => {
  tc = await startTestCluster('shared');
  em = await startReferenceEm({ port: 0, log: () => undefined, auth: { methods: ['BASIC'] } });
  // Both packages go in through gateway A only.
  v1 = await uploadSamplePackage(tc.cluster, 0, 'sample-vnf-v1');
  v2 = await uploadSamplePackage(tc.cluster, 0, 'sample-vnf-v2');
});

afterAll(async () => {
  await Promise.all(extraWorkers.map((worker) => worker.stop()));
  await em?.close();
  await tc?.close();
});

describe('two gateways', () => {
  it('a change POSTed through gateway A and read through gateway B completes', async () => {
    const { cluster } = tc;
    const vnf = await instantiatedVnf(cluster, v1.vnfdId);
    const posted = await api(cluster, 0, 'POST', `/vnflcm/v2/vnf_instances/${vnf}/change_vnfpkg`, changeRequest(v2.vnfdId, em.url));
    expect(posted.status, posted.body).toBe(202);
    expect(posted.location?.startsWith(cluster.gatewayUrl(0))).toBe(true);

    const op = await waitForOpState(cluster, 1, idOf(posted.location), ['COMPLETED', 'FAILED_TEMP']);
    expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    expect(op.lcmCoordinations?.map((c) => c.coordinationResult)).toEqual(['CONTINUE', 'CONTINUE']);
    expect(json<{ vnfdId: string }>(await api(cluster, 1, 'GET', `/vnflcm/v2/vnf_instances/${vnf}`), 200).vnfdId).toBe(v2.vnfdId);
  });

  it('a package uploaded through gateway A is listed and served by gateway B, byte for byte', async () => {
    const content = await api(tc.cluster, 1, 'GET', `/vnfpkgm/v1/vnf_packages/${v1.id}/package_content`, undefined, { Accept: 'application/zip' });
    expect(content.status).toBe(200);
    const info = json<{ checksum: { hash: string } }>(await api(tc.cluster, 1, 'GET', `/vnfpkgm/v1/vnf_packages/${v1.id}`), 200);
    expect(info.checksum.hash).toBe(createHash('sha256').update(buildCsar(join(SAMPLES_DIR, 'sample-vnf-v1'))).digest('hex'));
  });
});

describe('package content', () => {
  it('a worker started after the upload, alone on the task queue, runs the package\'s coordinate script from its own cache, verified by hash', async () => {
    const { cluster } = tc;
    const vnf = await instantiatedVnf(cluster, v1.vnfdId);
    // Only a new worker, on a data folder of its own, takes the operation.
    await Promise.all(cluster.workers.map((worker) => worker.stop()));
    const newcomer = cluster.workerProcess('worker-c');
    extraWorkers.push(newcomer);
    const ready = newcomer.waitForLine(/worker polling task queue/, 'it was ready');
    newcomer.start();
    await ready;
    try {
      const posted = await api(cluster, 1, 'POST', `/vnflcm/v2/vnf_instances/${vnf}/change_vnfpkg`,
        changeRequest(v2.vnfdId, em.url, { script: './Scripts/coordinate_vnf.py' }));
      expect(posted.status, posted.body).toBe(202);
      const op = await waitForOpState(cluster, 0, idOf(posted.location), ['COMPLETED', 'FAILED_TEMP']);
      expect(op.operationState, op.error?.detail).toBe('COMPLETED');
    } finally {
      await newcomer.stop();
      for (const worker of cluster.workers) worker.start();
    }
    const info = json<{ checksum: { hash: string } }>(await api(cluster, 0, 'GET', `/vnfpkgm/v1/vnf_packages/${v2.id}`), 200);
    const cache = join(cluster.dataDir('worker-c'), 'package-cache');
    expect(readdirSync(cache)).toEqual([`${v2.id}-${info.checksum.hash}`]);
    const script = join(cache, `${v2.id}-${info.checksum.hash}`, 'content', 'Scripts', 'coordinate_vnf.py');
    expect(readFileSync(script, 'utf8')).toBe(readFileSync(join(SAMPLES_DIR, 'sample-vnf-v2', 'Scripts', 'coordinate_vnf.py'), 'utf8'));
    // Gateway A's data folder holds no package folder: the content lives in PostgreSQL.
    expect(existsSync(join(cluster.dataDir('gateway-a'), 'packages'))).toBe(false);
  });
});

describe('the Temporal frontend (mutual TLS)', () => {
  const call = async (options: Parameters<typeof Connection.connect>[0]) => {
    const connection = await Connection.connect({ ...options, connectTimeout: 5_000 });
    try {
      return await connection.workflowService.describeNamespace({ namespace: 'default' });
    } finally {
      await connection.close();
    }
  };

  it('answers a client with the VNFM\'s certificate', async () => {
    const answer = await call(tc.cluster.temporalConnection());
    expect(answer.namespaceInfo?.name).toBe('default');
  });

  it('refuses a client that presents no certificate', async () => {
    const { address, tls } = tc.cluster.temporalConnection();
    await expect(call({ address, tls: { serverRootCACertificate: tls ? tls.serverRootCACertificate : undefined, serverNameOverride: 'localhost' } })).rejects.toThrow();
  });

  it('refuses a client whose certificate another CA signed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'other-ca-'));
    try {
      const other = ensureClusterPki(dir);
      const { address, tls } = tc.cluster.temporalConnection();
      await expect(call({
        address,
        tls: {
          serverRootCACertificate: tls ? tls.serverRootCACertificate : undefined, serverNameOverride: 'localhost',
          clientCertPair: { crt: readFileSync(other.vnfm.cert), key: readFileSync(other.vnfm.key) },
        },
      })).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a plaintext client', async () => {
    await expect(call({ address: tc.cluster.temporalAddress, tls: false })).rejects.toThrow();
  });
});
