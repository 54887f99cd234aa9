import { createHmac, type KeyObject, randomBytes as nodeRandomBytes } from 'node:crypto';
import { deriveKey, KEY_PURPOSES } from './keys.js';

export { constantTimeEqual } from './constant-time.js';

/**
 * Random opaque bearer tokens: session tokens, password-reset and email-verification tokens, API keys.
 *
 * Shape: `<prefix>_<lookupId><secret>`, e.g. `sl_live_4fT9kQ2p…`. The prefix names the kind (and lets secret
 * scanners recognise a leaked Sightline key); the first 8 characters after it are a lookup id, shown in listings so
 * users can tell their keys apart; the remaining 32 are secret. All 40 are base62, 238 random bits in total.
 *
 * Storage rule: callers store only `hash` (and `lookupId` for display). The token is shown to its owner once and is
 * never written to a database, a log line, an error message or a cache key; look it up by `hashToken(token)`.
 * The hash is HMAC-SHA256 under a key derived from the server secret, so a leaked table is useless without it.
 * A deterministic hash (no salt) is what lets the table be indexed by it; the tokens' entropy makes a salt unneeded.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const TOKEN_LOOKUP_ID_LENGTH = 8;
export const TOKEN_SECRET_LENGTH = 32;
const BODY_LENGTH = TOKEN_LOOKUP_ID_LENGTH + TOKEN_SECRET_LENGTH;
const PREFIX = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const MAX_PREFIX_LENGTH = 32;
const MAX_TOKEN_LENGTH = MAX_PREFIX_LENGTH + 1 + BODY_LENGTH;
const TOKEN = /^([a-z][a-z0-9]*(?:_[a-z0-9]+)*)_([0-9A-Za-z]+)$/;

/** Prefixes in use; a new kind of token gets a new prefix here. */
export const TOKEN_PREFIXES = {
  apiKey: 'sl_live',
  session: 'sl_sess',
  passwordReset: 'sl_reset',
  emailVerification: 'sl_verify',
  invitation: 'sl_invite',
  ingestKey: 'sl_ingest',
  mfaChallenge: 'sl_mfa',
  shareUnlock: 'sl_share',
} as const;

export interface NewToken {
  /** The bearer token: give it to its owner once, never store or log it. */
  token: string;
  /** The token's kind, e.g. `sl_live`. */
  prefix: string;
  /** Public, non-secret part for listings (`sl_live_4fT9kQ2p…`); not unique enough to authenticate with. */
  lookupId: string;
  /** What to store and index: HMAC-SHA256 of the whole token, base64url. */
  hash: string;
}

export interface TokenParts {
  prefix: string;
  lookupId: string;
}

export interface Tokens {
  newToken(prefix: string): NewToken;
  /** The stored hash of a presented token, or undefined when it is not a well-formed token (answer 401 at once). */
  hashToken(token: string): string | undefined;
}

/** Derives the key token hashes are made under. */
export function deriveTokenKey(serverSecret: string): KeyObject {
  return deriveKey(serverSecret, KEY_PURPOSES.tokenHashes);
}

/** Splits a presented token into its public parts, or undefined if it is not a well-formed token. */
export function parseToken(token: string): TokenParts | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const match = TOKEN.exec(token);
  const prefix = match?.[1];
  const body = match?.[2];
  if (prefix === undefined || body === undefined || body.length !== BODY_LENGTH) return undefined;
  if (prefix.length > MAX_PREFIX_LENGTH) return undefined;
  return { prefix, lookupId: body.slice(0, TOKEN_LOOKUP_ID_LENGTH) };
}

/**
 * Token minting and hashing under one key.
 *
 * @example
 * const tokens = createTokens({ key: deriveTokenKey(config.secretKey) });
 * const { token, lookupId, hash } = tokens.newToken(TOKEN_PREFIXES.apiKey); // store lookupId + hash, show token
 */
export function createTokens(deps: { key: KeyObject; randomBytes?: (size: number) => Uint8Array }): Tokens {
  const random = deps.randomBytes ?? nodeRandomBytes;
  const hash = (token: string) => createHmac('sha256', deps.key).update(token, 'utf8').digest('base64url');
  return {
    newToken(prefix) {
      if (typeof prefix !== 'string' || prefix.length > MAX_PREFIX_LENGTH || !PREFIX.test(prefix)) {
        throw new TypeError('a token prefix is lower-case letters and digits joined by underscores');
      }
      const body = randomBase62(BODY_LENGTH, random);
      const token = `${prefix}_${body}`;
      return { token, prefix, lookupId: body.slice(0, TOKEN_LOOKUP_ID_LENGTH), hash: hash(token) };
    },
    hashToken(token) {
      return parseToken(token) === undefined ? undefined : hash(token);
    },
  };
}

/** Uniform base62 by rejection sampling: bytes of 248 or more are discarded, so no character is favoured. */
function randomBase62(length: number, random: (size: number) => Uint8Array): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte >= 248) continue;
      out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}
