// The one way a test waits: for something it can observe (a request the EM recorded, a state
// read through the API, a history event), polled with vitest's own `vi.waitFor`. No test sleeps
// to let something happen; a time limit here only turns a hang into a readable failure.
import { vi } from 'vitest';

/** How often a condition is looked at again. */
const POLL_INTERVAL_MS = 50;

/**
 * Resolves with the probe's first answer that is neither undefined, null nor false. A probe that
 * throws is asked again (a resource that does not exist yet, a server still starting). After
 * `timeoutMs` it fails with `what` and the probe's last error.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
): Promise<T> {
  let lastError: unknown;
  try {
    return await vi.waitFor(async () => {
      try {
        const value = await probe();
        if (value === undefined || value === null || value === false) throw new Error('not yet');
        return value;
      } catch (err) {
        lastError = err;
        throw err;
      }
    }, { timeout: timeoutMs, interval: POLL_INTERVAL_MS });
  } catch {
    const reason = lastError instanceof Error && lastError.message !== 'not yet' ? `; last error: ${lastError.message}` : '';
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
  }
}
