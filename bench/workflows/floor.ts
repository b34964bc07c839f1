// The engine floor: a workflow that only runs no-op activities one after another. It costs
// what Temporal itself costs per activity (schedule, dispatch, complete, workflow task), with
// none of the VNFM's logic, so the change operation's time can be put against it. The plan is
// the change's own sequence of activity kinds, 'A' regular and 'L' local, in the same order.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

type Noop = { noop(): Promise<void> };
const regular = proxyActivities<Noop>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<Noop>({ startToCloseTimeout: '1 minute' });

export async function engineFloor(plan: string): Promise<number> {
  for (const kind of plan) await (kind === 'L' ? local.noop() : regular.noop());
  return plan.length;
}
