// changeVnfPkg on Kubernetes, as workflow logic: which pod is coordinated when, what a plain
// rollout waits for, what a pod that does not start or an EM that aborts leads to, how a
// GRACEFUL cancel stops between pods, and how history stays bounded. Activities are fakes
// (kubernetes-fakes.ts, fakes.ts); see harness.ts.
import { describe, expect, it } from 'vitest';
import { cancelUpdate, retryUpdate } from '../../src/workflows/messages.ts';
import { CallLog, FakeEm, sideActivities } from './fakes.ts';
import { reachState, startChange, timerDurations, useHarness } from './harness.ts';
import { FakeKubernetes, kubernetesChangeInput, type FakeKubernetesBehaviour, type KubernetesChangeOptions } from './kubernetes-fakes.ts';
import { eventually } from '../support/wait.ts';
import type { ChangeVnfPkgInput } from '../../src/lcm/change-vnfpkg-input.ts';

const harness = useHarness();

const TWO_DEPLOYMENTS: KubernetesChangeOptions['deployments'] = [
  { vduId: 'VDU1', name: 'vdu1', replicas: 3, image: 'web:2' },
  { vduId: 'VDU2', name: 'vdu2', replicas: 2, image: 'worker:2' },
];

function fakes(options: KubernetesChangeOptions, behaviour: FakeKubernetesBehaviour = {}, emPlan = {}) {
  const log = new CallLog();
  const kubernetes = new FakeKubernetes(log, options.deployments.map((d) => ({ ...d, image: d.image.replace(/:2$/, ':1') })), behaviour);
  const em = new FakeEm(log, emPlan);
  return { log, kubernetes, em, activities: { ...kubernetes.activities(), ...em.activities(), ...sideActivities(log) } };
}

/** The activities that move the rollout, in order, as `activity pod`. */
function steps(log: CallLog): string[] {
  return log.calls.filter((c) => ['requestCoordination', 'releaseKubernetesPod', 'removeKubernetesCoordinationGate'].includes(c.activity)).map((c) => `${c.activity} ${c.vnfc}`);
}

// The workflow type takes either input; the harness's helper is typed for the OpenStack one.
const asInput = (input: unknown) => input as ChangeVnfPkgInput;

describe('a coordinated change on Kubernetes', () => {
  it('coordinates each new pod and releases it before the next is made, Deployment by Deployment in the order of vdu_params', async () => {
    const options = { deployments: TWO_DEPLOYMENTS, vduParams: [{ vduId: 'VDU2', coordinated: true }, { vduId: 'VDU1', coordinated: true }] };
    const { log, kubernetes, activities } = fakes(options);

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, asInput(kubernetesChangeInput(options)))).result());

    expect(state.operationState).toBe('COMPLETED');
    const vdu2 = kubernetes.podsOf('vdu2');
    const vdu1 = kubernetes.podsOf('vdu1');
    expect(steps(log)).toEqual([
      ...vdu2.flatMap((pod) => [`requestCoordination ${pod}`, `releaseKubernetesPod ${pod}`]), 'removeKubernetesCoordinationGate vdu2',
      ...vdu1.flatMap((pod) => [`requestCoordination ${pod}`, `releaseKubernetesPod ${pod}`]), 'removeKubernetesCoordinationGate vdu1',
    ]);
    expect(kubernetes.imageOf('vdu1')).toBe('web:2');
    expect(log.calls.filter((c) => c.activity === 'recordKubernetesPackageChange').map((c) => c.detail)).toEqual(['cnfd-v2']);
    expect(state.affectedVnfcs?.filter((v) => v.changeType === 'ADDED').map((v) => v.id).sort()).toEqual([...vdu1, ...vdu2].sort());
    expect(state.affectedVnfcs?.filter((v) => v.changeType === 'REMOVED')).toHaveLength(0); // vnfcsBefore was empty
  });

  it('rolls a Deployment out as Kubernetes does, waiting with workflow timers, when its VDU names no coordination parameters', async () => {
    const options = { deployments: TWO_DEPLOYMENTS.slice(0, 1), vduParams: [{ vduId: 'VDU1', coordinated: false }] };
    const { log, kubernetes, activities } = fakes(options);
    const input = kubernetesChangeInput(options);

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, asInput(input))).result());

    expect(state.operationState).toBe('COMPLETED');
    expect(log.count('requestCoordination')).toBe(0);
    expect(log.count('releaseKubernetesPod')).toBe(0);
    expect(log.calls.filter((c) => c.activity === 'setKubernetesWorkloadSpec').map((c) => c.detail)).toEqual(['web:2']);
    expect(kubernetes.podsOf('vdu1').every((pod) => pod.startsWith('vdu1-r2-'))).toBe(true);
    // Each wait for the controller is one poll interval of the VIM.
    const timers = await timerDurations(harness.client, input.vnfLcmOpOccId);
    expect(timers.length).toBeGreaterThan(0);
    expect(new Set(timers)).toEqual(new Set([20]));
  });

  it('fails the step when a new pod does not start in time, naming its trouble, and a retry goes on with that pod', async () => {
    const options = { deployments: TWO_DEPLOYMENTS.slice(0, 1), vduParams: [{ vduId: 'VDU1', coordinated: true }], tuning: { vimUpdateTimeoutSec: 0.3 } };
    const { log, kubernetes, activities } = fakes(options);
    kubernetes.stuckImages.add('web:2');
    const input = kubernetesChangeInput(options);

    await harness.withWorker(activities, async (taskQueue) => {
      const handle = await startChange(harness.client, taskQueue, asInput(input));
      const failed = await reachState(handle, 'FAILED_TEMP');
      expect(failed.error?.status).toBe(504);
      expect(failed.error?.detail).toMatch(/^the rollout of Deployment vdu1 did not move on within 0.3 s: pod vdu1-r2-\d+ is ImagePullBackOff$/);
      kubernetes.stuckImages.delete('web:2');
      await handle.executeUpdate(retryUpdate);
      expect((await handle.result()).operationState).toBe('COMPLETED');
    });
    expect(log.vnfcsOf('requestCoordination')).toEqual(kubernetes.podsOf('vdu1'));
  });

  it('keeps an aborted pod out of service; a retry coordinates that pod again, and none before it', async () => {
    const options = { deployments: TWO_DEPLOYMENTS.slice(0, 1), vduParams: [{ vduId: 'VDU1', coordinated: true }] };
    const { log, em, activities } = fakes(options, {}, { accepted: {}, held: true });
    const input = kubernetesChangeInput(options);

    await harness.withWorker(activities, async (taskQueue) => {
      const handle = await startChange(harness.client, taskQueue, asInput(input));
      await eventually('the first new pod in coordination', () => log.count('requestCoordination') === 1);
      expect(em.finishHeld('CONTINUE')).toBe(1);
      await eventually('the second new pod in coordination', () => log.count('requestCoordination') === 2);
      const second = log.vnfcsOf('requestCoordination')[1];
      expect(em.finishHeld('ABORT', second)).toBe(1);
      const failed = await reachState(handle, 'FAILED_TEMP');
      expect(failed.error?.detail).toBe('the EM aborted the coordination');
      expect(log.vnfcsOf('releaseKubernetesPod')).not.toContain(second);
      em.planDefault({});
      await handle.executeUpdate(retryUpdate);
      expect((await handle.result()).operationState).toBe('COMPLETED');
    });
    const requested = log.vnfcsOf('requestCoordination');
    expect(requested[2]).toBe(requested[1]); // the retry asked the EM about the aborted pod again
    expect(requested.filter((pod) => pod === requested[0])).toHaveLength(1);
    expect(new Set(requested).size).toBe(3);
  });

  it('stops between two pods on a GRACEFUL cancel: the pod under coordination is finished and released, the next is not coordinated', async () => {
    const options = { deployments: TWO_DEPLOYMENTS.slice(0, 1), vduParams: [{ vduId: 'VDU1', coordinated: true }] };
    const { log, em, activities } = fakes(options, {}, { accepted: {}, held: true });
    const input = kubernetesChangeInput(options);

    await harness.withWorker(activities, async (taskQueue) => {
      const handle = await startChange(harness.client, taskQueue, asInput(input));
      await eventually('the first pod in coordination', () => log.count('requestCoordination') === 1);
      await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'GRACEFUL' }] });
      expect(em.finishHeld('CONTINUE')).toBe(1);
      const stopped = await reachState(handle, 'FAILED_TEMP');
      expect(stopped.error?.detail).toBe('the operation was cancelled by the operator (GRACEFUL)');
    });
    expect(log.count('requestCoordination')).toBe(1);
    expect(log.count('releaseKubernetesPod')).toBe(1);
  });

  it('stops at once on a FORCEFUL cancel and cancels the open coordination at the EM', async () => {
    const options = { deployments: TWO_DEPLOYMENTS.slice(0, 1), vduParams: [{ vduId: 'VDU1', coordinated: true }] };
    const { log, activities } = fakes(options, {}, { accepted: {}, held: true });
    const input = kubernetesChangeInput(options);

    await harness.withWorker(activities, async (taskQueue) => {
      const handle = await startChange(harness.client, taskQueue, asInput(input));
      await eventually('the first pod in coordination', () => log.count('readCoordination') > 0);
      await handle.executeUpdate(cancelUpdate, { args: [{ cancelMode: 'FORCEFUL' }] });
      const stopped = await reachState(handle, 'FAILED_TEMP');
      expect(stopped.error?.detail).toBe('the operation was cancelled by the operator (FORCEFUL)');
    });
    expect(log.vnfcsOf('cancelCoordination')).toEqual(log.vnfcsOf('requestCoordination'));
    expect(log.count('releaseKubernetesPod')).toBe(0);
  });

  it('continues as new while it waits, and resumes at the pod where it stood', async () => {
    const options = {
      deployments: [{ vduId: 'VDU1', name: 'vdu1', replicas: 6, image: 'web:2' }], vduParams: [{ vduId: 'VDU1', coordinated: true }],
      tuning: { historyEventLimit: 100 },
    };
    const { log, kubernetes, activities } = fakes(options, { readsBeforeStart: 3 });

    const state = await harness.withWorker(activities, async (taskQueue) => (await startChange(harness.client, taskQueue, asInput(kubernetesChangeInput(options)))).result());

    expect(state.operationState).toBe('COMPLETED');
    expect(state.runs).toBeGreaterThan(1);
    expect(log.vnfcsOf('requestCoordination')).toEqual(kubernetes.podsOf('vdu1'));
    expect(log.vnfcsOf('releaseKubernetesPod')).toEqual(kubernetes.podsOf('vdu1'));
  });
});
