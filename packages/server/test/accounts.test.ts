import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../src/auth/totp.js';
import { startTestApp, type TestApp } from './support/app.js';
import { FIREFOX_WINDOWS_UA, TestBrowser } from './support/browser.js';
import { type MailCatcher, startMailCatcher, tokenFromMail } from './support/mail-catcher.js';
import { tempDataDir } from './support/server.js';
import { META_ENGINES } from './support/site-fixtures.js';

/**
 * The account flows end to end over HTTP, as the dashboard drives them, on both metadata engines: first-run setup,
 * sign-in with a second factor, sign-up with mail verification, reset, lockout, sessions, audit log, CSRF.
 * Mail goes through a real SMTP server in this process; tests read it and follow its links.
 */

// chDB allows one data directory per process: both engines share it; the metadata store differs.
// chDB allows one data directory per process: the apps of both metadata engines share it.
const dataDir = tempDataDir('sightline-accounts-');
const BASE_URL = 'http://sightline.test';
const MAX_FAILURES = 3;
const PASSWORD = 'correct horse battery staple';

const codeAt = (secret: string, ms: number) => totp(base32Decode(secret)!, ms);

describe.each(META_ENGINES)('accounts over HTTP on $name', (engine) => {
  let app: TestApp;
  let mail: MailCatcher;
  let drop: () => Promise<void>;
  let ipCounter = 0;
  /** Each browser gets its own client IP, so the per-IP sign-in budget is only spent where a test means it. */
  const browser = (options: { userAgent?: string; origin?: string } = {}) =>
    new TestBrowser(app.url, { ip: `198.51.100.${++ipCounter}`, ...options });
  const mailTo = (address: string, subject: RegExp) =>
    mail.waitFor((m) => m.to.includes(address) && subject.test(m.subject));

  async function signIn(email: string, password = PASSWORD, from = browser()) {
    const response = await from.post('/api/auth/login', { email, password });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return { browser: from, response };
  }

  beforeAll(async () => {
    mail = await startMailCatcher();
    const database = await engine.prepare();
    drop = database.drop;
    app = await startTestApp({
      DATA_DIR: dataDir,
      ...database.env,
      BASE_URL,
      TRUST_PROXY: 'true',
      REGISTRATION: 'open',
      SMTP_URL: mail.url,
      LOGIN_MAX_FAILURES: String(MAX_FAILURES),
      LOGIN_RATE_LIMIT_PER_IP: '25',
    });
  });

  afterAll(async () => {
    await app?.close();
    await mail?.close();
    await drop?.();
  });

  // Shared by the tests below, in order, as one instance's life.
  const owner = { email: 'owner@example.com', browser: undefined as unknown as TestBrowser };
  let backupCodes: string[] = [];
  let secret = '';

  it('asks for the first-run setup and lets exactly one of two racing visitors become the owner', async () => {
    const visitor = browser();
    const state = await visitor.get('/api/auth/state');
    expect(state.body).toEqual({
      setupRequired: true,
      registration: 'open',
      oidc: { enabled: false, name: 'OpenID Connect' },
      smtpConfigured: true,
      user: null,
    });
    expect((await visitor.post('/api/auth/register', { email: 'early@example.com', password: PASSWORD })).status).toBe(
      409,
    );

    const first = browser();
    const second = browser();
    const [one, two] = await Promise.all([
      first.post('/api/auth/setup', { email: 'owner@example.com', password: PASSWORD, name: 'Olive Owner' }),
      second.post('/api/auth/setup', { email: 'other-owner@example.com', password: PASSWORD, name: 'Olive Owner' }),
    ]);
    expect([one.status, two.status].sort()).toEqual([201, 409]);
    const a = one.status === 201 ? one : two;
    owner.browser = one.status === 201 ? first : second;
    owner.email = one.status === 201 ? 'owner@example.com' : 'other-owner@example.com';
    expect((one.status === 201 ? two : one).body.error).toMatch(/already|someone else/);
    expect(a.body.user).toMatchObject({
      email: owner.email,
      name: 'Olive Owner',
      isInstanceOwner: true,
      emailVerified: true,
      mfaEnabled: false,
      hasPassword: true,
    });
    const cookie = a.setCookies.find((c) => c.startsWith('sl_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Max-Age=2592000/); // SESSION_MAX_DAYS 30
    expect(cookie).not.toMatch(/Secure/); // http:// instance
    expect(JSON.stringify(a.body)).not.toContain(owner.browser.cookies.get('sl_session'));

    const after = await owner.browser.get('/api/auth/state');
    expect(after.body.setupRequired).toBe(false);
    expect(after.body.user.email).toBe(owner.email);
    expect((await browser().post('/api/auth/setup', { email: 'late@example.com', password: PASSWORD })).status).toBe(
      409,
    );
  });

  it('answers a wrong password and an unknown email alike, at the same cost', async () => {
    const wrongPassword = await browser().post('/api/auth/login', { email: owner.email, password: 'not the password' });
    const unknown = await browser().post('/api/auth/login', { email: 'nobody@example.com', password: PASSWORD });
    const malformed = await browser().post('/api/auth/login', { email: 'not an email', password: PASSWORD });
    for (const response of [wrongPassword, unknown, malformed]) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: 'Email or password is incorrect' });
    }
    // Without a dummy hash an unknown email would answer in ~1 ms against tens of ms for a real argon2 check. Measured
    // as this process's CPU time (the server runs in it; argon2's threads included), not wall time, which other
    // work on a shared machine stretches at random; known and unknown interleaved so both see the same conditions.
    // An account of its own: five wrong passwords lock it, and a locked account must cost the same too.
    expect(
      (await browser().post('/api/auth/register', { email: 'timing@example.com', password: PASSWORD })).status,
    ).toBe(201);
    const cpuMicros = async (email: string) => {
      const before = process.cpuUsage();
      await browser().post('/api/auth/login', { email, password: 'wrong wrong wrong' });
      const used = process.cpuUsage(before);
      return used.user + used.system;
    };
    let known = 0;
    let unknownCost = 0;
    for (let i = 0; i < 6; i++) {
      known += await cpuMicros('timing@example.com');
      unknownCost += await cpuMicros('nobody-at-all@example.com');
    }
    expect(unknownCost / known).toBeGreaterThan(0.5);
    expect(unknownCost / known).toBeLessThan(2);
    // The owner's count went up by one (the wrong password above); a good sign-in resets it.
    await signIn(owner.email);
  });

  it('turns on TOTP, signs out other sessions, and asks for a code at the next sign-in', async () => {
    const other = (await signIn(owner.email)).browser;
    expect((await other.get('/api/account')).status).toBe(200);

    const setup = await owner.browser.post('/api/account/mfa/setup');
    expect(setup.status).toBe(200);
    expect(setup.headers.get('cache-control')).toBe('no-store');
    secret = setup.body.secret;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.body.otpauthUri).toMatch(
      new RegExp(`^otpauth://totp/Sightline%20\\(sightline\\.test\\):${encodeURIComponent(owner.email)}\\?`),
    );
    expect(setup.body.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(setup.body.qrSvg).not.toMatch(/<script/i);

    // A code five steps ahead is outside the accepted window of one step either side.
    const wrong = await owner.browser.post('/api/account/mfa/enable', { code: codeAt(secret, Date.now() + 150_000) });
    expect(wrong.status).toBe(400);
    const enabled = await owner.browser.post('/api/account/mfa/enable', { code: codeAt(secret, Date.now()) });
    expect(enabled.status).toBe(200);
    backupCodes = enabled.body.backupCodes;
    expect(backupCodes).toHaveLength(10);
    expect(new Set(backupCodes).size).toBe(10);

    expect((await owner.browser.get('/api/account')).body.mfaEnabled).toBe(true);
    expect((await other.get('/api/account')).status).toBe(401);

    const out = await owner.browser.post('/api/auth/logout');
    expect(out.status).toBe(204);
    expect(out.setCookies.some((c) => /^sl_session=;.*Max-Age=0/.test(c))).toBe(true);
    expect((await owner.browser.get('/api/account')).status).toBe(401);

    const login = await owner.browser.post('/api/auth/login', { email: owner.email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ status: 'mfa_required' });
    expect(owner.browser.cookies.has('sl_session')).toBe(false);
    const challengeCookie = login.setCookies.find((c) => c.startsWith('sl_mfa='));
    expect(challengeCookie).toMatch(/HttpOnly/);
    expect(challengeCookie).toMatch(/Max-Age=300/);
    expect((await owner.browser.get('/api/account')).status).toBe(401);

    // The code used to turn MFA on is spent; the next step's code works once.
    const nextCode = codeAt(secret, Date.now() + 30_000);
    const replayOfSetupCode = await owner.browser.post('/api/auth/login/mfa', {
      code: codeAt(secret, Date.now() - 30_000),
    });
    expect(replayOfSetupCode.status).toBe(401);
    const ok = await owner.browser.post('/api/auth/login/mfa', { code: nextCode });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.user.email).toBe(owner.email);
    expect(owner.browser.cookies.has('sl_mfa')).toBe(false);
    expect((await owner.browser.get('/api/account')).status).toBe(200);

    // Someone who saw that code cannot use it again, even with the password.
    const thief = browser();
    expect((await thief.post('/api/auth/login', { email: owner.email, password: PASSWORD })).body.status).toBe(
      'mfa_required',
    );
    const replay = await thief.post('/api/auth/login/mfa', { code: nextCode });
    expect(replay.status).toBe(401);
    expect(replay.body.error).toMatch(/already used/);
    expect((await thief.get('/api/account')).status).toBe(401);
  });

  it('accepts each backup code once, and a code without a password step not at all', async () => {
    const code = backupCodes[0]!;
    const noChallenge = await browser().post('/api/auth/login/mfa', { code });
    expect(noChallenge.status).toBe(401);

    const phone = browser({ userAgent: FIREFOX_WINDOWS_UA });
    await phone.post('/api/auth/login', { email: owner.email, password: PASSWORD });
    const used = await phone.post('/api/auth/login/mfa', { code: code.toUpperCase() });
    expect(used.status).toBe(200);

    const again = browser();
    await again.post('/api/auth/login', { email: owner.email, password: PASSWORD });
    expect((await again.post('/api/auth/login/mfa', { code })).status).toBe(401);
    // The challenge survives a wrong code (within the lockout budget): the right one still works.
    expect((await again.post('/api/auth/login/mfa', { code: backupCodes[1]! })).status).toBe(200);
  });

  it('replaces backup codes and turns MFA off only with the password and a code', async () => {
    const noPassword = await owner.browser.post('/api/account/mfa/backup-codes', {
      password: 'wrong password!',
      code: backupCodes[2]!,
    });
    expect(noPassword.status).toBe(400);
    const fresh = await owner.browser.post('/api/account/mfa/backup-codes', {
      password: PASSWORD,
      code: backupCodes[2]!,
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body.backupCodes).toHaveLength(10);
    // The old set is void.
    const oldCode = await owner.browser.post('/api/account/mfa/disable', { password: PASSWORD, code: backupCodes[3]! });
    expect(oldCode.status).toBe(400);
    backupCodes = fresh.body.backupCodes;

    const other = (await signIn(owner.email)).browser;
    await other.post('/api/auth/login/mfa', { code: backupCodes[0]! });
    expect((await other.get('/api/account')).status).toBe(200);

    const off = await owner.browser.post('/api/account/mfa/disable', { password: PASSWORD, code: backupCodes[1]! });
    expect(off.status).toBe(204);
    expect((await owner.browser.get('/api/account')).body.mfaEnabled).toBe(false);
    expect((await other.get('/api/account')).status).toBe(401);
    const direct = await browser().post('/api/auth/login', { email: owner.email, password: PASSWORD });
    expect(direct.body.status).toBe('ok');
  });

  it('signs up, mails a verification link, and confirms the address when it is followed', async () => {
    const visitor = browser();
    const weak = await visitor.post('/api/auth/register', { email: 'reader@example.com', password: 'password123' });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toMatch(/too common/);
    const short = await visitor.post('/api/auth/register', { email: 'reader@example.com', password: 'short' });
    expect(short.body.error).toMatch(/at least 8/);
    const badEmail = await visitor.post('/api/auth/register', { email: 'reader@', password: PASSWORD });
    expect(badEmail.status).toBe(400);

    const created = await visitor.post('/api/auth/register', {
      email: '  Reader@Example.COM ',
      password: PASSWORD,
      name: 'Rita <b>Reader</b>',
    });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({
      email: 'reader@example.com',
      emailVerified: false,
      isInstanceOwner: false,
    });
    expect((await visitor.get('/api/account')).status).toBe(200);
    const duplicate = await browser().post('/api/auth/register', { email: 'reader@example.com', password: PASSWORD });
    expect(duplicate.status).toBe(409);

    const message = await mailTo('reader@example.com', /Confirm your email/);
    expect(message.text).toContain(`${BASE_URL}/verify-email?token=sl_verify_`);
    expect(message.html).toContain('Rita &lt;b&gt;Reader&lt;/b&gt;');
    expect(message.html).not.toContain('<b>Reader');
    const token = tokenFromMail(message, '/verify-email');

    const verified = await visitor.post('/api/auth/verify-email', { token });
    expect(verified.status).toBe(200);
    expect(verified.body.user).toMatchObject({ email: 'reader@example.com', emailVerified: true });
    const twice = await visitor.post('/api/auth/verify-email', { token });
    expect(twice.status).toBe(400);
    expect((await browser().post('/api/auth/verify-email', { token: 'sl_verify_forged' })).status).toBe(400);
  });

  it('resets a forgotten password by mail: the newest link works once, old sessions end', async () => {
    const email = 'forgetful@example.com';
    const laptop = browser();
    expect((await laptop.post('/api/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const phone = (await signIn(email)).browser;

    const unknown = await browser().post('/api/auth/forgot-password', { email: 'ghost@example.com' });
    expect(unknown.status).toBe(202);
    const first = await browser().post('/api/auth/forgot-password', { email });
    expect(first.status).toBe(202);
    expect(first.body).toEqual(unknown.body);
    const firstMail = await mailTo(email, /Reset your/);
    const firstToken = tokenFromMail(firstMail, '/reset-password');
    await browser().post('/api/auth/forgot-password', { email: email.toUpperCase() });
    const secondMail = await mail.waitFor(
      (m) => m.to.includes(email) && /Reset your/.test(m.subject) && tokenFromMail(m) !== firstToken,
    );
    const secondToken = tokenFromMail(secondMail, '/reset-password');

    const newPassword = 'a whole new password 42';
    const voided = await browser().post('/api/auth/reset-password', { token: firstToken, password: newPassword });
    expect(voided.status).toBe(400);
    const weak = await browser().post('/api/auth/reset-password', { token: secondToken, password: 'qwerty' });
    expect(weak.status).toBe(400);
    const reset = await browser().post('/api/auth/reset-password', { token: secondToken, password: newPassword });
    expect(reset.status).toBe(200);
    expect(
      (await browser().post('/api/auth/reset-password', { token: secondToken, password: newPassword })).status,
    ).toBe(400);

    expect((await laptop.get('/api/account')).status).toBe(401);
    expect((await phone.get('/api/account')).status).toBe(401);
    expect((await browser().post('/api/auth/login', { email, password: PASSWORD })).status).toBe(401);
    expect((await browser().post('/api/auth/login', { email, password: newPassword })).body.status).toBe('ok');
    expect(mail.messages.some((m) => m.to.includes('ghost@example.com'))).toBe(false);
  });

  it('locks an account after repeated failures, tells its owner, and unlocks it with a reset', async () => {
    const email = 'target@example.com';
    const own = browser();
    expect((await own.post('/api/auth/register', { email, password: PASSWORD })).status).toBe(201);

    const attacker = browser();
    for (let i = 1; i <= MAX_FAILURES; i++) {
      expect((await attacker.post('/api/auth/login', { email, password: `guess number ${i}` })).status).toBe(401);
    }
    // Failures are counted just after the answer (so timing does not tell known emails): the lock lands at once.
    let locking = await attacker.post('/api/auth/login', { email, password: 'one guess too many' });
    for (let wait = 0; locking.status === 401 && wait < 20; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      locking = await attacker.post('/api/auth/login', { email, password: 'one guess too many' });
    }
    expect(locking.status).toBe(423);
    expect(locking.body.error).toMatch(
      /^This account is locked after too many failed sign-ins; try again after \d{4}-\d\d-\d\dT[\d:.]+Z or reset the password$/,
    );
    expect(Number(locking.headers.get('retry-after'))).toBeGreaterThan(29 * 60);
    const rightPassword = await browser().post('/api/auth/login', { email, password: PASSWORD });
    expect(rightPassword.status).toBe(423);

    const notice = await mailTo(email, /locked/);
    expect(notice.text).toContain(`${MAX_FAILURES} failed sign-in attempts`);
    expect(notice.text).toContain(attacker.options.ip!);
    expect(notice.text).toContain(`${BASE_URL}/forgot-password`);

    // The session that existed keeps working and can see what happened.
    const audit = await own.get('/api/account/audit');
    const actions = audit.body.entries.map((entry: { action: string }) => entry.action);
    expect(actions.filter((action: string) => action === 'login.failed').length).toBeGreaterThanOrEqual(MAX_FAILURES);
    expect(actions).toContain('login.locked');
    const failed = audit.body.entries.find(
      (entry: { action: string; details: { reason?: string } }) =>
        entry.action === 'login.failed' && entry.details.reason === 'password',
    );
    expect(failed).toMatchObject({ ip: attacker.options.ip, browser: 'Chrome', os: 'macOS' });

    await browser().post('/api/auth/forgot-password', { email });
    const token = tokenFromMail(await mailTo(email, /Reset your/), '/reset-password');
    const newPassword = 'unlocked again and safe';
    expect((await browser().post('/api/auth/reset-password', { token, password: newPassword })).status).toBe(200);
    expect((await browser().post('/api/auth/login', { email, password: newPassword })).body.status).toBe('ok');
  });

  it('throttles sign-in attempts per client IP with 429 and Retry-After', async () => {
    const noisy = browser();
    const statuses: number[] = [];
    for (let i = 0; i < 26; i++) statuses.push((await noisy.post('/api/auth/login', {})).status);
    expect(statuses.slice(0, 25).every((status) => status === 400)).toBe(true);
    expect(statuses[25]).toBe(429);
    const refused = await noisy.post('/api/auth/login', { email: owner.email, password: PASSWORD });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another client is unaffected.
    expect((await browser().post('/api/auth/login', { email: owner.email, password: PASSWORD })).status).toBe(200);
  });

  it('refuses cookie-authenticated changes from another site', async () => {
    const cross = await owner.browser.post(
      '/api/account/password',
      { currentPassword: PASSWORD, newPassword: 'changed by an attacker' },
      { origin: 'https://evil.example' },
    );
    expect(cross.status).toBe(403);
    expect(cross.body).toEqual({ error: 'Cross-site request refused' });
    const fetchMetadata = await owner.browser.post('/api/account/mfa/setup', {}, { 'sec-fetch-site': 'cross-site' });
    expect(fetchMetadata.status).toBe(403);
    const noOrigin = await owner.browser.request('PATCH', '/api/account', { name: 'x' }, { origin: '' });
    expect(noOrigin.status).toBe(403);
    expect((await owner.browser.get('/api/account')).body.name).toBe('Olive Owner');
  });

  it('lists sessions with browser, OS and device, and revokes one', async () => {
    const firefox = (await signIn(owner.email, PASSWORD, browser({ userAgent: FIREFOX_WINDOWS_UA }))).browser;
    const listed = await owner.browser.get('/api/account/sessions');
    expect(listed.status).toBe(200);
    const sessions = listed.body.sessions as Array<Record<string, unknown>>;
    const current = sessions.filter((session) => session.current);
    expect(current).toHaveLength(1);
    expect(current[0]).toMatchObject({ browser: 'Chrome', os: 'macOS', device: 'desktop' });
    const other = sessions.find((session) => session.browser === 'Firefox' && session.os === 'Windows');
    expect(other).toBeDefined();
    expect(String(other?.id)).not.toMatch(/^sl_/);
    for (const session of sessions) {
      expect(Object.keys(session).sort()).toEqual(
        ['browser', 'country', 'createdAt', 'current', 'device', 'id', 'lastSeenAt', 'os'].sort(),
      );
    }

    // Another account cannot end it, nor learn that it exists.
    const stranger = (await signIn('reader@example.com')).browser;
    expect((await stranger.request('DELETE', `/api/account/sessions/${other?.id}`)).status).toBe(404);
    expect((await firefox.get('/api/account')).status).toBe(200);

    expect((await owner.browser.request('DELETE', `/api/account/sessions/${other?.id}`)).status).toBe(204);
    expect((await firefox.get('/api/account')).status).toBe(401);
    expect((await owner.browser.request('DELETE', `/api/account/sessions/${other?.id}`)).status).toBe(404);
  });

  it('changes the password (other sessions end) and the email address (after the new address confirms)', async () => {
    const other = (await signIn(owner.email)).browser;
    const wrong = await owner.browser.post('/api/account/password', {
      currentPassword: 'not my password',
      newPassword: 'my brand new password',
    });
    expect(wrong.status).toBe(400);
    const changed = await owner.browser.post('/api/account/password', {
      currentPassword: PASSWORD,
      newPassword: 'my brand new password',
    });
    expect(changed.status).toBe(204);
    expect((await owner.browser.get('/api/account')).status).toBe(200);
    expect((await other.get('/api/account')).status).toBe(401);
    await mailTo(owner.email, /password was changed/);

    const taken = await owner.browser.post('/api/account/email', {
      password: 'my brand new password',
      email: 'reader@example.com',
    });
    // Answered like a free address (no way to test which addresses have accounts); that address is told instead.
    expect(taken.status).toBe(202);
    await mailTo('reader@example.com', /entered for another Sightline account/);
    expect((await owner.browser.get('/api/account')).body.email).toBe(owner.email);
    const request = await owner.browser.post('/api/account/email', {
      password: 'my brand new password',
      email: 'olive@example.org',
    });
    expect(request.status).toBe(202);
    expect((await owner.browser.get('/api/account')).body.email).toBe(owner.email);
    const confirm = await mailTo('olive@example.org', /new email address/);
    const confirmed = await owner.browser.post('/api/auth/verify-email', { token: tokenFromMail(confirm) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.user).toMatchObject({ email: 'olive@example.org', emailVerified: true });
    await mailTo(owner.email, /email address was changed/);
    expect(
      (await browser().post('/api/auth/login', { email: owner.email, password: 'my brand new password' })).status,
    ).toBe(401);
    await signIn('olive@example.org', 'my brand new password');
    owner.email = 'olive@example.org';

    const renamed = await owner.browser.request('PATCH', '/api/account', { name: '  Olive O. ' });
    expect(renamed.body.name).toBe('Olive O.');
  });

  it('keeps an audit log of the account, newest first, and pages through it', async () => {
    const page = await owner.browser.get('/api/account/audit');
    expect(page.status).toBe(200);
    type Entry = { action: string; createdAt: string; details: object; ip: string };
    const entries = page.body.entries as Entry[];
    expect(entries.length).toBeLessThanOrEqual(50);
    const all = [...entries];
    for (let before = entries.at(-1)?.createdAt; before !== undefined; ) {
      const next = await owner.browser.get(`/api/account/audit?before=${encodeURIComponent(before)}`);
      expect(next.status).toBe(200);
      for (const entry of next.body.entries as Entry[])
        expect(Date.parse(entry.createdAt)).toBeLessThan(Date.parse(before));
      all.push(...next.body.entries);
      before = (next.body.entries as Entry[]).at(-1)?.createdAt;
    }
    const actions = all.map((entry) => entry.action);
    for (const action of [
      'account.created',
      'login.succeeded',
      'login.failed',
      'logout',
      'mfa.enabled',
      'mfa.disabled',
      'mfa.backup_codes_regenerated',
      'session.revoked',
      'password.changed',
      'email.changed',
    ]) {
      expect(actions, action).toContain(action);
    }
    const times = all.map((entry) => Date.parse(entry.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect((await owner.browser.get('/api/account/audit?before=yesterday')).status).toBe(400);
    // Other accounts' events are not in it.
    expect(JSON.stringify(all)).not.toContain('target@example.com');
  });

  it('does not accept sessions from API keys or anonymous callers on account routes', async () => {
    expect((await browser().get('/api/account')).status).toBe(401);
    const withKey = await owner.browser.get('/api/account', { authorization: 'Bearer sl_live_not_a_real_key' });
    expect(withKey.status).toBe(401);
    expect((await browser().get('/api/account/sessions')).status).toBe(401);
    expect((await browser().get('/api/account/audit')).status).toBe(401);
  });
});
