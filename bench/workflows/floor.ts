// The engine floor: a workflow that only runs no-op activities one after another. It costs
// what Temporal itself costs per activity (schedule, dispatch, complete, workflow task), with
// none of the VNFM's logic, so the change operation's time can be put against it.
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function engineFloor(activities: number): Promise<number> {
  for (let i = 0; i < activities; i++) await noop();
  return activities;
}
