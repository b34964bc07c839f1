// The certificates of the simulator's embedded default (`npm start`): a CA of its own and a
// server certificate for 127.0.0.1 and localhost, made once with the openssl CLI into the data
// folder and kept there (a VNFM and kubectl trust the CA, as they would a cluster's). A
// deployment of the simulator gives its own certificate instead.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SimulatorPki {
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
  cert: string;
  key: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** The CA and server certificate in `dir`, made there first when missing. */
export function ensureSimulatorPki(dir: string): SimulatorPki {
  const files = { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
  if (!Object.values(files).every(existsSync)) make(dir, files);
  return { ...files, ca: readFileSync(files.caFile, 'utf8'), cert: readFileSync(files.certFile, 'utf8'), key: readFileSync(files.keyFile, 'utf8') };
}

/** Made in a folder of its own, then moved into place: a crash never leaves half a PKI. */
function make(dir: string, files: { caFile: string; certFile: string; keyFile: string }): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const work = join(dir, `.pki-${process.pid}`);
  mkdirSync(work, { recursive: true, mode: 0o700 });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: 'pipe' });
  try {
    openssl('req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=durable-vnfm Kubernetes simulator CA');
    openssl('req', ...EC_KEY, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver');
    writeFileSync(join(work, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650', '-out', 'server.crt', '-extfile', 'server.ext');
    renameSync(join(work, 'server.key'), files.keyFile);
    renameSync(join(work, 'server.crt'), files.certFile);
    renameSync(join(work, 'ca.crt'), files.caFile);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
