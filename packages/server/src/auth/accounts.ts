import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import type { User, UserTokenPurpose } from '../domain/account.js';
import { clearCookie, readCookie, serializeCookie } from '../http/cookies.js';
import { HttpError } from '../http/errors.js';
import type { GeoLocator } from '../ingest/enrich/geo.js';
import type { Logger } from '../logging.js';
import { DuplicateEmailError, type MetaStore } from '../storage/meta/meta-store.js';
import type { StateStore } from '../storage/state/state-store.js';
import type { UserPrincipal } from './access.js';
import type { AuditLog } from './audit.js';
import { deriveBackupCodeKey } from './backup-codes.js';
import {
  accountLockedMail,
  confirmEmailChangeMail,
  emailChangedMail,
  emailInUseMail,
  mfaChangedMail,
  passwordChangedMail,
  passwordResetMail,
  verifyEmailMail,
} from './mail-templates.js';
import { type Mailer, type MailMessage, sendInBackground } from './mailer.js';
import { createMfaService, type MfaService, mfaEnabled } from './mfa.js';
import {
  checkPasswordPolicy,
  dummyVerify,
  hashPassword,
  needsRehash,
  normalizeEmail,
  PASSWORD_HASH_PARAMS,
  type PasswordHashParams,
  verifyPassword,
} from './passwords.js';
import type { SecretBox } from './secret-box.js';
import { SESSION_COOKIE, type SessionService } from './sessions.js';
import { TOKEN_PREFIXES, type Tokens } from './tokens.js';

/** The account as the API shows it to its owner (api-contract "Me"). */
export interface Me {
  id: number;
  email: string;
  name: string;
  emailVerified: boolean;
  mfaEnabled: boolean;
  isInstanceOwner: boolean;
  hasPassword: boolean;
  createdAt: string;
}

export function toMe(user: User): Me {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerifiedAt !== null,
    mfaEnabled: mfaEnabled(user),
    isInstanceOwner: user.isInstanceOwner,
    hasPassword: user.passwordHash !== null,
    createdAt: user.createdAt.toISOString(),
  };
}

/** The cookie that carries a sign-in between the password and the second factor. */
export const MFA_COOKIE = 'sl_mfa';
export const MFA_CHALLENGE_TTL_MS = 5 * 60_000;
export const PASSWORD_RESET_TTL_MS = 60 * 60_000;
export const EMAIL_TOKEN_TTL_MS = 48 * 60 * 60_000;
/** Reset and verification mails one account may trigger per hour: stops using Sightline to flood someone's inbox. */
const ACCOUNT_MAILS_PER_HOUR = 5;
const MAX_NAME_LENGTH = 100;

export const INVALID_CREDENTIALS = 'Email or password is incorrect';
const INVALID_LINK = 'This link is invalid, has expired or was already used; request a new one';

/** What the account service is built from: the pieces of the API context it uses. */
export interface AccountDeps {
  config: Pick<
    Config,
    'publicUrl' | 'registration' | 'loginMaxFailures' | 'loginLockoutMinutes' | 'secretKey' | 'oidcIssuer'
  >;
  logger: Logger;
  meta: MetaStore;
  state: StateStore;
  tokens: Tokens;
  secretBox: SecretBox;
  sessions: SessionService;
  mailer: Mailer;
  audit: AuditLog;
  geo: Pick<GeoLocator, 'countryFor'>;
  now: () => number;
  secureCookies: boolean;
  /** argon2id cost; production parameters unless a test passes cheaper ones. */
  passwordParams?: PasswordHashParams;
}

export type LoginResult = { status: 'ok'; user: User } | { status: 'mfa_required'; challenge: string };

export interface NewAccountInput {
  email: string;
  password: string;
  name?: string | undefined;
}

export interface AccountService {
  readonly mfa: MfaService;
  /** First run: creates the instance owner while no account exists (409 afterwards). */
  setup(request: FastifyRequest, input: NewAccountInput): Promise<User>;
  /** Sign-up under the REGISTRATION mode, optionally with a site invitation token. */
  register(request: FastifyRequest, input: NewAccountInput & { invitation?: string | undefined }): Promise<User>;
  /** Password step of a sign-in. 401 for a wrong email or password alike, 423 while locked. */
  login(request: FastifyRequest, email: string, password: string): Promise<LoginResult>;
  /** Second step: a TOTP or backup code for the challenge of the `sl_mfa` cookie. */
  completeMfaLogin(request: FastifyRequest, challenge: string | undefined, code: string): Promise<User>;
  /** Starts a browser session for `user` and sets the session cookie (ends the session the browser had before). */
  startSession(request: FastifyRequest, reply: FastifyReply, user: User): Promise<void>;
  /** Follows a verification or email-change link; returns the account it confirmed. */
  verifyEmail(request: FastifyRequest, token: string): Promise<User>;
  /** Mails a reset link if the address has an account. Runs in the background: timing says nothing either way. */
  requestPasswordReset(email: string): void;
  resetPassword(request: FastifyRequest, token: string, password: string): Promise<User>;
  changePassword(
    request: FastifyRequest,
    principal: SessionPrincipal,
    currentPassword: string,
    newPassword: string,
  ): Promise<void>;
  requestEmailChange(
    request: FastifyRequest,
    principal: SessionPrincipal,
    password: string,
    email: string,
  ): Promise<void>;
  /** Sends a fresh verification link to an unconfirmed address. */
  resendVerification(principal: SessionPrincipal): Promise<void>;
  rename(user: User, name: string): Promise<User>;
  enableMfa(request: FastifyRequest, principal: SessionPrincipal, code: string): Promise<string[]>;
  disableMfa(
    request: FastifyRequest,
    principal: SessionPrincipal,
    password: string | undefined,
    code: string,
  ): Promise<void>;
  regenerateBackupCodes(
    request: FastifyRequest,
    principal: SessionPrincipal,
    password: string | undefined,
    code: string,
  ): Promise<string[]>;
}

export type SessionPrincipal = Extract<UserPrincipal, { kind: 'session' }>;

/**
 * Accounts: sign-up, sign-in with lockout and a second factor, mail links, password and email changes.
 *
 * Invariants kept here:
 * - a sign-in failure says the same thing, after the same work, whether or not the email has an account;
 * - after LOGIN_MAX_FAILURES failures in a row (password or second factor) the account refuses sign-ins for
 *   LOGIN_LOCKOUT_MINUTES, even with the right password, and its owner is told by mail; only a complete sign-in
 *   (both factors) or a password reset clears the count;
 * - mail tokens are single-use, stored hashed, and a new one of a kind voids the older ones;
 * - changing the password or the second factor ends every other session of the account.
 */
export function createAccountService(deps: AccountDeps): AccountService {
  const { config, logger, meta, state, tokens, sessions, mailer, audit, now } = deps;
  const params = deps.passwordParams ?? PASSWORD_HASH_PARAMS;
  const lockoutMs = config.loginLockoutMinutes * 60_000;
  const mfa = createMfaService({
    users: meta.users,
    backupCodes: meta.backupCodes,
    secretBox: deps.secretBox,
    backupCodeKey: deriveBackupCodeKey(config.secretKey),
    issuer: `Sightline (${new URL(config.publicUrl).hostname})`,
    logger,
    now,
  });

  const inBackground = (work: Promise<unknown>) => {
    work.catch((error: unknown) => logger.error({ err: error }, 'recording a failed sign-in failed'));
  };
  const link = (path: string, token: string) => `${config.publicUrl}${path}?token=${encodeURIComponent(token)}`;
  const mail = (message: MailMessage) => sendInBackground(mailer, logger, message);
  const forgotLink = () => `${config.publicUrl}/forgot-password`;

  // -- input checks ------------------------------------------------------------------------------------------------

  function parseEmail(raw: string): string {
    const email = normalizeEmail(raw);
    if (email === undefined) throw new HttpError(400, 'Enter a valid email address, like name@example.com');
    return email;
  }

  function parseName(raw: string | undefined, email: string): string {
    // Control characters would break mail headers and log lines; a missing name becomes the email's local part.
    const name = (raw ?? '').replace(/\p{Cc}+/gu, ' ').trim();
    if ([...name].length > MAX_NAME_LENGTH)
      throw new HttpError(400, `Use at most ${MAX_NAME_LENGTH} characters for the name`);
    return name === '' ? (email.split('@')[0] ?? email) : name;
  }

  function checkNewPassword(password: string, email?: string): void {
    const problem = checkPasswordPolicy(password, email === undefined ? {} : { email });
    if (problem !== undefined) throw new HttpError(400, problem);
  }

  // -- lockout -----------------------------------------------------------------------------------------------------

  const isLocked = (user: User) => user.lockedUntil !== null && user.lockedUntil.getTime() > now();

  function lockedError(user: User): HttpError {
    const until = user.lockedUntil ?? new Date(now());
    const seconds = Math.max(1, Math.ceil((until.getTime() - now()) / 1000));
    return new HttpError(
      423,
      `This account is locked after too many failed sign-ins; try again after ${until.toISOString()} or reset the password`,
      { 'retry-after': String(seconds) },
    );
  }

  /** A lock that has run out starts a fresh count, so one more mistake does not lock the account again at once. */
  async function clearExpiredLock(user: User): Promise<User> {
    if (user.lockedUntil === null || isLocked(user)) return user;
    return (await meta.users.update(user.id, { failedLogins: 0, lockedUntil: null })) ?? user;
  }

  /**
   * Counts a failed password or second factor. Returns the lock error when this failure locked the account (and
   * tells its owner), undefined otherwise. Attempts while locked are not counted: they would only extend the lock.
   */
  async function countFailure(request: FastifyRequest, user: User, factor: string): Promise<HttpError | undefined> {
    const updated =
      (await meta.users.recordFailedLogin(user.id, config.loginMaxFailures, new Date(now() + lockoutMs))) ?? user;
    await audit.record(request, { userId: user.id, action: 'login.failed', details: { reason: factor } });
    if (!isLocked(updated)) return undefined;
    // Exactly one failure takes the count to the maximum, so concurrent failures send one notice.
    if (updated.failedLogins === config.loginMaxFailures) {
      await audit.record(request, {
        userId: user.id,
        action: 'login.locked',
        details: { failures: updated.failedLogins, until: updated.lockedUntil?.toISOString() },
      });
      mail(
        accountLockedMail({
          to: updated.email,
          name: updated.name,
          failures: updated.failedLogins,
          lockedUntil: updated.lockedUntil ?? new Date(now() + lockoutMs),
          ip: request.ip,
          country: deps.geo.countryFor(request.ip, request.headers),
          forgotLink: `${config.publicUrl}/forgot-password`,
        }),
      );
    }
    return lockedError(updated);
  }

  /** A complete sign-in: the failure count starts again. */
  async function succeed(request: FastifyRequest, user: User, method: string): Promise<User> {
    const fresh =
      user.failedLogins !== 0 || user.lockedUntil !== null
        ? ((await meta.users.update(user.id, { failedLogins: 0, lockedUntil: null })) ?? user)
        : user;
    await audit.record(request, { userId: user.id, action: 'login.succeeded', details: { method } });
    return fresh;
  }

  /**
   * The password check of a signed-in user confirming a sensitive change. A wrong password counts toward the lockout
   * like a failed sign-in (a stolen session must not become an unlimited password oracle).
   */
  async function confirmPassword(request: FastifyRequest, user: User, password: string | undefined): Promise<void> {
    if (user.passwordHash === null) {
      throw new HttpError(400, 'This account has no password yet; set one through "Forgot password" first');
    }
    const current = await clearExpiredLock(user);
    if (isLocked(current)) throw lockedError(current);
    const ok = typeof password === 'string' && (await verifyPassword(user.passwordHash, password, params));
    if (!ok) {
      const lock = await countFailure(request, current, 'password_confirmation');
      throw lock ?? new HttpError(400, 'The password is not correct');
    }
  }

  /** A second-factor check inside a session (turning MFA off, new backup codes). Wrong codes count toward lockout. */
  async function confirmSecondFactor(request: FastifyRequest, user: User, code: string): Promise<void> {
    if (!mfaEnabled(user)) throw new HttpError(409, 'Two-factor authentication is not on');
    const result = await mfa.verifySecondFactor(user, code);
    if (!result.ok) {
      const lock = await countFailure(request, user, 'mfa_confirmation');
      throw (
        lock ??
        new HttpError(
          400,
          result.reason === 'replayed'
            ? 'This code was already used; wait for the next one'
            : 'The code is not correct; enter the current code from your authenticator app or an unused backup code',
        )
      );
    }
  }

  // -- mail tokens -------------------------------------------------------------------------------------------------

  async function issueToken(
    user: User,
    purpose: UserTokenPurpose,
    ttlMs: number,
    prefix: string,
    newEmail: string | null,
  ): Promise<string> {
    await meta.userTokens.deleteForUser(user.id, purpose);
    const { token, hash } = tokens.newToken(prefix);
    const at = now();
    await meta.userTokens.create({
      hash,
      userId: user.id,
      purpose,
      newEmail,
      expiresAt: new Date(at + ttlMs),
      usedAt: null,
      createdAt: new Date(at),
    });
    return token;
  }

  /** The stored hash of a presented mail token of the given kind, or undefined for anything else. */
  function tokenHash(token: unknown, prefix: string): string | undefined {
    if (typeof token !== 'string' || !token.startsWith(`${prefix}_`)) return undefined;
    return tokens.hashToken(token);
  }

  /** Per-account mail budget; false once an hour's worth of links was sent. */
  async function mayMail(kind: string, userId: number): Promise<boolean> {
    const sent = await state.increment(`account-mail:${kind}:${userId}`, 60 * 60_000);
    return sent <= ACCOUNT_MAILS_PER_HOUR;
  }

  async function sendVerification(user: User): Promise<void> {
    // The address is recorded with the token: a link sent to an old address must not confirm a newer one.
    const token = await issueToken(
      user,
      'verify_email',
      EMAIL_TOKEN_TTL_MS,
      TOKEN_PREFIXES.emailVerification,
      user.email,
    );
    mail(verifyEmailMail({ to: user.email, name: user.name, link: link('/verify-email', token), hours: 48 }));
  }

  async function createAccount(
    request: FastifyRequest,
    input: NewAccountInput,
    extra: { isInstanceOwner: boolean; verified: boolean; method: string },
  ): Promise<User> {
    const email = parseEmail(input.email);
    const name = parseName(input.name, email);
    checkNewPassword(input.password, email);
    const passwordHash = await hashPassword(input.password, params);
    let user: User;
    try {
      user = await meta.users.create({
        email,
        name,
        passwordHash,
        isInstanceOwner: extra.isInstanceOwner,
        emailVerifiedAt: extra.verified ? new Date(now()) : null,
      });
    } catch (error) {
      if (error instanceof DuplicateEmailError) {
        throw new HttpError(409, 'An account with this email already exists; sign in or reset its password');
      }
      throw error;
    }
    await audit.record(request, {
      userId: user.id,
      action: 'account.created',
      details: { method: extra.method, instanceOwner: extra.isInstanceOwner },
    });
    return user;
  }

  /** Sessions of the account other than `keepId` end; each is recorded. */
  async function endOtherSessions(request: FastifyRequest, user: User, keepId: string | undefined, reason: string) {
    const ended = await sessions.revokeOthers(user.id, keepId);
    if (ended > 0) {
      await audit.record(request, { userId: user.id, action: 'session.revoked', details: { count: ended, reason } });
    }
  }

  return {
    mfa,

    async setup(request, input) {
      if ((await meta.users.count()) > 0) throw new HttpError(409, 'This instance is already set up; sign in instead');
      // Two first visitors at once: the state store's atomic counter lets exactly one through (the unique email alone
      // would not stop two different addresses). The claim is kept: once an owner exists, setup is over anyway.
      const email = parseEmail(input.email);
      parseName(input.name, email);
      checkNewPassword(input.password, email);
      const claim = await state.increment('account-setup:claim', 60_000);
      if (claim !== 1) throw new HttpError(409, 'Setup is already being completed by someone else; sign in instead');
      try {
        if ((await meta.users.count()) > 0)
          throw new HttpError(409, 'This instance is already set up; sign in instead');
        return await createAccount(request, input, { isInstanceOwner: true, verified: true, method: 'setup' });
      } catch (error) {
        // Nobody was created: let the next attempt through rather than blocking setup for a minute.
        if ((await meta.users.count()) === 0) await state.delete('account-setup:claim');
        throw error;
      }
    },

    async register(request, input) {
      const mode = config.registration;
      if ((await meta.users.count()) === 0) {
        throw new HttpError(409, 'This instance has no account yet; create the first one through the setup page');
      }
      if (mode === 'closed') {
        throw new HttpError(
          403,
          'Registration is closed on this instance; ask its operator to create an account for you',
        );
      }
      const invitationToken = input.invitation;
      if (invitationToken === undefined || invitationToken === '') {
        if (mode === 'invite') {
          throw new HttpError(403, 'Registration here is by invitation only; ask a site admin to invite you');
        }
        const user = await createAccount(request, input, {
          isInstanceOwner: false,
          verified: false,
          method: 'register',
        });
        await sendVerification(user);
        return user;
      }
      const hash = tokenHash(invitationToken, TOKEN_PREFIXES.invitation);
      const invitation = hash === undefined ? undefined : await meta.invitations.findByTokenHash(hash);
      if (invitation === undefined || invitation.acceptedAt !== null || invitation.expiresAt.getTime() <= now()) {
        throw new HttpError(400, 'This invitation is invalid, was already used or has expired; ask for a new one');
      }
      const email = parseEmail(input.email);
      if (email !== invitation.email) {
        throw new HttpError(
          403,
          'This invitation was sent to another address; register with the address it was sent to',
        );
      }
      // The account first (the unique email settles a double submit), then the invitation, atomically, then the role.
      const user = await createAccount(
        request,
        { ...input, email },
        {
          isInstanceOwner: false,
          verified: true,
          method: 'invitation',
        },
      );
      if (await meta.invitations.accept(invitation.id, new Date(now()))) {
        await meta.members.upsert(invitation.siteId, user.id, invitation.role === 'owner' ? 'admin' : invitation.role);
        await audit.record(request, {
          userId: user.id,
          siteId: invitation.siteId,
          action: 'member.joined',
          details: { role: invitation.role, invitationId: invitation.id },
        });
      }
      return user;
    },

    async login(request, rawEmail, password) {
      const email = normalizeEmail(rawEmail);
      const found = email === undefined ? undefined : await meta.users.findByEmail(email);
      if (found === undefined || found.passwordHash === null) {
        // Same work and the same answer as a wrong password: nobody learns which emails have accounts.
        await dummyVerify(params);
        throw new HttpError(401, INVALID_CREDENTIALS);
      }
      const user = await clearExpiredLock(found);
      const ok = await verifyPassword(found.passwordHash, password, params);
      if (isLocked(user)) {
        inBackground(audit.record(request, { userId: user.id, action: 'login.failed', details: { reason: 'locked' } }));
        throw lockedError(user);
      }
      if (!ok) {
        // Counted after the answer: the writes would otherwise make a known email measurably slower than an unknown
        // one. So the failure that reaches the limit still answers 401; from the next attempt on, 423.
        inBackground(countFailure(request, user, 'password'));
        throw new HttpError(401, INVALID_CREDENTIALS);
      }
      if (needsRehash(found.passwordHash, params)) {
        await meta.users.update(user.id, { passwordHash: await hashPassword(password, params) });
      }
      if (mfaEnabled(user)) {
        const { token, hash } = tokens.newToken(TOKEN_PREFIXES.mfaChallenge);
        await state.set(`mfa-challenge:${hash}`, String(user.id), MFA_CHALLENGE_TTL_MS);
        return { status: 'mfa_required', challenge: token };
      }
      return { status: 'ok', user: await succeed(request, user, 'password') };
    },

    async completeMfaLogin(request, challenge, code) {
      const expired = new HttpError(401, 'This sign-in has expired; enter your email and password again');
      const hash = tokenHash(challenge, TOKEN_PREFIXES.mfaChallenge);
      if (hash === undefined) throw expired;
      const key = `mfa-challenge:${hash}`;
      const userId = Number(await state.get(key));
      const found = Number.isInteger(userId) && userId > 0 ? await meta.users.findById(userId) : undefined;
      if (found === undefined || !mfaEnabled(found)) throw expired;
      const user = await clearExpiredLock(found);
      if (isLocked(user)) {
        await state.delete(key);
        throw lockedError(user);
      }
      const result = await mfa.verifySecondFactor(user, code);
      if (!result.ok) {
        const lock = await countFailure(request, user, result.reason === 'replayed' ? 'mfa_replayed' : 'mfa');
        if (lock !== undefined) {
          await state.delete(key);
          throw lock;
        }
        throw new HttpError(
          401,
          result.reason === 'replayed'
            ? 'This code was already used; wait for the next one'
            : 'The code is not correct; enter the current code from your authenticator app or a backup code',
        );
      }
      // The challenge is good for one sign-in: of two requests racing with different valid codes, one takes it.
      if ((await state.take(key)) === null) throw expired;
      const method = result.method === 'totp' ? 'password+totp' : 'password+backup_code';
      const signedIn = await succeed(request, user, method);
      if (result.method === 'backup_code') {
        await audit.record(request, {
          userId: user.id,
          action: 'mfa.backup_code_used',
          details: { remaining: result.backupCodesLeft },
        });
      }
      return signedIn;
    },

    async startSession(request, reply, user) {
      // A sign-in never keeps the session this browser had (session fixation, or a previous account's session).
      await sessions.revokeToken(readCookie(request.headers.cookie, SESSION_COOKIE));
      const { token } = await sessions.create(user, {
        userAgent: String(request.headers['user-agent'] ?? ''),
        country: deps.geo.countryFor(request.ip, request.headers),
      });
      reply.header(
        'set-cookie',
        serializeCookie(SESSION_COOKIE, token, {
          maxAgeSeconds: sessions.cookieMaxAgeSeconds,
          secure: deps.secureCookies,
        }),
      );
      if (readCookie(request.headers.cookie, MFA_COOKIE) !== undefined) {
        reply.header('set-cookie', clearCookie(MFA_COOKIE, { secure: deps.secureCookies }));
      }
    },

    async verifyEmail(request, token) {
      const hash = tokenHash(token, TOKEN_PREFIXES.emailVerification);
      if (hash === undefined) throw new HttpError(400, INVALID_LINK);
      const at = new Date(now());
      const verification = await meta.userTokens.consume(hash, 'verify_email', at);
      if (verification !== undefined) {
        const user = await meta.users.findById(verification.userId);
        if (user === undefined || (verification.newEmail !== null && verification.newEmail !== user.email)) {
          throw new HttpError(400, INVALID_LINK);
        }
        if (user.emailVerifiedAt !== null) return user;
        const verified = (await meta.users.update(user.id, { emailVerifiedAt: at })) ?? user;
        await audit.record(request, { userId: user.id, action: 'email.verified', details: { email: user.email } });
        return verified;
      }
      const change = await meta.userTokens.consume(hash, 'change_email', at);
      if (change === undefined || change.newEmail === null) throw new HttpError(400, INVALID_LINK);
      const user = await meta.users.findById(change.userId);
      if (user === undefined) throw new HttpError(400, INVALID_LINK);
      let changed: User | undefined;
      try {
        changed = await meta.users.update(user.id, { email: change.newEmail, emailVerifiedAt: at });
      } catch (error) {
        if (error instanceof DuplicateEmailError) {
          throw new HttpError(409, 'Another account has started using this address; choose another');
        }
        throw error;
      }
      if (changed === undefined) throw new HttpError(400, INVALID_LINK);
      // Links mailed to the old address must not outlive the change.
      await meta.userTokens.deleteForUser(user.id, 'reset_password');
      await meta.userTokens.deleteForUser(user.id, 'verify_email');
      await audit.record(request, {
        userId: user.id,
        action: 'email.changed',
        details: { from: user.email, to: changed.email },
      });
      mail(emailChangedMail({ to: user.email, name: user.name, newEmail: changed.email }));
      return changed;
    },

    requestPasswordReset(rawEmail) {
      const email = normalizeEmail(rawEmail);
      if (email === undefined) return;
      const work = async () => {
        const user = await meta.users.findByEmail(email);
        if (user === undefined || !(await mayMail('reset', user.id))) return;
        const token = await issueToken(
          user,
          'reset_password',
          PASSWORD_RESET_TTL_MS,
          TOKEN_PREFIXES.passwordReset,
          null,
        );
        mail(passwordResetMail({ to: user.email, name: user.name, link: link('/reset-password', token), minutes: 60 }));
      };
      work().catch((error: unknown) => logger.error({ err: error }, 'preparing a password reset mail failed'));
    },

    async resetPassword(request, token, password) {
      const hash = tokenHash(token, TOKEN_PREFIXES.passwordReset);
      if (hash === undefined) throw new HttpError(400, INVALID_LINK);
      // The checks that need no account run before the link is spent, so a too-short password costs nothing.
      checkNewPassword(password);
      const at = new Date(now());
      const reset = await meta.userTokens.consume(hash, 'reset_password', at);
      const user = reset === undefined ? undefined : await meta.users.findById(reset.userId);
      if (user === undefined) throw new HttpError(400, INVALID_LINK);
      const problem = checkPasswordPolicy(password, { email: user.email });
      if (problem !== undefined) throw new HttpError(400, `${problem} This link is now used; request a new one.`);
      const updated =
        (await meta.users.update(user.id, {
          passwordHash: await hashPassword(password, params),
          failedLogins: 0,
          lockedUntil: null,
          // Following a mailed link proves the address as well as a verification link does.
          ...(user.emailVerifiedAt === null ? { emailVerifiedAt: at } : {}),
        })) ?? user;
      await meta.userTokens.deleteForUser(user.id, 'reset_password');
      await audit.record(request, { userId: user.id, action: 'password.reset', details: {} });
      await endOtherSessions(request, user, undefined, 'password.reset');
      return updated;
    },

    async changePassword(request, principal, currentPassword, newPassword) {
      const { user, session } = principal;
      await confirmPassword(request, user, currentPassword);
      checkNewPassword(newPassword, user.email);
      await meta.users.update(user.id, { passwordHash: await hashPassword(newPassword, params) });
      await meta.userTokens.deleteForUser(user.id, 'reset_password');
      await audit.record(request, { userId: user.id, action: 'password.changed', details: {} });
      await endOtherSessions(request, user, session.id, 'password.changed');
      mail(passwordChangedMail({ to: user.email, name: user.name, forgotLink: `${config.publicUrl}/forgot-password` }));
    },

    async requestEmailChange(request, principal, password, rawEmail) {
      const { user } = principal;
      const email = parseEmail(rawEmail);
      if (email === user.email) throw new HttpError(400, 'This is already the address of your account');
      await confirmPassword(request, user, password);
      // The budget is spent before the address is looked up, so each lookup costs a mail whatever it finds.
      if (!(await mayMail('email-change', user.id))) {
        throw new HttpError(429, 'Too many confirmation mails were sent this hour; try again later', {
          'retry-after': '3600',
        });
      }
      // A taken address is answered like a free one (202): otherwise any account could test which addresses have
      // accounts. The address's owner is told instead; following an old link to a taken address still fails (409).
      if ((await meta.users.findByEmail(email)) !== undefined) {
        await audit.record(request, {
          userId: user.id,
          action: 'email.change_requested',
          details: { to: email, refused: 'address_in_use' },
        });
        mail(emailInUseMail({ to: email, forgotLink: forgotLink() }));
        return;
      }
      const token = await issueToken(user, 'change_email', EMAIL_TOKEN_TTL_MS, TOKEN_PREFIXES.emailVerification, email);
      await audit.record(request, { userId: user.id, action: 'email.change_requested', details: { to: email } });
      mail(confirmEmailChangeMail({ to: email, name: user.name, link: link('/verify-email', token), hours: 48 }));
    },

    async resendVerification(principal) {
      const { user } = principal;
      if (user.emailVerifiedAt !== null) throw new HttpError(409, 'Your email address is already confirmed');
      if (!(await mayMail('verify', user.id))) {
        throw new HttpError(429, 'Too many confirmation mails were sent this hour; try again later', {
          'retry-after': '3600',
        });
      }
      await sendVerification(user);
    },

    async rename(user, rawName) {
      const name = parseName(rawName, user.email);
      return (await meta.users.update(user.id, { name })) ?? user;
    },

    async enableMfa(request, principal, code) {
      const { user, session } = principal;
      const backupCodes = await mfa.confirm(user, code);
      await audit.record(request, { userId: user.id, action: 'mfa.enabled', details: {} });
      await endOtherSessions(request, user, session.id, 'mfa.enabled');
      mail(mfaChangedMail({ to: user.email, name: user.name, enabled: true, forgotLink: forgotLink() }));
      return backupCodes;
    },

    async disableMfa(request, principal, password, code) {
      const { user, session } = principal;
      if (!mfaEnabled(user)) throw new HttpError(409, 'Two-factor authentication is not on');
      if (user.passwordHash !== null) await confirmPassword(request, user, password);
      await confirmSecondFactor(request, user, code);
      await mfa.disable(user);
      await audit.record(request, { userId: user.id, action: 'mfa.disabled', details: {} });
      await endOtherSessions(request, user, session.id, 'mfa.disabled');
      mail(mfaChangedMail({ to: user.email, name: user.name, enabled: false, forgotLink: forgotLink() }));
    },

    async regenerateBackupCodes(request, principal, password, code) {
      const { user } = principal;
      if (!mfaEnabled(user)) throw new HttpError(409, 'Two-factor authentication is not on');
      if (user.passwordHash !== null) await confirmPassword(request, user, password);
      await confirmSecondFactor(request, user, code);
      const codes = await mfa.regenerateBackupCodes(user);
      await audit.record(request, { userId: user.id, action: 'mfa.backup_codes_regenerated', details: {} });
      return codes;
    },
  };
}
