/**
 * Seeded randomness for generated traffic. Demo data and benchmark loads must be reproducible: the same seed gives
 * the same events, byte for byte, on every machine, so `Math.random` is never used here.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a 32-bit state generator, fast and good enough for synthetic data (it is not cryptographic).
 *
 * @example
 * const random = seededRandom(42);
 * random(); // always the same first value for seed 42
 */
export function seededRandom(seed: number): Random {
  // Non-finite or fractional seeds still map to a valid 32-bit state instead of NaN arithmetic.
  let state = Number.isFinite(seed) ? Math.trunc(seed) >>> 0 : 0x9e3779b9;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whole number in [min, max], both inclusive. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** True with probability `p`. */
export function chance(random: Random, p: number): boolean {
  return random() < p;
}

/** Uniform choice from a non-empty list. */
export function pickOne<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new RangeError('pickOne needs a non-empty list');
  return item;
}

/** Standard normal deviate (Box–Muller). */
export function normal(random: Random): number {
  const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Log-normal value with the given median; `spread` is sigma of the underlying normal. Durations look like this. */
export function logNormal(random: Random, median: number, spread: number): number {
  return median * Math.exp(spread * normal(random));
}

/**
 * Choice by weight, precomputed once so each draw is a binary search (generation draws millions of times).
 *
 * @example
 * const pickDevice = weightedPicker([{ value: 'desktop', weight: 6 }, { value: 'mobile', weight: 4 }]);
 * pickDevice(random); // 'desktop' 60% of the time
 */
export function weightedPicker<T>(entries: readonly { value: T; weight: number }[]): (random: Random) => T {
  const usable = entries.filter((entry) => Number.isFinite(entry.weight) && entry.weight > 0);
  if (usable.length === 0) throw new RangeError('weightedPicker needs at least one positive weight');
  const values = usable.map((entry) => entry.value);
  const cumulative: number[] = [];
  let total = 0;
  for (const entry of usable) {
    total += entry.weight;
    cumulative.push(total);
  }
  return (random) => {
    const target = random() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((cumulative[mid] ?? total) > target) high = mid;
      else low = mid + 1;
    }
    return values[low] as T;
  };
}

/** Zipf weights for ranks 1..n: the k-th most popular item gets 1/k^exponent. */
export function zipfWeights(n: number, exponent = 1): number[] {
  return Array.from({ length: Math.max(0, n) }, (_, index) => 1 / (index + 1) ** exponent);
}

/** Random token from an alphabet, for ids that look like real ones (gclid, t.co paths). */
export function randomToken(
  random: Random,
  length: number,
  alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
): string {
  let token = '';
  for (let i = 0; i < length; i++) token += alphabet[Math.floor(random() * alphabet.length)];
  return token;
}
