/**
 * Rejects a TTL that is not a positive number of milliseconds, on every adapter alike: Redis refuses a non-positive
 * PX, so failing the same way in the in-process store keeps the two interchangeable.
 */
export function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  }
}

/** Rejects a counter step that is not a positive whole number (a caller bug), on every adapter alike. */
export function checkStep(by: number): void {
  if (!Number.isSafeInteger(by) || by < 1) {
    throw new RangeError(`an increment must be a positive whole number, got ${by}`);
  }
}
