// The Kubernetes simulator driven by Debian's real kubectl (1.20, package kubernetes-client):
// discovery, the OpenAPI document and client-side apply, server-side printing (Tables), watch
// (rollout status), the RollingUpdate controllers of Deployments and StatefulSets, and authentication by token and certificate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPES } from '../src/kubernetes-simulator/cluster.ts';
import type { Json } from '../src/kubernetes-simulator/objects.ts';
import { startKubernetesSimulator, type KubernetesSimulator } from '../src/kubernetes-simulator/server.ts';
import { makeTestPki, type TestPki } from './support/certificates.ts';
import { Kubectl } from './support/kubectl.ts';
import { eventually } from './support/wait.ts';

const TOKEN = 'kubectl-test-token-3c9a';
let pki: TestPki;
let dataDir: string;
let simulator: KubernetesSimulator;
let kubectl: Kubectl;

beforeAll(async () => {
  pki = makeTestPki(['alice']);
  dataDir = mkdtempSync(join(tmpdir(), 'kubectl-sim-'));
  simulator = await startKubernetesSimulator({
    stateFile: join(dataDir, 'state.json'), port: 0, log: () => undefined,
    tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca }, tokens: [TOKEN], podStartDelayMs: 50, podReadyDelayMs: 100,
  });
  kubectl = new Kubectl(simulator.url, pki.ca, { token: TOKEN });
});
afterAll(async () => {
  kubectl?.remove();
  await simulator?.close();
  pki?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

function deploymentYaml(image: string, extra = ''): string {
  return [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  replicas: 3',
    '  selector:', '    matchLabels: {app: web}', '  template:', '    metadata:', '      labels: {app: web}', '    spec:',
    '      containers:', '      - name: app', `        image: ${image}`, '        ports:', '        - containerPort: 80', extra,
  ].join('\n');
}

function statefulSetYaml(image: string, partition: number): string {
  return [
    'apiVersion: apps/v1', 'kind: StatefulSet', 'metadata:', '  name: db', 'spec:', '  replicas: 3', '  serviceName: db',
    '  selector:', '    matchLabels: {app: db}', '  updateStrategy:', '    type: RollingUpdate', '    rollingUpdate:', `      partition: ${partition}`,
    '  template:', '    metadata:', '      labels: {app: db}', '    spec:', '      containers:', '      - name: db', `        image: ${image}`,
  ].join('\n');
}

describe('kubectl against the Kubernetes simulator', () => {
  it('applies a Deployment, waits for it with rollout status and lists its pods as a table', async () => {
    expect(await kubectl.run('apply', '-f', kubectl.file('web.yaml', deploymentYaml('nginx:1.25.5')))).toBe('deployment.apps/web created\n');
    expect(await kubectl.run('rollout', 'status', 'deployment/web', '--timeout=60s')).toContain('deployment "web" successfully rolled out');

    const table = (await kubectl.run('get', 'pods', '-o', 'wide')).trim().split('\n');
    expect(table[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    expect(table.slice(1)).toHaveLength(3);
    for (const row of table.slice(1)) expect(row).toMatch(/^web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s/);
    expect(await kubectl.run('get', 'deployment', 'web')).toMatch(/web\s+3\/3\s+3\s+3\s/);
  });

  it('rolls a changed Deployment out to a new ReplicaSet with kubectl apply (a strategic merge patch)', async () => {
    expect(await kubectl.run('apply', '-f', kubectl.file('web.yaml', deploymentYaml('nginx:1.26.3')))).toBe('deployment.apps/web configured\n');
    expect(await kubectl.run('rollout', 'status', 'deployment/web', '--timeout=60s')).toContain('deployment "web" successfully rolled out');

    expect(await kubectl.run('get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe('nginx:1.26.3');
    const sets = (await kubectl.run('get', 'replicasets', '--no-headers')).trim().split('\n').map((line) => line.split(/\s+/));
    expect(sets.map(([, desired, current, ready]) => [desired, current, ready]).sort()).toEqual([['0', '0', '0'], ['3', '3', '3']]);
    expect(await kubectl.run('get', 'deployment', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}')).toBe('2');
  });

  it('shows a pod held by a readiness gate as not Ready until the gate\'s condition is True', async () => {
    const gated = deploymentYaml('busybox:1.37.0', '      readinessGates:\n      - conditionType: example.com/admitted').replace(/name: web/g, 'name: gated').replace(/app: web/g, 'app: gated').replace('replicas: 3', 'replicas: 1');
    await kubectl.run('apply', '-f', kubectl.file('gated.yaml', gated));
    const pod = await eventually('the gated pod running', () => simulator.cluster.store.list(TYPES.pods, 'default')
      .find((p) => p.metadata.name.startsWith('gated-') && p.status?.phase === 'Running'));
    await eventually('its containers ready', async () => /0\/1\s*$/.test(await kubectl.run('get', 'pod', pod.metadata.name, '-o', 'wide', '--no-headers')));
    expect(await kubectl.run('get', 'pod', pod.metadata.name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')).toBe('False');

    // What the VNFM does through the API (kubectl 1.20 cannot patch a status subresource).
    const { cluster } = simulator;
    const current = cluster.store.get(TYPES.pods, 'default', pod.metadata.name)!;
    const conditions = [...(current.status?.conditions as Json[]), { type: 'example.com/admitted', status: 'True' }];
    cluster.store.update(TYPES.pods, { ...current, status: { ...current.status, conditions } });
    cluster.kick();
    await eventually('the pod Ready', async () => (await kubectl.run('get', 'pod', pod.metadata.name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')) === 'True');
    expect(await kubectl.run('rollout', 'status', 'deployment/gated', '--timeout=30s')).toContain('successfully rolled out');
  });

  it('applies a StatefulSet, waits for it with rollout status, and follows a partitioned rolling update of it', async () => {
    expect(await kubectl.run('apply', '-f', kubectl.file('db.yaml', statefulSetYaml('postgres:16.4', 0)))).toBe('statefulset.apps/db created\n');
    expect(await kubectl.run('rollout', 'status', 'statefulset/db', '--timeout=60s')).toContain('partitioned roll out complete: 3 new pods have been updated');
    expect((await kubectl.run('get', 'pods', '-l', 'app=db', '--no-headers')).trim().split('\n').map((row) => row.split(/\s+/).slice(0, 3)))
      .toEqual([['db-0', '1/1', 'Running'], ['db-1', '1/1', 'Running'], ['db-2', '1/1', 'Running']]);
    expect(await kubectl.run('get', 'statefulset', 'db')).toMatch(/db\s+3\/3\s/);

    expect(await kubectl.run('apply', '-f', kubectl.file('db.yaml', statefulSetYaml('postgres:16.5', 1)))).toBe('statefulset.apps/db configured\n');
    expect(await kubectl.run('rollout', 'status', 'statefulset/db', '--timeout=60s')).toContain('partitioned roll out complete: 2 new pods have been updated');
    expect(await kubectl.run('get', 'pods', '-l', 'app=db', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image} {end}'))
      .toBe('db-0=postgres:16.4 db-1=postgres:16.5 db-2=postgres:16.5 ');
    const revisions = await kubectl.run('get', 'statefulset', 'db', '-o', 'jsonpath={.status.currentRevision} {.status.updateRevision}');
    expect(revisions.split(' ')[0]).not.toBe(revisions.split(' ')[1]);
  });

  it('authenticates a client certificate signed by its client CA, and answers Unauthorized to a token it does not know', async () => {
    const alice = new Kubectl(simulator.url, pki.ca, { clientCertificate: pki.clients.alice! });
    const nobody = new Kubectl(simulator.url, pki.ca, { token: 'not-a-token-of-this-cluster' });
    try {
      expect(await alice.run('get', 'namespaces', '--no-headers')).toMatch(/^default\s+Active/m);
      await expect(nobody.run('get', 'pods')).rejects.toThrow(/Unauthorized/);
    } finally {
      alice.remove();
      nobody.remove();
    }
  });

  it('answers kubectl\'s NotFound and Invalid errors as the API server does', async () => {
    await expect(kubectl.run('get', 'deployment', 'nothing')).rejects.toThrow('Error from server (NotFound): deployments.apps "nothing" not found');
    const invalid = deploymentYaml('nginx:1.25.5').replace('name: web', 'name: bad').replace('matchLabels: {app: web}', 'matchLabels: {app: other}');
    await expect(kubectl.run('apply', '-f', kubectl.file('bad.yaml', invalid))).rejects.toThrow(/The Deployment "bad" is invalid: spec.template.metadata.labels: Invalid value: .*`selector` does not match template `labels`/);
  });
});
