import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SHARE_SLUG_LENGTH = 22;
const SHARE_SLUG = /^[0-9A-Za-z]{22}$/;

/**
 * A new shared-link slug: 22 uniformly random base62 characters (about 131 bits), so a link cannot be found by
 * guessing. Bytes of 248 or more are discarded rather than folded, so no character is more likely than another.
 *
 * @example newShareSlug() // 'q3ZkP0aV9xTn2LbWc8RfYe'
 */
export function newShareSlug(random: (size: number) => Uint8Array = randomBytes): string {
  let slug = '';
  while (slug.length < SHARE_SLUG_LENGTH) {
    for (const byte of random(SHARE_SLUG_LENGTH * 2)) {
      if (byte >= 248) continue;
      slug += BASE62[byte % 62];
      if (slug.length === SHARE_SLUG_LENGTH) break;
    }
  }
  return slug;
}

/** True when `value` has the shape of a share slug (it may still name no link). */
export function isShareSlug(value: unknown): value is string {
  return typeof value === 'string' && SHARE_SLUG.test(value);
}
