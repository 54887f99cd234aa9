/**
 * Short-lived shared state: visitor sessions, rate-limit counters, caches.
 * In-process by default; Redis when several nodes run. Values are strings; callers serialise.
 * Every key carries a TTL so nothing here grows without bound.
 */
export interface StateStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Adds 1 to a counter and returns the new value. The TTL starts with the first increment
   * (fixed window), which is what rate limits need.
   */
  increment(key: string, ttlMs: number): Promise<number>;
  close(): Promise<void>;
}
