// The VIM half of one VNFC step: find the VNFC's stack resource, PATCH its image and flavour,
// and wait with workflow timers until Heat reports UPDATE_COMPLETE, within a deadline. The
// same step takes a VNFC to the new package and, in a rollback, back to its old image.
import { readsRunLocally, vim, vimReads } from './activities.ts';
import type { ChangeContext } from './change-context.ts';
import type { VnfcProgress, VnfcStep } from './operation-state.ts';
import { asStep, StepFailure } from './step-failure.ts';

export async function updateVnfcOnVim(
  ctx: ChangeContext, vnfc: VnfcProgress, step: VnfcStep, target: { image: string; flavor: string },
): Promise<void> {
  const label = ctx.label(vnfc);
  const name = `${vnfc.vduId}-${vnfc.index}`;
  const reads = readsRunLocally() ? vimReads : vim;

  if (step.phase === 'PENDING') {
    ctx.describe(`${label}: reading its stack resource`);
    const resource = await asStep(502, `VIM: stack resource of VNFC ${vnfc.id}`, () => reads.getStackResource.executeWithOptions(
      { summary: `find the stack resource of ${name}` }, [{ stack: ctx.input.stack, serverId: vnfc.serverId }]));
    step.memberStack = resource.memberStack;
    const current = await asStep(502, `VIM: stack of VNFC ${vnfc.id}`, () => reads.readVnfcStack.executeWithOptions(
      { summary: `read the stack of ${name}` }, [{ memberStack: resource.memberStack }]));
    vnfc.previousImage ??= current.image;
    vnfc.previousFlavor ??= current.flavor;
    // Already there (an earlier attempt's update completed): nothing to change.
    if (current.status.endsWith('_COMPLETE') && current.image === target.image && current.flavor === target.flavor) return;
    ctx.describe(`${label}: updating to image ${target.image}, flavour ${target.flavor}`);
    await asStep(502, `VIM: update of VNFC ${vnfc.id}`, () => vim.updateVnfc.executeWithOptions(
      { summary: `update ${name} to ${target.image}` }, [{ memberStack: resource.memberStack, ...target }]));
    step.phase = 'UPDATING_VIM';
    step.vimUpdateDeadlineAt = Date.now() + ctx.input.tuning.vimUpdateTimeoutSec * 1000;
  }

  const memberStack = step.memberStack;
  const deadlineAt = step.vimUpdateDeadlineAt ?? Date.now();
  if (!memberStack) throw StepFailure.of(500, `${label}: no stack recorded for the update in progress`);
  for (;;) {
    const status = await asStep(502, `VIM: status of VNFC ${vnfc.id}`, () => reads.readVnfcStack.executeWithOptions(
      { summary: `read stack status of ${name}` }, [{ memberStack }]));
    if (status.status === 'UPDATE_COMPLETE') return;
    if (status.status !== 'UPDATE_IN_PROGRESS') {
      step.phase = 'PENDING'; // a retry starts the VIM update over
      throw StepFailure.of(502, `VIM update of VNFC ${vnfc.id} (${vnfc.vduId}) ended ${status.status}: ${status.reason ?? 'no reason given'}`);
    }
    if (Date.now() >= deadlineAt) {
      step.phase = 'PENDING';
      throw StepFailure.of(504, `VIM update of VNFC ${vnfc.id} (${vnfc.vduId}) did not complete within ${ctx.input.tuning.vimUpdateTimeoutSec} s`);
    }
    const pollS = ctx.input.tuning.vimPollIntervalMs / 1000;
    ctx.describe(`${label}: waiting for VIM (${status.status}), next check in ${pollS} s`);
    await ctx.sleepUntil(Math.min(Date.now() + ctx.input.tuning.vimPollIntervalMs, deadlineAt), `${label}: wait ${pollS} s for the VIM`);
  }
}
