import { createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';

/** One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238), as authenticator apps implement them. */

export type OtpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface OtpOptions {
  /** Digits in a code; authenticator apps expect 6. */
  digits?: number;
  /** HMAC hash; every mainstream authenticator app supports only SHA-1 (which is still sound inside HMAC). */
  algorithm?: OtpAlgorithm;
}

export interface TotpOptions extends OtpOptions {
  /** Step length in seconds. */
  period?: number;
}

const DEFAULT_DIGITS = 6;
const DEFAULT_PERIOD_SECONDS = 30;
/** 160 bits: the key length RFC 4226 §4 recommends for HMAC-SHA-1. */
export const TOTP_SECRET_BYTES = 20;
const MAX_SECRET_CHARS = 256;
const MAX_WINDOW = 10;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// ---------------------------------------------------------------------------------------------------------------
// Base32 (RFC 4648 §6), the encoding of secrets in otpauth URIs.

/** Encodes bytes as unpadded upper-case base32. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes base32, ignoring case, spaces, hyphens and `=` padding (people copy secrets by hand in groups).
 * Returns undefined for any other character or an impossible length.
 */
export function base32Decode(text: string): Buffer | undefined {
  if (typeof text !== 'string' || text.length > MAX_SECRET_CHARS * 2) return undefined;
  const clean = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  // Lengths 1, 3 and 6 (mod 8) leave bits that no byte string encodes to.
  if ([1, 3, 6].includes(clean.length % 8)) return undefined;
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value === -1) return undefined;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** A new random TOTP secret, base32-encoded (32 characters for 160 bits). */
export function generateTotpSecret(randomBytes: (size: number) => Uint8Array = nodeRandomBytes): string {
  return base32Encode(randomBytes(TOTP_SECRET_BYTES));
}

// ---------------------------------------------------------------------------------------------------------------
// HOTP / TOTP

/**
 * The HOTP value of `key` at `counter` (RFC 4226 §5.3): HMAC, dynamic truncation, modulo 10^digits, zero-padded.
 *
 * @example hotp(Buffer.from('12345678901234567890'), 0) // '755224'
 */
export function hotp(key: Uint8Array, counter: number | bigint, options: OtpOptions = {}): string {
  const digits = options.digits ?? DEFAULT_DIGITS;
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) throw new RangeError('digits must be 6 to 10');
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(options.algorithm ?? 'sha1', key)
    .update(message)
    .digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

/** The TOTP time step containing `nowMs` (RFC 6238 §4.2, T0 = 0). */
export function totpStep(nowMs: number, period: number = DEFAULT_PERIOD_SECONDS): number {
  return Math.floor(nowMs / 1000 / period);
}

/** The TOTP code for `key` at `nowMs`. */
export function totp(key: Uint8Array, nowMs: number, options: TotpOptions = {}): string {
  return hotp(key, totpStep(nowMs, options.period), options);
}

export interface VerifyTotpOptions extends TotpOptions {
  /** Current time in milliseconds since the epoch (inject the clock). */
  now: number;
  /** Steps accepted either side of now, for clock drift and slow typing; 1 accepts a code up to ~30 s late or early. */
  window?: number;
  /**
   * The step of the last code this account used. Codes of that step or earlier are refused, so a code seen over a
   * shoulder or replayed from a log cannot be used again (RFC 6238 §5.2). Store `step` of each success.
   */
  lastUsedStep?: number;
}

export type TotpVerification =
  | { valid: true; step: number }
  | { valid: false; reason: 'malformed_code' | 'invalid_secret' | 'wrong_code' | 'replayed' };

/**
 * Checks a code typed by the user against a base32 secret. Spaces in the code are ignored. On success, returns the
 * matched step: the caller must store it as `lastUsedStep` before treating the login as done.
 * Bad user input (code) and bad stored data (secret) give a result, never an exception; only invalid `digits` or
 * `period` options, a programming error, throw a RangeError.
 */
export function verifyTotp(secret: string, code: string, options: VerifyTotpOptions): TotpVerification {
  const digits = options.digits ?? DEFAULT_DIGITS;
  const period = options.period ?? DEFAULT_PERIOD_SECONDS;
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) throw new RangeError('digits must be 6 to 10');
  if (!Number.isInteger(period) || period < 1)
    throw new RangeError('period must be a positive whole number of seconds');
  const window = Math.min(Math.max(Math.trunc(options.window ?? 1), 0), MAX_WINDOW);
  if (typeof code !== 'string' || code.length > 32) return { valid: false, reason: 'malformed_code' };
  const typed = code.replace(/\s/g, '');
  if (!/^[0-9]+$/.test(typed) || typed.length !== digits) return { valid: false, reason: 'malformed_code' };
  const key = base32Decode(secret);
  if (key === undefined || key.length === 0 || !Number.isFinite(options.now)) {
    return { valid: false, reason: 'invalid_secret' };
  }
  const current = totpStep(options.now, period);
  let accepted: number | undefined;
  let replayed = false;
  // Every candidate is computed and compared, so the response time does not tell which step matched.
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const matches = constantTimeEqual(hotp(key, step, { digits, algorithm: options.algorithm }), typed);
    if (!matches) continue;
    if (options.lastUsedStep !== undefined && step <= options.lastUsedStep) replayed = true;
    else accepted ??= step;
  }
  if (accepted !== undefined) return { valid: true, step: accepted };
  return { valid: false, reason: replayed ? 'replayed' : 'wrong_code' };
}

export interface OtpauthUriInput {
  /** The service name shown in the authenticator app, e.g. "Sightline" or the instance's host. */
  issuer: string;
  /** The account, usually the email. */
  account: string;
  /** Base32 secret. */
  secret: string;
}

/**
 * The `otpauth://` URI that authenticator apps read from a QR code (Google Authenticator key-URI format).
 * The issuer appears in both the label and the parameter, as the format advises; colons are percent-encoded.
 *
 * @example otpauthUri({ issuer: 'Sightline', account: 'ada@example.com', secret: 'JBSWY3DPEHPK3PXP' })
 */
export function otpauthUri({ issuer, account, secret }: OtpauthUriInput): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = new URLSearchParams({
    secret: secret.replace(/[\s=-]/g, '').toUpperCase(),
    issuer,
    algorithm: 'SHA1',
    digits: String(DEFAULT_DIGITS),
    period: String(DEFAULT_PERIOD_SECONDS),
  });
  // URLSearchParams encodes spaces as '+', which some authenticator apps show literally.
  return `otpauth://totp/${label}?${query.toString().replace(/\+/g, '%20')}`;
}
