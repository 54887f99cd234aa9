import { describe, expect, it } from 'vitest';
import { measureRuns, median, timeRuns } from './timing.js';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('timeRuns', () => {
  it('warms up once and times the requested runs', async () => {
    let calls = 0;
    const times = await timeRuns(5, async () => {
      calls++;
    });
    expect(calls).toBe(6);
    expect(times).toHaveLength(5);
    expect(times.every((ms) => ms >= 0)).toBe(true);
  });
});

describe('measureRuns', () => {
  it('reports the CPU a busy run burns next to its wall time', async () => {
    const { wallMs, cpuMs } = await measureRuns(3, async () => {
      // Spin until this process has burnt 20 ms of CPU: on a loaded machine that takes longer on the wall clock.
      const before = process.cpuUsage();
      while (process.cpuUsage(before).user < 20_000) {
        // busy on purpose
      }
    });
    expect(cpuMs).toHaveLength(3);
    expect(Math.min(...cpuMs)).toBeGreaterThanOrEqual(19);
    expect(Math.min(...wallMs)).toBeGreaterThan(0);
  });
});
