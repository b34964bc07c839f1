// A Kubernetes VIM as the workflows see it through their activities, for the fast layer: each
// Deployment a list of pods by revision, advanced by one controller step per read of its
// rollout (a gated pod of the current revision holds it until released, as maxSurge 1 /
// maxUnavailable 0 and the readiness gate do on a real cluster; a plain rollout replaces one
// pod per read). Every call is recorded in the CallLog.
/* eslint-disable @typescript-eslint/require-await -- each fake stands for an async activity and answers at once */
import type { Activities } from '../../src/activities/index.ts';
import { KubernetesChangeVnfPkgInput, type KubernetesChangeVnfPkgInput as ChangeInput } from '../../src/lcm/kubernetes-input.ts';
import type { PodView, WorkloadView } from '../../src/kubernetes/rollout.ts';
import type { CallLog } from './fakes.ts';
import { EM_NEW, EM_OLD, FAST_TUNING } from './harness.ts';

interface FakePod {
  name: string;
  revision: number;
  seq: number;
  reads: number;
  gated: boolean;
  released: boolean;
}

interface FakeDeployment {
  vduId: string;
  name: string;
  replicas: number;
  /** Image of each revision made so far (index = revision - 1). */
  revisions: string[];
  current: number;
  gated: boolean;
  pods: FakePod[];
}

export interface FakeKubernetesBehaviour {
  /** Reads of a rollout before a new pod's containers are ready (default 0: at once). */
  readsBeforeStart?: number;
}

export class FakeKubernetes {
  private readonly deployments = new Map<string, FakeDeployment>();
  /** Images whose pods never start (ImagePullBackOff). */
  readonly stuckImages = new Set<string>();
  private seq = 0;

  constructor(private readonly log: CallLog, workloads: { vduId: string; name: string; replicas: number; image: string }[], private readonly behaviour: FakeKubernetesBehaviour = {}) {
    for (const w of workloads) {
      const deployment: FakeDeployment = { vduId: w.vduId, name: w.name, replicas: w.replicas, revisions: [w.image], current: 1, gated: false, pods: [] };
      for (let i = 0; i < w.replicas; i++) deployment.pods.push(this.pod(deployment, 1, false, 1_000));
      this.deployments.set(w.name, deployment);
    }
  }

  /** The pods of a Deployment now, by name. */
  podsOf(name: string): string[] {
    return this.deployment(name).pods.map((p) => p.name);
  }

  imageOf(name: string): string {
    const d = this.deployment(name);
    return d.revisions[d.current - 1] ?? '';
  }

  private deployment(name: string): FakeDeployment {
    const d = this.deployments.get(name);
    if (!d) throw new Error(`no Deployment ${name}`);
    return d;
  }

  private pod(d: FakeDeployment, revision: number, gated: boolean, reads = 0): FakePod {
    this.seq += 1;
    return { name: `${d.name}-r${revision}-${this.seq}`, revision, seq: this.seq, reads, gated, released: false };
  }

  private started(d: FakeDeployment, pod: FakePod): boolean {
    return pod.reads > (this.behaviour.readsBeforeStart ?? 0) - 1 && !this.stuckImages.has(d.revisions[pod.revision - 1] ?? '');
  }

  private available(d: FakeDeployment, pod: FakePod): boolean {
    return this.started(d, pod) && (!pod.gated || pod.released);
  }

  /** One step of the Deployment controller. */
  private step(d: FakeDeployment): void {
    for (const pod of d.pods) pod.reads += 1;
    const current = d.pods.filter((p) => p.revision === d.current);
    const old = d.pods.filter((p) => p.revision !== d.current);
    if (current.some((p) => !this.available(d, p))) return; // maxUnavailable 0: wait for the new pod
    if (old.length > 0 && d.pods.length > d.replicas) d.pods.splice(d.pods.indexOf(old[0] as FakePod), 1);
    if (current.length < d.replicas && d.pods.length <= d.replicas) d.pods.push(this.pod(d, d.current, d.gated));
  }

  private view(d: FakeDeployment): WorkloadView {
    const current = d.pods.filter((p) => p.revision === d.current);
    const pods: PodView[] = d.pods.map((p) => ({
      name: p.name, replicaSet: `${d.name}-r${p.revision}`, createdAt: new Date(p.seq * 1000).toISOString(),
      phase: this.started(d, p) ? 'Running' : 'Pending', containersReady: this.started(d, p), ready: this.available(d, p),
      gated: p.gated, released: p.released, terminating: false,
      ...(this.stuckImages.has(d.revisions[p.revision - 1] ?? '') ? { waitingReason: 'ImagePullBackOff' } : {}),
    }));
    const available = d.pods.filter((p) => this.available(d, p)).length;
    return {
      exists: true, ref: { kind: 'Deployment', namespace: 'cnf', name: d.name }, generation: d.current, observedGeneration: d.current,
      replicas: d.replicas, paused: false, revision: String(d.current),
      status: { replicas: d.pods.length, updatedReplicas: current.length, readyReplicas: available, availableReplicas: available },
      progressDeadlineExceeded: false, current: `${d.name}-r${d.current}`,
      replicaSets: d.revisions.map((_, i) => ({ name: `${d.name}-r${i + 1}`, revision: String(i + 1), replicas: 0, gated: false })), pods,
    };
  }

  activities() {
    const setKubernetesWorkloadSpec: Activities['setKubernetesWorkloadSpec'] = async ({ workload, spec, coordinated, adoptReplicaSet }) => {
      const d = this.deployment(workload.name);
      const image = (spec.template as { spec: { containers: { image: string }[] } }).spec.containers[0]?.image ?? '';
      this.log.record('setKubernetesWorkloadSpec', workload.name, `${image}${coordinated ? ' coordinated' : ''}${adoptReplicaSet ? ` adopt ${adoptReplicaSet}` : ''}`);
      const adopted = adoptReplicaSet ? Number(/-r(\d+)$/.exec(adoptReplicaSet)?.[1]) : undefined;
      if (adopted) {
        d.current = adopted;
      } else if (d.revisions[d.current - 1] !== image) {
        d.revisions.push(image);
        d.current = d.revisions.length;
      }
      d.gated = coordinated;
    };
    const readKubernetesWorkload: Activities['readKubernetesWorkload'] = async ({ workload }) => {
      const d = this.deployment(workload.name);
      this.log.record('readKubernetesWorkload', workload.name);
      this.step(d);
      return this.view(d);
    };
    const readKubernetesDeployment: Activities['readKubernetesDeployment'] = async ({ workload }) => {
      const d = this.deployment(workload.name);
      return { existed: true, spec: deploymentSpec(d.revisions[d.current - 1] ?? '', d.replicas), replicaSet: `${d.name}-r${d.current}` };
    };
    const releaseKubernetesPod: Activities['releaseKubernetesPod'] = async ({ pod }) => {
      this.log.record('releaseKubernetesPod', pod);
      for (const d of this.deployments.values()) for (const p of d.pods) if (p.name === pod) p.released = true;
    };
    const removeKubernetesCoordinationGate: Activities['removeKubernetesCoordinationGate'] = async ({ workload }) => {
      this.log.record('removeKubernetesCoordinationGate', workload.name);
      this.deployment(workload.name).gated = false;
    };
    const listKubernetesVnfcs: Activities['listKubernetesVnfcs'] = async () => [...this.deployments.values()]
      .flatMap((d) => d.pods.map((p) => ({ id: p.name, vduId: d.vduId, kind: 'Deployment' as const })));
    const applyKubernetesResource: Activities['applyKubernetesResource'] = async ({ resource }) => {
      this.log.record('applyKubernetesResource', resource.metadata?.name, resource.kind);
      return { created: false };
    };
    const deleteKubernetesResource: Activities['deleteKubernetesResource'] = async ({ ref }) => this.log.record('deleteKubernetesResource', ref.name, ref.kind);
    const kubernetesResourceExists: Activities['kubernetesResourceExists'] = async () => false;
    const recordVnfcResourceInfo: Activities['recordVnfcResourceInfo'] = async ({ vnfcResourceInfo }) => this.log.record('recordVnfcResourceInfo', undefined, String(vnfcResourceInfo.length));
    const recordKubernetesPackageChange: Activities['recordKubernetesPackageChange'] = async ({ target }) => this.log.record('recordKubernetesPackageChange', undefined, target.vnfdId);
    const recordKubernetesInstantiation: Activities['recordKubernetesInstantiation'] = async ({ vnfInstanceId }) => this.log.record('recordKubernetesInstantiation', undefined, vnfInstanceId);
    return {
      setKubernetesWorkloadSpec, readKubernetesWorkload, readKubernetesDeployment, releaseKubernetesPod, removeKubernetesCoordinationGate,
      listKubernetesVnfcs, applyKubernetesResource, deleteKubernetesResource, kubernetesResourceExists,
      recordVnfcResourceInfo, recordKubernetesPackageChange, recordKubernetesInstantiation,
    };
  }
}

function deploymentSpec(image: string, replicas: number): Record<string, unknown> {
  return {
    replicas, selector: { matchLabels: { app: 'x' } }, strategy: { type: 'RollingUpdate' },
    template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'app', image }] } },
  };
}

export interface KubernetesChangeOptions {
  /** Each VDU's Deployment: name, replicas, and the image it moves to. */
  deployments: { vduId: string; name: string; replicas: number; image: string }[];
  /** vdu_params, in order; each entry coordinated (EM endpoints on both sides) or not. */
  vduParams?: { vduId: string; coordinated: boolean }[];
  tuning?: ChangeInput['tuning'];
  coordinationActionNames?: string[];
}

/** A change_vnfpkg input on Kubernetes as the gateway would build it (validated by the same schema). */
export function kubernetesChangeInput(options: KubernetesChangeOptions): ChangeInput {
  const opId = crypto.randomUUID();
  const vdus = Object.fromEntries(options.deployments.map((d) => [d.vduId, { kind: 'Deployment' as const, namespace: 'cnf', name: d.name }]));
  return KubernetesChangeVnfPkgInput.parse({
    vnfLcmOpOccId: opId,
    vnfInstanceId: 'cnf-1',
    sourceVnfdId: 'cnfd-v1',
    sourcePackageId: 'cnf-package-v1',
    request: {
      vnfdId: 'cnfd-v2',
      additionalParams: {
        upgrade_type: 'RollingUpdate',
        'lcm-kubernetes-def-files': ['Files/kubernetes/deployment.yaml'],
        ...(options.vduParams ? {
          vdu_params: options.vduParams.map((p) => (p.coordinated
            ? { vdu_id: p.vduId, old_vnfc_param: { endpoint: EM_OLD }, new_vnfc_param: { endpoint: EM_NEW } }
            : { vdu_id: p.vduId })),
        } : {}),
      },
    },
    target: { vnfdId: 'cnfd-v2', vdus: {}, packageId: 'cnf-package-v2', coordinationActionNames: options.coordinationActionNames ?? ['prv.test.coordination'] },
    links: { vnfLcmOpOcc: `http://vnfm.test/vnflcm/v2/vnf_lcm_op_occs/${opId}`, vnfInstance: 'http://vnfm.test/vnflcm/v2/vnf_instances/cnf-1' },
    tuning: { ...FAST_TUNING, ...options.tuning },
    kubernetes: {
      target: { endpoint: 'https://k8s.test:6443', bearerToken: 'token' },
      namespace: 'cnf',
      order: options.vduParams?.map((p) => p.vduId) ?? options.deployments.map((d) => d.vduId),
      objects: options.deployments.map((d) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: d.name, namespace: 'cnf' }, spec: deploymentSpec(d.image, d.replicas) })),
      vdus, sourceVdus: vdus, sourceObjects: [], defFiles: ['Files/kubernetes/deployment.yaml'],
      vnfcsBefore: [],
    },
  });
}
