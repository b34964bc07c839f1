// The supervisor of `npm start`: a part that exits unexpectedly comes back after a backoff; a
// part that keeps failing is a crash loop, and then everything stops. The parts here are real
// child processes, small Node scripts that exit when the test says so.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor, type PartSpec, type RestartPolicy } from '../src/supervisor.ts';
import { eventually } from './support/wait.ts';

/** Restarts at once (the backoff's arithmetic is the same at any scale), a crash loop at the third exit. */
const QUICK: RestartPolicy = { initialBackoffMs: 5, maxBackoffMs: 40, maxRestarts: 2, windowMs: 3_600_000 };
const STAYS_UP = 'console.log("up"); setInterval(() => {}, 1000)';

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

function supervise(policy: RestartPolicy = QUICK) {
  const lines: string[] = [];
  let gaveUp: string | undefined;
  const supervisor = new Supervisor({ policy, log: (line) => lines.push(line), onGiveUp: (name) => (gaveUp = name) });
  supervisors.push(supervisor);
  return { supervisor, lines, gaveUp: () => gaveUp };
}

function nodePart(name: string, script: string): PartSpec {
  return { name, command: process.execPath, args: ['-e', script], env: { PATH: process.env.PATH }, cwd: tmpdir() };
}

const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the supervisor of npm start', () => {
  it('starts a part again after it exits unexpectedly, and logs why and when', async () => {
    // Fails on its first run only: the marker file tells the second run that it is the second.
    const marker = join(mkdtempSync(join(tmpdir(), 'supervisor-')), 'ran-once');
    const { supervisor, lines } = supervise();
    supervisor.start(nodePart('flaky', `const fs = require('fs'); if (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); process.exit(3); } ${STAYS_UP}`));

    await eventually('the second run is up', () => lines.some((l) => l.endsWith(' up')));

    expect(existsSync(marker)).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^\[flaky\] +exited unexpectedly \(code 3\); restarting in 0\.005 s \(restart 1 of at most 2 within 3600 s\)$/));
    expect(lines.filter((l) => / started \(pid \d+\)$/.test(l))).toHaveLength(2);
  });

  it('doubles the backoff with each restart within the window', async () => {
    const { supervisor, lines } = supervise({ ...QUICK, maxRestarts: 3 });
    supervisor.start(nodePart('failing', 'process.exit(1)'));

    await eventually('the crash loop is recognised', () => lines.some((l) => l.includes('crash loop')));

    const delays = lines.flatMap((l) => /restarting in ([\d.]+) s/.exec(l)?.[1] ?? []);
    expect(delays).toEqual(['0.005', '0.01', '0.02']);
  });

  it('gives up on a part in a crash loop: stops every other part and reports the one that failed', async () => {
    const { supervisor, lines, gaveUp } = supervise();
    supervisor.start(nodePart('steady', STAYS_UP));
    await eventually('the steady part is up', () => lines.some((l) => l.startsWith('[steady]') && l.endsWith(' up')));
    const steadyPid = supervisor.pidOf('steady');
    supervisor.start(nodePart('failing', 'process.exit(1)'));

    expect(await eventually('the supervisor gives up', gaveUp)).toBe('failing');

    expect(lines).toContainEqual(expect.stringMatching(/^\[failing\] +exited \(code 1\) for the 3rd time within 3600 s: a crash loop; stopping everything$/));
    expect(alive(steadyPid)).toBe(false);
  });

  it('restarts nothing it was asked to stop', async () => {
    const { supervisor, lines } = supervise();
    supervisor.start(nodePart('a', STAYS_UP));
    supervisor.start(nodePart('b', STAYS_UP));
    await eventually('both parts are up', () => lines.filter((l) => l.endsWith(' up')).length === 2);
    const pids = [supervisor.pidOf('a'), supervisor.pidOf('b')];

    await supervisor.stop();

    expect(pids.map(alive)).toEqual([false, false]);
    expect(lines.filter((l) => l.includes('restarting'))).toEqual([]);
  });
});
