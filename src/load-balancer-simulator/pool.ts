// What the load balancer simulator knows, with no HTTP in sight: the pool of members it sends
// traffic to (round robin), its own counts of what every request came to, and the requests in
// flight to each member. A switch replaces the whole pool at once; the requests already sent to
// a member that left the pool are left to finish (drained) before the switch is confirmed, so
// once the switch is answered no request is on its way to a member that may go away next.
import { z } from 'zod';

export const Member = z.object({
  address: z.union([z.ipv4(), z.ipv6(), z.hostname()]),
  port: z.number().int().min(1).max(65535),
});
export type Member = z.infer<typeof Member>;

/** How each request came out, as the load balancer counts it (a client's view, not the member's). */
export interface PoolStats {
  /** Requests received on the front. */
  requests: number;
  /** Answered by a member with a status below 500. */
  succeeded: number;
  /** No member, a member that could not be reached, or a member's 5xx. */
  failed: number;
  /** Pool switches done. */
  switches: number;
  /** Per member (`address:port`), including members that have left the pool. */
  byMember: Record<string, { forwarded: number; failed: number }>;
}

export function memberKey(member: Member): string {
  return member.address.includes(':') ? `[${member.address}]:${member.port}` : `${member.address}:${member.port}`;
}

export class Pool {
  private members: Member[];
  private next = 0;
  private readonly inFlight = new Map<string, number>();
  private readonly settled = new Set<() => void>();
  readonly stats: PoolStats = { requests: 0, succeeded: 0, failed: 0, switches: 0, byMember: {} };

  constructor(members: Member[] = []) {
    this.members = [...members];
  }

  current(): Member[] {
    return [...this.members];
  }

  /** The member for the next request (round robin), counted as in flight until `finish`; undefined when the pool is empty. */
  pick(): Member | undefined {
    this.stats.requests += 1;
    const member = this.members[this.next % Math.max(this.members.length, 1)];
    this.next = (this.next + 1) % Math.max(this.members.length, 1);
    if (!member) {
      this.stats.failed += 1;
      return undefined;
    }
    const key = memberKey(member);
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    (this.stats.byMember[key] ??= { forwarded: 0, failed: 0 }).forwarded += 1;
    return member;
  }

  /** A request to `member` has ended: answered below 500 (ok) or not. */
  finish(member: Member, ok: boolean): void {
    const key = memberKey(member);
    this.inFlight.set(key, Math.max((this.inFlight.get(key) ?? 1) - 1, 0));
    if (ok) {
      this.stats.succeeded += 1;
    } else {
      this.stats.failed += 1;
      (this.stats.byMember[key] ??= { forwarded: 0, failed: 0 }).failed += 1;
    }
    for (const wake of this.settled) wake();
  }

  /**
   * Replaces the pool, then waits until no request is in flight to a member that left it (at
   * most `drainTimeoutMs`). Answers whether they all drained in time.
   */
  async switchTo(members: Member[], drainTimeoutMs: number): Promise<boolean> {
    const leaving = this.members.map(memberKey).filter((key) => !members.some((m) => memberKey(m) === key));
    this.members = [...members];
    this.next = 0;
    this.stats.switches += 1;
    const drained = (): boolean => leaving.every((key) => (this.inFlight.get(key) ?? 0) === 0);
    if (drained()) return true;
    return new Promise<boolean>((resolve) => {
      const done = (result: boolean): void => {
        this.settled.delete(check);
        clearTimeout(timer);
        resolve(result);
      };
      const check = (): void => {
        if (drained()) done(true);
      };
      const timer = setTimeout(() => done(false), drainTimeoutMs);
      this.settled.add(check);
    });
  }
}
