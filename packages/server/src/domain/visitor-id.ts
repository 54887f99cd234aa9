import { createHash, type Hash } from 'node:crypto';

/**
 * The daily visitor id (DESIGN.md, "Privacy"): a keyed hash of the site, the IP and the user agent under the
 * day's random salt. Without the salt (deleted after 48 hours) the id cannot be recomputed from an IP, and the same
 * person gets unrelated ids on different days and different sites.
 *
 * Each field is length-prefixed, so no choice of IP and user agent can collide with another split of the same
 * bytes ('1.2.3.4' + 'x' vs '1.2.3.4x' + ''). The result is the first 8 bytes of the HMAC as an unsigned 64-bit
 * decimal string, the form EventRow uses for UInt64 columns.
 *
 * @example visitorIdFor(salt, 7, '203.0.113.9', 'Mozilla/5.0 …') // e.g. '13290135786125010543'
 */
export function visitorIdFor(salt: Buffer, siteId: number, ip: string, userAgent: string): string {
  return hmacSha256(salt, lengthPrefixed([String(siteId), ip, userAgent]))
    .readBigUInt64BE(0)
    .toString();
}

/** Fields as (4-byte big-endian length, UTF-8 bytes) pairs, in one buffer. */
function lengthPrefixed(fields: readonly string[]): Buffer {
  let size = 0;
  for (const field of fields) size += 4 + Buffer.byteLength(field, 'utf8');
  const message = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const field of fields) {
    const length = message.write(field, offset + 4, 'utf8');
    message.writeUInt32BE(length, offset);
    offset += 4 + length;
  }
  return message;
}

const BLOCK_BYTES = 64;
/** SHA-256 states after absorbing (key ⊕ ipad) and (key ⊕ opad), per salt: the salt is the same all day. */
const keyedStates = new WeakMap<Buffer, { inner: Hash; outer: Hash }>();

/**
 * HMAC-SHA256 (RFC 2104) with the keyed states precomputed per key and copied per message: the same bytes as
 * `createHmac('sha256', key)`, without redoing the key schedule on every event of the ingestion hot path.
 */
export function hmacSha256(key: Buffer, message: Buffer): Buffer {
  let states = keyedStates.get(key);
  if (states === undefined) {
    const block = Buffer.alloc(BLOCK_BYTES);
    (key.length > BLOCK_BYTES ? createHash('sha256').update(key).digest() : key).copy(block);
    const pad = (byte: number) => Buffer.from(block.map((value) => value ^ byte));
    states = { inner: createHash('sha256').update(pad(0x36)), outer: createHash('sha256').update(pad(0x5c)) };
    keyedStates.set(key, states);
  }
  const innerDigest = states.inner.copy().update(message).digest();
  return states.outer.copy().update(innerDigest).digest();
}

/**
 * Id of the session a visitor started at `startedAt` (epoch ms). The visitor id is already a keyed hash, so a plain
 * hash suffices here; the domain tag keeps session ids from ever equalling some other hash of the same text.
 */
export function sessionIdFor(visitorId: string, startedAt: number): string {
  const digest = createHash('sha256')
    .update(`sightline-session\u0000${visitorId}\u0000${String(startedAt)}`)
    .digest();
  return digest.readBigUInt64BE(0).toString();
}
