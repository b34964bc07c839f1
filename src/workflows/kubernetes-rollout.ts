// One VDU's Deployment (or a StatefulSet's plain rollout) taken to a spec: the destination manifest's (the change) or the one it had
// before (the rollback). Coordinated, the pod template carries the coordination gate and the
// strategy is one pod at a time: each new pod is coordinated with the EM (the same Coordination
// as on OpenStack, with the VNFC parameters of its side) and then released; the controller makes
// the next one only after that. Plain, the rollout is the Deployment controller's own, waited
// for with workflow timers. Every step is a checkpoint in the workload's state, so a restart,
// a continue-as-new or a retry resumes at the pod where it stood.
import {
  isObserved, isRolloutComplete, nextPodToCoordinate, podTrouble, type PodView, type WorkloadRef, type WorkloadView,
} from '../kubernetes/rollout.ts';
import { kubernetes, kubernetesReads } from './activities.ts';
import type { VnfcSide } from './change-context.ts';
import { coordinateVnfc } from './coordination.ts';
import type { KubernetesChangeContext } from './kubernetes-change-context.ts';
import type { VnfcProgress, VnfcStep } from './operation-state.ts';
import { asStep, StepFailure } from './step-failure.ts';

export type WorkloadPhase = 'PENDING' | 'ROLLING' | 'SETTLING' | 'DONE';

/** Progress of one Deployment in one direction. */
export interface WorkloadStep {
  phase: WorkloadPhase;
  /** A coordinated StatefulSet: the ordinals its rolling update replaces, highest first (known once the controller observed the spec). */
  ordinals?: number[];
  /** Workflow time by which the rollout must have moved on (a pod released, or the rollout complete). */
  progressDeadlineAt?: number;
  /** Pods released in this direction, in order. */
  released: string[];
}

export interface WorkloadChange {
  vduId: string;
  workload: WorkloadRef;
  /** The Deployment as it was before the change: where the rollback takes it back to. */
  before?: { existed: boolean; spec?: Record<string, unknown>; replicaSet?: string };
  forward: WorkloadStep;
  rollback?: WorkloadStep;
}

export interface RolloutPlan {
  /** The workload's spec to roll to (its replica count is kept). */
  spec: Record<string, unknown>;
  coordinated: boolean;
  side: VnfcSide;
  /** The ReplicaSet to scale back up (a rollback). */
  adoptReplicaSet?: string;
  /** The strategy the Deployment keeps once a coordinated rollout is over. */
  finalStrategy?: Record<string, unknown>;
}

export async function rollWorkload(ctx: KubernetesChangeContext, change: WorkloadChange, step: WorkloadStep, plan: RolloutPlan): Promise<void> {
  const { workload } = change;
  const target = ctx.input.kubernetes.target;
  if (step.phase === 'PENDING') {
    ctx.describe(`${change.vduId}: ${plan.coordinated ? 'coordinated rollout of' : 'rolling out'} ${workload.kind} ${workload.name}`);
    await asStep(502, `Kubernetes: ${workload.kind} ${workload.name}`, () => kubernetes.setKubernetesWorkloadSpec.executeWithOptions(
      { summary: `${plan.side === 'new' ? 'roll' : 'roll back'} ${workload.kind} ${workload.name}${plan.coordinated ? ', pod by pod' : ''}` },
      [{ target, workload, spec: plan.spec, coordinated: plan.coordinated, ...(plan.adoptReplicaSet ? { adoptReplicaSet: plan.adoptReplicaSet } : {}) }]));
    step.phase = 'ROLLING';
    step.progressDeadlineAt = Date.now() + ctx.timeoutMs;
  }
  if (step.phase === 'ROLLING') {
    await followRollout(ctx, change, step, plan);
    step.phase = plan.coordinated ? 'SETTLING' : 'DONE';
  }
  if (step.phase === 'SETTLING') {
    ctx.describe(`${change.vduId}: Deployment ${workload.name} rolled out; removing the coordination gate`);
    await asStep(502, `Kubernetes: Deployment ${workload.name}`, () => kubernetes.removeKubernetesCoordinationGate.executeWithOptions(
      { summary: `end the coordinated rollout of ${workload.name}` },
      [{ target, workload, ...(plan.finalStrategy ? { strategy: plan.finalStrategy } : {}) }]));
    step.phase = 'DONE';
  }
}

/** Reads the rollout, coordinates and releases each new pod in turn, and waits (timers) until it is complete. */
async function followRollout(ctx: KubernetesChangeContext, change: WorkloadChange, step: WorkloadStep, plan: RolloutPlan): Promise<void> {
  const { workload } = change;
  for (;;) {
    const view = await readRollout(ctx, change);
    const pod = plan.coordinated && isObserved(view) ? nextPodToCoordinate(view) : undefined;
    if (pod?.containersReady) {
      await coordinateAndRelease(ctx, change, step, plan.side, pod);
      continue;
    }
    if (isRolloutComplete(view)) return;
    if (view.progressDeadlineExceeded && !plan.coordinated) {
      throw StepFailure.of(504, `Deployment ${workload.name} exceeded its progress deadline${troubleIn(view)}`);
    }
    if (Date.now() >= (step.progressDeadlineAt ?? 0)) {
      throw StepFailure.of(504, `the rollout of ${workload.kind} ${workload.name} did not move on within ${ctx.timeoutMs / 1000} s${pod ? `: ${podTrouble(pod) ?? `pod ${pod.name} did not start`}` : troubleIn(view)}`);
    }
    ctx.describe(`${change.vduId}: ${waitingFor(view, pod)}`);
    await ctx.sleepUntil(Math.min(Date.now() + ctx.pollMs, step.progressDeadlineAt ?? Date.now()), `wait for ${workload.kind} ${workload.name}`);
  }
}

/** The workload's rollout as the VNFM reads it; a workload that is gone fails the step. */
export async function readRollout(ctx: KubernetesChangeContext, change: WorkloadChange): Promise<WorkloadView> {
  const { workload } = change;
  const view = await asStep(502, `Kubernetes: ${workload.kind} ${workload.name}`, () => kubernetesReads.readKubernetesWorkload.executeWithOptions(
    { summary: `read the rollout of ${workload.name}` }, [{ target: ctx.input.kubernetes.target, workload }]));
  if (!view.exists) throw StepFailure.of(404, `${workload.kind} ${workload.namespace}/${workload.name} of ${change.vduId} does not exist`);
  return view;
}

/**
 * The pod runs: the EM is asked (coordinate script, then every coordination action), then the
 * pod is let into service (its gate released; a StatefulSet's pod has no gate: `release` false).
 */
export async function coordinateAndRelease(
  ctx: KubernetesChangeContext, change: WorkloadChange, step: WorkloadStep, side: VnfcSide, pod: PodView, release = true,
): Promise<void> {
  // GRACEFUL cancel stops here, between two pods, never in the middle of one.
  ctx.occurrence.stopIfCancelled();
  const { vnfc, vnfcStep } = podVnfc(ctx, change, step, side, pod.name);
  if (vnfcStep.phase !== 'DONE') {
    vnfcStep.phase = 'COORDINATING';
    await coordinateVnfc(ctx, vnfc, vnfcStep, side);
  }
  if (release) {
    ctx.describe(`${ctx.label(vnfc)}: coordinated; letting it into service`);
    await asStep(502, `Kubernetes: pod ${pod.name}`, () => kubernetes.releaseKubernetesPod.executeWithOptions(
      { summary: `release pod ${pod.name}` },
      [{ target: ctx.input.kubernetes.target, namespace: change.workload.namespace, pod: pod.name, message: `coordinated with the EM in operation ${ctx.input.vnfLcmOpOccId}` }]));
  }
  vnfcStep.phase = 'DONE';
  if (!step.released.includes(pod.name)) step.released.push(pod.name);
  step.progressDeadlineAt = Date.now() + ctx.timeoutMs;
  await ctx.refreshVnfcs();
}

/**
 * The pod's VNFC record in the occurrence (state.vnfcs), made when the pod is first coordinated:
 * the change's own step for a pod of the change, its `rollback` step for a pod of the rollback.
 */
function podVnfc(ctx: KubernetesChangeContext, change: WorkloadChange, step: WorkloadStep, side: VnfcSide, pod: string): { vnfc: VnfcProgress; vnfcStep: VnfcStep } {
  let vnfc = ctx.state.vnfcs.find((v) => v.id === pod);
  if (!vnfc) {
    const index = step.released.length;
    vnfc = { id: pod, vduId: change.vduId, serverId: pod, index, phase: 'PENDING', actionsDone: 0 };
    if (side === 'old') vnfc.rollback = { phase: 'PENDING', actionsDone: 0 };
    ctx.state.vnfcs.push(vnfc);
  }
  const vnfcStep = side === 'old' ? (vnfc.rollback ??= { phase: 'PENDING', actionsDone: 0 }) : vnfc;
  return { vnfc, vnfcStep };
}

export function waitingFor(view: WorkloadView, pod: PodView | undefined): string {
  if (!isObserved(view)) return `waiting for the ${view.ref.kind} controller to act on ${view.ref.name}`;
  if (pod) return `waiting for pod ${pod.name} to start${podTrouble(pod) ? ` (${podTrouble(pod)})` : ''}`;
  const { status, replicas } = view;
  return `waiting for ${view.ref.kind} ${view.ref.name}: ${status.updatedReplicas}/${replicas} updated, ${status.availableReplicas} available, ${status.replicas} in all`;
}

export function troubleIn(view: WorkloadView): string {
  const troubles = view.pods.map(podTrouble).filter((t): t is string => t !== undefined);
  return troubles.length ? `: ${troubles.join('; ')}` : '';
}
