// Errors in the shapes real OpenStack services send them, so the client's error handling is
// exercised against what it will meet on a cloud rather than against our own ProblemDetails.
import type { ServerResponse } from 'node:http';
import { HttpProblem } from '../http/problem.ts';
import { sendJson, type Handler } from '../http/server.ts';

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

/** Wraps a route so OpenStackFault (and a bad request body) is answered in the service's dialect. */
export function openstackRoute(dialect: Dialect, handler: Handler): Handler {
  return async (ctx) => {
    try {
      await handler(ctx);
    } catch (err) {
      if (err instanceof OpenStackFault) sendFault(ctx.res, dialect, err);
      else if (err instanceof HttpProblem && err.status < 500) sendFault(ctx.res, dialect, new OpenStackFault(err.status, err.detail, 'HTTPBadRequest', err.headers));
      else throw err;
    }
  };
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

function sendFault(res: ServerResponse, dialect: Dialect, fault: OpenStackFault): void {
  const title = TITLES[fault.status] ?? 'Error';
  // keystonemiddleware refuses a bad token before any service sees the request.
  const effective = fault.status === 401 ? 'keystone' : dialect;
  sendJson(res, fault.status, faultBody(effective, fault, title), fault.headers);
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
