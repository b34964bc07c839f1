// The lcmcoord protocol client against the reference EM on loopback, one exchange at a time:
// how each answer of the EM is classified (status paths, Retry-After, Location, malformed
// answers, an unreachable EM, cancel). Real HTTP, no mocks; answers the EM cannot give come
// from a tiny node:http stub. Authentication and TLS: lcmcoord-client-auth.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CoordinationClient, type EmTarget } from '../src/lcmcoord/client.ts';
import {
  basicAuth, cases, COORDINATIONS, coordinationRequest, credentialsAuth, expectFailure, expectKind, lcmCoord, sendJson, startStub,
  useReferenceEm, type Stub,
} from './support/lcmcoord.ts';
import { startTcpGate, upstreamOf } from './support/tcp-gate.ts';

describe('CoordinationClient against the reference EM', () => {
  const fx = useReferenceEm();
  const { freshClient, target, program, accepted } = fx;

  describe('status paths', () => {
    it('201 from a synchronous EM is finished, with the LcmCoord and its Location', async () => {
      const outcome = expectKind(await fx.client.requestCoordination(target(), coordinationRequest()), 'finished');

      expect(outcome.coordination.coordinationResult).toBe('CONTINUE');
      expect(outcome.location).toBe(`${fx.em.url}${COORDINATIONS}/${outcome.coordination.id}`);
    });

    it('201 with ABORT is finished and carries the EM\'s error', async () => {
      program({ default: { result: 'ABORT', error: 'traffic could not be drained' } });

      const outcome = expectKind(await fx.client.requestCoordination(target(), coordinationRequest()), 'finished');

      expect(outcome.coordination.coordinationResult).toBe('ABORT');
      expect(outcome.coordination.error?.detail).toBe('traffic could not be drained');
    });

    it('202 from an asynchronous EM is accepted, with the absolute Location to poll', async () => {
      const location = await accepted({ default: { mode: 'async' } });

      expect(location).toMatch(new RegExp(`^${fx.em.url}${COORDINATIONS}/[0-9a-f-]{36}$`));
    });

    it('GET answers 202 (ongoing) until the EM is done, then 200 (finished) with the result', async () => {
      const location = await accepted({ default: { mode: 'async', polls: 2, outputParams: { drained: true } } });

      expect((await fx.client.readCoordination(target(), location)).kind).toBe('ongoing');
      expect((await fx.client.readCoordination(target(), location)).kind).toBe('ongoing');
      const done = expectKind(await fx.client.readCoordination(target(), location), 'finished');

      expect(done.coordination.coordinationResult).toBe('CONTINUE');
      expect(done.coordination.outputParams).toEqual({ drained: true });
    });

    it('503 is busy, with the delay of Retry-After and the EM\'s detail; the same POST later goes through', async () => {
      program({ default: { reject503: 1, retryAfter: 2 } });

      const busy = expectKind(await fx.client.requestCoordination(target(), coordinationRequest()), 'busy');
      expect(busy.retryAfterMs).toBe(2_000);
      expect(busy.detail).toContain('Retry-After');

      expect((await fx.client.requestCoordination(target(), coordinationRequest())).kind).toBe('finished');
    });

    cases([
      { name: '403 is rejected, not retryable, with the ProblemDetails detail', status: 403, reason: 'rejected', retryable: false },
      { name: '409 is rejected, not retryable, with the ProblemDetails detail', status: 409, reason: 'rejected', retryable: false },
      { name: '400 is rejected, not retryable, with the ProblemDetails detail', status: 400, reason: 'rejected', retryable: false },
      { name: '500 is a server error, retryable', status: 500, reason: 'server-error', retryable: true },
      { name: '502 is a server error, retryable', status: 502, reason: 'server-error', retryable: true },
    ] as const, async ({ status, reason, retryable }) => {
      program({ default: { status } });

      const error = await expectFailure(fx.client.requestCoordination(target(), coordinationRequest()), reason, retryable);

      expect(error.status).toBe(status);
      expect(error.problem).toMatchObject({ status, detail: `the reference EM is programmed to answer ${status}` });
      expect(error.message).toContain(`the reference EM is programmed to answer ${status}`);
    });

    it('GET of a coordination the EM does not know is rejected with its 404 detail', async () => {
      const error = await expectFailure(fx.client.readCoordination(target(), `${fx.em.url}${COORDINATIONS}/no-such-id`), 'rejected', false);

      expect(error.status).toBe(404);
      expect(error.problem?.detail).toContain('no-such-id');
    });
  });

  describe('Retry-After', () => {
    const forms = [
      { form: '0', rule: { retryAfter: 0 }, min: 0, max: 0 },
      { form: 'delay-seconds', rule: { retryAfter: 7 }, min: 7_000, max: 7_000 },
      // The EM rounds the date up to the next second; the client measures it from the EM's Date header.
      { form: 'an HTTP-date', rule: { retryAfter: 5, retryAfterDate: true }, min: 5_000, max: 6_000 },
    ];
    const places = [
      {
        place: 'on a POST 202',
        mode: { mode: 'async' as const },
        read: async (c: CoordinationClient, t: EmTarget) => expectKind(await c.requestCoordination(t, coordinationRequest()), 'accepted').retryAfterMs,
      },
      {
        place: 'on a GET 202',
        mode: { mode: 'async' as const, polls: 1 },
        read: async (c: CoordinationClient, t: EmTarget) => {
          const { location } = expectKind(await c.requestCoordination(t, coordinationRequest()), 'accepted');
          return expectKind(await c.readCoordination(t, location), 'ongoing').retryAfterMs;
        },
      },
      {
        place: 'on a 503',
        mode: { reject503: 1 },
        read: async (c: CoordinationClient, t: EmTarget) => expectKind(await c.requestCoordination(t, coordinationRequest()), 'busy').retryAfterMs,
      },
    ];
    const retryAfterCases = places.flatMap(({ place, mode, read }) => forms.map(({ form, rule, min, max }) => ({
      name: `Retry-After ${form} ${place} gives retryAfterMs ${min === max ? min : `${min}..${max}`}`,
      behaviour: { ...mode, ...rule }, read, min, max,
    })));

    cases(retryAfterCases, async ({ behaviour, read, min, max }) => {
      program({ default: behaviour });

      const retryAfterMs = await read(fx.client, target());

      expect(retryAfterMs).toBeGreaterThanOrEqual(min);
      expect(retryAfterMs).toBeLessThanOrEqual(max);
    });

    cases([
      { name: 'no Retry-After on a POST 202 leaves retryAfterMs unset', place: places[0] },
      { name: 'no Retry-After on a GET 202 leaves retryAfterMs unset', place: places[1] },
    ], async ({ place }) => {
      program({ default: place?.mode ?? {} });

      expect(await place?.read(fx.client, target())).toBeUndefined();
    });

    it('an HTTP-date is measured against the EM\'s Date header, so a skewed EM clock does not change the wait', async () => {
      const emNow = Math.floor(Date.now() / 1000) * 1000 - 3_600_000; // the EM's clock is an hour behind
      const stub = await startStub((_req, res) => res.writeHead(202, {
        Location: `${COORDINATIONS}/c-1`, Date: new Date(emNow).toUTCString(), 'Retry-After': new Date(emNow + 10_000).toUTCString(),
      }).end());
      try {
        const outcome = await fx.client.requestCoordination({ endpoint: stub.url }, coordinationRequest());

        expect(expectKind(outcome, 'accepted').retryAfterMs).toBe(10_000);
      } finally {
        await stub.close();
      }
    });

    it('an unreadable Retry-After leaves retryAfterMs unset instead of inventing a delay', async () => {
      const stub = await startStub((_req, res) => res.writeHead(202, { Location: `${COORDINATIONS}/c-1`, 'Retry-After': '1.5' }).end());
      try {
        const outcome = await fx.client.requestCoordination({ endpoint: stub.url }, coordinationRequest());

        expect(expectKind(outcome, 'accepted').retryAfterMs).toBeUndefined();
      } finally {
        await stub.close();
      }
    });
  });

  describe('Location', () => {
    let stub: Stub;
    let location: string | undefined;
    beforeAll(async () => {
      stub = await startStub((req, res, url) => {
        if (req.method === 'POST') return res.writeHead(202, location === undefined ? {} : { Location: location }).end();
        sendJson(res, 200, lcmCoord('c-1', `${url}${req.path}`));
      });
    });
    beforeEach(() => {
      stub.requests.length = 0;
    });
    afterAll(async () => {
      await stub.close();
    });

    it('a 202 without Location is malformed, not retryable', async () => {
      location = undefined;

      const error = await expectFailure(fx.client.requestCoordination({ endpoint: stub.url }, coordinationRequest()), 'malformed', false);

      expect(error.detail).toContain('Location');
    });

    it('an unparseable Location is malformed', async () => {
      location = 'http://[::1';

      const error = await expectFailure(fx.client.requestCoordination({ endpoint: stub.url }, coordinationRequest()), 'malformed', false);

      expect(error.detail).toContain('http://[::1');
    });

    cases([
      { name: 'an absolute-path Location is resolved against the endpoint\'s origin', given: '/em/lcmcoord/v1/coordinations/c-1', path: '/em/lcmcoord/v1/coordinations/c-1' },
      { name: 'a path-relative Location is resolved against the URI of the POST', given: 'coordinations/c-2', path: '/em/lcmcoord/v1/coordinations/c-2' },
      { name: 'a dot-segment Location is resolved against the URI of the POST', given: './coordinations/c-3', path: '/em/lcmcoord/v1/coordinations/c-3' },
    ].map((row) => ({ ...row, name: `${row.name}, and the poll goes there` })), async ({ given, path }) => {
      location = given;
      const em2: EmTarget = { endpoint: `${stub.url}/em` };

      const outcome = expectKind(await fx.client.requestCoordination(em2, coordinationRequest()), 'accepted');
      expect(outcome.location).toBe(`${stub.url}${path}`);
      expect((await fx.client.readCoordination(em2, outcome.location)).kind).toBe('finished');

      expect(stub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /em${COORDINATIONS}`, `GET ${path}`]);
    });
  });

  describe('foreign Location', () => {
    let other: Stub;
    beforeAll(async () => {
      other = await startStub();
    });
    beforeEach(() => {
      other.requests.length = 0;
    });
    afterAll(async () => {
      await other.close();
    });

    cases([
      {
        name: 'a POST 202 whose Location points at another origin is refused as foreign-location',
        call: (c: CoordinationClient, t: EmTarget) => {
          fx.em.behaviours.set({ default: { mode: 'async', locationOrigin: other.url } });
          return c.requestCoordination(t, coordinationRequest());
        },
        emRequests: 1,
      },
      {
        name: 'a GET of a Location on another origin is refused as foreign-location before any request',
        call: (c: CoordinationClient, t: EmTarget) => c.readCoordination(t, `${other.url}${COORDINATIONS}/c-1`),
        emRequests: 0,
      },
      {
        name: 'a cancel of a Location on another origin is refused as foreign-location before any request',
        call: (c: CoordinationClient, t: EmTarget) => c.cancelCoordination(t, `${other.url}${COORDINATIONS}/c-1`),
        emRequests: 0,
      },
      {
        name: 'a Location with the EM\'s host and port but another scheme is foreign',
        call: (c: CoordinationClient, t: EmTarget) => c.readCoordination(t, `${fx.em.url.replace(/^http:/, 'https:')}${COORDINATIONS}/c-1`),
        emRequests: 0,
      },
    ].map((row) => ({ ...row, name: `${row.name}, and nothing reaches the other origin` })), async ({ call, emRequests }) => {
      const error = await expectFailure(call(fx.client, target()), 'foreign-location', false);

      expect(error.detail).toContain(fx.em.url);
      expect(other.requests).toEqual([]);
      expect(fx.em.requests.counts().apiRequests).toBe(emRequests);
    });

    it('a foreign Location with OAUTH2 credentials sends neither the token nor the secret elsewhere', async () => {
      program({ default: { mode: 'async', locationOrigin: other.url } });
      const c = freshClient();

      await expectFailure(c.requestCoordination(target(credentialsAuth(fx.em.url)), coordinationRequest()), 'foreign-location', false);

      expect(other.requests).toEqual([]);
      expect(fx.em.requests.counts()).toEqual({ apiRequests: 1, tokenRequests: 1 });
    });
  });

  describe('EMs the VNFM did not write (conformant and Tacker-style)', () => {
    cases([
      { name: 'an LcmCoord without _links.self (Tacker\'s sample EMs) is finished with its result', behaviour: { withoutSelfLink: true } },
      { name: 'a 201 without Location (Tacker\'s sample EMs) is finished, with no location', behaviour: { withoutLocation: true } },
      { name: 'warnings as one string are kept as the EM sent them', behaviour: { warnings: 'drain took 3 s' } },
      { name: 'warnings as a list of strings are kept as the EM sent them', behaviour: { warnings: ['drain took 3 s', 'one session was cut'] } },
      { name: 'no _links.self, no Location and a list of warnings at once are finished', behaviour: { withoutSelfLink: true, withoutLocation: true, warnings: ['w'] } },
    ], async ({ behaviour }) => {
      program({ default: behaviour });

      const outcome = expectKind(await fx.client.requestCoordination(target(), coordinationRequest()), 'finished');

      expect(outcome.coordination.coordinationResult).toBe('CONTINUE');
      expect(outcome.coordination.warnings).toEqual(behaviour.warnings);
      expect(outcome.location).toBe(behaviour.withoutLocation ? undefined : `${fx.em.url}${COORDINATIONS}/${outcome.coordination.id}`);
      if (behaviour.withoutSelfLink) expect(outcome.coordination._links?.self).toBeUndefined();
    });

    it('an asynchronous coordination whose final LcmCoord has no _links.self is finished', async () => {
      const location = await accepted({ default: { mode: 'async', withoutSelfLink: true } });

      expect(expectKind(await fx.client.readCoordination(target(), location), 'finished').coordination.coordinationResult).toBe('CONTINUE');
    });

    cases([
      { name: '429 with Retry-After in seconds is busy, with its delay and status, like a 503', rule: { retryAfter: 4 }, min: 4_000, max: 4_000 },
      { name: '429 with Retry-After as an HTTP-date is busy, with its delay', rule: { retryAfter: 4, retryAfterDate: true }, min: 4_000, max: 5_000 },
      { name: '429 without Retry-After is busy with no delay (the workflow backs off)', rule: {}, min: undefined, max: undefined },
    ], async ({ rule, min, max }) => {
      program({ default: { reject503: 1, rejectWith: 429, ...rule } });

      const busy = expectKind(await fx.client.requestCoordination(target(), coordinationRequest()), 'busy');

      expect(busy.status).toBe(429);
      if (min === undefined) expect(busy.retryAfterMs).toBeUndefined();
      else {
        expect(busy.retryAfterMs).toBeGreaterThanOrEqual(min);
        expect(busy.retryAfterMs).toBeLessThanOrEqual(max ?? min);
      }
      expect((await fx.client.requestCoordination(target(), coordinationRequest())).kind).toBe('finished');
    });

    cases([
      {
        name: 'unknown extra fields in an LcmCoord are ignored',
        body: (self: string) => ({ ...lcmCoord('c-1', self), vendorExtension: { region: 'eu' }, _links: { vnfLcmOpOcc: { href: self }, vnfInstance: { href: self }, other: { href: self } } }),
        outcome: 'finished',
      },
      {
        name: 'a coordinationResult outside CONTINUE, ABORT and CANCELLED is malformed, naming the field',
        body: (self: string) => ({ ...lcmCoord('c-1', self), coordinationResult: 'MAYBE' }),
        outcome: /coordinationResult/,
      },
      {
        name: 'a body that is not an LcmCoord at all (no id) is malformed, naming the field',
        body: () => ({ result: 'CONTINUE' }),
        outcome: /id/,
      },
    ], async ({ body, outcome }) => {
      const stub = await startStub((_req, res, url) => sendJson(res, 201, body(`${url}${COORDINATIONS}/c-1`)));
      try {
        const call = fx.client.requestCoordination({ endpoint: stub.url }, coordinationRequest());
        if (outcome === 'finished') expect(expectKind(await call, 'finished').coordination.coordinationResult).toBe('CONTINUE');
        else expect((await expectFailure(call, 'malformed', false)).detail).toMatch(outcome);
      } finally {
        await stub.close();
      }
    });
  });

  describe('malformed answers', () => {
    cases([
      {
        name: 'a body that is not JSON is malformed, quoting the start of the body',
        behaviour: { malformed: 'not-json' as const },
        detail: /not JSON: "\{\\"id\\":/,
      },
      {
        name: 'an LcmCoord without coordinationResult is malformed, naming the field',
        behaviour: { malformed: 'missing-field' as const },
        detail: /coordinationResult/,
      },
      {
        name: 'a body larger than maxResponseBytes is malformed',
        behaviour: { malformed: 'oversized' as const },
        detail: /exceeds 65536 bytes/,
      },
    ], async ({ behaviour, detail }) => {
      program({ default: behaviour });
      const c = freshClient({ maxResponseBytes: 64 * 1024 });

      const error = await expectFailure(c.requestCoordination(target(), coordinationRequest()), 'malformed', false);

      expect(error.detail).toMatch(detail);
    });

    it('a final GET 200 without coordinationResult is malformed, naming the field', async () => {
      const location = await accepted({ default: { mode: 'async', malformed: 'missing-field' } });

      const error = await expectFailure(fx.client.readCoordination(target(), location), 'malformed', false);

      expect(error.detail).toContain('coordinationResult');
    });

    it('a POST answered 200 (a status the protocol does not allow there) is malformed', async () => {
      const stub = await startStub((_req, res) => sendJson(res, 200, {}));
      try {
        const error = await expectFailure(fx.client.requestCoordination({ endpoint: stub.url }, coordinationRequest()), 'malformed', false);

        expect(error.status).toBe(200);
      } finally {
        await stub.close();
      }
    });
  });

  describe('unreachable EM', () => {
    it('an EM that hangs is unreachable, retryable, once responseTimeoutMs has passed', async () => {
      program({ default: { delayMs: 60_000 } });
      const c = freshClient({ responseTimeoutMs: 300 });

      const started = Date.now();
      const error = await expectFailure(c.requestCoordination(target(), coordinationRequest()), 'unreachable', true);
      const elapsed = Date.now() - started;

      expect(error.detail).toContain('no response within 300 ms');
      expect(elapsed).toBeGreaterThanOrEqual(250); // a timer never fires early
      // The EM holds its answer 60 s: an end well before that can only be the client's own timeout
      // (the margin is wide so that a loaded machine cannot fail it).
      expect(elapsed).toBeLessThan(30_000);
      expect(fx.em.requests.entries()[0]?.status).toBeNull();
    });

    it('a refused connection is unreachable, retryable, naming ECONNREFUSED', async () => {
      // Port 0 cannot be connected to: the connection is refused, every time.
      const t: EmTarget = { endpoint: 'http://127.0.0.1:0', authentication: basicAuth() };

      const error = await expectFailure(fx.client.requestCoordination(t, coordinationRequest()), 'unreachable', true);

      expect(error.detail).toContain('ECONNREFUSED');
    });

    it('an EM that is down is unreachable, retryable; once it is up again the same call succeeds', async () => {
      const gate = await startTcpGate(); // shut: the EM behind it is down
      const t: EmTarget = { endpoint: `http://${gate.address}`, authentication: basicAuth() };
      try {
        await expectFailure(fx.client.requestCoordination(t, coordinationRequest()), 'unreachable', true);

        gate.open(upstreamOf(fx.em.url));
        expect((await fx.client.requestCoordination(t, coordinationRequest())).kind).toBe('finished');
      } finally {
        await gate.close();
      }
    });
  });

  describe('cancel', () => {
    it('cancelling an ongoing coordination is accepted, and it then reads CANCELLED', async () => {
      const location = await accepted({ default: { mode: 'async', never: true } });

      expect(await fx.client.cancelCoordination(target(), location)).toEqual({ kind: 'accepted' });

      const read = expectKind(await fx.client.readCoordination(target(), location), 'finished');
      expect(read.coordination.coordinationResult).toBe('CANCELLED');
      expect(fx.em.requests.entries().map((e) => `${e.method} ${e.path}`)).toContain(`POST ${new URL(location).pathname}/cancel`);
    });

    it('cancelling a coordination that has already finished is already-finished', async () => {
      const outcome = expectKind(await fx.client.requestCoordination(target(), coordinationRequest()), 'finished');

      expect(await fx.client.cancelCoordination(target(), outcome.location ?? '')).toEqual({ kind: 'already-finished' });
    });

    it('cancelling a coordination the EM does not know is rejected with its 404', async () => {
      const error = await expectFailure(fx.client.cancelCoordination(target(), `${fx.em.url}${COORDINATIONS}/no-such-id`), 'rejected', false);

      expect(error.status).toBe(404);
    });
  });
});

