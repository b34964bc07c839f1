// Certificates made at test time with the openssl CLI: a throwaway CA, a server certificate
// for 127.0.0.1 and client certificates. Nothing is checked in; everything lives in a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface TestPki {
  /** PEM of the CA that signed every certificate below. */
  ca: string;
  /** serverAuth, subjectAltName IP:127.0.0.1. */
  server: KeyPair;
  /** clientAuth certificates, named as asked. */
  clients: Record<string, KeyPair>;
  remove(): void;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeTestPki(clientNames: string[] = ['client']): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'lcmcoord-pki-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const issue = (name: string, extensions: string): KeyPair => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl('req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1',
      '-out', `${name}.crt`, '-extfile', `${name}.ext`);
    return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
  };
  openssl('req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=lcmcoord test CA');
  const server = issue('server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const clients = Object.fromEntries(clientNames.map((name) => [name, issue(name, 'extendedKeyUsage=clientAuth\n')]));
  return {
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    server,
    clients,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
