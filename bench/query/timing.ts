/** Median of a non-empty list (mean of the two middle values for an even count); NaN for an empty one. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Runs `work` once to warm caches, then `runs` times, and returns each timed run in ms. */
export async function timeRuns(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  return (await measureRuns(runs, work)).wallMs;
}

export interface RunMeasurements {
  /** Wall-clock time of each run. */
  wallMs: number[];
  /**
   * CPU time the whole process spent during each run (all threads: chDB's query threads run inside it). On a shared
   * machine wall time moves with other load; CPU time moves much less, so it compares variants more fairly.
   */
  cpuMs: number[];
}

/** Like timeRuns, with the process's CPU time per run as well. */
export async function measureRuns(runs: number, work: () => Promise<unknown>): Promise<RunMeasurements> {
  await work();
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await work();
    wallMs.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    cpuMs.push((cpu.user + cpu.system) / 1000);
  }
  return { wallMs, cpuMs };
}
