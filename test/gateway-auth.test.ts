// Who may call the gateway: API token (X-Auth-Token, as python-tackerclient sends it, or
// Bearer), HTTP Basic, or an OAuth 2.0 client-credentials token from the gateway's token endpoint.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GatewayAuthenticator } from '../src/gateway/auth.ts';
import { createGatewayApp } from '../src/gateway/app.ts';
import type { App } from '../src/http/app.ts';
import { listen } from '../src/http/listen.ts';
import { FileInventoryStore } from '../src/inventory/store.ts';

let app: App;
let url: string;
let connection: Connection;
let clock = Date.now();
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  const auth = new GatewayAuthenticator({
    apiTokens: ['api-token-0123456789'],
    basic: [{ userName: 'admin', password: 'hunter22' }],
    oauth2Clients: [{ clientId: 'nfvo', clientSecret: 's3cret-s3cret' }],
    tokenLifetimeSec: 60,
  }, () => clock);
  app = createGatewayApp({
    client: new Client({ connection }), taskQueue: 'unused', inventory: new FileInventoryStore(join(mkdtempSync(join(tmpdir(), 'auth-')), 'inv.json')),
    apiRoot: 'http://127.0.0.1', defaultCoordinationAction: 'x', auth,
  });
  url = await listen(app, '127.0.0.1', 0);
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
});

async function list(headers: Record<string, string>) {
  const res = await request(`${url}/vnflcm/v2/vnf_instances`, { headers: { Version: '2.0.0', ...headers } });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

async function token(authorization: string, body = 'grant_type=client_credentials') {
  const res = await request(`${url}/oauth2/token`, {
    method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' }, body,
  });
  return { status: res.statusCode, body: await res.body.text() };
}

describe('gateway authentication', () => {
  it('answers 401 ProblemDetails with WWW-Authenticate when no credentials are sent', async () => {
    const res = await list({});
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['www-authenticate']).toMatch(/Bearer realm=.*Basic realm=/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 401, detail: expect.stringContaining('no credentials') as unknown });
  });

  it('accepts the API token as X-Auth-Token, as python-tackerclient sends it', async () => {
    expect((await list({ 'X-Auth-Token': 'api-token-0123456789' })).status).toBe(200);
  });

  it('refuses a wrong X-Auth-Token', async () => {
    expect((await list({ 'X-Auth-Token': 'notused' })).status).toBe(401);
  });

  it('accepts the API token as a Bearer token', async () => {
    expect((await list({ Authorization: 'Bearer api-token-0123456789' })).status).toBe(200);
  });

  it('accepts HTTP Basic with the configured user and refuses a wrong password', async () => {
    expect((await list({ Authorization: basic('admin', 'hunter22') })).status).toBe(200);
    expect((await list({ Authorization: basic('admin', 'hunter23') })).status).toBe(401);
  });

  it('issues a client-credentials token that authenticates API calls until it expires', async () => {
    const issued = await token(basic('nfvo', 's3cret-s3cret'));
    expect(issued.status).toBe(200);
    const { access_token: accessToken, expires_in: expiresIn } = JSON.parse(issued.body) as { access_token: string; expires_in: number };
    expect(expiresIn).toBe(60);
    expect((await list({ Authorization: `Bearer ${accessToken}` })).status).toBe(200);

    clock += 61_000;
    const expired = await list({ Authorization: `Bearer ${accessToken}` });
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses a token whose signature was altered', async () => {
    const { access_token: accessToken } = JSON.parse((await token(basic('nfvo', 's3cret-s3cret'))).body) as { access_token: string };
    const [payload] = accessToken.split('.');
    expect((await list({ Authorization: `Bearer ${payload}.forged` })).status).toBe(401);
  });

  it('refuses wrong client credentials and grants other than client_credentials at the token endpoint', async () => {
    expect((await token(basic('nfvo', 'wrong'))).status).toBe(401);
    expect((await token(basic('nfvo', 's3cret-s3cret'), 'grant_type=password')).status).toBe(400);
  });

  it('checks credentials before the Version header', async () => {
    const res = await request(`${url}/vnflcm/v2/vnf_instances`);
    expect(res.statusCode).toBe(401);
    await res.body.dump();
  });
});
