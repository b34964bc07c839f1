// Activities towards the Element Manager: each is one lcmcoord exchange through the protocol
// client, with the client's typed errors turned into Temporal failures the workflow can read.
import { ApplicationFailure } from '@temporalio/activity';
import type { CancelOutcome, CoordinationClient, EmTarget, PostOutcome, ReadOutcome } from '../lcmcoord/client.ts';
import { COORDINATION_FAILURE_PREFIX, CoordinationError } from '../lcmcoord/errors.ts';
import type { LcmCoordRequest } from '../lcmcoord/models.ts';

/**
 * An EM answer with the time it arrived (epoch ms, worker clock): Retry-After counts from the
 * answer, and the workflow may read the answer noticeably later (a task queue, a busy worker).
 */
export type Answered<T> = T & { answeredAt: number };

export function createEmActivities(client: CoordinationClient) {
  return {
    async requestCoordination(target: EmTarget, body: LcmCoordRequest): Promise<Answered<PostOutcome>> {
      return answered(await asTemporalFailure(() => client.requestCoordination(target, body)));
    },
    async readCoordination(target: EmTarget, location: string): Promise<Answered<ReadOutcome>> {
      return answered(await asTemporalFailure(() => client.readCoordination(target, location)));
    },
    async cancelCoordination(target: EmTarget, location: string): Promise<CancelOutcome> {
      return asTemporalFailure(() => client.cancelCoordination(target, location));
    },
  };
}

function answered<T extends object>(outcome: T): Answered<T> {
  return { ...outcome, answeredAt: Date.now() };
}

async function asTemporalFailure<T>(exchange: () => Promise<T>): Promise<T> {
  try {
    return await exchange();
  } catch (err) {
    if (!(err instanceof CoordinationError)) throw err;
    throw ApplicationFailure.create({
      type: `${COORDINATION_FAILURE_PREFIX}${err.reason}`,
      message: err.detail,
      nonRetryable: !err.retryable,
      details: [{ status: err.status, problem: err.problem }],
    });
  }
}
