import { createHash, createHmac } from 'node:crypto';

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
  const hmac = createHmac('sha256', salt);
  for (const field of [String(siteId), ip, userAgent]) {
    const bytes = Buffer.from(field, 'utf8');
    hmac.update(lengthPrefix(bytes.length));
    hmac.update(bytes);
  }
  return hmac.digest().readBigUInt64BE(0).toString();
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

function lengthPrefix(length: number): Buffer {
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(length >>> 0, 0);
  return prefix;
}
