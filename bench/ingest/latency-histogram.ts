/**
 * Latencies in log-spaced buckets 1% wide: percentiles within 1% of the exact value in fixed memory, however long
 * the run (an array of every sample would grow by millions on a long benchmark).
 */
export interface LatencyHistogram {
  record(ms: number): void;
  /** Value at or below which `p` percent of the samples fall (upper bound of the bucket); 0 when empty. */
  percentile(p: number): number;
  readonly count: number;
  readonly max: number;
  readonly mean: number;
}

const MIN_MS = 0.01;
const MAX_MS = 120_000;
const GROWTH = 1.01;
const BUCKETS = Math.ceil(Math.log(MAX_MS / MIN_MS) / Math.log(GROWTH)) + 1;

export function createLatencyHistogram(): LatencyHistogram {
  const counts = new Float64Array(BUCKETS);
  let count = 0;
  let sum = 0;
  let max = 0;
  const bucketOf = (ms: number) =>
    ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / Math.log(GROWTH)));
  const upperBound = (bucket: number) => MIN_MS * GROWTH ** bucket;
  return {
    record(ms) {
      if (!Number.isFinite(ms) || ms < 0) return;
      counts[bucketOf(ms)] = (counts[bucketOf(ms)] ?? 0) + 1;
      count++;
      sum += ms;
      if (ms > max) max = ms;
    },
    percentile(p) {
      if (count === 0) return 0;
      const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * count));
      let seen = 0;
      for (let bucket = 0; bucket < BUCKETS; bucket++) {
        seen += counts[bucket] ?? 0;
        // Never report more than the largest sample: the bucket's upper bound can overshoot it by up to 1%.
        if (seen >= rank) return Math.min(upperBound(bucket), max);
      }
      return max;
    },
    get count() {
      return count;
    },
    get max() {
      return max;
    },
    get mean() {
      return count === 0 ? 0 : sum / count;
    },
  };
}
