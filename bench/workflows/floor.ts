// The engine floor: a workflow that only runs no-op activities and timers one after another. It
// costs what Temporal itself costs per activity and timer (schedule, dispatch, complete, fire,
// workflow task), with none of the VNFM's logic, so the change operation's time and CPU can be
// put against it. The plan is the change's own sequence, in the same order: 'A' a regular
// activity, 'L' a local one, a number a timer of that many milliseconds.
import { proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';

type Noop = { noop(): Promise<void> };
const regular = proxyActivities<Noop>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<Noop>({ startToCloseTimeout: '1 minute' });

export type FloorStep = 'A' | 'L' | number;

export async function engineFloor(plan: string | FloorStep[]): Promise<number> {
  for (const step of plan) {
    if (typeof step === 'number') await sleep(step);
    else await (step === 'L' ? local.noop() : regular.noop());
  }
  return plan.length;
}
