/**
 * Rejects a TTL that is not a positive number of milliseconds, on every adapter alike: Redis refuses a non-positive
 * PX, so failing the same way in the in-process store keeps the two interchangeable.
 */
export function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  }
}
