import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSha256, sessionIdFor, visitorIdFor } from './visitor-id.js';

const salt = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const otherSalt = Buffer.from('fedcba9876543210fedcba9876543210', 'hex');
const ua =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const UINT64_MAX = 2n ** 64n - 1n;
/** HMAC-SHA256(salt, len‖'1' ‖ len‖ip ‖ len‖ua), first 8 bytes big-endian; computed independently with node:crypto. */
const PINNED_VISITOR_ID = '17703666464724467072';

const isUInt64Decimal = (id: string) => /^(0|[1-9]\d*)$/.test(id) && BigInt(id) <= UINT64_MAX;

describe('visitorIdFor', () => {
  it('gives the same visitor the same id all day', () => {
    expect(visitorIdFor(salt, 1, '203.0.113.9', ua)).toBe(visitorIdFor(salt, 1, '203.0.113.9', ua));
  });

  it('is pinned: a change of derivation would split every current visitor in two at deploy time', () => {
    expect(visitorIdFor(salt, 1, '203.0.113.9', ua)).toBe(PINNED_VISITOR_ID);
  });

  it('gives unrelated ids on another day (salt), site, network or browser', () => {
    const base = visitorIdFor(salt, 1, '203.0.113.9', ua);
    expect(visitorIdFor(otherSalt, 1, '203.0.113.9', ua)).not.toBe(base);
    expect(visitorIdFor(salt, 2, '203.0.113.9', ua)).not.toBe(base);
    expect(visitorIdFor(salt, 1, '203.0.113.10', ua)).not.toBe(base);
    expect(visitorIdFor(salt, 1, '203.0.113.9', `${ua} Edg/124.0`)).not.toBe(base);
  });

  it('cannot be made to collide by moving characters between the IP and the user agent', () => {
    expect(visitorIdFor(salt, 1, '1.2.3.4', 'x')).not.toBe(visitorIdFor(salt, 1, '1.2.3.4x', ''));
    expect(visitorIdFor(salt, 1, '1.2.3.4\u0000', 'x')).not.toBe(visitorIdFor(salt, 1, '1.2.3.4', '\u0000x'));
    expect(visitorIdFor(salt, 11, '1.2.3.4', 'x')).not.toBe(visitorIdFor(salt, 1, '11.2.3.4', 'x'));
  });

  it('is always an unsigned 64-bit decimal string', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.integer(),
        fc.string(),
        fc.string({ unit: 'binary' }),
        (s, site, ip, agent) => {
          expect(isUInt64Decimal(visitorIdFor(Buffer.from(s), site, ip, agent))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('sessionIdFor', () => {
  it('separates sessions of one visitor and of different visitors', () => {
    const visitor = visitorIdFor(salt, 1, '203.0.113.9', ua);
    const first = sessionIdFor(visitor, 1_700_000_000_000);
    expect(sessionIdFor(visitor, 1_700_000_000_000)).toBe(first);
    expect(sessionIdFor(visitor, 1_700_000_000_001)).not.toBe(first);
    expect(sessionIdFor(visitorIdFor(salt, 1, '203.0.113.10', ua), 1_700_000_000_000)).not.toBe(first);
    expect(isUInt64Decimal(first)).toBe(true);
  });
});

describe('hmacSha256', () => {
  it('equals node:crypto HMAC-SHA256 for any key and message, also when keys and lengths alternate', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 130 }), fc.uint8Array({ maxLength: 1500 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (pairs) => {
          const keys = pairs.map(([key]) => Buffer.from(key));
          // Each key twice, interleaved: per-key buffers are reused between calls and must not leak into the next.
          for (const round of [0, 1]) {
            pairs.forEach(([, message], index) => {
              const key = keys[(index + round) % keys.length] as Buffer;
              const expected = createHmac('sha256', key).update(message).digest();
              expect(hmacSha256(key, Buffer.from(message)).equals(expected)).toBe(true);
            });
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
