// Figure 4: history per workflow run against the length of the EM wait. One VNFC, the EM
// answers 202 with Retry-After: 1 for `polls` GETs. The workflow's retryAfterScale shrinks every
// wait (Retry-After 1 s → 10 ms) while the number of exchanges, timers and history events stays
// what the real wait produces; the dev server's history.timerProcessorMaxTimeShift of 10 ms
// lets such short timers fire on time.
import { allRuns, changeRequest, completed, postChange } from '../lib/ops.ts';
import { Stage, type BenchContext } from '../lib/parts.ts';
import { max, mean } from '../lib/stats.ts';

export interface HistoryCase {
  label: string;
  polls: number;
  measured: boolean;
  /** GETs the EM answered for the coordination (202s and the final 200). */
  gets: number;
  runs: number;
  /** Events of each run, oldest first (measured cases). */
  runLengths: number[];
  maxEventsPerRun: number;
  meanEventsPerRun: number;
  totalEvents: number;
  wallMs: number;
  /** Measured cases: wall ms per poll (sets what fits the time budget). */
  msPerPoll: number;
}

export const RETRY_AFTER_SCALE = 0.01;
/** The gateway tuning for this figure. Production values otherwise (historyEventLimit 1,000). */
export const HISTORY_TUNING = { retryAfterScale: RETRY_AFTER_SCALE };

export interface HistoryOptions {
  cases: { label: string; polls: number }[];
  /** Cases longer than this many polls are extrapolated from the longest measured case. */
  maxMeasuredPolls: number;
}

export async function historyGrowth(ctx: BenchContext, options: HistoryOptions): Promise<HistoryCase[]> {
  const stage = await Stage.start(ctx, { name: 'history', vimUpdateDelayMs: 0 });
  try {
    await stage.startWorker();
    const gateway = await stage.startGateway(HISTORY_TUNING);
    const measured = options.cases.filter((c) => c.polls <= options.maxMeasuredPolls);
    // The measured cases run side by side, each with its own EM (so GETs count per case).
    const results = await Promise.all(measured.map(async ({ label, polls }): Promise<HistoryCase> => {
      let gets = 0;
      const em = await stage.startEm({
        behaviour: { default: { mode: 'async', retryAfter: 1, polls } },
        log: (line) => void (line.startsWith('GET /lcmcoord/v1/coordinations/') && (gets += 1)),
      });
      const [instance] = await stage.createInstances(1, { VDU1: 1 });
      // A coordination deadline far beyond the compressed wait (the deadline counts real time).
      const body = changeRequest({ vnfdId: stage.destination.vnfd.vnfdId, emUrl: em.url, vduIds: ['VDU1'], timeoutSec: 7 * 24 * 3600 });
      const started = performance.now();
      const { opId } = await postChange(gateway.url, instance?.id ?? '', body);
      await completed(ctx.client, opId);
      const wallMs = performance.now() - started;
      const lengths = (await allRuns(ctx.client, opId)).map((run) => run.length);
      ctx.log(`  ${label}: ${gets} GETs, ${lengths.length} runs, max ${max(lengths)} events per run, ${(wallMs / 1000).toFixed(1)} s`);
      return {
        label, polls, measured: true, gets, runs: lengths.length, runLengths: lengths, maxEventsPerRun: max(lengths), meanEventsPerRun: mean(lengths),
        totalEvents: lengths.reduce((a, b) => a + b, 0), wallMs, msPerPoll: wallMs / Math.max(1, gets),
      };
    }));
    const basis = results.reduce((a, b) => (b.polls > a.polls ? b : a));
    for (const { label, polls } of options.cases.filter((c) => c.polls > options.maxMeasuredPolls)) {
      results.push(extrapolate(label, polls, basis));
    }
    return results;
  } finally {
    await stage.close();
  }
}

/**
 * A longer wait from the longest measured one: every full run holds the same number of polls
 * (the run ends at the same history limit), so the run count scales with the polls and the
 * per-run maximum stays what was measured.
 */
function extrapolate(label: string, polls: number, basis: HistoryCase): HistoryCase {
  // Full runs are all but the last; each ends at the history checkpoint.
  const fullRuns = basis.runLengths.length > 1 ? basis.runLengths.slice(0, -1) : basis.runLengths;
  const eventsPerFullRun = mean(fullRuns);
  const eventsPerPoll = basis.totalEvents / basis.gets;
  const totalEvents = Math.round(eventsPerPoll * (polls + 1));
  const runs = Math.ceil(totalEvents / eventsPerFullRun);
  return {
    label, polls, measured: false, gets: polls + 1, runs, runLengths: [], maxEventsPerRun: basis.maxEventsPerRun,
    meanEventsPerRun: totalEvents / runs, totalEvents,
    wallMs: basis.msPerPoll * (polls + 1), msPerPoll: basis.msPerPoll,
  };
}
