// The TEMPORAL_* connection settings, read as Temporal's environment configuration defines them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { describeTemporalConnection, temporalConnectionOptions } from '../src/temporal-connection.ts';

const options = (env: Record<string, string>) => temporalConnectionOptions(loadConfig(env));

describe('Temporal connection settings', () => {
  it('connect in plaintext to TEMPORAL_ADDRESS when nothing else is set', () => {
    expect(options({ TEMPORAL_ADDRESS: 'frontend:7233' })).toEqual({ address: 'frontend:7233', tls: false });
  });

  it('turn TLS on with the system CAs when only an API key is given', () => {
    expect(options({ TEMPORAL_API_KEY: 'k3y' })).toEqual({ address: '127.0.0.1:7233', tls: {}, apiKey: 'k3y' });
  });

  it('send an API key in plaintext only when TEMPORAL_TLS=false says so', () => {
    expect(options({ TEMPORAL_API_KEY: 'k3y', TEMPORAL_TLS: 'false' })).toMatchObject({ tls: false, apiKey: 'k3y' });
  });

  it('read the CA, the client certificate and its key from paths for mutual TLS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'temporal-tls-'));
    for (const name of ['ca.pem', 'client.pem', 'client.key']) writeFileSync(join(dir, name), `${name} PEM`);
    const tls = options({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
      TEMPORAL_TLS_SERVER_NAME: 'frontend.vnfm',
    }).tls;
    expect(tls && Buffer.from(tls.serverRootCACertificate ?? []).toString()).toBe('ca.pem PEM');
    expect(tls && Buffer.from(tls.clientCertPair?.crt ?? []).toString()).toBe('client.pem PEM');
    expect(tls && Buffer.from(tls.clientCertPair?.key ?? []).toString()).toBe('client.key PEM');
    expect(tls && tls.serverNameOverride).toBe('frontend.vnfm');
  });

  it('take a certificate given as PEM data instead of a path', () => {
    const tls = options({ TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'CA PEM' }).tls;
    expect(tls && Buffer.from(tls.serverRootCACertificate ?? []).toString()).toBe('CA PEM');
  });

  it('refuse a client certificate without its key', () => {
    expect(() => options({ TEMPORAL_TLS_CLIENT_CERT_DATA: 'CERT' })).toThrow(/go together/);
  });

  it('refuse a path and data for the same certificate', () => {
    expect(() => options({ TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'CA', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/x' })).toThrow(/both set/);
  });

  it('refuse certificates with TLS switched off', () => {
    expect(() => options({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'CA' })).toThrow(/TEMPORAL_TLS=false/);
  });

  it('refuse to switch host name verification off rather than ignore the setting', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' })).toThrow(/TEMPORAL_TLS_SERVER_NAME/);
  });

  it('refuse a TOML profile file rather than ignore it', () => {
    expect(() => loadConfig({ TEMPORAL_CONFIG_FILE: '/etc/temporal.toml' })).toThrow(/TEMPORAL_CONFIG_FILE/);
  });

  it('describe the connection in logs without the key', () => {
    const line = describeTemporalConnection(loadConfig({ TEMPORAL_API_KEY: 'k3y-secret', TEMPORAL_NAMESPACE: 'vnfm' }));
    expect(line).toBe('127.0.0.1:7233 (TLS, API key, namespace vnfm)');
  });
});
