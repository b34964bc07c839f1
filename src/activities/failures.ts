// The one mapping from a failed exchange with an external system to the failure Temporal
// records and retries by: type `<system>.<code>`, retried unless the code says it cannot
// help, the peer's status and ProblemDetails as details. Workflow code reads the type (EM
// failures by the `Coordination.` prefix) and `details[0].status`.
import { ApplicationFailure } from '@temporalio/activity';
import type { COORDINATION_SYSTEM } from '../lcmcoord/errors.ts';
import { OutboundError } from '../outbound/errors.ts';

/** The systems activities talk to, as failure types name them. */
export type ExternalSystem = typeof COORDINATION_SYSTEM | 'Vim' | 'Notification';

export interface FailureDetails {
  status?: number;
  problem?: OutboundError['problem'];
}

/** `context` goes before the error's own message, e.g. which subscription it was for. */
export function applicationFailureOf(system: ExternalSystem, err: OutboundError, context?: string): ApplicationFailure {
  const details: FailureDetails = { status: err.status, problem: err.problem };
  return ApplicationFailure.create({
    type: `${system}.${err.code}`,
    message: context === undefined ? err.message : `${context}: ${err.message}`,
    nonRetryable: !err.retryable,
    details: [details],
  });
}

/** Runs one exchange; an OutboundError leaves as its ApplicationFailure, anything else as it is. */
export async function asApplicationFailure<T>(system: ExternalSystem, exchange: () => Promise<T>, context?: string): Promise<T> {
  try {
    return await exchange();
  } catch (err) {
    if (err instanceof OutboundError) throw applicationFailureOf(system, err, context);
    throw err;
  }
}
