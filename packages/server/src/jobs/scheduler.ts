/**
 * Runs background jobs (salt rotation, retention, rollups) on fixed intervals inside the server process.
 * A job never overlaps itself: the next run is scheduled only after the previous one settled.
 */

/** The slice of a pino logger the scheduler uses, so tests can pass a plain object. */
export interface SchedulerLogger {
  error(details: object, message: string): void;
  debug?(details: object, message: string): void;
}

/** What a job receives: aborted when the scheduler stops, so long jobs can finish early. */
export type ScheduledTask = (signal: AbortSignal) => Promise<void> | void;

export interface Scheduler {
  /**
   * Runs `task` every `intervalMs` (measured from the end of one run to the start of the next). With `runNow`, the
   * first run starts at once instead of after one interval. A failing run is logged and retried on the next tick.
   * Throws for a duplicate name, an interval outside 1 ms–24.8 days, or after `stop()`.
   */
  every(name: string, intervalMs: number, task: ScheduledTask, options?: { runNow?: boolean }): void;
  /** Stops scheduling, aborts the signal given to running jobs and resolves once they have all settled. */
  stop(): Promise<void>;
}

/** setTimeout stores delays as signed 32-bit ms; a longer one silently fires after 1 ms. */
const MAX_INTERVAL_MS = 2_147_483_647;

export function createScheduler(options: { logger?: SchedulerLogger } = {}): Scheduler {
  const logger = options.logger ?? consoleLogger;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const stopController = new AbortController();
  let stopping: Promise<void> | undefined;

  function schedule(name: string, delayMs: number, intervalMs: number, task: ScheduledTask): void {
    if (stopController.signal.aborted) return;
    const timer = setTimeout(() => {
      timers.delete(name);
      const run = runOnce(name, task).finally(() => {
        running.delete(run);
        schedule(name, intervalMs, intervalMs, task);
      });
      running.add(run);
    }, delayMs);
    // Background jobs alone must never keep the process alive (tests, CLI commands, a shutdown that forgot stop()).
    timer.unref();
    timers.set(name, timer);
  }

  async function runOnce(name: string, task: ScheduledTask): Promise<void> {
    const startedAt = Date.now();
    try {
      await task(stopController.signal);
      logger.debug?.({ job: name, durationMs: Date.now() - startedAt }, 'scheduled job finished');
    } catch (error) {
      // Caught here, so a job's failure costs one run and never an unhandled rejection that ends the process.
      logger.error(
        { job: name, err: error, durationMs: Date.now() - startedAt },
        'scheduled job failed; retrying on the next tick',
      );
    }
  }

  const names = new Set<string>();
  return {
    every(name, intervalMs, task, everyOptions = {}) {
      if (stopController.signal.aborted) throw new Error(`Cannot schedule "${name}": the scheduler has stopped`);
      if (names.has(name)) throw new Error(`A job named "${name}" is already scheduled`);
      if (!Number.isFinite(intervalMs) || intervalMs < 1 || intervalMs > MAX_INTERVAL_MS) {
        throw new RangeError(`Job "${name}" needs an interval between 1 and ${MAX_INTERVAL_MS} ms, got ${intervalMs}`);
      }
      names.add(name);
      const interval = Math.round(intervalMs);
      schedule(name, everyOptions.runNow ? 0 : interval, interval, task);
    },

    stop() {
      stopping ??= (async () => {
        stopController.abort();
        for (const timer of timers.values()) clearTimeout(timer);
        timers.clear();
        await Promise.allSettled([...running]);
      })();
      return stopping;
    },
  };
}

const consoleLogger: SchedulerLogger = {
  error(details, message) {
    console.error(message, details);
  },
};
