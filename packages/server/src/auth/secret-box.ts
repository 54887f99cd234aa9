import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { deriveKey, KEY_PURPOSES } from './keys.js';

/**
 * Authenticated encryption of small secrets at rest (TOTP secrets): AES-256-GCM under a key derived from the
 * server secret, so a copy of the metadata database alone does not reveal them.
 *
 * Format: `v1.<iv>.<ciphertext>.<tag>`, each part base64url. The version prefix lets a later format coexist with
 * stored v1 boxes. A fresh random 96-bit IV per box; at the volumes of a user table the GCM random-IV limit
 * (2^32 boxes per key) is out of reach.
 */
export const SECRET_BOX_VERSION = 'v1';

/** Plaintexts above this are refused: the box is for secrets of a few dozen bytes, not documents. */
export const MAX_SECRET_BOX_PLAINTEXT_BYTES = 4096;
const MAX_BOX_CHARS = 4 * Math.ceil((MAX_SECRET_BOX_PLAINTEXT_BYTES + 12 + 16) / 3) + 64;
const MAX_CONTEXT_CHARS = 512;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export type SecretBoxFailure = 'malformed' | 'unsupported_version' | 'unauthenticated';

/**
 * A box could not be opened: it is not a box (`malformed`), comes from a newer format (`unsupported_version`), or
 * was tampered with, belongs to another context, or was sealed under a key not offered (`unauthenticated`).
 * The message never contains the box or any key material.
 */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
  constructor(readonly reason: SecretBoxFailure) {
    super(`secret box cannot be opened: ${reason}`);
  }
}

/** Derives the secret-box key for a purpose (default: TOTP secrets) from the server secret. */
export function deriveSecretBoxKey(serverSecret: string, purpose: string = KEY_PURPOSES.totpSecrets): KeyObject {
  return deriveKey(serverSecret, purpose);
}

/**
 * Encrypts `plaintext`. `context` (say, `user:42`) is bound as associated data: the box then opens only with the
 * same context, so a box copied into another user's row is refused. Throws a TypeError on oversized input.
 */
export function sealSecret(key: KeyObject, plaintext: string, context = ''): string {
  if (typeof plaintext !== 'string') throw new TypeError('plaintext must be a string');
  const data = Buffer.from(plaintext, 'utf8');
  if (data.length > MAX_SECRET_BOX_PLAINTEXT_BYTES) throw new TypeError('plaintext is too large for a secret box');
  checkContext(context);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [SECRET_BOX_VERSION, iv, ciphertext, tag]
    .map((part) => (typeof part === 'string' ? part : b64(part)))
    .join('.');
}

export interface OpenedSecret {
  plaintext: string;
  /** Index in `keys` of the key that opened the box; above 0 means the caller should re-seal under `keys[0]`. */
  keyIndex: number;
}

/**
 * Decrypts a box, trying each key in order (current key first, then retired ones during a rotation).
 * Throws `SecretBoxError` when no key opens it; never any other error.
 */
export function openSecret(keys: KeyObject | readonly KeyObject[], box: string, context = ''): OpenedSecret {
  const candidates = Array.isArray(keys) ? keys : [keys as KeyObject];
  if (typeof box !== 'string' || box.length > MAX_BOX_CHARS) throw new SecretBoxError('malformed');
  if (typeof context !== 'string' || context.length > MAX_CONTEXT_CHARS) throw new SecretBoxError('malformed');
  const parts = box.split('.');
  if (parts[0] !== SECRET_BOX_VERSION) {
    throw new SecretBoxError(/^v\d+$/.test(parts[0] ?? '') && parts.length === 4 ? 'unsupported_version' : 'malformed');
  }
  if (parts.length !== 4 || !parts.every((part, i) => i === 0 || BASE64URL.test(part))) {
    throw new SecretBoxError('malformed');
  }
  const iv = Buffer.from(parts[1] ?? '', 'base64url');
  const ciphertext = Buffer.from(parts[2] ?? '', 'base64url');
  const tag = Buffer.from(parts[3] ?? '', 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('malformed');
  const aad = Buffer.from(context, 'utf8');
  for (const [keyIndex, key] of candidates.entries()) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      return { plaintext, keyIndex };
    } catch {
      // Wrong key or tampered box: GCM refuses both alike. Try the next key.
    }
  }
  throw new SecretBoxError('unauthenticated');
}

export interface SecretBox {
  seal(plaintext: string, context?: string): string;
  open(box: string, context?: string): OpenedSecret;
}

/**
 * A box bound to a key ring: seals under the first key, opens with any. To rotate the server secret, pass the key
 * derived from the new secret first and the old one after; re-seal whatever opens with `keyIndex > 0`.
 *
 * @example
 * const box = createSecretBox([deriveSecretBoxKey(config.secretKey)]);
 * const stored = box.seal(totpSecret, `user:${userId}`);
 */
export function createSecretBox(keys: readonly KeyObject[]): SecretBox {
  const first = keys[0];
  if (first === undefined) throw new Error('a secret box needs at least one key');
  const ring = [...keys];
  return {
    seal: (plaintext, context) => sealSecret(first, plaintext, context),
    open: (box, context) => openSecret(ring, box, context),
  };
}

function checkContext(context: string): void {
  if (typeof context !== 'string' || context.length > MAX_CONTEXT_CHARS) {
    throw new TypeError('context must be a short string');
  }
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64url');
}
