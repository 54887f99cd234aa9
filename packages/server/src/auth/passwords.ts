import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { domainToASCII, fileURLToPath } from 'node:url';
import type { Algorithm } from '@node-rs/argon2';
import { hash as argon2Hash, verify as argon2Verify, parseOptions } from '@node-rs/argon2';

/** Argon2id cost parameters. `memoryCost` is in KiB. */
export interface PasswordHashParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/**
 * Production parameters: OWASP's Password Storage Cheat Sheet baseline for argon2id (m = 19 MiB, t = 2, p = 1),
 * which RFC 9106 §4 also accepts for memory-constrained servers. About 15–50 ms on one core of a small server; a self-hosted box with
 * two cores and other work to do can sustain logins at this cost, and 19 MiB per concurrent login caps memory.
 * Raising them later is safe: old hashes keep their own parameters and `needsRehash` tells the caller to upgrade at
 * the next successful login. Tests pass smaller ones; production code never should.
 */
export const PASSWORD_HASH_PARAMS: Readonly<PasswordHashParams> = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

/** Policy bounds, in Unicode code points (an emoji counts once, as the user sees it). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
// Anything longer is refused before argon2 sees it: a megabyte "password" must not cost a megabyte of hashing.
const MAX_PASSWORD_INPUT_CHARS = PASSWORD_MAX_LENGTH * 2;
const MAX_HASH_CHARS = 512;
const MAX_EMAIL_LENGTH = 254; // RFC 5321 §4.5.3.1.3 path limit, less the angle brackets
const MAX_LOCAL_PART_LENGTH = 64;
// Shorter local parts ("al", "jo") occur inside too many good passwords to refuse them on that ground.
const MIN_LOCAL_PART_FOR_CONTAINMENT = 3;

// `Algorithm` is an ambient const enum, which isolatedModules cannot read: 2 is its Argon2id member.
const ARGON2ID = 2 as Algorithm;

/**
 * Passwords are compared after NFKC normalisation (NIST SP 800-63B §5.1.1.2), so the same password typed on macOS
 * (decomposed accents) and Windows (composed) matches. Changing this would lock out users with such passwords.
 */
function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

function acceptablePasswordInput(password: unknown): password is string {
  return typeof password === 'string' && password.length > 0 && password.length <= MAX_PASSWORD_INPUT_CHARS;
}

/**
 * Hashes a password with argon2id and a fresh random salt, giving a PHC string (`$argon2id$v=19$m=…`) that records
 * its own parameters. Call `checkPasswordPolicy` first; this throws a TypeError only on a non-string or oversized input.
 */
export async function hashPassword(
  password: string,
  params: PasswordHashParams = PASSWORD_HASH_PARAMS,
): Promise<string> {
  if (!acceptablePasswordInput(password)) throw new TypeError('password must be a non-empty string of bounded length');
  return argon2Hash(normalizePassword(password), { ...params, algorithm: ARGON2ID });
}

/**
 * Whether `password` matches a stored hash. Never throws: a malformed or foreign hash, or an oversized password,
 * is a mismatch. Those cases still pay for one argon2 run, so their timing matches an ordinary wrong password.
 */
export async function verifyPassword(
  storedHash: string,
  password: string,
  params: PasswordHashParams = PASSWORD_HASH_PARAMS,
): Promise<boolean> {
  if (!acceptablePasswordInput(password) || !isArgon2idHash(storedHash)) {
    await dummyVerify(params);
    return false;
  }
  try {
    return await argon2Verify(storedHash, normalizePassword(password));
  } catch {
    return false;
  }
}

/**
 * Spends the cost of one real password check and returns false. A login for an unknown email must call it, so the
 * response time does not tell an attacker which emails have accounts.
 * It verifies against a well-formed argon2id hash carrying `params` with a salt and digest no password produces;
 * argon2 itself runs every time, so the work is that of `verifyPassword` with the same parameters.
 */
export async function dummyVerify(params: PasswordHashParams = PASSWORD_HASH_PARAMS): Promise<false> {
  try {
    await argon2Verify(dummyHashFor(params), randomBytes(16).toString('hex'));
  } catch {
    // Unreachable with valid params; the caller's answer is "no" either way.
  }
  return false;
}

/**
 * A well-formed argon2id hash with `params` and a random salt that no password matches: verifying against it does
 * the full work of a real verify (argon2 only learns the answer at the end).
 */
export function dummyHashFor(params: PasswordHashParams): string {
  const salt = randomBytes(16).toString('base64').replace(/=+$/, '');
  const digest = Buffer.alloc(32).toString('base64').replace(/=+$/, '');
  return `$argon2id$v=19$m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}$${salt}$${digest}`;
}

/**
 * Whether a stored hash was made with other parameters than `params` (or another algorithm), so the caller should
 * rehash the password, which it has in hand right after a successful login. Malformed hashes need a rehash too.
 */
export function needsRehash(storedHash: string, params: PasswordHashParams = PASSWORD_HASH_PARAMS): boolean {
  if (!isArgon2idHash(storedHash)) return true;
  try {
    const current = parseOptions(storedHash);
    return (
      current.algorithm !== ARGON2ID ||
      current.memoryCost !== params.memoryCost ||
      current.timeCost !== params.timeCost ||
      current.parallelism !== params.parallelism
    );
  } catch {
    return true;
  }
}

function isArgon2idHash(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_HASH_CHARS && value.startsWith('$argon2id$');
}

// ---------------------------------------------------------------------------------------------------------------
// Policy

/**
 * Path of the shipped list of common breached passwords. `data/` sits beside `src/` and `dist/` in the server
 * package, two levels above this file in either, so the same relative path works from source and from the build.
 */
export const SHIPPED_COMMON_PASSWORDS_FILE = fileURLToPath(new URL('../../data/common-passwords.txt', import.meta.url));

/** A set of passwords refused outright, compared case-insensitively. */
export interface CommonPasswordList {
  has(password: string): boolean;
  readonly size: number;
}

/** Builds a list from entries (one password each); blank entries are ignored, `#` lines in files are comments. */
export function createCommonPasswordList(passwords: Iterable<string>): CommonPasswordList {
  const set = new Set<string>();
  for (const entry of passwords) {
    if (typeof entry !== 'string') continue;
    const key = commonListKey(entry);
    if (key !== '') set.add(key);
  }
  return { size: set.size, has: (password) => typeof password === 'string' && set.has(commonListKey(password)) };
}

function commonListKey(password: string): string {
  return normalizePassword(password).trim().toLowerCase();
}

/** Reads a list file: one password per line; lines starting with `#` are comments. Throws if unreadable. */
export function loadCommonPasswordList(file: string = SHIPPED_COMMON_PASSWORDS_FILE): CommonPasswordList {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('#'));
  return createCommonPasswordList(lines);
}

// The shipped list is immutable data, so one parsed copy per process is a cache of a constant, not shared state;
// it is read on the first policy check rather than at import so that importing this module costs nothing.
let shippedList: CommonPasswordList | undefined;
function shippedCommonPasswords(): CommonPasswordList {
  shippedList ??= loadCommonPasswordList();
  return shippedList;
}

export interface PasswordPolicyContext {
  /** The account's email: a password equal to or containing its local part is refused. */
  email?: string;
  /** Replaces the shipped common-password list (tests, or an operator's larger list). */
  commonPasswords?: CommonPasswordList;
}

/**
 * Checks a new password against the policy of NIST SP 800-63B §5.1.1.2: a length range, no known-breached or
 * common password, nothing derived from the account's own email. No composition rules (they make passwords worse).
 * Returns undefined when the password is acceptable, otherwise one sentence the user can act on.
 *
 * @example checkPasswordPolicy('password1', {}) // 'This password is too common …'
 */
export function checkPasswordPolicy(password: string, context: PasswordPolicyContext = {}): string | undefined {
  if (typeof password !== 'string' || password === '') return 'Enter a password.';
  if (password.length > MAX_PASSWORD_INPUT_CHARS) {
    return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  }
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  const list = context.commonPasswords ?? shippedCommonPasswords();
  if (list.has(normalized)) {
    return 'This password is too common and appears in lists of breached passwords; choose another.';
  }
  const localPart = context.email === undefined ? undefined : localPartOf(context.email);
  if (localPart !== undefined) {
    const lowered = normalized.toLowerCase();
    const fullEmail = normalizePassword(context.email ?? '')
      .trim()
      .toLowerCase();
    if (
      lowered === localPart ||
      lowered.includes(fullEmail) ||
      (localPart.length >= MIN_LOCAL_PART_FOR_CONTAINMENT && lowered.includes(localPart))
    ) {
      return 'Your password must not contain your email address.';
    }
  }
  return undefined;
}

function localPartOf(email: string): string | undefined {
  if (typeof email !== 'string' || email.length > MAX_EMAIL_LENGTH * 2) return undefined;
  const at = email.trim().lastIndexOf('@');
  const local = at > 0 ? email.trim().slice(0, at) : email.trim();
  return local === '' ? undefined : normalizePassword(local).toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------------
// Email

// RFC 5322 dot-atom text, plus any non-ASCII letter or digit (RFC 6531 internationalised addresses).
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The canonical form of an email address used as an account key, or undefined if it is not a plausible address.
 * Trims, lowercases the local part and the domain, converts an internationalised domain to its ASCII (punycode) form.
 * Quoted local parts, IP-literal domains and single-label domains are refused. Provider-specific rules (Gmail's dots
 * and `+tags`) are deliberately not applied: they differ per provider and would merge distinct accounts.
 *
 * @example normalizeEmail('  Ada.Lovelace@Example.COM ') // 'ada.lovelace@example.com'
 */
export function normalizeEmail(email: string): string | undefined {
  if (typeof email !== 'string' || email.length > MAX_EMAIL_LENGTH * 2) return undefined;
  const trimmed = email.trim().normalize('NFC');
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return undefined;
  const local = trimmed.slice(0, at).toLowerCase();
  const rawDomain = trimmed.slice(at + 1);
  if (local.length > MAX_LOCAL_PART_LENGTH || !LOCAL_PART.test(local)) return undefined;
  if (/[\s@]/u.test(rawDomain)) return undefined;
  const domain = domainToASCII(rawDomain.toLowerCase().replace(/\.$/, ''));
  if (domain === '' || domain.length > 253) return undefined;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return undefined;
  // A top-level domain is never all digits; this also refuses bare IPv4 addresses.
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return undefined;
  const normalized = `${local}@${domain}`;
  return normalized.length > MAX_EMAIL_LENGTH ? undefined : normalized;
}
