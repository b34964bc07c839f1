// SOL005 §9.4.4 upload from a URI: the VNFM fetches the package content from the address the
// NFVO gives (`openstack vnf package upload --url`), with Basic credentials when given, within
// the package size limit and a time bound, on the outbound kit (TLS verified, its egress rules).
// Every failure is a 422 naming the address and what went wrong: the address is the request's.
import { HttpProblem } from '../http/problem.ts';
import { OutboundClient } from '../outbound/client.ts';
import { NO_CREDENTIALS } from '../outbound/credentials.ts';
import type { EgressPolicy } from '../outbound/egress.ts';
import { OutboundError } from '../outbound/errors.ts';
import { displayUrl } from '../outbound/exchange.ts';

export interface PackageDownloaderOptions {
  /** Bound on the whole download. Default 5 minutes. */
  timeoutMs?: number;
  /** PEM of extra CAs trusted for https addresses. */
  caPem?: string;
  /** Origins whose certificate is not verified (an explicit, logged exception). */
  insecureOrigins?: string[];
  /** Where an address may lead (a server always has one: the address is the caller's). */
  egress?: EgressPolicy;
}

const DEFAULT_TIMEOUT_MS = 300_000;

export class PackageDownloader {
  private readonly clients = new Map<number, OutboundClient>();

  constructor(private readonly options: PackageDownloaderOptions = {}) {}

  /** The archive at `uri`, at most `maxBytes`; a 422 when it cannot be had. */
  async fetch(uri: string, maxBytes: number, credentials?: { userName: string; password: string }): Promise<Uint8Array> {
    const client = this.client(maxBytes);
    try {
      const answer = await client.send(
        { method: 'GET', url: uri, headers: { Accept: 'application/zip, application/octet-stream, */*' }, responseBody: 'bytes' },
        credentials ? { kind: 'basic', ...credentials } : NO_CREDENTIALS,
      );
      if (answer.status !== 200 || !answer.bytes) throw new HttpProblem(422, `GET ${displayUrl(uri)} answered ${answer.status}; the package content could not be fetched from addressInformation`);
      return answer.bytes;
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      if (err.code === 'too-large') throw new HttpProblem(413, `the package at ${displayUrl(uri)} exceeds ${maxBytes} bytes`);
      throw new HttpProblem(422, `the package content could not be fetched from addressInformation: ${err.message}`);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }

  /** One client per size limit (the kit bounds responses per client). */
  private client(maxBytes: number): OutboundClient {
    let client = this.clients.get(maxBytes);
    if (!client) {
      const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      client = new OutboundClient({
        limits: { totalTimeoutMs: timeoutMs, maxResponseBytes: maxBytes },
        tls: { connectTimeoutMs: Math.min(timeoutMs, 10_000), caPem: this.options.caPem, insecureOrigins: this.options.insecureOrigins ?? [] },
        egress: this.options.egress,
      });
      this.clients.set(maxBytes, client);
    }
    return client;
  }
}
