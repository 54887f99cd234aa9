import type { StateStore } from './state-store.js';
import { checkStep, checkTtl } from './ttl.js';

export interface MemoryStateStoreOptions {
  /**
   * Hard cap on live keys. When a write would exceed it, the least recently written keys are evicted first, so a
   * flood of distinct visitors or IPs degrades session accuracy instead of exhausting memory. Default 500,000
   * (a session record is a few hundred bytes: roughly 150 MB at the cap).
   */
  maxKeys?: number;
  /** Clock in epoch ms; injectable so tests can move time. */
  now?: () => number;
  /** How often expired keys are swept out in the background. Default 60 s; 0 disables the sweep timer. */
  sweepIntervalMs?: number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

export type MemoryStateStore = Required<StateStore> & {
  /** Live keys right now (expired ones not yet swept may be counted); for metrics and tests. */
  readonly size: number;
};

export const DEFAULT_MAX_KEYS = 500_000;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/**
 * The in-process state store for single-node installs (DESIGN.md "The shape").
 *
 * Expiry is lazy on read plus a periodic sweep, so a key that is never read again still leaves memory within one
 * sweep interval of its TTL. The sweep timer is unref'd: it never keeps the process alive, and `close()` stops it.
 *
 * Invariant: a JS Map iterates in insertion order and every write re-inserts its key, so the first key of the map
 * is always the least recently written one — eviction at the cap is O(1) per evicted key.
 *
 * @example
 * const state = createMemoryStateStore({ maxKeys: 10_000 });
 * await state.set('session:1:42', JSON.stringify(session), 30 * 60_000);
 * const hits = await state.increment('rl:site:1:28512345', 60_000);
 */
export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): MemoryStateStore {
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new RangeError(`maxKeys must be a positive whole number, got ${maxKeys}`);
  }
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  let sweepTimer: NodeJS.Timeout | undefined;
  if (sweepIntervalMs > 0) {
    sweepTimer = setInterval(sweepExpired, sweepIntervalMs);
    sweepTimer.unref();
  }

  function sweepExpired(): void {
    const at = now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt <= at) entries.delete(key);
    }
  }

  function liveEntry(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function write(key: string, entry: Entry): void {
    // delete first so the key moves to the end of the insertion order (most recently written)
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxKeys) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  }

  return {
    distributed: false,
    get size() {
      return entries.size;
    },

    async get(key) {
      return liveEntry(key)?.value ?? null;
    },

    async set(key, value, ttlMs) {
      checkTtl(ttlMs);
      write(key, { value, expiresAt: now() + ttlMs });
    },

    async delete(key) {
      entries.delete(key);
    },

    async increment(key, ttlMs, by = 1) {
      checkTtl(ttlMs);
      checkStep(by);
      const current = liveEntry(key);
      const previous = current === undefined ? 0 : Number.parseInt(current.value, 10);
      if (current === undefined || !Number.isSafeInteger(previous)) {
        // a fresh (or unreadable) counter opens a new fixed window
        write(key, { value: String(by), expiresAt: now() + ttlMs });
        return by;
      }
      const next = previous + by;
      // the window keeps its original end: incrementing must not extend it
      current.value = String(next);
      return next;
    },

    // One process, one event loop: nothing runs between the read and the write below, so both are atomic here.
    async take(key) {
      const value = liveEntry(key)?.value ?? null;
      entries.delete(key);
      return value;
    },

    async setIfAbsent(key, value, ttlMs) {
      checkTtl(ttlMs);
      if (liveEntry(key) !== undefined) return false;
      write(key, { value, expiresAt: now() + ttlMs });
      return true;
    },

    async compareAndSet(key, expected, value, ttlMs) {
      checkTtl(ttlMs);
      if (liveEntry(key)?.value !== expected) return false;
      write(key, { value, expiresAt: now() + ttlMs });
      return true;
    },

    async health() {
      return { ok: true, engine: 'memory' };
    },

    async close() {
      if (sweepTimer !== undefined) clearInterval(sweepTimer);
      sweepTimer = undefined;
      entries.clear();
    },
  };
}
