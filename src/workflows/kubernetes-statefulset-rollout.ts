// One VDU's StatefulSet taken to a spec pod by pod, coordinated with the EM. The pacing is the
// StatefulSet's own partition, not a readiness gate: the spec is given with the partition at the
// replica count (nothing is replaced), then for each ordinal to replace, highest first, the
// partition is lowered to it, the controller replaces that one pod, and once it runs Ready on the
// update revision the VNFM coordinates it with the EM (the same Coordination as everywhere)
// before it lowers the partition further. So the next pod is not replaced before the current one
// is coordinated, and a VNFM that is down holds the rollout where it stands (the partition does
// not move by itself). A gate would hold the new pod out of service until coordinated too, but a
// StatefulSet's template cannot lose the gate afterwards without a new revision, which would
// replace every pod again (ControllerRevisions are immutable; there is no ReplicaSet to edit).
// At the end the StatefulSet gets its manifest's own updateStrategy back.
import { isRolloutComplete, ordinalsToReplace, podTrouble, statefulSetPod, type PodView, type WorkloadView } from '../kubernetes/rollout.ts';
import { kubernetes } from './activities.ts';
import type { KubernetesChangeContext } from './kubernetes-change-context.ts';
import {
  coordinateAndRelease, readRollout, troubleIn, waitingFor, type RolloutPlan, type WorkloadChange, type WorkloadStep,
} from './kubernetes-rollout.ts';
import { asStep, StepFailure } from './step-failure.ts';

export async function rollStatefulSetPodByPod(ctx: KubernetesChangeContext, change: WorkloadChange, step: WorkloadStep, plan: RolloutPlan): Promise<void> {
  const { workload } = change;
  const target = ctx.input.kubernetes.target;
  if (step.phase === 'PENDING') {
    ctx.describe(`${change.vduId}: coordinated rollout of StatefulSet ${workload.name}`);
    await asStep(502, `Kubernetes: StatefulSet ${workload.name}`, () => kubernetes.setKubernetesWorkloadSpec.executeWithOptions(
      { summary: `${plan.side === 'new' ? 'roll' : 'roll back'} StatefulSet ${workload.name}, pod by pod (partition at the replica count)` },
      [{ target, workload, spec: plan.spec, coordinated: true }]));
    step.phase = 'ROLLING';
    step.progressDeadlineAt = Date.now() + ctx.timeoutMs;
  }
  if (step.phase === 'ROLLING') {
    await replacePodByPod(ctx, change, step, plan);
    step.phase = 'SETTLING';
    step.progressDeadlineAt = Date.now() + ctx.timeoutMs;
  }
  if (step.phase === 'SETTLING') {
    ctx.describe(`${change.vduId}: every pod of StatefulSet ${workload.name} coordinated; its own update strategy back`);
    await asStep(502, `Kubernetes: StatefulSet ${workload.name}`, () => kubernetes.setKubernetesStatefulSetPartition.executeWithOptions(
      { summary: `end the coordinated rollout of ${workload.name}` },
      [{ target, workload, updateStrategy: plan.finalStrategy ?? { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } }]));
    await waitRolledOut(ctx, change, step);
    step.phase = 'DONE';
  }
}

/** Lowers the partition to each ordinal in turn and coordinates its new pod before the next. */
async function replacePodByPod(ctx: KubernetesChangeContext, change: WorkloadChange, step: WorkloadStep, plan: RolloutPlan): Promise<void> {
  const { workload } = change;
  for (;;) {
    const view = await readRollout(ctx, change);
    step.ordinals ??= ordinalsToReplace(view);
    let pod: PodView | undefined;
    if (step.ordinals) {
      const next = step.ordinals.find((ordinal) => !step.released.includes(`${workload.name}-${ordinal}`));
      if (next === undefined) return;
      const partition = view.statefulSet?.partition;
      if (partition === undefined || partition > next) {
        // GRACEFUL cancel stops here, before the next pod is replaced.
        ctx.occurrence.stopIfCancelled();
        ctx.describe(`${change.vduId}: replacing pod ${workload.name}-${next}`);
        await asStep(502, `Kubernetes: StatefulSet ${workload.name}`, () => kubernetes.setKubernetesStatefulSetPartition.executeWithOptions(
          { summary: `partition ${next}: replace pod ${workload.name}-${next}` }, [{ target: ctx.input.kubernetes.target, workload, partition: next }]));
        step.progressDeadlineAt = Date.now() + ctx.timeoutMs;
        continue;
      }
      pod = statefulSetPod(view, next);
      if (pod && pod.revision === view.statefulSet?.updateRevision && pod.ready) {
        await coordinateAndRelease(ctx, change, step, plan.side, pod, false);
        continue;
      }
      if (pod && pod.revision !== view.statefulSet?.updateRevision && podTrouble(pod)) {
        // A pod that will never be Ready (a failed change's ImagePullBackOff) holds the controller
        // back for good (it waits for every pod to be Ready before it replaces one): it goes, and
        // comes back on the update revision. Kubernetes' documented "forced rollback".
        const broken = pod;
        ctx.describe(`${change.vduId}: deleting pod ${broken.name} (${podTrouble(broken) ?? ''}) so that it comes back on the update revision`);
        await asStep(502, `Kubernetes: pod ${broken.name}`, () => kubernetes.deleteKubernetesResource.executeWithOptions(
          { summary: `delete broken pod ${broken.name}` },
          [{ target: ctx.input.kubernetes.target, ref: { apiVersion: 'v1', kind: 'Pod', namespace: workload.namespace, name: broken.name } }]));
      }
    }
    if (Date.now() >= (step.progressDeadlineAt ?? 0)) {
      throw StepFailure.of(504, `the rollout of StatefulSet ${workload.name} did not move on within ${ctx.timeoutMs / 1000} s${pod ? `: ${podTrouble(pod) ?? `pod ${pod.name} did not start`}` : troubleIn(view)}`);
    }
    ctx.describe(`${change.vduId}: ${waitingFor(view, pod)}`);
    await ctx.sleepUntil(Math.min(Date.now() + ctx.pollMs, step.progressDeadlineAt ?? Date.now()), `wait for StatefulSet ${workload.name}`);
  }
}

/** Waits (timers) until the StatefulSet has rolled out by kubectl's rule. */
async function waitRolledOut(ctx: KubernetesChangeContext, change: WorkloadChange, step: WorkloadStep): Promise<void> {
  for (;;) {
    const view: WorkloadView = await readRollout(ctx, change);
    if (isRolloutComplete(view)) return;
    if (Date.now() >= (step.progressDeadlineAt ?? 0)) {
      throw StepFailure.of(504, `StatefulSet ${change.workload.name} did not finish its rollout within ${ctx.timeoutMs / 1000} s${troubleIn(view)}`);
    }
    ctx.describe(`${change.vduId}: ${waitingFor(view, undefined)}`);
    await ctx.sleepUntil(Math.min(Date.now() + ctx.pollMs, step.progressDeadlineAt ?? Date.now()), `wait for StatefulSet ${change.workload.name}`);
  }
}
