// The one mapping from a failed exchange with an external system to the failure Temporal
// records and retries by: type `<system>.<code>`, retried unless the code says it cannot
// help, the peer's status and ProblemDetails as details. Workflow code reads the type (EM
// failures by the `Coordination.` prefix) and `details[0].status`.
import { ApplicationFailure } from '@temporalio/activity';
import type { COORDINATION_SYSTEM } from '../lcmcoord/errors.ts';
import { OutboundError } from '../outbound/errors.ts';
import { scrub } from '../sol003/redact.ts';

/** The systems activities talk to, as failure types name them. */
export type ExternalSystem = typeof COORDINATION_SYSTEM | 'Vim' | 'Kubernetes' | 'Notification' | 'LoadBalancer';

export interface FailureDetails {
  status?: number;
  problem?: OutboundError['problem'];
}

export interface FailureContext {
  /** Goes before the error's own message, e.g. which subscription it was for. */
  context?: string;
  /** The request's own secret values: a peer that echoes one back does not get it into history. */
  secrets?: readonly string[];
}

export function applicationFailureOf(system: ExternalSystem, err: OutboundError, { context, secrets = [] }: FailureContext = {}): ApplicationFailure {
  const problem = err.problem && { ...err.problem, detail: scrub(err.problem.detail, secrets) };
  const details: FailureDetails = { status: err.status, problem };
  return ApplicationFailure.create({
    type: `${system}.${err.code}`,
    message: scrub(context === undefined ? err.message : `${context}: ${err.message}`, secrets),
    nonRetryable: !err.retryable,
    details: [details],
  });
}

/** Runs one exchange; an OutboundError leaves as its ApplicationFailure, anything else as it is. */
export async function asApplicationFailure<T>(system: ExternalSystem, exchange: () => Promise<T>, failure: FailureContext = {}): Promise<T> {
  try {
    return await exchange();
  } catch (err) {
    if (err instanceof OutboundError) throw applicationFailureOf(system, err, failure);
    throw err;
  }
}
