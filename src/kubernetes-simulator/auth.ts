// Who calls the simulated API server: a bearer token it was configured with (a service
// account's token, in a real cluster), or a client certificate signed by its client CA (the
// certificate's CN is the user, as for kubeadm's admin.conf). Anything else is a 401.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';

export interface SimulatorAuth {
  /** Accepted bearer tokens. */
  tokens: readonly string[];
}

export function authenticator(auth: SimulatorAuth): (request: FastifyRequest) => string | undefined {
  const digests = auth.tokens.map(digest);
  return (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (match) {
      const given = digest(match[1] as string);
      return digests.some((d) => timingSafeEqual(d, given)) ? 'token-user' : undefined;
    }
    const socket = request.raw.socket as Partial<TLSSocket>;
    if (socket.authorized === true && typeof socket.getPeerCertificate === 'function') {
      const subject = socket.getPeerCertificate().subject as { CN?: string } | undefined;
      return subject?.CN || undefined;
    }
    return undefined;
  };
}

/** Compared as SHA-256 digests: equal lengths, and a wrong token's length tells nothing. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
