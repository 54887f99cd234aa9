import { createHmac, type KeyObject, randomBytes as nodeRandomBytes } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';
import { deriveKey, KEY_PURPOSES } from './keys.js';

/**
 * Single-use recovery codes for an account with two-factor authentication.
 *
 * A code is 8 symbols of Crockford's base32 alphabet (no i, l, o, u), shown as `xxxx-xxxx`: exactly 40 random bits.
 * Input is read the Crockford way (o → 0, i and l → 1, case and separators ignored), so misreading a printed code
 * does not lock the user out. Codes are stored as HMAC-SHA256 under a key derived from the server secret, not plain
 * SHA-256: 40 bits fall to a GPU in minutes, so a leaked database alone must not be enough to recover them.
 */
export const BACKUP_CODE_COUNT = 10;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CODE_SYMBOLS = 8;
const CODE_BYTES = 5; // 5 bytes = 40 bits = 8 symbols of 5 bits, so every symbol is uniform with no rejection step
const MAX_INPUT_CHARS = 64;
const MAX_COUNT = 100;

/** Derives the key that backup-code hashes are made under. */
export function deriveBackupCodeKey(serverSecret: string): KeyObject {
  return deriveKey(serverSecret, KEY_PURPOSES.backupCodeHashes);
}

export interface GeneratedBackupCodes {
  /** Show these to the user once; never store or log them. */
  codes: string[];
  /** Store these, in the same order. */
  hashes: string[];
}

export interface GenerateBackupCodesOptions {
  count?: number;
  randomBytes?: (size: number) => Uint8Array;
}

/** A fresh set of codes; generating a new set should replace the stored hashes of the old one. */
export function generateBackupCodes(key: KeyObject, options: GenerateBackupCodesOptions = {}): GeneratedBackupCodes {
  const count = options.count ?? BACKUP_CODE_COUNT;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw new RangeError('count must be 1 to 100');
  const random = options.randomBytes ?? nodeRandomBytes;
  const codes: string[] = [];
  const seen = new Set<string>();
  while (codes.length < count) {
    const code = formatCode(random(CODE_BYTES));
    if (seen.has(code)) continue; // a duplicate would be one code counted twice
    seen.add(code);
    codes.push(code);
  }
  return { codes, hashes: codes.map((code) => hashCanonical(key, canonical(code)!)) };
}

function formatCode(bytes: Uint8Array): string {
  let value = 0n;
  for (const byte of bytes.subarray(0, CODE_BYTES)) value = (value << 8n) | BigInt(byte);
  let symbols = '';
  for (let i = CODE_SYMBOLS - 1; i >= 0; i--) symbols += ALPHABET[Number((value >> BigInt(i * 5)) & 31n)];
  return `${symbols.slice(0, 4)}-${symbols.slice(4)}`;
}

/** The canonical 8 symbols of a typed code, or undefined if it cannot be one. */
function canonical(input: string): string | undefined {
  if (typeof input !== 'string' || input.length > MAX_INPUT_CHARS) return undefined;
  const symbols = input.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0').replace(/[il]/g, '1');
  if (symbols.length !== CODE_SYMBOLS) return undefined;
  for (const symbol of symbols) if (!ALPHABET.includes(symbol)) return undefined;
  return symbols;
}

function hashCanonical(key: KeyObject, symbols: string): string {
  return createHmac('sha256', key).update(symbols).digest('base64url');
}

/** The stored hash a typed code would have, or undefined when the input cannot be a code. */
export function hashBackupCode(key: KeyObject, input: string): string | undefined {
  const symbols = canonical(input);
  return symbols === undefined ? undefined : hashCanonical(key, symbols);
}

export type BackupCodeResult =
  | {
      valid: true;
      /** The hash that matched: delete exactly this one, conditionally (see `consumeBackupCode`). */
      usedHash: string;
      /** The stored hashes without the used one. */
      remaining: string[];
    }
  | { valid: false };

/**
 * Checks a typed code against an account's stored hashes and, on a match, returns the list without it. Pure: the
 * caller persists the change, and must do so conditionally (`DELETE … WHERE user_id = ? AND hash = ?` and accept
 * only when one row went), so two concurrent logins cannot both spend the same code. Never throws.
 */
export function consumeBackupCode(key: KeyObject, storedHashes: readonly string[], input: string): BackupCodeResult {
  const hash = hashBackupCode(key, input);
  if (hash === undefined || !Array.isArray(storedHashes)) return { valid: false };
  let matchIndex = -1;
  // Compare against every stored hash, so timing does not reveal the position of a match.
  for (const [index, stored] of storedHashes.entries()) {
    if (constantTimeEqual(stored, hash) && matchIndex === -1) matchIndex = index;
  }
  if (matchIndex === -1) return { valid: false };
  return {
    valid: true,
    usedHash: hash,
    remaining: storedHashes.filter((_, index) => index !== matchIndex),
  };
}
