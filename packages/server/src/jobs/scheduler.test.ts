import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScheduler, type SchedulerLogger } from './scheduler.js';

function recordingLogger() {
  const errors: { details: object; message: string }[] = [];
  const logger: SchedulerLogger = { error: (details, message) => errors.push({ details, message }) };
  return { logger, errors };
}

describe('createScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a job every interval, and at once with runNow', async () => {
    const scheduler = createScheduler({ logger: recordingLogger().logger });
    let later = 0;
    let immediate = 0;
    scheduler.every('later', 1_000, () => {
      later++;
    });
    scheduler.every(
      'immediate',
      1_000,
      () => {
        immediate++;
      },
      { runNow: true },
    );

    await vi.advanceTimersByTimeAsync(0);
    expect([later, immediate]).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect([later, immediate]).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect([later, immediate]).toEqual([4, 5]);
    await scheduler.stop();
  });

  it('logs a failing job and retries it on the next tick', async () => {
    const { logger, errors } = recordingLogger();
    const scheduler = createScheduler({ logger });
    let attempts = 0;
    scheduler.every('flaky', 500, async () => {
      attempts++;
      if (attempts <= 2) throw new Error(`attempt ${attempts} failed`);
    });
    scheduler.every('throws-synchronously', 500, () => {
      throw new Error('sync failure');
    });

    await vi.advanceTimersByTimeAsync(1_500);
    expect(attempts).toBe(3);
    expect(errors.filter((entry) => (entry.details as { job: string }).job === 'flaky')).toHaveLength(2);
    expect(errors.filter((entry) => (entry.details as { job: string }).job === 'throws-synchronously')).toHaveLength(3);
    expect(errors[0]?.details).toMatchObject({
      job: 'flaky',
      err: expect.objectContaining({ message: 'attempt 1 failed' }),
    });
    await scheduler.stop();
  });

  it('never overlaps a job with itself when a run outlasts the interval', async () => {
    const scheduler = createScheduler({ logger: recordingLogger().logger });
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    scheduler.every('slow', 100, async () => {
      active++;
      runs++;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 350));
      active--;
    });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(maxActive).toBe(1);
    // Each cycle is 100 ms of waiting plus 350 ms of work.
    expect(runs).toBe(5);
    // The fifth run is still sleeping; stop() resolves once its timer has fired.
    const stopping = scheduler.stop();
    await vi.advanceTimersByTimeAsync(500);
    await stopping;
    expect(active).toBe(0);
  });

  it('stop() waits for running jobs, aborts their signal and schedules nothing more', async () => {
    const scheduler = createScheduler({ logger: recordingLogger().logger });
    let runs = 0;
    let finished = false;
    let sawAbort = false;
    scheduler.every(
      'long',
      1_000,
      async (signal) => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        sawAbort = signal.aborted;
        finished = true;
      },
      { runNow: true },
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(runs).toBe(1);

    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(4_000);
    await stopping;
    expect(finished && sawAbort).toBe(true);

    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(1);
    expect(() => scheduler.every('late', 1_000, () => {})).toThrow(/stopped/);
  });

  it('refuses duplicate names and intervals setTimeout cannot honour', async () => {
    const scheduler = createScheduler({ logger: recordingLogger().logger });
    scheduler.every('once', 1_000, () => {});
    expect(() => scheduler.every('once', 1_000, () => {})).toThrow(/already scheduled/);
    expect(() => scheduler.every('zero', 0, () => {})).toThrow(RangeError);
    expect(() => scheduler.every('nan', Number.NaN, () => {})).toThrow(RangeError);
    expect(() => scheduler.every('huge', 2 ** 31, () => {})).toThrow(RangeError);
    await scheduler.stop();
  });

  it('does not keep the process alive', () => {
    const scheduler = createScheduler({ logger: recordingLogger().logger });
    const unref = vi.spyOn(globalThis, 'setTimeout');
    scheduler.every('background', 60_000, () => {});
    const timer = unref.mock.results.at(-1)?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    unref.mockRestore();
    return scheduler.stop();
  });
});
