import { describe, expect, it } from 'vitest';
import { createLatencyHistogram } from './latency-histogram.js';

describe('createLatencyHistogram', () => {
  it('reports percentiles within 1% of the exact values', () => {
    const histogram = createLatencyHistogram();
    const samples = Array.from({ length: 10_000 }, (_, i) => 0.5 + i * 0.01); // 0.5 .. 100.49 ms
    for (const ms of samples) histogram.record(ms);
    for (const [p, exact] of [
      [50, samples[4999]],
      [95, samples[9499]],
      [99, samples[9899]],
    ] as const) {
      expect(Math.abs(histogram.percentile(p) - (exact ?? 0)) / (exact ?? 1)).toBeLessThan(0.011);
    }
    expect(histogram.count).toBe(10_000);
    expect(histogram.max).toBeCloseTo(100.49, 5);
    expect(histogram.percentile(100)).toBeCloseTo(100.49, 5);
  });

  it('shows a slow tail in p99 that p50 hides', () => {
    const histogram = createLatencyHistogram();
    for (let i = 0; i < 980; i++) histogram.record(2);
    for (let i = 0; i < 20; i++) histogram.record(400);
    expect(histogram.percentile(50)).toBeLessThan(2.1);
    expect(histogram.percentile(99)).toBeGreaterThan(390);
  });

  it('is empty-safe and ignores impossible samples', () => {
    const histogram = createLatencyHistogram();
    histogram.record(Number.NaN);
    histogram.record(-1);
    expect(histogram.count).toBe(0);
    expect(histogram.percentile(99)).toBe(0);
    expect(histogram.mean).toBe(0);
  });
});
