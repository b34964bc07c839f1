// Ports for child processes that cannot listen on port 0 themselves (the Temporal CLI refuses
// 0). Every server of the tests' own listens on port 0 and keeps its socket; only these children
// are handed a number.

/**
 * Drawn below the kernel's ephemeral range (32768–60999 here), where no port-0 listener or
 * outgoing connection of another process is ever placed; the port 1000 above it (the Temporal
 * Web UI's default) stays below that range too. A collision with an explicit bind elsewhere
 * makes the child exit at start, and the caller draws again.
 */
export function childProcessPort(): number {
  return 20_000 + Math.floor(Math.random() * 11_000);
}

/** Runs `start` with a drawn port until one start succeeds (at most `attempts` draws). */
export async function onChildProcessPort<T>(start: (port: number) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start(childProcessPort());
    } catch (err) {
      if (attempt >= attempts) throw err;
    }
  }
}
