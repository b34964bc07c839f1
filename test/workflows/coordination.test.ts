// The coordination step as workflow logic: the arithmetic of the waits (Retry-After, its floor
// and default, the scale), rejections, the deadline and what the EM's verdict does to the
// operation. Activities are fakes; see harness.ts.
import { describe, expect, it } from 'vitest';
import { CallLog, FakeEm, FakeVim, sideActivities, type EmPlan } from './fakes.ts';
import { changeInput, EM_NEW, reachState, sourceServers, startChange, timerDurations, useHarness, vnfcs } from './harness.ts';

const harness = useHarness();
const vnfcResourceInfo = vnfcs(1);

function fakes(plan: EmPlan) {
  const log = new CallLog();
  const em = new FakeEm(log, plan);
  const activities = { ...new FakeVim(log, sourceServers(vnfcResourceInfo), { readsInProgress: 0 }).activities(), ...em.activities(), ...sideActivities(log) };
  return { log, em, activities };
}

describe('Retry-After arithmetic', () => {
  // The EM's answers carry a clock ten seconds ahead of the workflow's (well inside the 30 s
  // deadline): a wait counts from the answer, so each timer is exactly the delay computed.
  const tuning = { minPollIntervalMs: 30, defaultPollIntervalMs: 70 };
  it.each([
    { given: 'a Retry-After of 0 is floored at minPollIntervalMs', polls: [0], timers: [30] },
    { given: 'no Retry-After waits defaultPollIntervalMs', polls: [undefined], timers: [70] },
    { given: 'a Retry-After above the floor is honoured as it is', polls: [120, 45], timers: [120, 45] },
    { given: 'retryAfterScale shrinks every delay, the floor too', polls: [120, 0, undefined], timers: [60, 15, 35], scale: 0.5 },
  ])('$given', async ({ polls, timers, scale }) => {
    const { em, activities } = fakes({ accepted: { retryAfterMs: polls[0] }, polls: polls.slice(1) });
    em.answerSkewMs = 10_000;
    const input = changeInput({ vnfcResourceInfo, tuning: { ...tuning, ...(scale ? { retryAfterScale: scale } : {}) } });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    expect(state.operationState).toBe('COMPLETED');
    expect(await timerDurations(harness.client, input.vnfLcmOpOccId)).toEqual(timers);
  });

  it('polls again Retry-After after the EM answered, not after the workflow read the answer', async () => {
    const { log, em, activities } = fakes({ accepted: { retryAfterMs: 2_000 }, polls: [2_000] });
    // The answers reach the workflow 1.8 s after the EM gave them (a busy task queue, say).
    em.answerSkewMs = -1_800;
    const input = changeInput({ vnfcResourceInfo });

    await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    // Counted from the read, each wait would be 2 s; counted from the answer, 0.2 s and the
    // moments it took to read it (under half of Retry-After, whatever the load).
    const timers = await timerDurations(harness.client, input.vnfLcmOpOccId);
    expect(timers.every((ms) => ms < 1_000), JSON.stringify(timers)).toBe(true);
    const [post, ...gets] = log.calls.filter((c) => c.vnfc === 'vnfc-0' && c.detail === EM_NEW);
    expect(gets).toHaveLength(2);
    // …and never earlier than Retry-After after the answer.
    expect(gets[0]!.at).toBeGreaterThanOrEqual(post!.at - 1_800 + 2_000);
  });

  it('posts again after each 503 and records every rejection with the time its delay ends', async () => {
    const { log, em, activities } = fakes({ busy: [40, undefined] });
    em.answerSkewMs = 10_000;
    const input = changeInput({ vnfcResourceInfo, tuning: { defaultPollIntervalMs: 50 } });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    expect(log.count('requestCoordination')).toBe(3);
    expect(await timerDurations(harness.client, input.vnfLcmOpOccId)).toEqual([40, 50]);
    expect(state.rejectedLcmCoordinations.map((r) => Date.parse(r.delay) - Date.parse(r.rejectionTime))).toEqual([40, 50]);
    expect(state.rejectedLcmCoordinations.every((r) => r.coordinationActionName === 'prv.test.coordination' && r.endpointType === 'MGMT')).toBe(true);
    expect(state.lcmCoordinations).toHaveLength(1);
  });

  it('treats 429 Too Many Requests like 503: posts again after Retry-After, and records each refusal', async () => {
    const { log, em, activities } = fakes({ busy: [40, 60], busyStatus: 429 });
    em.answerSkewMs = 10_000;
    const input = changeInput({ vnfcResourceInfo });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    expect(state.operationState).toBe('COMPLETED');
    expect(log.count('requestCoordination')).toBe(3);
    expect(await timerDurations(harness.client, input.vnfLcmOpOccId)).toEqual([40, 60]);
    expect(state.rejectedLcmCoordinations).toHaveLength(2);
  });

  it('backs off, doubling, while the EM keeps refusing without Retry-After', async () => {
    const { em, activities } = fakes({ busy: [undefined, undefined, undefined, 30] });
    em.answerSkewMs = 10_000;
    const input = changeInput({ vnfcResourceInfo, tuning: { defaultPollIntervalMs: 25 } });

    await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    expect(await timerDurations(harness.client, input.vnfLcmOpOccId)).toEqual([25, 50, 100, 30]);
  });

  it('records the coordination when the EM accepts it, with the time its Retry-After ends, and its result when read', async () => {
    const { em, activities } = fakes({ accepted: { retryAfterMs: 40 }, polls: [40], result: 'CONTINUE' });
    em.answerSkewMs = 10_000;
    const input = changeInput({ vnfcResourceInfo });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, input)).result());

    const [record] = state.lcmCoordinations;
    expect(record).toMatchObject({ id: 'coordination-0', coordinationActionName: 'prv.test.coordination', coordinationResult: 'CONTINUE', endpointType: 'MGMT' });
    expect(Date.parse(record!.endTime!)).toBeGreaterThanOrEqual(Date.parse(record!.startTime));
    expect(record!.delay).toBeDefined();
  });
});

describe('the deadline of a coordination', () => {
  it('cancels the coordination at the EM and fails the step (504) when no result came within the VNFC timeout', async () => {
    const { log, activities } = fakes({ accepted: { retryAfterMs: 40 }, held: true });
    const input = changeInput({ vnfcResourceInfo, timeoutSec: 0.3 });

    const state = await harness.withWorker(activities, async (taskQueue) => reachState(await startChange(harness.client, taskQueue, input), 'FAILED_TEMP'));

    expect(state.error).toMatchObject({ status: 504, detail: 'coordination prv.test.coordination for VNFC vnfc-0 timed out after 0.3 s' });
    expect(log.vnfcsOf('cancelCoordination')).toEqual(['vnfc-0']);
    expect(state.vnfcs[0]?.coordination).toBeUndefined();
  });

  it('never waits past the deadline: the last wait is cut short to end at it', async () => {
    const { em, activities } = fakes({ accepted: { retryAfterMs: 10_000 }, held: true });
    em.answerSkewMs = 0;
    // 2 s, not less: the POST must come back before the deadline for there to be a wait to cut,
    // and on a loaded machine a workflow task and an activity can take a few hundred ms.
    const input = changeInput({ vnfcResourceInfo, timeoutSec: 2 });

    const state = await harness.withWorker(activities, async (taskQueue) => reachState(await startChange(harness.client, taskQueue, input), 'FAILED_TEMP'));

    expect(state.error?.status).toBe(504);
    const timers = await timerDurations(harness.client, input.vnfLcmOpOccId);
    expect(timers).toHaveLength(1);
    expect(timers[0]).toBeLessThanOrEqual(2_000);
  });
});

describe('the verdict of the EM', () => {
  it('goes to FAILED_TEMP with the EM\'s error when it answers ABORT', async () => {
    const { activities } = fakes({ result: 'ABORT', error: 'EM: traffic could not be drained' });

    const state = await harness.withWorker(activities, async (taskQueue) =>
      reachState(await startChange(harness.client, taskQueue, changeInput({ vnfcResourceInfo })), 'FAILED_TEMP'));

    expect(state.error).toEqual({ status: 409, title: 'Conflict', detail: 'EM: traffic could not be drained' });
    expect(state.lcmCoordinations[0]?.coordinationResult).toBe('ABORT');
  });

  it('goes to FAILED_TEMP when the EM answers CANCELLED', async () => {
    const { activities } = fakes({ accepted: {}, polls: [], result: 'CANCELLED' });

    const state = await harness.withWorker(activities, async (taskQueue) =>
      reachState(await startChange(harness.client, taskQueue, changeInput({ vnfcResourceInfo })), 'FAILED_TEMP'));

    expect(state.error?.detail).toBe('EM answered CANCELLED to coordination prv.test.coordination for VNFC vnfc-0');
  });

  it('fails the step with the EM\'s own status and detail when it refuses the coordination (4xx)', async () => {
    const { log, activities } = fakes({ rejectWith: 403 });

    const state = await harness.withWorker(activities, async (taskQueue) =>
      reachState(await startChange(harness.client, taskQueue, changeInput({ vnfcResourceInfo })), 'FAILED_TEMP'));

    expect(state.error).toMatchObject({ status: 403, detail: 'coordination prv.test.coordination for VNFC vnfc-0 failed: EM answered 403: not allowed now' });
    expect(log.count('requestCoordination')).toBe(1);
  });
});
