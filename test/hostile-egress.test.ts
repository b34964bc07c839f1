// Requests someone else points the VNFM at (an EM endpoint, a token endpoint, a notification
// callback, a package's address) go only where the egress policy lets them: each test is such
// a request aimed at what a VNFM must never reach, and what comes of it.
import { createServer } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProblem } from '../src/http/problem.ts';
import { listen } from '../src/http/listen.ts';
import { CoordinationClient } from '../src/lcmcoord/client.ts';
import type { LcmCoordRequest } from '../src/lcmcoord/models.ts';
import { NotificationClient } from '../src/notifications/client.ts';
import { EgressPolicy, LOOPBACK, NEVER_REACHED } from '../src/outbound/egress.ts';
import { OutboundError } from '../src/outbound/errors.ts';
import { PackageDownloader } from '../src/packages/download.ts';
import { startSystem, VNFLCM_HEADERS, type TestSystem } from './support/system.ts';

/** A deployment's default: no loopback, no link-local (cloud metadata), nothing unspecified. */
const DEPLOYMENT = new EgressPolicy({ deny: [...LOOPBACK, ...NEVER_REACHED] });

const coordinationRequest: LcmCoordRequest = {
  vnfInstanceId: 'vnf-1', vnfLcmOpOccId: 'op-1', lcmOperationType: 'CHANGE_VNFPKG', coordinationActionName: 'prv.test',
  _links: { vnfLcmOpOcc: { href: 'http://vnfm.test/op' }, vnfInstance: { href: 'http://vnfm.test/vnf' } },
};

async function refusal(call: Promise<unknown>): Promise<OutboundError> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OutboundError);
  return err as OutboundError;
}

describe('the EM client', () => {
  const clients: CoordinationClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });
  const client = (egress: EgressPolicy) => {
    const c = new CoordinationClient({ responseTimeoutMs: 2_000 }, { egress });
    clients.push(c);
    return c;
  };

  it('refuses an EM endpoint on a link-local address (the cloud metadata service), even where loopback is allowed', async () => {
    const err = await refusal(client(new EgressPolicy({ deny: NEVER_REACHED })).requestCoordination({ endpoint: 'http://169.254.169.254' }, coordinationRequest));

    expect(err).toMatchObject({ code: 'refused-destination', retryable: false, message: 'destination 169.254.169.254 is not allowed by the egress policy' });
  });

  it('refuses a host name that resolves to a denied address, naming both', async () => {
    const err = await refusal(client(DEPLOYMENT).requestCoordination({ endpoint: 'http://localhost:1' }, coordinationRequest));

    expect(err.code).toBe('refused-destination');
    expect(err.message).toMatch(/^destination localhost \((127\.0\.0\.1|::1)\) is not allowed by the egress policy$/);
  });

  it('refuses a token endpoint the policy denies, before any credential is sent', async () => {
    const err = await refusal(client(DEPLOYMENT).requestCoordination({
      endpoint: 'http://192.0.2.10',
      authentication: {
        authType: ['OAUTH2_CLIENT_CREDENTIALS'],
        paramsOauth2ClientCredentials: { clientId: 'vnfm', clientPassword: 'secret-never-sent', tokenEndpoint: 'http://127.0.0.1:1/token' },
      },
    }, coordinationRequest));

    expect(err).toMatchObject({ code: 'refused-destination', message: 'destination 127.0.0.1 is not allowed by the egress policy' });
  });

  it('refuses the VNFM\'s own ports on loopback where loopback is otherwise allowed', async () => {
    const err = await refusal(client(new EgressPolicy({ deny: NEVER_REACHED, ownPorts: [9890] })).requestCoordination({ endpoint: 'http://127.0.0.1:9890' }, coordinationRequest));

    expect(err.message).toBe('destination 127.0.0.1:9890, a port of the VNFM itself is not allowed by the egress policy');
  });

  it('with an allow list, reaches only what it names', async () => {
    const err = await refusal(client(new EgressPolicy({ allow: ['10.0.0.0/8', 'em.operator.example'], deny: NEVER_REACHED })).requestCoordination({ endpoint: 'http://127.0.0.1:1' }, coordinationRequest));

    expect(err.code).toBe('refused-destination');
  });
});

describe('the gateway\'s subscription endpoint test', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem('egress', { egress: DEPLOYMENT });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('does not fetch the VIM simulator\'s loopback-only admin API for a caller, and says only which destination was refused', async () => {
    const admin = `${system.vim.url}/admin/requests`;
    const before = await (await request(admin)).body.json() as { requests: unknown[] };

    const res = await request(`${system.gatewayUrl}/vnflcm/v2/subscriptions`, {
      method: 'POST', headers: VNFLCM_HEADERS, body: JSON.stringify({ callbackUri: admin }),
    });
    const problem = await res.body.json() as { status: number; detail: string };

    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(problem.detail).toBe(`callbackUri ${admin} failed the notification endpoint test: destination 127.0.0.1 is not allowed by the egress policy`);
    const after = await (await request(admin)).body.json() as { requests: unknown[] };
    expect(after.requests).toHaveLength(before.requests.length);
  });
});

describe('the notification client', () => {
  it('never delivers to a denied callback', async () => {
    const client = new NotificationClient({}, { egress: DEPLOYMENT });
    try {
      const err = await refusal(client.testCallback({ callbackUri: 'http://[::1]:1/notify' }));
      expect(err).toMatchObject({ code: 'refused-destination', message: 'destination ::1 is not allowed by the egress policy' });
    } finally {
      await client.close();
    }
  });
});

describe('the package download of upload_from_uri', () => {
  const downloaders: PackageDownloader[] = [];
  afterAll(async () => {
    await Promise.all(downloaders.map((d) => d.close()));
  });
  const downloader = (egress: EgressPolicy) => {
    const d = new PackageDownloader({ egress, timeoutMs: 10_000 });
    downloaders.push(d);
    return d;
  };

  it('refuses an address on the cloud metadata service, naming only the destination', async () => {
    const err = await downloader(DEPLOYMENT).fetch('http://169.254.169.254/latest/meta-data/iam', 1024).then(() => undefined, (e: unknown) => e);

    expect(err).toBeInstanceOf(HttpProblem);
    expect(err).toMatchObject({ status: 422, detail: 'the package content could not be fetched from addressInformation: destination 169.254.169.254 is not allowed by the egress policy' });
  });

  it('refuses the VNFM\'s own loopback servers under a deployment\'s policy, and fetches nothing from them', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.end('admin secrets');
    });
    const url = await listen(server, '127.0.0.1', 0);
    try {
      const err = await downloader(DEPLOYMENT).fetch(`${url}/admin/state`, 1024).then(() => undefined, (e: unknown) => e);

      expect(err).toMatchObject({ status: 422, detail: expect.stringMatching(/destination 127\.0\.0\.1 is not allowed by the egress policy$/) as unknown });
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });
});
