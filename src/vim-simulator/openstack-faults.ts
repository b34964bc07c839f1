// Errors in the shapes real OpenStack services send them, so the client's error handling is
// exercised against what it will meet on a cloud rather than against our own ProblemDetails.
import type { FastifyError, FastifyReply } from 'fastify';
import type { App } from '../http/app.ts';
import { HttpProblem } from '../http/problem.ts';

export type Dialect = 'keystone' | 'heat' | 'nova';

export class OpenStackFault extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Heat's exception class name, e.g. EntityNotFound. */
    readonly heatType = 'HTTPException',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'OpenStackFault';
  }
}

/**
 * Every error of a route of this scope is answered in the service's dialect: an OpenStackFault,
 * and any refusal of the request (a bad body, a media type not parsed); the rest goes on to the
 * kit's error handler.
 */
export function speaks(scope: App, dialect: Dialect): void {
  scope.setErrorHandler((error, _request, reply) => {
    const fault = faultOf(error);
    if (!fault) throw error;
    return sendFault(reply, dialect, fault);
  });
}

function faultOf(error: unknown): OpenStackFault | undefined {
  if (error instanceof OpenStackFault) return error;
  if (error instanceof HttpProblem && error.status < 500) return new OpenStackFault(error.status, error.detail, 'HTTPBadRequest', error.headers);
  const { statusCode, message } = error as Partial<FastifyError>;
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return new OpenStackFault(statusCode, message ?? 'bad request', 'HTTPBadRequest');
  return undefined;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Request Entity Too Large',
};

// webob's stock explanations, which Heat puts beside its own message.
const HEAT_EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  409: 'There was a conflict when trying to complete your request.',
};

const NOVA_FAULT_NAMES: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 409: 'conflictingRequest',
};

function sendFault(reply: FastifyReply, dialect: Dialect, fault: OpenStackFault): FastifyReply {
  const title = TITLES[fault.status] ?? 'Error';
  // keystonemiddleware refuses a bad token before any service sees the request.
  const effective = fault.status === 401 ? 'keystone' : dialect;
  return reply.code(fault.status).headers(fault.headers).send(faultBody(effective, fault, title));
}

function faultBody(dialect: Dialect, fault: OpenStackFault, title: string): unknown {
  switch (dialect) {
    case 'keystone':
      return { error: { code: fault.status, message: fault.message, title } };
    case 'heat':
      return {
        explanation: HEAT_EXPLANATIONS[fault.status] ?? title,
        code: fault.status,
        error: { message: fault.message, traceback: null, type: fault.heatType },
        title,
      };
    case 'nova':
      return { [NOVA_FAULT_NAMES[fault.status] ?? 'computeFault']: { code: fault.status, message: fault.message } };
  }
}
