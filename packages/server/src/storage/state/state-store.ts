import type { StoreHealth } from '../events/event-store.js';

/**
 * Short-lived shared state: visitor sessions, rate-limit counters, caches, single-use tokens.
 * In-process by default; Redis when several nodes run. Values are strings; callers serialise.
 * Every key carries a TTL so nothing here grows without bound.
 *
 * Failures: a TTL that is not a positive number of milliseconds rejects with a RangeError (a caller bug, on every
 * adapter). The Redis adapter rejects every other failure — Redis down, slow, full or closed — with
 * `StateStoreUnavailableError` (statusCode 503) within its command timeout, so callers choose between answering 503
 * (let it propagate) and failing open (catch it). The in-process store never fails that way.
 */
export interface StateStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Adds `by` (default 1, a positive whole number) to a counter and returns the new value. The TTL starts with the
   * first increment (fixed window), which is what rate limits need.
   */
  increment(key: string, ttlMs: number, by?: number): Promise<number>;
  close(): Promise<void>;
  /**
   * Returns the value and deletes the key in one atomic step: of any number of concurrent calls, on any number of
   * nodes, exactly one gets the value. For single-use tokens (MFA challenges, OIDC flow state).
   */
  take(key: string): Promise<string | null>;

  // Optional so hand-made stores in tests keep compiling; both adapters implement them.

  /**
   * True when other nodes share this store (Redis): a read-modify-write must then be atomic across processes (see
   * compareAndSet). False or absent: this process is the only writer, and serialising per key in-process suffices.
   */
  readonly distributed?: boolean;

  /**
   * Writes the value only if the key holds nothing live; true when this call wrote it. Atomic across nodes, so of
   * concurrent callers exactly one wins (e.g. the first event that starts a visitor's session).
   */
  setIfAbsent?(key: string, value: string, ttlMs: number): Promise<boolean>;
  /**
   * Writes the value (with a fresh TTL) only if the key still holds exactly `expected`; true when this call wrote it.
   * Atomic across nodes: the read-modify-write of a record (a visitor's session) that another node may be updating
   * at the same moment retries on false instead of overwriting that node's update. An absent key never matches:
   * use setIfAbsent for the first write.
   */
  compareAndSet?(key: string, expected: string, value: string, ttlMs: number): Promise<boolean>;
  /** Whether the store answers now (for `/health`); never rejects and never hangs. */
  health?(): Promise<StoreHealth>;
}
