import type { IngestKeyRepository } from '../storage/meta/meta-store.js';

/** Usage is written to the metadata store this often (and when the server stops). */
export const USAGE_FLUSH_INTERVAL_MS = 5_000;

export interface PendingUsage {
  events: number;
  lastUsedAt: Date;
}

export interface IngestKeyUsage {
  /** Counts one authenticated request of a key and the events it had accepted. Memory only; cheap. */
  record(keyId: number, events: number, at: Date): void;
  /** Usage counted but not written yet, so listings can show it before the next flush. */
  pending(keyId: number): PendingUsage | undefined;
  /** Writes everything counted so far. Counts that fail to write are kept for the next attempt. */
  flush(): Promise<void>;
  start(): void;
  /** Stops the timer and writes what is left. */
  stop(): Promise<void>;
}

/**
 * Ingest keys' last-used time and usage count, batched: a key sending a steady stream would otherwise write the
 * metadata store on every request. Counts are summed per key in memory and written every `intervalMs` and on stop,
 * one `recordUse` per key that was used. A crash loses at most the last interval's counts, which are statistics,
 * not events.
 *
 * @example
 * const usage = createIngestKeyUsage({ keys: meta.ingestKeys, onError: (e) => logger.error({ err: e }) });
 * usage.start(); usage.record(key.id, outcome.accepted, new Date()); await usage.stop();
 */
export function createIngestKeyUsage(deps: {
  keys: Pick<IngestKeyRepository, 'recordUse'>;
  intervalMs?: number;
  onError: (error: unknown) => void;
}): IngestKeyUsage {
  const intervalMs = deps.intervalMs ?? USAGE_FLUSH_INTERVAL_MS;
  let counts = new Map<number, PendingUsage>();
  /** What a running flush took out of `counts`, still shown by `pending` until it is written. */
  let writing = new Map<number, PendingUsage>();
  let timer: NodeJS.Timeout | undefined;
  /** Flushes run one after another; writeAll never rejects, so the chain never breaks. */
  let chain: Promise<void> = Promise.resolve();

  function add(into: Map<number, PendingUsage>, keyId: number, usage: PendingUsage) {
    const current = into.get(keyId);
    into.set(keyId, current === undefined ? { ...usage } : combine(current, usage));
  }

  async function writeAll(): Promise<void> {
    writing = counts;
    counts = new Map();
    let firstError: unknown;
    for (const [keyId, usage] of [...writing]) {
      try {
        await deps.keys.recordUse(keyId, usage.events, usage.lastUsedAt);
      } catch (error) {
        firstError ??= error;
        add(counts, keyId, usage);
      }
      // Written (or queued again): from now on the store, not this map, holds it, so a listing counts it once.
      writing.delete(keyId);
    }
    if (firstError !== undefined) deps.onError(firstError);
  }

  function flush(): Promise<void> {
    // A call during a running flush waits for it, then writes what arrived meanwhile.
    chain = chain.then(writeAll);
    return chain;
  }

  return {
    record(keyId, events, at) {
      add(counts, keyId, { events: Math.max(0, Math.trunc(events)), lastUsedAt: at });
    },
    pending(keyId) {
      const queued = counts.get(keyId);
      const inFlight = writing.get(keyId);
      if (queued === undefined) return inFlight === undefined ? undefined : { ...inFlight };
      return inFlight === undefined ? { ...queued } : combine(inFlight, queued);
    },
    flush,
    start() {
      if (timer !== undefined) return;
      timer = setInterval(() => {
        flush().catch(deps.onError);
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}

function combine(a: PendingUsage, b: PendingUsage): PendingUsage {
  const later = b.lastUsedAt.getTime() > a.lastUsedAt.getTime() ? b : a;
  return { events: a.events + b.events, lastUsedAt: later.lastUsedAt };
}
