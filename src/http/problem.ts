import { z } from 'zod';
import { reasonPhrase } from './reason-phrases.ts';

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
    return { status: this.status, title: reasonPhrase(this.status), detail: this.detail };
  }
}

/** Renders a zod error as one precise sentence: which field, what was wrong. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}
