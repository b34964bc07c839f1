// Browser sessions of the codec endpoint. The cookie carries a random session id, never the
// codec token: signing out (or the session's end) revokes exactly that browser, a stolen
// cookie dies with its session, and restarting the endpoint ends every session. Sessions live
// in this process only: a browser signs in again after a restart.
import { randomBytes } from 'node:crypto';

/** Hours, not days: long enough for a working day in the Web UI. */
export const SESSION_LIFETIME_MS = 8 * 3600 * 1000;
/** Sign-ins beyond this push out the oldest session: sign-in cannot grow memory without bound. */
const MAX_SESSIONS = 1000;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export class CodecSessions {
  /** Session id → when it ends; a Map, for ids come from clients. */
  private readonly endsAt = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  open(): string {
    const id = randomBytes(32).toString('base64url');
    this.endsAt.set(id, this.now() + SESSION_LIFETIME_MS);
    if (this.endsAt.size > MAX_SESSIONS) this.endsAt.delete(this.endsAt.keys().next().value as string);
    return id;
  }

  isOpen(id: string | undefined): boolean {
    if (id === undefined || !SESSION_ID.test(id)) return false;
    const endsAt = this.endsAt.get(id);
    if (endsAt === undefined) return false;
    if (endsAt > this.now()) return true;
    this.endsAt.delete(id);
    return false;
  }

  close(id: string | undefined): void {
    if (id !== undefined) this.endsAt.delete(id);
  }
}
