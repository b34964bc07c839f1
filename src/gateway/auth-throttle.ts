// Failed sign-ins are throttled per caller: after `maxFailures` within `windowMs` from one
// address (or for one client id at the token endpoint), that caller gets 429 with Retry-After
// until the window ends, whatever it sends, so credentials cannot be guessed at line speed.
// Keys come from clients: a Map, never an object indexed by them.
import { HttpProblem } from '../http/problem.ts';

export interface AuthThrottleOptions {
  maxFailures?: number;
  windowMs?: number;
  now?: () => number;
}

interface Window {
  startedAt: number;
  failures: number;
}

/** Bound on remembered callers: an attacker rotating addresses cannot grow this without limit. */
const MAX_TRACKED = 10_000;

export class AuthThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: AuthThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Throws 429 while the caller is blocked. */
  check(caller: string): void {
    const window = this.current(caller);
    if (window && window.failures >= this.maxFailures) {
      const retryAfter = Math.max(1, Math.ceil((window.startedAt + this.windowMs - this.now()) / 1000));
      throw new HttpProblem(429, `too many failed authentication attempts from ${caller}; try again in ${retryAfter} s`, { 'Retry-After': String(retryAfter) });
    }
  }

  failed(caller: string): void {
    const window = this.current(caller) ?? { startedAt: this.now(), failures: 0 };
    window.failures += 1;
    this.windows.delete(caller);
    this.windows.set(caller, window); // the newest last: the oldest go first when the map is full
    if (this.windows.size > MAX_TRACKED) this.windows.delete(this.windows.keys().next().value as string);
  }

  private current(caller: string): Window | undefined {
    const window = this.windows.get(caller);
    if (window && this.now() - window.startedAt >= this.windowMs) {
      this.windows.delete(caller);
      return undefined;
    }
    return window;
  }
}
