// A StatefulSet as the workflows see it through their activities, for the fast layer: pods
// `<name>-<ordinal>` by revision, advanced by one controller step per read of its rollout (a
// pod that has not started holds everything, as OrderedReady does; then the highest pod at or
// above the partition that is not on the update revision is replaced). Every call is recorded
// in the CallLog; what the Deployment fakes answer for the rest (records, objects) is kept.
/* eslint-disable @typescript-eslint/require-await -- each fake stands for an async activity and answers at once */
import type { Activities } from '../../src/activities/index.ts';
import type { KubernetesChangeVnfPkgInput } from '../../src/lcm/kubernetes-input.ts';
import type { PodView, WorkloadView } from '../../src/kubernetes/rollout.ts';
import type { CallLog } from './fakes.ts';
import { FakeKubernetes, kubernetesChangeInput, type KubernetesChangeOptions } from './kubernetes-fakes.ts';

interface FakeStatefulPod {
  ordinal: number;
  revision: number;
  reads: number;
  /** How many times this ordinal's pod was made. */
  generation: number;
}

export class FakeStatefulSet {
  /** Image of each revision (index = revision - 1). */
  private readonly revisions: string[];
  private update = 1;
  private current = 1;
  partition = 0;
  private pods: FakeStatefulPod[] = [];

  constructor(
    private readonly log: CallLog, readonly vduId: string, readonly name: string, readonly replicas: number, image: string,
    private readonly readsBeforeStart = 0,
  ) {
    this.revisions = [image];
    for (let ordinal = 0; ordinal < replicas; ordinal++) this.pods.push({ ordinal, revision: 1, reads: 1_000, generation: 1 });
  }

  /** The image each ordinal runs now. */
  images(): string[] {
    return this.pods.map((p) => this.revisions[p.revision - 1] ?? '');
  }

  /** How many times each ordinal's pod was made (1: never replaced). */
  generations(): number[] {
    return this.pods.map((p) => p.generation);
  }

  private started(pod: FakeStatefulPod): boolean {
    return pod.reads >= this.readsBeforeStart;
  }

  /** One step of the StatefulSet controller. */
  private step(): void {
    for (const pod of this.pods) pod.reads += 1;
    if (this.pods.some((p) => !this.started(p))) return;
    for (let ordinal = this.replicas - 1; ordinal >= this.partition; ordinal--) {
      const pod = this.pods[ordinal];
      if (pod && pod.revision !== this.update) {
        this.pods[ordinal] = { ordinal, revision: this.update, reads: 0, generation: pod.generation + 1 };
        return;
      }
    }
    if (this.pods.every((p) => p.revision === this.update)) this.current = this.update;
  }

  private view(): WorkloadView {
    const revisionName = (n: number) => `${this.name}-r${n}`;
    const pods: PodView[] = this.pods.map((p) => ({
      name: `${this.name}-${p.ordinal}`, createdAt: new Date(p.generation * 1000).toISOString(),
      phase: this.started(p) ? 'Running' : 'Pending', containersReady: this.started(p), ready: this.started(p),
      gated: false, released: false, terminating: false, ordinal: p.ordinal, revision: revisionName(p.revision),
    }));
    const ready = this.pods.filter((p) => this.started(p)).length;
    return {
      exists: true, ref: { kind: 'StatefulSet', namespace: 'cnf', name: this.name }, generation: 1, observedGeneration: 1,
      replicas: this.replicas, paused: false,
      status: { replicas: this.pods.length, updatedReplicas: this.pods.filter((p) => p.revision === this.update).length, readyReplicas: ready, availableReplicas: ready },
      progressDeadlineExceeded: false, replicaSets: [], pods,
      statefulSet: {
        currentRevision: revisionName(this.current), updateRevision: revisionName(this.update),
        currentReplicas: this.pods.filter((p) => p.revision === this.current).length, partition: this.partition,
      },
    };
  }

  activities(): Partial<Activities> {
    const setKubernetesWorkloadSpec: Activities['setKubernetesWorkloadSpec'] = async ({ spec, coordinated }) => {
      const image = (spec.template as { spec: { containers: { image: string }[] } }).spec.containers[0]?.image ?? '';
      this.log.record('setKubernetesWorkloadSpec', this.name, `${image}${coordinated ? ' coordinated' : ''}`);
      const known = this.revisions.indexOf(image);
      if (known >= 0) this.update = known + 1;
      else this.update = this.revisions.push(image);
      this.partition = coordinated ? this.replicas : 0;
    };
    const setKubernetesStatefulSetPartition: Activities['setKubernetesStatefulSetPartition'] = async ({ partition, updateStrategy }) => {
      const next = updateStrategy ? ((updateStrategy.rollingUpdate as { partition?: number } | undefined)?.partition ?? 0) : (partition ?? 0);
      this.log.record('setKubernetesStatefulSetPartition', this.name, updateStrategy ? `strategy ${next}` : String(next));
      this.partition = next;
    };
    const readKubernetesWorkload: Activities['readKubernetesWorkload'] = async () => {
      this.log.record('readKubernetesWorkload', this.name);
      this.step();
      return this.view();
    };
    const readKubernetesDeployment: Activities['readKubernetesDeployment'] = async () => ({ existed: true, spec: statefulSetSpec(this.revisions[this.update - 1] ?? '', this.replicas) });
    const listKubernetesVnfcs: Activities['listKubernetesVnfcs'] = async () => this.pods.map((p) => ({
      id: `${this.name}-${p.ordinal}`, vduId: this.vduId, kind: 'StatefulSet' as const, revision: `${this.name}-r${p.revision}`,
    }));
    return { setKubernetesWorkloadSpec, setKubernetesStatefulSetPartition, readKubernetesWorkload, readKubernetesDeployment, listKubernetesVnfcs };
  }
}

function statefulSetSpec(image: string, replicas: number): Record<string, unknown> {
  return {
    replicas, serviceName: 'x', selector: { matchLabels: { app: 'x' } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'app', image }] } },
  };
}

/** The activities of one StatefulSet VDU over the Deployment fakes' (records, objects, deletes). */
export function statefulSetActivities(log: CallLog, set: FakeStatefulSet) {
  return { ...new FakeKubernetes(log, []).activities(), ...set.activities() };
}

/** A change_vnfpkg input whose one VDU is a StatefulSet (the gateway's input, its kinds StatefulSet). */
export function statefulSetChangeInput(options: Omit<KubernetesChangeOptions, 'deployments'> & { set: { vduId: string; name: string; replicas: number; image: string } }): KubernetesChangeVnfPkgInput {
  const input = kubernetesChangeInput({ ...options, deployments: [options.set] });
  const { vduId } = options.set;
  for (const vdus of [input.kubernetes.vdus, input.kubernetes.sourceVdus]) {
    const ref = vdus[vduId];
    if (ref) vdus[vduId] = { ...ref, kind: 'StatefulSet' };
  }
  input.kubernetes.objects = input.kubernetes.objects.map((o) => ({ ...o, kind: 'StatefulSet', spec: statefulSetSpec(options.set.image, options.set.replicas) }));
  input.kubernetes.vnfcsBefore = Array.from({ length: options.set.replicas }, (_, ordinal) => ({
    id: `${options.set.name}-${ordinal}`, vduId, kind: 'StatefulSet' as const, revision: `${options.set.name}-r1`,
  }));
  return input;
}
