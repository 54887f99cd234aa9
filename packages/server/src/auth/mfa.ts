import type { KeyObject } from 'node:crypto';
import QRCode from 'qrcode';
import type { User } from '../domain/account.js';
import { HttpError } from '../http/errors.js';
import type { Logger } from '../logging.js';
import type { BackupCodeRepository, UserRepository } from '../storage/meta/meta-store.js';
import { consumeBackupCode, generateBackupCodes } from './backup-codes.js';
import { type SecretBox, SecretBoxError } from './secret-box.js';
import { generateTotpSecret, otpauthUri, verifyTotp } from './totp.js';

export interface MfaEnrolment {
  /** Base32 secret, for typing into an app by hand. Shown during setup only. */
  secret: string;
  otpauthUri: string;
  /** The otpauth URI as an SVG QR code (inline markup, no script). */
  qrSvg: string;
}

/** How a second factor was proven, or why it was not. */
export type SecondFactorResult =
  | { ok: true; method: 'totp' }
  | { ok: true; method: 'backup_code'; backupCodesLeft: number }
  | { ok: false; reason: 'wrong_code' | 'replayed' };

export interface MfaService {
  /** Starts (or restarts) an enrolment: a new secret, sealed and stored as pending until `confirm`. */
  beginSetup(user: User): Promise<MfaEnrolment>;
  /** Turns MFA on when `code` matches the pending secret; returns the 10 backup codes (shown once). */
  confirm(user: User, code: string): Promise<string[]>;
  /** Checks a TOTP code (never a replay) or spends a backup code. Never throws for a wrong code. */
  verifySecondFactor(user: User, code: string): Promise<SecondFactorResult>;
  /** Turns MFA off: secret, replay marker and backup codes are deleted. */
  disable(user: User): Promise<void>;
  /** A new set of backup codes; the old set stops working. */
  regenerateBackupCodes(user: User): Promise<string[]>;
}

export interface MfaDeps {
  users: Pick<UserRepository, 'update' | 'acceptTotpStep'>;
  backupCodes: BackupCodeRepository;
  secretBox: SecretBox;
  backupCodeKey: KeyObject;
  /** Name shown in authenticator apps, e.g. `Sightline (analytics.example.com)`. */
  issuer: string;
  logger: Logger;
  now: () => number;
}

/** TOTP secrets are sealed bound to their account, so a sealed secret copied into another row does not open. */
export const totpContext = (userId: number) => `user:${userId}`;

/** A typed code that looks like a TOTP code (six digits, spaces allowed) rather than a backup code. */
const TOTP_CODE = /^\d{6}$/;

export function mfaEnabled(user: User): boolean {
  return user.mfaEnabledAt !== null && user.mfaSecretSealed !== null;
}

/**
 * TOTP two-factor authentication (RFC 6238) with single-use backup codes. Secrets are encrypted at rest with the
 * secret box; a code's time step is recorded atomically so an observed code cannot be replayed; backup codes are
 * stored as keyed hashes and spent with a conditional update, so one code cannot sign in twice even concurrently.
 */
export function createMfaService(deps: MfaDeps): MfaService {
  const { users, backupCodes, secretBox, backupCodeKey, issuer, logger, now } = deps;

  function openSecret(user: User): string | undefined {
    if (user.mfaSecretSealed === null) return undefined;
    try {
      return secretBox.open(user.mfaSecretSealed, totpContext(user.id)).plaintext;
    } catch (error) {
      // A box that does not open means the server secret changed: only backup codes can get this account in now.
      if (error instanceof SecretBoxError) {
        logger.error(
          { userId: user.id, reason: error.reason },
          'a TOTP secret cannot be opened with the server secret',
        );
        return undefined;
      }
      throw error;
    }
  }

  /** Checks a TOTP code against the account's secret and records its step; false for wrong codes and replays. */
  async function checkTotp(user: User, code: string): Promise<SecondFactorResult> {
    const secret = openSecret(user);
    if (secret === undefined) return { ok: false, reason: 'wrong_code' };
    const result = verifyTotp(secret, code, { now: now(), lastUsedStep: user.mfaLastStep ?? undefined });
    if (!result.valid) return { ok: false, reason: result.reason === 'replayed' ? 'replayed' : 'wrong_code' };
    // The step is recorded in one conditional update: of two requests with the same code, one wins.
    const accepted = await users.acceptTotpStep(user.id, result.step);
    return accepted ? { ok: true, method: 'totp' } : { ok: false, reason: 'replayed' };
  }

  async function newBackupCodes(userId: number): Promise<string[]> {
    const { codes, hashes } = generateBackupCodes(backupCodeKey);
    await backupCodes.replace(userId, hashes);
    return codes;
  }

  return {
    async beginSetup(user) {
      if (mfaEnabled(user)) throw new HttpError(409, 'Two-factor authentication is already on; turn it off first');
      const secret = generateTotpSecret();
      await users.update(user.id, {
        mfaSecretSealed: secretBox.seal(secret, totpContext(user.id)),
        mfaEnabledAt: null,
      });
      const uri = otpauthUri({ issuer, account: user.email, secret });
      const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
      return { secret, otpauthUri: uri, qrSvg };
    },

    async confirm(user, code) {
      if (mfaEnabled(user)) throw new HttpError(409, 'Two-factor authentication is already on');
      if (user.mfaSecretSealed === null) {
        throw new HttpError(400, 'Start the setup first (POST /api/account/mfa/setup), then send a code from the app');
      }
      if (!TOTP_CODE.test(code.replace(/\s/g, ''))) {
        throw new HttpError(400, 'Enter the 6-digit code your authenticator app shows');
      }
      const result = await checkTotp(user, code);
      if (!result.ok) {
        throw new HttpError(
          400,
          result.reason === 'replayed'
            ? 'This code was already used; wait for the next one'
            : 'The code is not correct; check that the app was set up with the code shown, and that the device clock is right',
        );
      }
      const codes = await newBackupCodes(user.id);
      await users.update(user.id, { mfaEnabledAt: new Date(now()) });
      return codes;
    },

    async verifySecondFactor(user, code) {
      if (!mfaEnabled(user) || typeof code !== 'string' || code.length > 64) return { ok: false, reason: 'wrong_code' };
      if (TOTP_CODE.test(code.replace(/\s/g, ''))) return checkTotp(user, code);
      const stored = await backupCodes.listUnused(user.id);
      const match = consumeBackupCode(backupCodeKey, stored, code);
      if (!match.valid) return { ok: false, reason: 'wrong_code' };
      // Spent conditionally: a concurrent sign-in with the same code finds it used and fails.
      const spent = await backupCodes.markUsed(user.id, match.usedHash, new Date(now()));
      if (!spent) return { ok: false, reason: 'replayed' };
      return { ok: true, method: 'backup_code', backupCodesLeft: match.remaining.length };
    },

    async disable(user) {
      await users.update(user.id, { mfaSecretSealed: null, mfaEnabledAt: null, mfaLastStep: null });
      await backupCodes.deleteForUser(user.id);
    },

    regenerateBackupCodes: (user) => newBackupCodes(user.id),
  };
}
