// changeVnfPkg with upgrade_type BlueGreen, on the one operation lifecycle (operation-occurrence.ts).
// Instead of changing each VNFC in place, the change builds the new VNFCs (green) beside the
// old ones (blue) and moves the traffic over at the external load balancer in one step:
//
//   LOCATING_BLUE      the groups of the VNF's stack that hold the VNFCs of the VDUs in vdu_params
//   ADDING_GREEN       one Heat update adds a group per VDU on the destination image and flavour
//   COORDINATING_GREEN each green VNFC as a new VNFC: coordinate-new-vnf script, then the EM
//   SWITCHING          the load balancer is pointed at the green VNFCs (the package's script)
//   COORDINATING_BLUE  each blue VNFC as an old VNFC: coordinate-old-vnf script, then the EM
//   REMOVING_BLUE      one Heat update deletes the blue groups
//
// Each step is a checkpoint: a failure puts the operation in FAILED_TEMP and `retry` resumes at
// the step (and the VNFC) that failed. `rollback` switches the load balancer back to blue if a
// switch to green was started, then deletes the green groups; it is refused once blue removal
// has begun. Cancel works as for the rolling update: GRACEFUL between steps, FORCEFUL at once.
import type { ParsedChangeVnfPkgInput } from '../lcm/change-vnfpkg-input.ts';
import { inventory, loadBalancer, vim, vimReads } from './activities.ts';
import type { BlueGreenProgress, BlueGreenVnfc, StackUpdate, SwitchPhase } from './blue-green-state.ts';
import { ChangeContext, type VnfcSide } from './change-context.ts';
import { cancelOpenCoordination, coordinateVnfc } from './coordination.ts';
import { destinationIdentity, occurrenceStartTime, startingState } from './initial-state.ts';
import { changeOccurrence } from './operation-occurrence.ts';
import type { OperationState, VnfcProgress } from './operation-state.ts';
import { asStep, StepFailure } from './step-failure.ts';

/** Why the rollback task is refused once the blue VNFCs are being deleted. */
const BLUE_GONE = 'the blue VNFCs are being deleted, so there is nothing to switch back to';

export async function changeBlueGreen(input: ParsedChangeVnfPkgInput, resumed?: OperationState): Promise<OperationState> {
  const state = resumed ?? initialState(input);
  const occurrence = changeOccurrence(input, state, resumed !== undefined);
  const ctx = new BlueGreenContext(input, occurrence);
  return occurrence.perform({
    forward: () => forward(ctx),
    rollback: () => rollBack(ctx),
    commit: () => commit(ctx),
    afterForcefulCancel: () => cancelOpenCoordinations(ctx),
    completedDetails: () => `completed: ${ctx.progress.green.length} green VNFCs on ${input.target.vnfdId} carry the traffic, ${ctx.progress.blue.length} blue VNFCs removed`,
    rolledBackDetails: () => `rolled back: the green VNFCs removed, the ${ctx.progress.blue.length} blue VNFCs on ${input.sourceVnfdId} carry the traffic`,
  });
}

/** The change's context, with its own words for where a VNFC stands (blue or green, and which). */
class BlueGreenContext extends ChangeContext {
  get progress(): BlueGreenProgress {
    const progress = this.state.blueGreen;
    if (!progress) throw StepFailure.of(500, `operation ${this.state.vnfLcmOpOccId} has no Blue-Green progress`);
    return progress;
  }

  override label(vnfc: VnfcProgress): string {
    const { green, blue } = this.progress;
    const [side, list] = green.includes(vnfc as BlueGreenVnfc) ? ['green', green] : ['blue', blue];
    return `${side} VNFC ${list.indexOf(vnfc as BlueGreenVnfc) + 1}/${list.length} ${vnfc.vduId} ${vnfc.serverId}`;
  }

  /** A point between two steps: history stays bounded and a GRACEFUL cancel stops here. */
  async betweenSteps(): Promise<void> {
    await this.occurrence.checkpoint();
    this.occurrence.stopIfCancelled();
  }
}

async function forward(ctx: BlueGreenContext): Promise<void> {
  const progress = ctx.progress;
  while (progress.stage !== 'DONE') {
    await ctx.betweenSteps();
    switch (progress.stage) {
      case 'LOCATING_BLUE':
        await locateBlue(ctx);
        progress.stage = 'ADDING_GREEN';
        break;
      case 'ADDING_GREEN':
        await addGreen(ctx);
        progress.stage = 'COORDINATING_GREEN';
        break;
      case 'COORDINATING_GREEN':
        await coordinateEach(ctx, progress.green, 'new');
        progress.stage = 'SWITCHING';
        break;
      case 'SWITCHING':
        progress.switchToGreen = await switchLoadBalancer(ctx, 'new', progress.switchToGreen);
        progress.stage = 'COORDINATING_BLUE';
        break;
      case 'COORDINATING_BLUE':
        await coordinateEach(ctx, progress.blue, 'old');
        progress.stage = 'REMOVING_BLUE';
        break;
      case 'REMOVING_BLUE':
        await removeBlue(ctx);
        progress.stage = 'DONE';
        break;
    }
  }
}

/** Undoes what the change did, from where it stands: the traffic back to blue, then the green VNFCs deleted. */
async function rollBack(ctx: BlueGreenContext): Promise<void> {
  const progress = ctx.progress;
  const rollback = (progress.rollback ??= {
    switchToBlue: progress.switchToGreen === 'PENDING' ? 'NOT_NEEDED' : 'PENDING',
    greenRemoved: !progress.greenRequested,
  });
  await ctx.betweenSteps();
  if (rollback.switchToBlue !== 'NOT_NEEDED') rollback.switchToBlue = await switchLoadBalancer(ctx, 'old', rollback.switchToBlue);
  await ctx.betweenSteps();
  if (!rollback.greenRemoved) {
    ctx.describe(`deleting the green VNFCs (${names(progress.greenGroups.map((g) => g.name))})`);
    await updateGroups(ctx, rollback, { remove: progress.greenGroups.map((g) => g.name) }, 'deleting the green VNFCs');
    rollback.greenRemoved = true;
  }
}

/** The VNFCs of the VDUs in vdu_params, the groups that hold them, and their addresses. */
async function locateBlue(ctx: BlueGreenContext): Promise<void> {
  const { input } = ctx;
  const progress = ctx.progress;
  ctx.describe('finding the groups of the VNFCs to replace');
  const grouped = await asStep(502, 'VIM: groups of the VNF\'s stack', () => vimReads.listGroupedVnfcs.executeWithOptions(
    { summary: `list the VNFCs of ${input.stack.name} by group` }, [{ stack: input.stack }]));
  const vdus = new Set(input.request.additionalParams.vdu_params.map((p) => p.vdu_id));
  const blue: BlueGreenVnfc[] = input.vnfcResourceInfo
    .map((vnfc, index) => ({ ...vnfc, index }))
    .filter((vnfc) => vdus.has(vnfc.vduId))
    .reverse()
    .map((vnfc) => {
      const group = grouped.find((g) => g.serverId === vnfc.serverId)?.group;
      if (!group) throw StepFailure.of(409, `VNFC ${vnfc.id} (server ${vnfc.serverId}) is not in stack ${input.stack.name}`);
      return { id: vnfc.id, vduId: vnfc.vduId, serverId: vnfc.serverId, index: vnfc.index, group, phase: 'PENDING', actionsDone: 0 };
    });
  const blueGroups = [...new Set(blue.map((v) => v.group))];
  // A group is deleted whole: it must hold nothing but VNFCs this change replaces.
  const stranger = grouped.find((g) => blueGroups.includes(g.group) && !blue.some((v) => v.serverId === g.serverId));
  if (stranger) throw StepFailure.of(409, `group ${stranger.group} of stack ${input.stack.name} also holds server ${stranger.serverId}, which this change does not replace`);
  for (const vnfc of blue) vnfc.address = await addressOf(vnfc.serverId);

  const suffix = input.vnfLcmOpOccId.replace(/[^A-Za-z0-9]/g, '').slice(0, 8);
  progress.blue = blue;
  progress.blueGroups = blueGroups;
  progress.greenGroups = [...vdus].map((vduId) => {
    const target = input.target.vdus[vduId];
    const ofVdu = blue.filter((v) => v.vduId === vduId);
    if (!target || !ofVdu[0]) throw StepFailure.of(422, `VDU ${vduId} has no VNFC to replace or no image in the destination VNFD`);
    return { name: `${vduId}-${suffix}`, like: ofVdu[0].group, count: ofVdu.length, image: target.image, flavor: target.flavor };
  });
}

/** One Heat update adds the green groups; their VNFCs are then read back with their addresses. */
async function addGreen(ctx: BlueGreenContext): Promise<void> {
  const progress = ctx.progress;
  const { input } = ctx;
  ctx.describe(`adding the green VNFCs (${names(progress.greenGroups.map((g) => `${g.count} × ${g.name} on ${g.image}`))})`);
  progress.greenRequested = true;
  await updateGroups(ctx, progress, { add: progress.greenGroups }, 'adding the green VNFCs');
  const greenNames = progress.greenGroups.map((g) => g.name);
  const grouped = await asStep(502, 'VIM: the green VNFCs', () => vimReads.listGroupedVnfcs.executeWithOptions(
    { summary: `list the green VNFCs of ${input.stack.name}` }, [{ stack: input.stack }]));
  const green: BlueGreenVnfc[] = grouped
    .filter((g) => greenNames.includes(g.group))
    .map((g, i) => ({ id: g.serverId, vduId: g.vduId, serverId: g.serverId, index: input.vnfcResourceInfo.length + i, group: g.group, phase: 'PENDING', actionsDone: 0 }));
  const expected = progress.greenGroups.reduce((sum, g) => sum + g.count, 0);
  if (green.length !== expected) throw StepFailure.of(502, `the VIM created ${green.length} green VNFCs, not ${expected}`);
  for (const vnfc of green) vnfc.address = await addressOf(vnfc.serverId);
  progress.green = green;
}

/** After the switch, the blue groups go in one Heat update; from here on there is no way back. */
async function removeBlue(ctx: BlueGreenContext): Promise<void> {
  const progress = ctx.progress;
  ctx.state.rollbackRefusal = BLUE_GONE;
  ctx.describe(`deleting the blue VNFCs (${names(progress.blueGroups)})`);
  await updateGroups(ctx, progress, { remove: progress.blueGroups }, 'deleting the blue VNFCs');
}

/** Each VNFC of one side, in order, through coordinate script and EM (coordination.ts), each a checkpoint. */
async function coordinateEach(ctx: BlueGreenContext, vnfcs: BlueGreenVnfc[], side: VnfcSide): Promise<void> {
  for (const vnfc of vnfcs) {
    if (vnfc.phase === 'DONE') continue;
    await ctx.betweenSteps();
    vnfc.phase = 'COORDINATING';
    await coordinateVnfc(ctx, vnfc, vnfc, side);
    vnfc.phase = 'DONE';
  }
}

/**
 * Points the load balancer at one side's VNFCs through that side's coordinate script: the new
 * package's coordinate-new-vnf to green, the old package's coordinate-old-vnf back to blue.
 * The phase is STARTED before the script runs, so that a failure still counts as a possible switch.
 */
async function switchLoadBalancer(ctx: BlueGreenContext, side: VnfcSide, phase: SwitchPhase): Promise<SwitchPhase> {
  if (phase === 'DONE') return phase;
  const { input } = ctx;
  const params = input.request.additionalParams;
  const lb = params.external_lb_param;
  const script = params[side === 'new' ? 'lcm-operation-coordinate-new-vnf' : 'lcm-operation-coordinate-old-vnf'];
  const packageId = side === 'new' ? input.target.packageId : input.sourcePackageId;
  const colour = side === 'new' ? 'green' : 'blue';
  if (!lb || !script || !packageId) throw StepFailure.of(422, `the switch to the ${colour} VNFCs needs external_lb_param and the ${side === 'new' ? 'destination' : 'source'} package's coordinate script`);
  const members = (side === 'new' ? ctx.progress.green : ctx.progress.blue)
    .map(({ id, vduId, serverId, address }) => ({ id, vduId, serverId, ...(address ? { address } : {}) }));
  if (side === 'new') ctx.progress.switchToGreen = 'STARTED';
  else if (ctx.progress.rollback) ctx.progress.rollback.switchToBlue = 'STARTED';
  ctx.describe(`switching the load balancer ${lb.ip_address} to the ${members.length} ${colour} VNFCs`);
  await asStep(502, `load balancer switch to the ${colour} VNFCs`, () => loadBalancer.switchLoadBalancer.executeWithOptions(
    { summary: `switch load balancer ${lb.ip_address} to ${colour} (${script})` }, [{
      packageId, script, timeoutMs: input.tuning.scriptTimeoutSec * 1000, loadBalancer: lb, members,
      context: { operation: 'CHANGE_VNFPKG', upgradeType: 'BlueGreen', vnfInstanceId: input.vnfInstanceId, vnfLcmOpOccId: input.vnfLcmOpOccId, side },
    }]));
  return 'DONE';
}

/**
 * One Heat update of the VNF's top-level stack (groups added or deleted), then its status polled
 * with workflow timers until it completes, within the VIM update deadline. The update in flight
 * is kept in `holder` while it is waited for (a continue-as-new keeps its deadline) and forgotten
 * when the wait ends either way: the activity is idempotent, so a retry just asks again.
 */
async function updateGroups(
  ctx: BlueGreenContext, holder: { stackUpdate?: StackUpdate }, change: { add?: BlueGreenProgress['greenGroups']; remove?: string[] }, what: string,
): Promise<void> {
  const { input } = ctx;
  if (!holder.stackUpdate) {
    const { patched } = await asStep(502, `VIM: ${what}`, () => vim.updateVnfcGroups.executeWithOptions(
      { summary: `${what}: update stack ${input.stack.name}` }, [{ stack: input.stack, ...change }]));
    holder.stackUpdate = { patched, deadlineAt: Date.now() + input.tuning.vimUpdateTimeoutSec * 1000 };
  }
  const update = holder.stackUpdate;
  try {
    for (;;) {
      const { status, reason } = await asStep(502, `VIM: status of ${input.stack.name}`, () => vimReads.readVnfcStack.executeWithOptions(
        { summary: `read the status of ${input.stack.name}` }, [{ memberStack: input.stack }]));
      if (status === 'UPDATE_COMPLETE' || (!update.patched && status.endsWith('_COMPLETE'))) return;
      if (!status.endsWith('_IN_PROGRESS')) throw StepFailure.of(502, `VIM: ${what}: stack ${input.stack.name} ended ${status}: ${reason ?? 'no reason given'}`);
      if (Date.now() >= update.deadlineAt) throw StepFailure.of(504, `VIM: ${what}: stack ${input.stack.name} did not complete its update within ${input.tuning.vimUpdateTimeoutSec} s`);
      const pollS = input.tuning.vimPollIntervalMs / 1000;
      ctx.describe(`${what}: waiting for the VIM (${status}), next check in ${pollS} s`);
      await ctx.sleepUntil(Math.min(Date.now() + input.tuning.vimPollIntervalMs, update.deadlineAt), `${what}: wait ${pollS} s for the VIM`);
    }
  } finally {
    holder.stackUpdate = undefined;
  }
}

async function addressOf(serverId: string): Promise<string | undefined> {
  const { address } = await asStep(502, `VIM: address of server ${serverId}`, () => vimReads.readServerAddress.executeWithOptions(
    { summary: `read the address of server ${serverId}` }, [{ serverId }]));
  return address;
}

/** The instance now runs the destination package on the green VNFCs. */
async function commit(ctx: BlueGreenContext): Promise<void> {
  const { input } = ctx;
  const { blue, green } = ctx.progress;
  await inventory.recordVnfcReplacement.executeWithOptions({ summary: `record ${green.length} green VNFCs of ${input.vnfInstanceId}` }, [{
    vnfInstanceId: input.vnfInstanceId,
    removedIds: blue.map((v) => v.id),
    added: green.map((v) => ({ id: v.id, vduId: v.vduId, computeResource: { resourceId: v.serverId, vimLevelResourceType: 'OS::Nova::Server' } })),
  }]);
  await inventory.recordPackageChange.executeWithOptions(
    { summary: `record ${input.vnfInstanceId} on ${input.target.vnfdId}` }, [{ vnfInstanceId: input.vnfInstanceId, target: input.target }]);
}

/** After a FORCEFUL cancel: every coordination still open, on either side, is cancelled at the EM. */
async function cancelOpenCoordinations(ctx: BlueGreenContext): Promise<void> {
  for (const vnfc of ctx.progress.green) await cancelOpenCoordination(ctx, vnfc, vnfc, 'new');
  for (const vnfc of ctx.progress.blue) await cancelOpenCoordination(ctx, vnfc, vnfc, 'old');
}

function names(list: string[]): string {
  return list.join(', ');
}

function initialState(input: ParsedChangeVnfPkgInput): OperationState {
  return {
    ...startingState('CHANGE_VNFPKG', input, destinationIdentity(input.target), occurrenceStartTime()),
    blueGreen: {
      stage: 'LOCATING_BLUE', blue: [], green: [], blueGroups: [], greenGroups: [], greenRequested: false, switchToGreen: 'PENDING',
    },
  };
}
