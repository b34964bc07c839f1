import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { ProblemDetails } from '../http/problem.ts';
import { reasonPhrase } from '../http/reason-phrases.ts';

/** A step of the operation failed: the operation goes to FAILED_TEMP with this error. */
export class StepFailure extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail);
    this.name = 'StepFailure';
  }

  static of(status: number, detail: string): StepFailure {
    return new StepFailure({ status, title: reasonPhrase(status), detail });
  }
}

/**
 * Runs a step's activity call; if the activity fails for good (a non-retryable error, retries
 * exhausted, a timeout), the step fails with a readable reason instead of the workflow task
 * failing over and over.
 */
export async function asStep<T>(status: number, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause;
    const reason = cause instanceof TimeoutFailure ? 'the activity timed out' : cause?.message ?? err.message;
    throw StepFailure.of(status, `${what}: ${reason}`);
  }
}

/** The ApplicationFailure an activity raised, with its type, or undefined for other failures. */
export function applicationCause(err: unknown): ApplicationFailure | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
}

export function isTimeout(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
}

/** The upstream HTTP status an activity failure carried in its details, if any. */
export function upstreamStatus(failure: ApplicationFailure): number | undefined {
  const detail = failure.details?.[0] as { status?: number } | undefined;
  return typeof detail?.status === 'number' ? detail.status : undefined;
}
