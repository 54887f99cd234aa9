import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomInt, seededRandom, weightedPicker, zipfWeights } from './random.js';

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed and differs for another seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('stays in [0, 1) for any seed, including odd ones', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double()), (seed) => {
        const random = seededRandom(seed);
        for (let i = 0; i < 50; i++) {
          const value = random();
          if (!(value >= 0 && value < 1)) return false;
        }
        return true;
      }),
    );
  });
});

describe('randomInt', () => {
  it('stays within its inclusive bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer(),
        (min, span, seed) => {
          const value = randomInt(seededRandom(seed), min, min + span);
          return Number.isInteger(value) && value >= min && value <= min + span;
        },
      ),
    );
  });
});

describe('weightedPicker', () => {
  it('picks values in proportion to their weights and never a zero-weight one', () => {
    const pick = weightedPicker([
      { value: 'a', weight: 3 },
      { value: 'never', weight: 0 },
      { value: 'b', weight: 1 },
    ]);
    const random = seededRandom(1);
    const counts = { a: 0, b: 0, never: 0 };
    for (let i = 0; i < 20_000; i++) counts[pick(random) as keyof typeof counts]++;
    expect(counts.never).toBe(0);
    expect(counts.a / 20_000).toBeGreaterThan(0.72);
    expect(counts.a / 20_000).toBeLessThan(0.78);
  });

  it('refuses a list without any positive weight', () => {
    expect(() => weightedPicker([{ value: 'x', weight: 0 }])).toThrow(RangeError);
  });
});

describe('zipfWeights', () => {
  it('gives the k-th item 1/k of the first one', () => {
    expect(zipfWeights(4)).toEqual([1, 1 / 2, 1 / 3, 1 / 4]);
  });
});
