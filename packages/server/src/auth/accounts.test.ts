import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../domain/account.js';
import { HttpError } from '../http/errors.js';
import { createLogger } from '../logging.js';
import { createMetaStore } from '../storage/meta/index.js';
import type { MetaStore } from '../storage/meta/meta-store.js';
import { createMemoryStateStore } from '../storage/state/memory.js';
import { type AccountService, createAccountService, MFA_CHALLENGE_TTL_MS, PASSWORD_RESET_TTL_MS } from './accounts.js';
import { createAuditLog } from './audit.js';
import type { Mailer, MailMessage } from './mailer.js';
import { hashPassword } from './passwords.js';
import { createSecretBox, deriveSecretBoxKey } from './secret-box.js';
import { createSessionService } from './sessions.js';
import { createTokens, deriveTokenKey } from './tokens.js';
import { base32Decode, totp } from './totp.js';

const SECRET = 'accounts-test-secret-0123456789-abcdefghijklmnop';
const PASSWORD = 'correct horse battery staple';
/** Cheap argon2id parameters: these tests are about time limits, not hashing cost. */
const PARAMS = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const MAX_FAILURES = 3;
const LOCKOUT_MINUTES = 30;
const MINUTE = 60_000;

/**
 * The time limits of the account service, with a clock the test moves: reset links (one hour), the MFA step of a
 * sign-in (five minutes) and the lockout (LOGIN_LOCKOUT_MINUTES). Real metadata store, state store and tokens.
 */
describe('account time limits', () => {
  let meta: MetaStore;
  let accounts: AccountService;
  const clock = { now: Date.UTC(2025, 5, 1, 12, 0, 10) };
  const sent: MailMessage[] = [];
  // The framework's request object: the service reads only the client address and headers from it.
  const request = { ip: '192.0.2.10', headers: { 'user-agent': 'vitest' } } as unknown as FastifyRequest;

  beforeAll(async () => {
    meta = await createMetaStore({ dataDir: mkdtempSync(join(tmpdir(), 'sightline-accounts-unit-')) });
    await meta.migrate();
    const now = () => clock.now;
    const tokens = createTokens({ key: deriveTokenKey(SECRET) });
    const logger = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, done) => done() }) });
    const mailer: Mailer = {
      delivers: true,
      async send(message) {
        sent.push(message);
      },
      async close() {},
    };
    accounts = createAccountService({
      config: {
        publicUrl: 'http://sightline.test',
        registration: 'open',
        loginMaxFailures: MAX_FAILURES,
        loginLockoutMinutes: LOCKOUT_MINUTES,
        secretKey: SECRET,
        oidcIssuer: undefined,
      },
      logger,
      meta,
      state: createMemoryStateStore({ now }),
      tokens,
      secretBox: createSecretBox([deriveSecretBoxKey(SECRET)]),
      sessions: createSessionService({
        sessions: meta.loginSessions,
        users: meta.users,
        tokens,
        idleTimeoutMs: 14 * 86_400_000,
        maxAgeMs: 30 * 86_400_000,
        now,
      }),
      mailer,
      audit: createAuditLog({ audit: meta.audit, geo: { countryFor: () => '' }, onError: () => undefined }),
      geo: { countryFor: () => '' },
      now,
      secureCookies: false,
      passwordParams: PARAMS,
    });
  });

  afterAll(async () => {
    await meta?.close();
  });

  const newUser = async (email: string): Promise<User> =>
    meta.users.create({
      email,
      name: 'Tester',
      passwordHash: await hashPassword(PASSWORD, PARAMS),
      emailVerifiedAt: new Date(clock.now),
    });

  async function until<T>(read: () => Promise<T | undefined> | T | undefined): Promise<T> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const value = await read();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('timed out waiting');
  }

  async function resetToken(email: string): Promise<string> {
    const before = sent.length;
    accounts.requestPasswordReset(email);
    const message = await until(() => sent.slice(before).find((m) => m.to === email && /Reset/.test(m.subject)));
    return /token=([^\s&]+)/.exec(message.text)?.[1] ?? '';
  }

  const status = (promise: Promise<unknown>) =>
    promise.then(
      () => 200,
      (error: unknown) => (error instanceof HttpError ? error.statusCode : 500),
    );

  it('honours a reset link for one hour, and not a minute longer', async () => {
    const email = 'reset@example.com';
    await newUser(email);
    const late = await resetToken(email);
    clock.now += PASSWORD_RESET_TTL_MS + MINUTE;
    expect(await status(accounts.resetPassword(request, late, 'a new password that is long'))).toBe(400);

    const inTime = await resetToken(email);
    clock.now += PASSWORD_RESET_TTL_MS - MINUTE;
    expect(await status(accounts.resetPassword(request, inTime, 'a new password that is long'))).toBe(200);
  });

  it('lets the second step of a sign-in wait five minutes, not longer', async () => {
    const email = 'mfa@example.com';
    let user = await newUser(email);
    const { secret } = await accounts.mfa.beginSetup(user);
    const code = () => totp(base32Decode(secret)!, clock.now);
    user = (await meta.users.findById(user.id))!;
    await accounts.mfa.confirm(user, code());

    const stale = await accounts.login(request, email, PASSWORD);
    expect(stale.status).toBe('mfa_required');
    clock.now += MFA_CHALLENGE_TTL_MS + 1_000;
    const challenge = stale.status === 'mfa_required' ? stale.challenge : '';
    expect(await status(accounts.completeMfaLogin(request, challenge, code()))).toBe(401);

    const fresh = await accounts.login(request, email, PASSWORD);
    clock.now += MFA_CHALLENGE_TTL_MS - MINUTE;
    const freshChallenge = fresh.status === 'mfa_required' ? fresh.challenge : '';
    expect((await accounts.completeMfaLogin(request, freshChallenge, code())).id).toBe(user.id);
    // Single use: the same challenge with the next code gets nothing.
    clock.now += 30_000;
    expect(await status(accounts.completeMfaLogin(request, freshChallenge, code()))).toBe(401);
  });

  it('locks after the failures allowed and opens again when the lockout has run out', async () => {
    const email = 'lock@example.com';
    const user = await newUser(email);
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect(await status(accounts.login(request, email, `wrong guess ${i}`))).toBe(401);
      // Failures are counted just after the answer.
      await until(async () => ((await meta.users.findById(user.id))?.failedLogins === i + 1 ? true : undefined));
    }
    expect(await status(accounts.login(request, email, PASSWORD))).toBe(423);
    clock.now += LOCKOUT_MINUTES * MINUTE - MINUTE;
    expect(await status(accounts.login(request, email, PASSWORD))).toBe(423);
    clock.now += 2 * MINUTE;
    expect((await accounts.login(request, email, PASSWORD)).status).toBe('ok');
    expect((await meta.users.findById(user.id))?.failedLogins).toBe(0);
    expect(sent.some((m) => m.to === email && /locked/.test(m.subject))).toBe(true);
  });
});
