import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two strings in time that depends on neither their contents nor where they differ, for secrets, hashes and
 * one-time codes. Both sides are hashed first so inputs of different lengths compare without `timingSafeEqual`
 * throwing and without revealing the expected length. Non-strings are never equal.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}
