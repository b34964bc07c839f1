// The production values of the changeVnfPkg tuning, as plain data. The zod schema of the input
// (change-vnfpkg-input.ts, used by the gateway) takes its defaults from here, and the workflow
// fills a partial tuning from here too: zod stays out of the workflow bundle, where every module
// is evaluated again for each cached workflow (its schemas cost ~1.6 MiB per workflow).
export const TUNING_DEFAULTS = {
  minPollIntervalMs: 1_000,
  defaultPollIntervalMs: 5_000,
  defaultCoordinationTimeoutSec: 3_600,
  vimPollIntervalMs: 1_000,
  vimUpdateTimeoutSec: 1_800,
  historyEventLimit: 1_000,
  scriptTimeoutSec: 600,
  retryAfterScale: 1,
};

/** Every knob, a number (the input schema adds the bounds). */
export type TuningValues = { [K in keyof typeof TUNING_DEFAULTS]: number };

/** The tuning with every knob the input leaves out at its production value. */
export function withTuningDefaults(tuning: Partial<TuningValues> | undefined): TuningValues {
  return { ...TUNING_DEFAULTS, ...tuning };
}
