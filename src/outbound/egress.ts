// Where the VNFM may send a request that someone else named (an EM endpoint, a token endpoint,
// a Location, a notification callback, a package URL): an egress policy by host name, address
// range and port. A deployment denies loopback, link-local (cloud metadata services), the
// unspecified address, and its own ports; the embedded default (`npm start`) allows loopback,
// where its own EM and VIM run. Names are checked when they resolve, at connect time too, so a
// name that resolves to a denied address later (DNS rebinding) is refused all the same.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { OutboundError } from './errors.ts';

export interface EgressPolicyInit {
  /** Only these destinations (CIDR, address, host name, `*.domain`); empty: anything not denied. */
  allow?: readonly string[];
  /** Never these (CIDR, address, host name, `*.domain`). */
  deny: readonly string[];
  /** Ports of the VNFM's own servers: never reached on a loopback address. */
  ownPorts?: readonly number[];
}

/** Loopback, link-local and unspecified addresses, in both families. */
export const LOOPBACK = ['127.0.0.0/8', '::1/128'];
export const NEVER_REACHED = ['169.254.0.0/16', 'fe80::/10', '0.0.0.0/8', '::/128'];

interface Rules {
  addresses: BlockList;
  names: string[];
  empty: boolean;
}

export class EgressPolicy {
  private readonly allow: Rules;
  private readonly deny: Rules;
  private readonly ownPorts: ReadonlySet<number>;
  private readonly loopback = rulesOf(LOOPBACK);

  constructor(init: EgressPolicyInit) {
    this.allow = rulesOf(init.allow ?? []);
    this.deny = rulesOf(init.deny);
    this.ownPorts = new Set(init.ownPorts ?? []);
  }

  /**
   * Checks a URL before anything is sent: its name (if the policy names hosts), then every
   * address it resolves to, with its port. Throws OutboundError `refused-destination`, which
   * names the destination and nothing of what lies there.
   */
  async check(url: string): Promise<void> {
    const { hostname, port, protocol } = new URL(url);
    const host = hostname.replace(/^\[|\]$/g, '');
    const portNumber = Number(port || (protocol === 'https:' ? 443 : 80));
    if (isIP(host) !== 0) return this.checkAddress({ address: host, family: isIP(host) }, portNumber, host);
    if (matchesName(this.deny.names, host)) throw refused(host);
    for (const address of await resolveAll(host)) this.checkAddress(address, portNumber, host);
  }

  /** For the dispatchers: a lookup that never hands a denied address to connect(). */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => !this.refuses(a, hostname));
      if (allowed.length === 0) {
        return callback(Object.assign(new Error(`destination ${hostname} is not allowed by the egress policy`), { code: 'EGRESS_DENIED' }), '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      const [first] = allowed as [LookupAddress];
      return callback(null, first.address, first.family);
    });
  };

  private checkAddress(address: LookupAddress, port: number, host: string): void {
    if (this.refuses(address, host)) throw refused(host === address.address ? host : `${host} (${address.address})`);
    if (this.ownPorts.has(port) && this.inList(this.loopback, address)) throw refused(`${host}:${port}, a port of the VNFM itself`);
  }

  /** A denied address is refused whatever its name; with an allow list, only what it names (by address or host name) passes. */
  private refuses(address: LookupAddress, host: string): boolean {
    if (this.inList(this.deny, address)) return true;
    return !this.allow.empty && !this.inList(this.allow, address) && !matchesName(this.allow.names, host);
  }

  private inList(rules: Rules, { address, family }: LookupAddress): boolean {
    return rules.addresses.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

function refused(destination: string): OutboundError {
  return new OutboundError('refused-destination', `destination ${destination} is not allowed by the egress policy`);
}

function rulesOf(entries: readonly string[]): Rules {
  const addresses = new BlockList();
  const names: string[] = [];
  for (const entry of entries.map((e) => e.trim()).filter(Boolean)) {
    const [base = '', prefix] = entry.split('/');
    const family = isIP(base);
    if (family === 0) {
      names.push(entry.toLowerCase());
    } else if (prefix === undefined) {
      addresses.addAddress(base, family === 6 ? 'ipv6' : 'ipv4');
    } else {
      addresses.addSubnet(base, Number(prefix), family === 6 ? 'ipv6' : 'ipv4');
    }
  }
  return { addresses, names, empty: entries.length === 0 };
}

function matchesName(patterns: readonly string[], host: string): boolean {
  const name = host.toLowerCase();
  return patterns.some((pattern) => (pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) : name === pattern));
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (err, addresses) => {
      if (err) reject(new OutboundError('unreachable', `${host} does not resolve (${err.code ?? 'DNS error'})`));
      else resolve(addresses);
    });
  });
}
