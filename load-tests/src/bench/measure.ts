/**
 * Timing helpers for the bench suites: run a unit of work repeatedly until a CPU-time budget is
 * spent, and report both CPU time (robust to other jobs sharing the cores) and wall time.
 */

/** What one timed run did. */
export interface Measured {
  /** Units of work done (windows, frames...). */
  units: number;
  cpuS: number;
  wallS: number;
}

/** CPU seconds used by this process (all threads, including ONNX Runtime's) since `from`. */
export function cpuSecondsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
}

/**
 * Calls `run` (which returns the units it did) `warmup` times untimed, then until `seconds` of CPU
 * time have been used.
 */
export async function measure(
  run: () => number | Promise<number>,
  seconds: number,
  warmup = 3,
): Promise<Measured> {
  for (let i = 0; i < warmup; i++) await run();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let units = 0;
  let cpuS = 0;
  while (cpuS < seconds) {
    units += await run();
    cpuS = cpuSecondsSince(cpu0);
  }
  return { units, cpuS, wallS: (performance.now() - t0) / 1000 };
}

/** Rounds to `digits` decimals. */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
