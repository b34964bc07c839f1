// The VIM half of one VNFC step: find the VNFC's stack resource, PATCH its image and flavour,
// and wait with workflow timers until Heat reports UPDATE_COMPLETE, within a deadline.
import { vim } from './activities.ts';
import type { OperationContext } from './change-vnfpkg.ts';
import type { VnfcProgress } from './operation-state.ts';
import { asStep, StepFailure } from './step-failure.ts';

export async function updateVnfcOnVim(ctx: OperationContext, vnfc: VnfcProgress): Promise<void> {
  const target = ctx.input.target.vdus[vnfc.vduId];
  if (!target) throw StepFailure.of(422, `destination VNFD has no VDU ${vnfc.vduId}`);
  const label = ctx.label(vnfc);

  if (vnfc.phase === 'PENDING') {
    ctx.describe(`${label}: reading its stack resource`);
    const resource = await asStep(502, `VIM: stack resource of VNFC ${vnfc.id}`, () => vim.getStackResource.executeWithOptions(
      { summary: `find the stack resource of ${vnfc.vduId}-${vnfc.index}` }, [{ stack: ctx.input.stack, serverId: vnfc.serverId }]));
    vnfc.memberStack = resource.memberStack;
    const current = await asStep(502, `VIM: stack of VNFC ${vnfc.id}`, () => vim.readVnfcStack.executeWithOptions(
      { summary: `read the stack of ${vnfc.vduId}-${vnfc.index}` }, [{ memberStack: resource.memberStack }]));
    vnfc.previousImage ??= current.image;
    vnfc.previousFlavor ??= current.flavor;
    // Already on the destination (an earlier attempt's update completed): nothing to change.
    if (current.status.endsWith('_COMPLETE') && current.image === target.image && current.flavor === target.flavor) return;
    ctx.describe(`${label}: updating to image ${target.image}, flavour ${target.flavor}`);
    await asStep(502, `VIM: update of VNFC ${vnfc.id}`, () => vim.updateVnfc.executeWithOptions(
      { summary: `update ${vnfc.vduId}-${vnfc.index} to ${target.image}` }, [{ memberStack: resource.memberStack, ...target }]));
    vnfc.phase = 'UPDATING_VIM';
    vnfc.vimUpdateDeadlineAt = Date.now() + ctx.input.tuning.vimUpdateTimeoutSec * 1000;
  }

  const memberStack = vnfc.memberStack;
  const deadlineAt = vnfc.vimUpdateDeadlineAt ?? Date.now();
  if (!memberStack) throw StepFailure.of(500, `${label}: no stack recorded for the update in progress`);
  for (;;) {
    const status = await asStep(502, `VIM: status of VNFC ${vnfc.id}`, () => vim.readVnfcStack.executeWithOptions(
      { summary: `read stack status of ${vnfc.vduId}-${vnfc.index}` }, [{ memberStack }]));
    if (status.status === 'UPDATE_COMPLETE') return;
    if (status.status !== 'UPDATE_IN_PROGRESS') {
      vnfc.phase = 'PENDING'; // a retry starts the VIM update over
      throw StepFailure.of(502, `VIM update of VNFC ${vnfc.id} (${vnfc.vduId}) ended ${status.status}: ${status.reason ?? 'no reason given'}`);
    }
    if (Date.now() >= deadlineAt) {
      vnfc.phase = 'PENDING';
      throw StepFailure.of(504, `VIM update of VNFC ${vnfc.id} (${vnfc.vduId}) did not complete within ${ctx.input.tuning.vimUpdateTimeoutSec} s`);
    }
    const pollS = ctx.input.tuning.vimPollIntervalMs / 1000;
    ctx.describe(`${label}: waiting for VIM (${status.status}), next check in ${pollS} s`);
    await ctx.sleepUntil(Math.min(Date.now() + ctx.input.tuning.vimPollIntervalMs, deadlineAt), `${label}: wait ${pollS} s for the VIM`);
  }
}
