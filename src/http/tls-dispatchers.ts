// Outgoing HTTPS for the protocol clients (EM, token endpoints, notification subscribers):
// certificates are verified by default, against the system's root CAs plus a configured CA.
// Verification is switched off only for origins named one by one, and that is logged once.
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';

export interface TlsDispatcherOptions {
  connectTimeoutMs: number;
  /** PEM of extra CAs to trust, besides the root CAs. */
  caPem?: string;
  /** Client certificate and key, for mutual TLS where asked for. */
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Origins (scheme://host:port) whose server certificate is NOT verified. Explicit, per endpoint. */
  insecureOrigins?: string[];
  log?: (line: string) => void;
}

export class TlsDispatchers {
  private readonly agents = new Map<string, Agent>();
  private readonly insecure: ReadonlySet<string>;
  readonly hasClientCertificate: boolean;

  constructor(private readonly options: TlsDispatcherOptions) {
    this.insecure = new Set((options.insecureOrigins ?? []).map((o) => new URL(o).origin));
    this.hasClientCertificate = Boolean(options.clientCertPem && options.clientKeyPem);
    for (const origin of this.insecure) {
      (options.log ?? console.warn)(`TLS certificate verification is OFF for ${origin} (configured explicitly)`);
    }
  }

  /** The dispatcher for a request to this URL, with the client certificate when asked for. */
  for(url: string, withClientCertificate = false): Dispatcher {
    const verify = !this.insecure.has(new URL(url).origin);
    const key = `${verify ? 'verify' : 'insecure'}:${withClientCertificate ? 'mtls' : 'plain'}`;
    let agent = this.agents.get(key);
    if (!agent) {
      // Node's `ca` replaces the root CAs, so they are listed explicitly beside the configured one.
      const ca = this.options.caPem ? [...rootCertificates, this.options.caPem] : undefined;
      const clientCert = withClientCertificate ? { cert: this.options.clientCertPem, key: this.options.clientKeyPem } : {};
      agent = new Agent({ connect: { timeout: this.options.connectTimeoutMs, ca, rejectUnauthorized: verify, ...clientCert } });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
  }
}
