import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { ProblemDetails } from '../http/problem.ts';

/** A step of the operation failed: the operation goes to FAILED_TEMP with this error. */
export class StepFailure extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail);
    this.name = 'StepFailure';
  }

  static of(status: number, detail: string): StepFailure {
    return new StepFailure({ status, title: status >= 500 ? 'Internal Server Error' : 'Conflict', detail });
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
