// How every process reaches Temporal: the frontend's address, TLS (a CA, mutual TLS with a client
// certificate), an API key and the namespace, from the TEMPORAL_* settings as Temporal's own
// environment configuration defines them (the SDKs' envconfig and the CLI read the same names):
// - an API key turns TLS on unless TEMPORAL_TLS=false says otherwise;
// - any TLS setting turns TLS on unless TEMPORAL_TLS=false;
// - each certificate is given as a path (`…_PATH`) or as the PEM itself (`…_DATA`), not both;
// - a client certificate needs its key, and the other way round.
// The options suit both @temporalio/client's Connection and @temporalio/worker's NativeConnection.
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow/tls-config.js';
import type { Env } from './config.ts';

export type TemporalSettings = Pick<Env,
  | 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_SERVER_CA_CERT_PATH' | 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'
  | 'TEMPORAL_TLS_CLIENT_CERT_PATH' | 'TEMPORAL_TLS_CLIENT_CERT_DATA'
  | 'TEMPORAL_TLS_CLIENT_KEY_PATH' | 'TEMPORAL_TLS_CLIENT_KEY_DATA'
  | 'TEMPORAL_TLS_SERVER_NAME'>;

export interface TemporalConnectionOptions {
  address: string;
  /** false: plaintext; a TLSConfig (possibly empty: the system CAs) otherwise. */
  tls: TLSConfig | false;
  apiKey?: string;
}

/** Settings that cannot make a connection (a certificate without its key, a path and data for one thing). */
export class TemporalSettingsError extends Error {
  override readonly name = 'TemporalSettingsError';
}

export function temporalConnectionOptions(settings: TemporalSettings): TemporalConnectionOptions {
  const ca = pem(settings, 'TEMPORAL_TLS_SERVER_CA_CERT');
  const crt = pem(settings, 'TEMPORAL_TLS_CLIENT_CERT');
  const key = pem(settings, 'TEMPORAL_TLS_CLIENT_KEY');
  if ((crt === undefined) !== (key === undefined)) {
    throw new TemporalSettingsError('TEMPORAL_TLS_CLIENT_CERT_* and TEMPORAL_TLS_CLIENT_KEY_* go together (mutual TLS needs both)');
  }
  const anyTlsSetting = ca !== undefined || crt !== undefined || settings.TEMPORAL_TLS_SERVER_NAME !== undefined;
  const tlsOn = settings.TEMPORAL_TLS ?? (anyTlsSetting || settings.TEMPORAL_API_KEY !== undefined);
  if (!tlsOn && anyTlsSetting) {
    throw new TemporalSettingsError('TEMPORAL_TLS=false with TLS certificates or a server name set: remove one or the other');
  }
  const tls: TLSConfig | false = tlsOn
    ? {
        ...(ca ? { serverRootCACertificate: ca } : {}),
        ...(crt && key ? { clientCertPair: { crt, key } } : {}),
        ...(settings.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: settings.TEMPORAL_TLS_SERVER_NAME } : {}),
      }
    : false;
  return {
    address: settings.TEMPORAL_ADDRESS,
    tls,
    ...(settings.TEMPORAL_API_KEY ? { apiKey: settings.TEMPORAL_API_KEY } : {}),
  };
}

/** One line for logs: where and how, never the key or certificate material. */
export function describeTemporalConnection(settings: TemporalSettings): string {
  const options = temporalConnectionOptions(settings);
  const how = !options.tls ? 'plaintext' : options.tls.clientCertPair ? 'mutual TLS' : 'TLS';
  return `${options.address} (${how}${options.apiKey ? ', API key' : ''}, namespace ${settings.TEMPORAL_NAMESPACE})`;
}

type PemSetting = 'TEMPORAL_TLS_SERVER_CA_CERT' | 'TEMPORAL_TLS_CLIENT_CERT' | 'TEMPORAL_TLS_CLIENT_KEY';

function pem(settings: TemporalSettings, name: PemSetting): Uint8Array | undefined {
  const path = settings[`${name}_PATH`];
  const data = settings[`${name}_DATA`];
  if (path !== undefined && data !== undefined) throw new TemporalSettingsError(`${name}_PATH and ${name}_DATA both set: give one`);
  if (data !== undefined) return Buffer.from(data);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TemporalSettingsError(`${name}_PATH ${path}: ${(err as Error).message}`);
  }
}
