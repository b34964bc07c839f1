// Activities towards the Element Manager: each is one lcmcoord exchange through the protocol
// client, with the client's typed errors turned into Temporal failures the workflow can read.
import type { CancelOutcome, CoordinationClient, EmTarget, PostOutcome, ReadOutcome } from '../lcmcoord/client.ts';
import { COORDINATION_SYSTEM } from '../lcmcoord/errors.ts';
import type { LcmCoordRequest } from '../lcmcoord/models.ts';
import { secretValues } from '../sol003/redact.ts';
import { asApplicationFailure } from './failures.ts';

/**
 * An EM answer with the time it arrived (epoch ms, worker clock): Retry-After counts from the
 * answer, and the workflow may read the answer noticeably later (a task queue, a busy worker).
 */
export type Answered<T> = T & { answeredAt: number };

export function createEmActivities(client: CoordinationClient) {
  return {
    async requestCoordination(target: EmTarget, body: LcmCoordRequest): Promise<Answered<PostOutcome>> {
      return answered(await asApplicationFailure(COORDINATION_SYSTEM, () => client.requestCoordination(target, body), secretsOf(target)));
    },
    async readCoordination(target: EmTarget, location: string): Promise<Answered<ReadOutcome>> {
      return answered(await asApplicationFailure(COORDINATION_SYSTEM, () => client.readCoordination(target, location), secretsOf(target)));
    },
    async cancelCoordination(target: EmTarget, location: string): Promise<CancelOutcome> {
      return asApplicationFailure(COORDINATION_SYSTEM, () => client.cancelCoordination(target, location), secretsOf(target));
    },
  };
}

function secretsOf(target: EmTarget): { secrets: string[] } {
  return { secrets: secretValues(target.authentication) };
}

function answered<T extends object>(outcome: T): Answered<T> {
  return { ...outcome, answeredAt: Date.now() };
}
