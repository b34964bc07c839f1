import { z } from 'zod';

/** ProblemDetails (IETF RFC 9457 as profiled by ETSI SOL013 §6.3): `status` and `detail` are mandatory. */
export const ProblemDetails = z.looseObject({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
});
export type ProblemDetails = z.infer<typeof ProblemDetails>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** An error that a server turns into an `application/problem+json` response. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toProblemDetails(): ProblemDetails {
    return { status: this.status, title: TITLES[this.status] ?? 'Error', detail: this.detail };
  }
}

/** Renders a zod error as one precise sentence: which field, what was wrong. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}
