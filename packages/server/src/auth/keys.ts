import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

/**
 * Purpose labels for keys derived from the server secret. Each use gets its own key, so a key leaked or misused in
 * one place (say, token hashes) tells nothing about another (TOTP secret encryption). Never reuse a label for a
 * different purpose, and never change one: data sealed under it would no longer open. A rotation gets a new label.
 */
export const KEY_PURPOSES = {
  totpSecrets: 'sightline/secret-box/totp-secrets/v1',
  tokenHashes: 'sightline/hmac/tokens/v1',
  backupCodeHashes: 'sightline/hmac/backup-codes/v1',
} as const;

const MIN_SERVER_SECRET_LENGTH = 32;
const MAX_PURPOSE_LENGTH = 200;
// HKDF's salt is optional (RFC 5869 §3.1); a fixed, public, application-specific one separates Sightline's keys from
// any other software that might, against advice, be handed the same secret.
const HKDF_SALT = 'sightline/hkdf-salt/v1';

/**
 * Derives a 256-bit key for one purpose from the server secret with HKDF-SHA256 (RFC 5869).
 * Throws on a short secret or an empty purpose: both are programming or configuration errors, caught at start-up.
 * The result is a `KeyObject`, which does not print its bytes when logged.
 *
 * @example deriveKey(config.secretKey, KEY_PURPOSES.tokenHashes)
 */
export function deriveKey(serverSecret: string, purpose: string): KeyObject {
  if (typeof serverSecret !== 'string' || serverSecret.length < MIN_SERVER_SECRET_LENGTH) {
    throw new Error(`the server secret must have at least ${MIN_SERVER_SECRET_LENGTH} characters`);
  }
  if (typeof purpose !== 'string' || purpose === '' || purpose.length > MAX_PURPOSE_LENGTH) {
    throw new Error('a key purpose label is required');
  }
  const bytes = hkdfSync('sha256', Buffer.from(serverSecret, 'utf8'), HKDF_SALT, purpose, 32);
  return createSecretKey(Buffer.from(bytes));
}
