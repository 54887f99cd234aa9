import { randomUUID } from 'node:crypto';
import type { EventStore } from '../storage/events/event-store.js';
import type { Journal, JournalBatch, JournalPosition } from './journal.js';

/**
 * Moves journaled events into the event store, one batch at a time, each insert carrying the batch's deterministic
 * token. A failed insert is retried with backoff, the same batch with the same token, and never skipped: while the
 * store is down, events wait in the journal (until maxPending turns ingestion into 503 + Retry-After).
 *
 * The batch that was in flight at a crash is re-inserted with its token, so the engine drops it if it stored it
 * before the crash. Then the flusher asks which of its events the store holds and inserts the rest: the engine's
 * dedup log is a separate file from the rows, and a crash between the two must not leave a token that swallows the
 * replay of rows that were never stored.
 */

export interface FlusherOptions {
  journal: Pick<Journal, 'readBatch' | 'pending' | 'durableEnd'>;
  store: Pick<EventStore, 'insertBatch' | 'storedEventIds'>;
  /** Pause between drains; events are queryable roughly this long after they were acknowledged. */
  intervalMs: number;
  /** Most events per insert. */
  batchMax: number;
  /** After each batch reached the store: its size and how long the insert took. */
  onFlush?: (rows: number, ms: number) => void;
  /** Each failed attempt (it will be retried). */
  onError?: (error: unknown) => void;
  logger?: FlusherLogger;
  /** First retry delay; doubles up to retryMaxMs. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How long stop() keeps trying to drain; what is left stays in the journal for the next start. */
  stopTimeoutMs?: number;
}

/** A pino logger fits. */
export interface FlusherLogger {
  warn(details: object, message: string): void;
}

export interface Flusher {
  /** Starts draining every intervalMs. */
  start(): void;
  /** Resolves once everything pending when called (and appended meanwhile) is in the store. Retries until then. */
  flushNow(): Promise<void>;
  /** Stops the timer and drains what is left (bounded by stopTimeoutMs). */
  stop(): Promise<void>;
}

export function createFlusher(options: FlusherOptions): Flusher {
  const { journal, store, onFlush, onError, logger } = options;
  const intervalMs = positive(options.intervalMs, 500);
  const batchMax = Math.floor(positive(options.batchMax, 50_000));
  const retryInitialMs = positive(options.retryInitialMs, 100);
  const retryMaxMs = Math.max(retryInitialMs, positive(options.retryMaxMs, 5000));
  const stopTimeoutMs = positive(options.stopTimeoutMs, 20_000);

  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopping = false;
  /** Set when stop() gives up: the drain loop returns instead of retrying again. */
  let abandoned = false;
  /** Wakes a backoff sleep early (stop() wants its final attempt now, not after up to retryMaxMs). */
  let wake: (() => void) | undefined;
  let drainChain: Promise<void> = Promise.resolve();

  /**
   * Moves batches until the journal has none left, retrying failures; returns early only once stop() gave up.
   * With `upTo`, it returns once the events before that journal position are moved: a timer tick moves what was
   * durable when it fired, so under steady load it makes one insert per interval. Draining until empty instead
   * inserted back to back, each batch holding only what arrived during the previous insert: several small inserts
   * a second, each a new part (a dozen files) in the events table and in the rollup, and more merges to follow,
   * for the same events.
   */
  async function drain(upTo?: JournalPosition): Promise<void> {
    let failures = 0;
    while (!abandoned) {
      try {
        const batch = await journal.readBatch(batchMax);
        if (!batch) return;
        const started = performance.now();
        await store.insertBatch(batch.encoded, batch.token);
        if (batch.recovered) await insertWhatTheStoreLacks(batch);
        const elapsed = performance.now() - started;
        await batch.commit();
        failures = 0;
        safely(() => onFlush?.(batch.encoded.count, elapsed));
        if (upTo !== undefined && reaches(batch, upTo)) return;
      } catch (error) {
        failures++;
        safely(() => onError?.(error));
        const delay = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(failures - 1, 20));
        // Jitter keeps several nodes from hammering a recovering ClickHouse in lockstep.
        await sleep(delay * (0.5 + Math.random() * 0.5));
      }
    }
  }

  /** After a recovered batch's replay: inserts the events the store still lacks (normally none). */
  async function insertWhatTheStoreLacks(batch: JournalBatch): Promise<void> {
    const stored = await store.storedEventIds(batch.rows);
    const missing = batch.rows.filter((row) => !stored.has(row.event_id.toLowerCase()));
    if (missing.length === 0) return;
    logger?.warn(
      { token: batch.token, events: batch.rows.length, missing: missing.length },
      'the event store dropped the replay of a batch it does not hold; inserting the missing events',
    );
    // A fresh token per attempt: this insert must never be mistaken for an earlier one. The lookup above is what
    // keeps it from storing anything twice (after a crash right here, the next replay looks again).
    await store.insertBatch(missing, `${batch.token}:missing:${randomUUID()}`);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = setTimeout(done, ms);
      function done() {
        clearTimeout(handle);
        if (wake === done) wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  /**
   * One drain at a time; callers queue behind the running one and then drain what arrived since. A timer tick
   * (`durableOnly`) moves what is durable in the journal when its drain starts; otherwise it goes on until empty.
   */
  function runDrain(durableOnly = false): Promise<void> {
    const next = drainChain.then(async () => {
      running = true;
      try {
        await drain(durableOnly ? journal.durableEnd() : undefined);
      } finally {
        running = false;
      }
    });
    drainChain = next.catch(() => undefined);
    return next;
  }

  /**
   * Ticks start every intervalMs, counted from the start of the previous one: an event waits at most about one
   * interval plus one insert to become queryable, however long the inserts take. When draining takes longer than the
   * interval (a backlog), the next tick starts as soon as it ends.
   */
  function schedule(delayMs = intervalMs) {
    if (stopping) return;
    timer = setTimeout(() => {
      timer = undefined;
      const tickStarted = performance.now();
      const tick = running ? drainChain : runDrain(true);
      void tick.finally(() => schedule(Math.max(0, intervalMs - (performance.now() - tickStarted))));
    }, delayMs);
    // The HTTP server keeps the process alive; a pending flush must not keep it from exiting after shutdown.
    timer.unref();
  }

  return {
    start() {
      if (started || stopping) return;
      started = true;
      schedule();
    },

    flushNow: () => runDrain(),

    async stop() {
      if (stopping) return drainChain;
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      wake?.();
      let deadline: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        deadline = setTimeout(() => resolve('timeout'), stopTimeoutMs);
      });
      const outcome = await Promise.race([runDrain().then(() => 'drained' as const), timedOut]);
      clearTimeout(deadline);
      if (outcome === 'timeout') {
        abandoned = true;
        wake?.();
        // An insert still in flight may finish (its batch then commits) or not (it is replayed with the same token).
        await Promise.race([drainChain, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        logger?.warn(
          { pending: journal.pending() },
          'stopped before every event reached the event store; the journal keeps them for the next start',
        );
      }
    },
  };
}

/** Whether the batch ends at or after `position` (segments are numbered in write order). */
function reaches(batch: Pick<JournalBatch, 'segment' | 'to'>, position: JournalPosition): boolean {
  return batch.segment > position.segment || (batch.segment === position.segment && batch.to >= position.offset);
}

/** A throwing metrics callback must not turn a successful flush into a retry. */
function safely(callback: () => void) {
  try {
    callback();
  } catch {
    // ignored on purpose
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
