import { readFileSync } from 'node:fs';

/** Linux clock ticks per second (USER_HZ); 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/** utime + stime of a process (all its threads), in milliseconds, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** Resident set size in bytes, from /proc/<pid>/status (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/** CPU of a set of processes (e.g. two server instances) between `start()` and `stop()`. */
export function cpuMeter(pids: number[]) {
  const sum = () => pids.reduce((total, pid) => total + cpuMs(pid), 0);
  const started = sum();
  const wallStarted = performance.now();
  return {
    elapsed() {
      return { cpuMs: sum() - started, wallMs: performance.now() - wallStarted };
    },
  };
}

/** This (generator) process's CPU, all threads included, in milliseconds. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Resolves once the processes' CPU stays under `quietFraction` of one core for `windowMs`
 * (the server settled), or at `timeoutMs`. Returns when the quiet window started.
 */
export async function untilQuiet(
  pids: number[],
  { windowMs = 500, quietFraction = 0.05, timeoutMs = 60_000 } = {},
): Promise<{ settledAt: number; timedOut: boolean }> {
  const started = performance.now();
  const sum = () => pids.reduce((total, pid) => total + cpuMs(pid), 0);
  for (;;) {
    const before = sum();
    const at = performance.now();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    if (sum() - before <= windowMs * quietFraction) return { settledAt: at, timedOut: false };
    if (performance.now() - started > timeoutMs) {
      return { settledAt: performance.now(), timedOut: true };
    }
  }
}
