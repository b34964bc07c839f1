// CPU time of the processes of a stage, from /proc: which part of the system a figure's time
// went to. Clock ticks are 1/100 s on Linux.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

const TICK_MS = 10;

export function cpuMsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the command.
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** The Temporal dev server this process started (a child running the `temporal` binary). */
export function temporalServerPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'temporal' && ppid === process.pid) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** Busy CPU ms of the whole machine (all cores) since boot. */
function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = values;
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}

export interface CpuAccount {
  /** CPU ms per part over the window, and the window's wall time. */
  stop(): CpuReport;
}

export interface CpuReport {
  wallMs: number;
  /** CPU ms per part; `other` is the rest of the machine (other users' processes included). */
  parts: Record<string, number>;
  /** Busy CPU ms of the whole machine over the window. */
  machineMs: number;
  loadBefore: number;
  loadAfter: number;
}

/** Starts accounting CPU of the named processes ('harness' is this process). */
export function accountCpu(pids: Record<string, number | undefined>): CpuAccount {
  const started = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  const harnessBefore = process.cpuUsage();
  const machineBefore = machineBusyMs();
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMsOf(pid)]));
  return {
    stop() {
      const harness = process.cpuUsage(harnessBefore);
      const parts: Record<string, number> = { harness: (harness.user + harness.system) / 1000 };
      for (const [name, pid] of Object.entries(pids)) parts[name] = cpuMsOf(pid) - (before[name] ?? 0);
      const machineMs = machineBusyMs() - machineBefore;
      parts.other = Math.max(0, machineMs - Object.values(parts).reduce((a, b) => a + b, 0));
      return { wallMs: performance.now() - started, parts, machineMs, loadBefore, loadAfter: loadavg()[0] ?? 0 };
    },
  };
}
