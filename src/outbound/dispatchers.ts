// The undici dispatchers of outgoing HTTPS: certificates are verified by default, against the
// system's root CAs plus a configured CA. Verification is switched off only for origins named
// one by one (or, for a client whose every origin is one configured peer, all of them), and
// that is logged once, when the dispatchers are made.
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';

export interface TlsDispatcherOptions {
  connectTimeoutMs: number;
  /** PEM of extra CAs to trust. */
  caPem?: string;
  /** Whether the system's root CAs stay trusted beside caPem (default true); false trusts caPem alone. */
  systemRoots?: boolean;
  /** Client certificate and key, for mutual TLS where asked for. */
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Origins (scheme://host:port) whose server certificate is NOT verified, or 'all'. Explicit, per peer. */
  insecureOrigins?: readonly string[] | 'all';
  /** Resolves host names at connect time (the egress policy's, which never yields a denied address). */
  lookup?: LookupFunction;
  log?: (line: string) => void;
}

export class TlsDispatchers {
  private readonly agents = new Map<string, Agent>();
  private readonly insecure: ReadonlySet<string> | 'all';
  readonly hasClientCertificate: boolean;

  constructor(private readonly options: TlsDispatcherOptions) {
    const log = options.log ?? console.warn;
    const insecure = options.insecureOrigins ?? [];
    this.hasClientCertificate = Boolean(options.clientCertPem && options.clientKeyPem);
    if (insecure === 'all') {
      this.insecure = 'all';
      log('TLS certificate verification is OFF for every origin this client reaches (configured explicitly)');
      return;
    }
    this.insecure = new Set(insecure.map((o) => new URL(o).origin));
    for (const origin of this.insecure) log(`TLS certificate verification is OFF for ${origin} (configured explicitly)`);
  }

  /** The dispatcher for a request to this URL, with the client certificate when asked for. */
  for(url: string, withClientCertificate = false): Dispatcher {
    const verify = this.insecure !== 'all' && !this.insecure.has(new URL(url).origin);
    const key = `${verify ? 'verify' : 'insecure'}:${withClientCertificate ? 'mtls' : 'plain'}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({
        connect: {
          timeout: this.options.connectTimeoutMs, ca: this.trusted(), rejectUnauthorized: verify, ...this.clientCertificate(withClientCertificate),
          ...(this.options.lookup ? { lookup: this.options.lookup } : {}),
        },
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
  }

  /** Node's `ca` replaces the root CAs, so they are listed explicitly beside the configured one. */
  private trusted(): string[] | undefined {
    const { caPem, systemRoots = true } = this.options;
    if (!caPem) return undefined;
    return systemRoots ? [...rootCertificates, caPem] : [caPem];
  }

  private clientCertificate(wanted: boolean): { cert?: string; key?: string } {
    return wanted ? { cert: this.options.clientCertPem, key: this.options.clientKeyPem } : {};
  }
}
