// instantiateVnf and terminateVnf on a Kubernetes VIM: instantiate creates the package's
// manifests (Tacker's `lcm-kubernetes-def-files`, placed in the VNF's namespace) in order and
// waits, with workflow timers, until every VDU's Deployment has rolled out, then records the
// pods as the VNFCs; terminate deletes the objects, last first, and waits until they are gone.
// Both are simple operation occurrences (runOperation): FAILED_TEMP, retry from where they
// stood, fail.
import { sleep } from '@temporalio/workflow';
import type { KubernetesInstantiateInput, KubernetesTerminateInput } from '../lcm/kubernetes-input.ts';
import { isRolloutComplete, podTrouble, type WorkloadRef } from '../kubernetes/rollout.ts';
import type { KubernetesTarget } from '../kubernetes/vim-connection.ts';
import { inventory, kubernetes, kubernetesReads } from './activities.ts';
import { runOperation } from './instance-operations.ts';
import { refreshVnfcs, vnfcResourceInfo, type VnfcLedger } from './kubernetes-vnfcs.ts';
import { asStep, StepFailure } from './step-failure.ts';

interface Waits {
  pollIntervalMs: number;
  timeoutSec: number;
}

function waitsOf(tuning: Partial<Waits> | undefined): Waits {
  return { pollIntervalMs: tuning?.pollIntervalMs ?? 1_000, timeoutSec: tuning?.timeoutSec ?? 1_800 };
}

export async function instantiateOnKubernetes(input: KubernetesInstantiateInput): Promise<ReturnType<typeof runOperation>> {
  const k8s = input.kubernetes;
  const waits = waitsOf(input.tuning);
  /** Objects created so far: a retry goes on from there. */
  const progress = { created: 0 };
  return runOperation('INSTANTIATE', input, async (describe, occurrence) => {
    while (progress.created < k8s.objects.length) {
      const object = k8s.objects[progress.created];
      if (!object) break;
      describe(`creating ${object.kind} ${object.metadata.name}`);
      await asStep(502, `Kubernetes: ${object.kind} ${object.metadata.name}`, () => kubernetes.applyKubernetesResource.executeWithOptions(
        { summary: `create ${object.kind} ${object.metadata.name}` }, [{ target: k8s.target, resource: object }]));
      progress.created += 1;
    }
    for (const [vduId, workload] of Object.entries(k8s.vdus)) await waitForRollout(k8s.target, vduId, workload, waits, describe);
    const ledger: VnfcLedger = { before: [], seen: [] };
    const vnfcs = await refreshVnfcs(occurrence.state, ledger, k8s.target, k8s.vdus);
    await inventory.recordKubernetesInstantiation.executeWithOptions({ summary: `record ${input.vnfInstanceId} INSTANTIATED` }, [{
      vnfInstanceId: input.vnfInstanceId,
      kubernetes: {
        vim: k8s.vim, vimKey: k8s.vimKey, namespace: k8s.namespace, defFiles: k8s.defFiles, vdus: k8s.vdus,
        resources: k8s.objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) })),
      },
      vnfcResourceInfo: vnfcs.map(vnfcResourceInfo),
    }]);
  });
}

export async function terminateOnKubernetes(input: KubernetesTerminateInput): Promise<ReturnType<typeof runOperation>> {
  const { target, resources } = input.kubernetes;
  const waits = waitsOf(input.tuning);
  const progress = { deleted: 0 };
  const lastFirst = [...resources].reverse();
  return runOperation('TERMINATE', input, async (describe) => {
    while (progress.deleted < lastFirst.length) {
      const ref = lastFirst[progress.deleted];
      if (!ref) break;
      describe(`deleting ${ref.kind} ${ref.name}`);
      await asStep(502, `Kubernetes: ${ref.kind} ${ref.name}`, () => kubernetes.deleteKubernetesResource.executeWithOptions(
        { summary: `delete ${ref.kind} ${ref.name}` }, [{ target, ref }]));
      progress.deleted += 1;
    }
    const deadline = Date.now() + waits.timeoutSec * 1000;
    for (const ref of lastFirst) {
      for (;;) {
        const exists = await asStep(502, `Kubernetes: ${ref.kind} ${ref.name}`, () => kubernetesReads.kubernetesResourceExists.executeWithOptions(
          { summary: `is ${ref.kind} ${ref.name} gone` }, [{ target, ref }]));
        if (!exists) break;
        if (Date.now() >= deadline) throw StepFailure.of(504, `${ref.kind} ${ref.name} was not deleted within ${waits.timeoutSec} s`);
        describe(`waiting for ${ref.kind} ${ref.name} to go`);
        await sleep(waits.pollIntervalMs, { summary: `wait for ${ref.kind} ${ref.name} to go` });
      }
    }
    await inventory.recordTermination.executeWithOptions({ summary: `record ${input.vnfInstanceId} NOT_INSTANTIATED` }, [{ vnfInstanceId: input.vnfInstanceId }]);
  });
}

/** Polls the Deployment or StatefulSet (workflow timers) until it has rolled out (kubectl's rule); its progress deadline or ours fails the step. */
async function waitForRollout(target: KubernetesTarget, vduId: string, workload: WorkloadRef, waits: Waits, describe: (details: string) => void): Promise<void> {
  const deadline = Date.now() + waits.timeoutSec * 1000;
  for (;;) {
    const view = await asStep(502, `Kubernetes: ${workload.kind} ${workload.name}`, () => kubernetesReads.readKubernetesWorkload.executeWithOptions(
      { summary: `read the rollout of ${workload.name}` }, [{ target, workload }]));
    if (!view.exists) throw StepFailure.of(404, `${workload.kind} ${workload.namespace}/${workload.name} of ${vduId} does not exist`);
    if (isRolloutComplete(view)) return;
    const troubles = view.pods.map(podTrouble).filter(Boolean).join('; ');
    if (view.progressDeadlineExceeded || Date.now() >= deadline) {
      throw StepFailure.of(504, `${workload.kind} ${workload.name} of ${vduId} did not roll out${troubles ? `: ${troubles}` : ` within ${waits.timeoutSec} s`}`);
    }
    describe(`${vduId}: waiting for ${workload.kind} ${workload.name} (${view.status.availableReplicas}/${view.replicas} available)${troubles ? `: ${troubles}` : ''}`);
    await sleep(waits.pollIntervalMs, { summary: `wait for ${workload.kind} ${workload.name}` });
  }
}
