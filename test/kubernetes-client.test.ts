// The VNFM's Kubernetes client towards an API server someone else named in a request: the
// egress policy decides whether it may be reached at all, its certificate must verify against
// the VIM's own CA, a client certificate authenticates, and no credential appears in an error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClient } from '../src/kubernetes/client.ts';
import { targetOf, KubernetesVimConnectionInfo } from '../src/kubernetes/vim-connection.ts';
import { startKubernetesSimulator, type KubernetesSimulator } from '../src/kubernetes-simulator/server.ts';
import { EgressPolicy, LOOPBACK } from '../src/outbound/egress.ts';
import { OutboundError } from '../src/outbound/errors.ts';
import { makeTestPki, type TestPki } from './support/certificates.ts';

const TOKEN = 'client-test-token-a91c4e';
let pki: TestPki;
let otherPki: TestPki;
let dataDir: string;
let simulator: KubernetesSimulator;
const requests: string[] = [];
const clients: KubernetesClient[] = [];

function client(options: Partial<ConstructorParameters<typeof KubernetesClient>[0]> = {}): KubernetesClient {
  const made = new KubernetesClient({ requestTimeoutMs: 5_000, ...options });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  pki = makeTestPki(['vnfm']);
  otherPki = makeTestPki([]);
  dataDir = mkdtempSync(join(tmpdir(), 'k8s-client-'));
  simulator = await startKubernetesSimulator({
    stateFile: join(dataDir, 'state.json'), port: 0, log: (line) => requests.push(line),
    tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca }, tokens: [TOKEN],
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await simulator?.close();
  pki?.remove();
  otherPki?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

const defaultNamespace = { apiVersion: 'v1', kind: 'Namespace', name: 'default' };

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OutboundError);
  return err as OutboundError;
}

describe('the Kubernetes client', () => {
  it('reads with a bearer token, or a client certificate, against the VIM\'s own CA given as Tacker\'s one-line ssl_ca_cert', () => {
    const oneLine = pki.ca.replace(/\n/g, ' ');
    const byToken = targetOf(KubernetesVimConnectionInfo.parse({
      vimType: 'kubernetes', interfaceInfo: { endpoint: simulator.url, ssl_ca_cert: oneLine }, accessInfo: { bearer_token: TOKEN },
    }));
    const byCertificate = targetOf(KubernetesVimConnectionInfo.parse({
      vimType: 'ETSINFV.KUBERNETES.V_1', interfaceInfo: { endpoint: simulator.url, ssl_ca_cert: pki.ca },
      accessInfo: { client_cert: pki.clients.vnfm!.cert, client_key: pki.clients.vnfm!.key },
    }));
    return Promise.all([byToken, byCertificate].map(async (target) => {
      expect((await client().api(target).read(defaultNamespace))?.metadata?.name).toBe('default');
    }));
  });

  it('refuses an API server whose certificate another CA signed, without sending the token', async () => {
    requests.length = 0;
    const err = await failure(client().api({ endpoint: simulator.url, caCertPem: otherPki.ca, bearerToken: TOKEN }).read(defaultNamespace));
    expect(err.code).toBe('untrusted-certificate');
    expect(err.retryable).toBe(false);
    expect(requests).toEqual([]);
  });

  it('sends nothing to an API server the egress policy denies', async () => {
    requests.length = 0;
    const denied = client({ egress: new EgressPolicy({ deny: LOOPBACK }) });
    const err = await failure(denied.api({ endpoint: simulator.url, caCertPem: pki.ca, bearerToken: TOKEN }).read(defaultNamespace));
    expect(err.code).toBe('refused-destination');
    expect(requests).toEqual([]);
  });

  it('fails as unauthorized with the API server\'s words, and no credential in them', async () => {
    const secret = 'wrong-token-5d0b3e-secret';
    const err = await failure(client().api({ endpoint: simulator.url, caCertPem: pki.ca, bearerToken: secret }).read(defaultNamespace));
    expect(err.code).toBe('unauthorized');
    expect(err.message).toMatch(/^Kubernetes 127\.0\.0\.1:\d+: read Namespace default: Unauthorized$/);
    expect(err.message).not.toContain(secret);
  });

  it('takes a VIM whose access info gives neither a token nor a certificate for what it is: not usable', () => {
    const parsed = KubernetesVimConnectionInfo.safeParse({ vimType: 'ETSINFV.KUBERNETES.V_1', interfaceInfo: { endpoint: simulator.url }, accessInfo: {} });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('a Kubernetes VIM needs bearer_token, or client_cert and client_key');
  });
});
