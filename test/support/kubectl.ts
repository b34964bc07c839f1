// Debian's kubectl (package kubernetes-client), which `npm ci` unpacks into .tools/
// (scripts/provision-test-tools.mjs); KUBECTL_PATH names another.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadToolsConfig } from '../../src/config.ts';
import { PROJECT_ROOT } from '../../src/project-root.ts';

const run = promisify(execFile);

export function kubectlPath(): string {
  const path = loadToolsConfig().KUBECTL_PATH ?? join(PROJECT_ROOT, '.tools', 'kubernetes-client', 'usr', 'bin', 'kubectl');
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm ci\` (scripts/provision-test-tools.mjs unpacks Debian's kubernetes-client)`);
  return path;
}

export interface KubectlUser {
  token?: string;
  clientCertificate?: { cert: string; key: string };
}

/** kubectl with a kubeconfig of its own (the server, its CA, one user) and a discovery cache of its own. */
export class Kubectl {
  private readonly dir = mkdtempSync(join(tmpdir(), 'kubectl-'));
  private readonly kubeconfig = join(this.dir, 'kubeconfig');

  constructor(server: string, caPem: string, user: KubectlUser) {
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const credentials = [
      ...(user.token ? [`    token: ${user.token}`] : []),
      ...(user.clientCertificate ? [`    client-certificate-data: ${b64(user.clientCertificate.cert)}`, `    client-key-data: ${b64(user.clientCertificate.key)}`] : []),
    ];
    writeFileSync(this.kubeconfig, [
      'apiVersion: v1', 'kind: Config',
      'clusters:', '- name: simulator', '  cluster:', `    server: ${server}`, `    certificate-authority-data: ${b64(caPem)}`,
      'users:', '- name: user', '  user:', ...(credentials.length ? credentials : ['    {}']),
      'contexts:', '- name: simulator', '  context:', '    cluster: simulator', '    user: user',
      'current-context: simulator', '',
    ].join('\n'));
  }

  /** Runs kubectl; resolves with its output, or rejects with it (stderr included). */
  async run(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run(kubectlPath(), ['--kubeconfig', this.kubeconfig, '--cache-dir', join(this.dir, 'cache'), ...args], {
        timeout: 60_000, env: { ...process.env, HOME: this.dir, KUBECONFIG: this.kubeconfig },
      });
      return stdout;
    } catch (err) {
      const { stdout = '', stderr = '', code, signal } = err as { stdout?: string; stderr?: string; code?: number | string; signal?: string };
      throw new Error(`kubectl ${args.join(' ')} failed (${signal ?? `exit ${String(code)}`}): ${stderr || stdout || (err as Error).message}`);
    }
  }

  /** A manifest written to a file kubectl can be pointed at. */
  file(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
