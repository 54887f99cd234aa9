import { createHash, hash } from 'node:crypto';

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
const DIGEST_BYTES = 32;

interface KeyPads {
  /** (key ⊕ ipad), then room for the message: the inner hash's whole input is written here. */
  inner: Buffer;
  /** (key ⊕ opad), then the inner digest: the outer hash's whole input. */
  outer: Buffer;
}

/** Per key (a salt is the same all day): its padded blocks, computed once. */
const keyedPads = new WeakMap<Buffer, KeyPads>();

function padsFor(key: Buffer): KeyPads {
  let pads = keyedPads.get(key);
  if (pads === undefined) {
    const block = Buffer.alloc(BLOCK_BYTES);
    (key.length > BLOCK_BYTES ? createHash('sha256').update(key).digest() : key).copy(block);
    const inner = Buffer.alloc(BLOCK_BYTES + 512);
    const outer = Buffer.alloc(BLOCK_BYTES + DIGEST_BYTES);
    for (let i = 0; i < BLOCK_BYTES; i++) {
      inner[i] = (block[i] as number) ^ 0x36;
      outer[i] = (block[i] as number) ^ 0x5c;
    }
    pads = { inner, outer };
    keyedPads.set(key, pads);
  }
  return pads;
}

/**
 * HMAC-SHA256 (RFC 2104) as two one-shot hashes over buffers prepared per key: the same bytes as
 * `createHmac('sha256', key)`. The ingestion hot path computes two per event; a Hash object per step (even copied
 * from a precomputed keyed state) cost more than the hashing itself. Synchronous, so the per-key buffers can be
 * reused: nothing else runs between writing them and hashing them.
 */
export function hmacSha256(key: Buffer, message: Buffer): Buffer {
  const pads = padsFor(key);
  let inner = pads.inner;
  if (BLOCK_BYTES + message.length > inner.length) {
    inner = Buffer.allocUnsafe(BLOCK_BYTES + message.length);
    pads.inner.copy(inner, 0, 0, BLOCK_BYTES);
  }
  message.copy(inner, BLOCK_BYTES);
  hash('sha256', inner.subarray(0, BLOCK_BYTES + message.length), 'buffer').copy(pads.outer, BLOCK_BYTES);
  return hash('sha256', pads.outer, 'buffer');
}

/**
 * Id of the session a visitor started at `startedAt` (epoch ms). The visitor id is already a keyed hash, so a plain
 * hash suffices here; the domain tag keeps session ids from ever equalling some other hash of the same text.
 */
export function sessionIdFor(visitorId: string, startedAt: number): string {
  const digest = hash('sha256', `sightline-session\u0000${visitorId}\u0000${String(startedAt)}`, 'buffer');
  return digest.readBigUInt64BE(0).toString();
}
