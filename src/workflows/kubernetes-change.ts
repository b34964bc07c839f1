// changeVnfPkg on a Kubernetes VIM: the destination package's manifests are applied (its objects
// first, then each VDU's Deployment as a rolling update), pod by pod coordinated with the EM for
// the VDUs that name one, as plain rollouts for the others. The occurrence is the same as on
// OpenStack (operation-occurrence.ts): FAILED_TEMP, retry at the pod that failed, rollback (the
// source's objects back, then each Deployment back to the ReplicaSet it had, newest VDU first,
// through the old-VNFC coordination path), cancel. changeVnfPkg hands a Kubernetes input here.
import { ApplicationFailure } from '@temporalio/workflow';
import type { ChangeVnfPkgInput } from '../lcm/change-vnfpkg-input.ts';
import { withTuningDefaults } from '../lcm/change-vnfpkg-tuning.ts';
import type { KubernetesChangeVnfPkgInput, ParsedKubernetesChangeVnfPkgInput } from '../lcm/kubernetes-input.ts';
import { inventory, kubernetes, kubernetesReads } from './activities.ts';
import type { VnfcSide } from './change-context.ts';
import { cancelOpenCoordinations } from './coordination.ts';
import { KubernetesChangeContext, type KubernetesOperationState } from './kubernetes-change-context.ts';
import { rollWorkload, type RolloutPlan, type WorkloadChange, type WorkloadStep } from './kubernetes-rollout.ts';
import { rollStatefulSetPodByPod } from './kubernetes-statefulset-rollout.ts';
import { destinationIdentity, occurrenceStartTime, startingState } from './initial-state.ts';
import { changeOccurrence } from './operation-occurrence.ts';
import type { OperationState } from './operation-state.ts';
import { asStep } from './step-failure.ts';

export function isKubernetesChange(input: ChangeVnfPkgInput | KubernetesChangeVnfPkgInput): input is KubernetesChangeVnfPkgInput {
  return typeof input === 'object' && input !== null && 'kubernetes' in input;
}

export async function changeVnfPkgOnKubernetes(rawInput: KubernetesChangeVnfPkgInput, resumed?: OperationState): Promise<OperationState> {
  const input = parseInput(rawInput);
  const state = (resumed ?? initialState(input)) as KubernetesOperationState;
  const occurrence = changeOccurrence(input, state, resumed !== undefined);
  const ctx = new KubernetesChangeContext(input, occurrence);
  return occurrence.perform({
    forward: () => changeForward(ctx),
    rollback: () => rollBack(ctx),
    commit: () => commit(ctx),
    afterForcefulCancel: () => cancelOpenCoordinations(ctx),
    completedDetails: () => `completed: ${replacedPods(ctx)} pods of ${ctx.progress.workloads.length} Deployments on ${input.target.vnfdId}`,
    rolledBackDetails: () => `rolled back: the Deployments are on ${input.sourceVnfdId} again`,
  });
}

/** The destination's other objects, then each VDU's Deployment, in order, each from where it stands. */
async function changeForward(ctx: KubernetesChangeContext): Promise<void> {
  const objects = objectsBesideWorkloads(ctx, ctx.input.kubernetes.objects);
  await applyObjects(ctx, objects, 'objectsApplied');
  for (const change of ctx.progress.workloads) {
    if (change.forward.phase === 'DONE') continue;
    await ctx.occurrence.checkpoint();
    ctx.occurrence.stopIfCancelled();
    change.before ??= await readBefore(ctx, change);
    const manifest = ctx.input.kubernetes.objects.find((o) => o.kind === change.workload.kind && o.metadata.name === change.workload.name);
    const spec = (manifest?.spec ?? {}) as Record<string, unknown>;
    await roll(ctx, change, change.forward, {
      spec, side: 'new', coordinated: isCoordinated(ctx, change.vduId, 'new'), finalStrategy: strategyOf(change, spec),
    });
    await ctx.refreshVnfcs();
  }
}

/**
 * The source's objects back, then every Deployment the change touched, newest first, back to
 * the spec and the ReplicaSet it had: only the pods the change replaced are replaced back.
 */
async function rollBack(ctx: KubernetesChangeContext): Promise<void> {
  await applyObjects(ctx, ctx.input.kubernetes.sourceObjects, 'objectsRestored');
  const touched = ctx.progress.workloads.filter((w) => w.forward.phase !== 'PENDING').reverse();
  for (const change of touched) {
    const step = (change.rollback ??= { phase: 'PENDING', released: [] });
    if (step.phase === 'DONE') continue;
    await ctx.occurrence.checkpoint();
    ctx.occurrence.stopIfCancelled();
    const before = change.before;
    if (!before?.existed || !before.spec) {
      // The destination added this workload: the rollback removes it.
      await asStep(502, `Kubernetes: ${change.workload.kind} ${change.workload.name}`, () => kubernetes.deleteKubernetesResource.executeWithOptions(
        { summary: `delete ${change.workload.kind} ${change.workload.name}` },
        [{ target: ctx.input.kubernetes.target, ref: { apiVersion: 'apps/v1', kind: change.workload.kind, namespace: change.workload.namespace, name: change.workload.name } }]));
      step.phase = 'DONE';
      continue;
    }
    await roll(ctx, change, step, {
      spec: before.spec, side: 'old', coordinated: isCoordinated(ctx, change.vduId, 'old'),
      ...(before.replicaSet ? { adoptReplicaSet: before.replicaSet } : {}),
      finalStrategy: strategyOf(change, before.spec),
    });
    await ctx.refreshVnfcs();
  }
}

/** A coordinated StatefulSet is paced by its partition (kubernetes-statefulset-rollout.ts); everything else by rollWorkload. */
function roll(ctx: KubernetesChangeContext, change: WorkloadChange, step: WorkloadStep, plan: RolloutPlan): Promise<void> {
  if (change.workload.kind === 'StatefulSet' && plan.coordinated) return rollStatefulSetPodByPod(ctx, change, step, plan);
  return rollWorkload(ctx, change, step, plan);
}

/** The strategy a workload keeps after the change: a Deployment's `strategy`, a StatefulSet's `updateStrategy`. */
function strategyOf(change: WorkloadChange, spec: Record<string, unknown>): Record<string, unknown> | undefined {
  return (change.workload.kind === 'StatefulSet' ? spec.updateStrategy : spec.strategy) as Record<string, unknown> | undefined;
}

async function commit(ctx: KubernetesChangeContext): Promise<void> {
  const { input } = ctx;
  await ctx.refreshVnfcs();
  await inventory.recordKubernetesPackageChange.executeWithOptions({ summary: `record ${input.vnfInstanceId} on ${input.target.vnfdId}` }, [{
    vnfInstanceId: input.vnfInstanceId,
    target: input.target,
    deployment: {
      defFiles: input.kubernetes.defFiles,
      resources: input.kubernetes.objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) })),
      vdus: input.kubernetes.vdus,
    },
  }]);
}

/** Applies objects in order from where the counter stands (create, or replace what exists). */
async function applyObjects(ctx: KubernetesChangeContext, objects: ParsedKubernetesChangeVnfPkgInput['kubernetes']['objects'], counter: 'objectsApplied' | 'objectsRestored'): Promise<void> {
  while (ctx.progress[counter] < objects.length) {
    const object = objects[ctx.progress[counter]];
    if (!object) break;
    ctx.describe(`applying ${object.kind} ${object.metadata.name}`);
    await asStep(502, `Kubernetes: ${object.kind} ${object.metadata.name}`, () => kubernetes.applyKubernetesResource.executeWithOptions(
      { summary: `apply ${object.kind} ${object.metadata.name}` }, [{ target: ctx.input.kubernetes.target, resource: object }]));
    ctx.progress[counter] += 1;
  }
}

async function readBefore(ctx: KubernetesChangeContext, change: WorkloadChange): Promise<NonNullable<WorkloadChange['before']>> {
  return asStep(502, `Kubernetes: Deployment ${change.workload.name}`, () => kubernetesReads.readKubernetesDeployment.executeWithOptions(
    { summary: `read Deployment ${change.workload.name} before the change` }, [{ target: ctx.input.kubernetes.target, workload: change.workload }]));
}

/** The objects of a set of manifests other than the VDUs' Deployments (those roll out on their own). */
function objectsBesideWorkloads(ctx: KubernetesChangeContext, objects: ParsedKubernetesChangeVnfPkgInput['kubernetes']['objects']) {
  const workloads = Object.values({ ...ctx.input.kubernetes.sourceVdus, ...ctx.input.kubernetes.vdus });
  return objects.filter((o) => !workloads.some((w) => w.kind === o.kind && w.name === o.metadata.name));
}

/**
 * A VDU's pods are coordinated when the request gives its VNFCs of that side an EM endpoint or
 * names the side's coordinate script; otherwise its Deployment rolls out as Kubernetes does it.
 */
function isCoordinated(ctx: KubernetesChangeContext, vduId: string, side: VnfcSide): boolean {
  const params = ctx.input.request.additionalParams;
  const param = params.vdu_params?.find((p) => p.vdu_id === vduId);
  const vnfcParam = side === 'new' ? param?.new_vnfc_param : param?.old_vnfc_param;
  const script = side === 'new' ? params['lcm-operation-coordinate-new-vnf'] : params['lcm-operation-coordinate-old-vnf'];
  const packageId = side === 'new' ? ctx.input.target.packageId : ctx.input.sourcePackageId;
  return Boolean(vnfcParam?.endpoint) || Boolean(param && script && packageId);
}

function replacedPods(ctx: KubernetesChangeContext): number {
  return ctx.state.affectedVnfcs?.filter((v) => v.changeType === 'ADDED').length ?? 0;
}

/**
 * The gateway validated the input against its schema before the start; here the tuning gets
 * its defaults, and an input that did not come that way fails the workflow with a clear reason.
 */
function parseInput(raw: KubernetesChangeVnfPkgInput): ParsedKubernetesChangeVnfPkgInput {
  const k8s = (raw as Partial<KubernetesChangeVnfPkgInput>).kubernetes;
  const checks: [string, boolean][] = [
    ['vnfLcmOpOccId', typeof raw.vnfLcmOpOccId === 'string'],
    ['kubernetes.target', typeof k8s?.target?.endpoint === 'string'],
    ['kubernetes.order', Array.isArray(k8s?.order)],
    ['kubernetes.objects', Array.isArray(k8s?.objects)],
    ['kubernetes.vdus', typeof k8s?.vdus === 'object' && k8s.vdus !== null],
    ['target.coordinationActionNames', Array.isArray(raw.target?.coordinationActionNames)],
    ['links', typeof raw.links?.vnfLcmOpOcc === 'string'],
  ];
  const missing = checks.filter(([, ok]) => !ok).map(([name]) => name);
  if (missing.length > 0) {
    throw ApplicationFailure.nonRetryable(`invalid changeVnfPkg input: ${missing.join(', ')} missing or malformed (start it through the VNFM API)`, 'InvalidInput');
  }
  return { ...raw, tuning: withTuningDefaults(raw.tuning) };
}

function initialState(input: ParsedKubernetesChangeVnfPkgInput): KubernetesOperationState {
  const { order, vdus, vnfcsBefore } = input.kubernetes;
  return {
    ...startingState('CHANGE_VNFPKG', input, destinationIdentity(input.target), occurrenceStartTime()),
    affectedVnfcs: [],
    kubernetes: {
      objectsApplied: 0,
      objectsRestored: 0,
      workloads: order.flatMap((vduId) => {
        const workload = vdus[vduId];
        return workload ? [{ vduId, workload, forward: { phase: 'PENDING', released: [] } }] : [];
      }),
      before: vnfcsBefore,
      seen: [...vnfcsBefore],
    },
  };
}
