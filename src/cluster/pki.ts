// The cluster's certificates, made once with the openssl CLI into <dir>: a CA; the frontend's
// server certificate (127.0.0.1 and localhost); and client certificates for the VNFM's
// processes, the Temporal worker service and the Web UI. The frontend requires one of them
// (mutual TLS). Private keys are 0600; nothing here is downloaded or checked in.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificatePair {
  cert: string;
  key: string;
}

export interface ClusterPki {
  ca: string;
  frontend: CertificatePair;
  /** Gateways, workers, benchmarks and tests: the VNFM's own clients. */
  vnfm: CertificatePair;
  systemWorker: CertificatePair;
  ui: CertificatePair;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const DAYS = '3650';

export function ensureClusterPki(dir: string): ClusterPki {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const path = (name: string): CertificatePair => ({ cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) });
  const pki: ClusterPki = {
    ca: join(dir, 'ca.pem'),
    frontend: path('frontend'), vnfm: path('vnfm'), systemWorker: path('system-worker'), ui: path('ui'),
  };
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  if (!existsSync(pki.ca)) {
    openssl('req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', DAYS, '-subj', '/CN=durable-vnfm cluster CA');
    chmodSync(join(dir, 'ca.key'), 0o600);
  }
  const issue = (name: string, pair: CertificatePair, extensions: string): void => {
    if (existsSync(pair.cert)) return;
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl('req', ...EC_KEY, '-keyout', pair.key, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', DAYS,
      '-out', pair.cert, '-extfile', `${name}.ext`);
    chmodSync(pair.key, 0o600);
  };
  issue('frontend', pki.frontend, 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:temporal\nextendedKeyUsage=serverAuth,clientAuth\n');
  issue('vnfm', pki.vnfm, 'extendedKeyUsage=clientAuth\n');
  issue('system-worker', pki.systemWorker, 'extendedKeyUsage=clientAuth\n');
  issue('ui', pki.ui, 'extendedKeyUsage=clientAuth\n');
  return pki;
}
