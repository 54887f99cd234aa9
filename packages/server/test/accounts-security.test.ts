import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../src/auth/totp.js';
import { startTestApp, type TestApp } from './support/app.js';
import { TestBrowser } from './support/browser.js';
import { type MailCatcher, startMailCatcher, tokenFromMail } from './support/mail-catcher.js';
import { tempDataDir } from './support/server.js';

/**
 * The account layer as an attacker sees it, over real HTTP: spellings of routes, bodies sent before signing in,
 * planted cookies, requests from other sites, taken addresses, tokens in the wrong place or in the log.
 * Each test names what a user would suffer if it failed.
 */

// chDB allows one data directory per process: both instances below use it, one after the other.
const dataDir = tempDataDir('sightline-security-');
const BASE_URL = 'http://sightline.test';
const PASSWORD = 'correct horse battery staple';
const MAX_FAILURES = 3;
const EVIL = 'https://evil.example';
/** Every kind of bearer token Sightline mints, by its prefix and shape (tokens.ts). */
const ANY_TOKEN = /sl_(?:sess|live|reset|verify|invite|ingest|mfa|share|oidc)_[0-9A-Za-z]{40}/;

const metaUrl = () => `sqlite:${join(tempDataDir('sightline-security-meta-'), 'meta.db')}`;
const codeAt = (secret: string, ms: number) => totp(base32Decode(secret)!, ms);

describe('an instance behind a trusted proxy, under attack', () => {
  let app: TestApp;
  let mail: MailCatcher;
  let ipCounter = 0;
  /** Each browser gets its own client IP (X-Forwarded-For, trusted here), so budgets are spent only where meant. */
  const browser = (options: { userAgent?: string } = {}) =>
    new TestBrowser(app.url, { ip: `203.0.113.${++ipCounter}`, ...options });
  const mailTo = (address: string, subject: RegExp) =>
    mail.waitFor((m) => m.to.includes(address) && subject.test(m.subject));
  /** A raw request with exactly the headers given (no Origin unless named). */
  const raw = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    fetch(`${app.url}${path}`, {
      method: init.method ?? 'POST',
      headers: { 'x-forwarded-for': `203.0.113.${++ipCounter}`, ...init.headers },
      body: init.body,
    });

  async function register(email: string) {
    const visitor = browser();
    const created = await visitor.post('/api/auth/register', { email, password: PASSWORD });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return visitor;
  }

  /** A new account whose address is confirmed by following the mailed link. */
  async function registerVerified(email: string) {
    const visitor = await register(email);
    const token = tokenFromMail(await mailTo(email, /Confirm your email/), '/verify-email');
    expect((await visitor.post('/api/auth/verify-email', { token })).status).toBe(200);
    return visitor;
  }

  let owner: TestBrowser;
  const ownerEmail = 'owner@example.com';

  beforeAll(async () => {
    mail = await startMailCatcher();
    app = await startTestApp({
      DATA_DIR: dataDir,
      DATABASE_URL: metaUrl(),
      BASE_URL,
      TRUST_PROXY: 'true',
      REGISTRATION: 'open',
      SMTP_URL: mail.url,
      LOGIN_MAX_FAILURES: String(MAX_FAILURES),
      LOGIN_RATE_LIMIT_PER_IP: '25',
    });
    owner = browser();
    const setup = await owner.post('/api/auth/setup', { email: ownerEmail, password: PASSWORD, name: 'Olive' });
    expect(setup.status).toBe(201);
  });

  afterAll(async () => {
    await app?.close();
    await mail?.close();
  });

  it('spends the per-IP sign-in budget on every spelling of the sign-in route', async () => {
    // The router decodes percent-escapes, so these reach the sign-in handler; they must not be free guesses.
    const guesser = browser();
    const spellings = ['/api/%61uth/login', '/api/auth/log%69n', '/api/%61%75%74%68/login/mfa', '/api/auth/login'];
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await guesser.post(spellings[i % spellings.length]!, {})).status);
    expect(statuses.every((status) => status === 400 || status === 401)).toBe(true);
    const over = await guesser.post('/api/%61uth/login', { email: ownerEmail, password: PASSWORD });
    expect(over.status).toBe(429);
    expect((await guesser.post('/api/auth/login', { email: ownerEmail, password: PASSWORD })).status).toBe(429);
  });

  it('checks who is calling before reading the body, on account, key and site routes', async () => {
    const anonymous = browser();
    // An empty or broken body from someone not signed in gets "sign in", never a hint about the route's fields.
    for (const path of [
      '/api/account/password',
      '/api/account/email',
      '/api/account/mfa/enable',
      '/api/account/mfa/disable',
      '/api/account/api-keys',
    ]) {
      const empty = await anonymous.post(path, {});
      expect(empty.status, path).toBe(401);
      expect(empty.body, path).toEqual({ error: 'Sign in to continue' });
      const broken = await raw(path, { headers: { 'content-type': 'application/json' }, body: '{"oops' });
      expect(broken.status, path).toBe(401);
    }
    const patch = await anonymous.request('PATCH', '/api/account', { name: 42 });
    expect(patch.status).toBe(401);
    // A megabyte and more is refused as unauthenticated before it is read, not as too large.
    const huge = await raw('/api/account/password', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: 'x'.repeat(2_000_000), newPassword: 'y' }),
    });
    expect(huge.status).toBe(401);

    // Someone else's site: 404 whatever the body says, on the resource routes and the key and shield routes alike.
    const site = await owner.post('/api/sites', { domain: 'guarded.example' });
    expect(site.status).toBe(201);
    const stranger = await register('stranger@example.com');
    for (const path of ['goals', 'funnels', 'shares', 'invitations', 'ingest-keys', 'shields']) {
      const response = await stranger.request('POST', `/api/sites/${site.body.id}/${path}`, undefined, {
        'content-type': 'application/json',
      });
      expect(response.status, path).toBe(404);
      const broken = await raw(`/api/sites/${site.body.id}/${path}`, {
        headers: {
          'content-type': 'application/json',
          cookie: stranger.cookieHeader,
          origin: app.url,
        },
        body: '{"oops',
      });
      expect(broken.status, path).toBe(404);
    }
  });

  it('answers HEAD like GET and grants no credentialed cross-origin access through preflights', async () => {
    const site = await owner.post('/api/sites', { domain: 'head.example' });
    const stranger = await register('header@example.com');
    expect((await raw('/api/account', { method: 'HEAD' })).status).toBe(401);
    expect((await raw('/api/account/api-keys', { method: 'HEAD' })).status).toBe(401);
    expect((await raw('/api/account/sessions', { method: 'HEAD' })).status).toBe(401);
    expect((await stranger.request('HEAD', `/api/sites/${site.body.id}`)).status).toBe(404);
    expect((await stranger.request('HEAD', `/api/sites/${site.body.id}/ingest-keys`)).status).toBe(404);
    expect((await owner.request('HEAD', `/api/sites/${site.body.id}`)).status).toBe(200);

    const preflight = await raw('/api/account/password', {
      method: 'OPTIONS',
      headers: {
        origin: EVIL,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    expect(preflight.headers.get('access-control-allow-origin') ?? '*').toBe('*');
    expect(preflight.headers.get('access-control-allow-headers') ?? '').not.toMatch(/authorization/i);
  });

  it('gives the browser a new session token when the password or the second factor changes, and mails MFA changes', async () => {
    const email = 'rotate@example.com';
    const laptop = await registerVerified(email);
    const tokenBefore = laptop.cookies.get('sl_session')!;
    const stale = () => new TestBrowser(app.url, { ip: '203.0.113.250' });

    const changed = await laptop.post('/api/account/password', {
      currentPassword: PASSWORD,
      newPassword: 'another fresh secret 77',
    });
    expect(changed.status).toBe(204);
    const afterPassword = laptop.cookies.get('sl_session')!;
    expect(afterPassword).toMatch(/^sl_sess_/);
    expect(afterPassword).not.toBe(tokenBefore);
    expect((await laptop.get('/api/account')).status).toBe(200);
    const old = stale();
    old.cookies.set('sl_session', tokenBefore);
    expect((await old.get('/api/account')).status).toBe(401);

    const setup = await laptop.post('/api/account/mfa/setup');
    const secret = setup.body.secret as string;
    const enabled = await laptop.post('/api/account/mfa/enable', { code: codeAt(secret, Date.now()) });
    expect(enabled.status).toBe(200);
    const afterEnable = laptop.cookies.get('sl_session')!;
    expect(afterEnable).not.toBe(afterPassword);
    old.cookies.set('sl_session', afterPassword);
    expect((await old.get('/api/account')).status).toBe(401);
    expect((await laptop.get('/api/account')).body.mfaEnabled).toBe(true);
    await mailTo(email, /Two-factor authentication was turned on/);

    const disabled = await laptop.post('/api/account/mfa/disable', {
      password: 'another fresh secret 77',
      code: enabled.body.backupCodes[0],
    });
    expect(disabled.status).toBe(204);
    expect(laptop.cookies.get('sl_session')).not.toBe(afterEnable);
    old.cookies.set('sl_session', afterEnable);
    expect((await old.get('/api/account')).status).toBe(401);
    expect((await laptop.get('/api/account')).body.mfaEnabled).toBe(false);
    await mailTo(email, /Two-factor authentication was turned off/);
  });

  it('lets an account with an unconfirmed address set up nothing that would outlive its takeover by the real owner', async () => {
    // Someone registers an address that is not theirs (REGISTRATION=open) and tries to dig in.
    const email = 'squatted@example.com';
    const squatter = await register(email);
    const mfa = await squatter.post('/api/account/mfa/setup');
    expect(mfa.status).toBe(403);
    expect(mfa.body.error).toMatch(/^Confirm your email address before turning on two-factor authentication/);
    const key = await squatter.post('/api/account/api-keys', { name: 'stay', scopes: ['stats:read', 'sites:read'] });
    expect(key.status).toBe(403);
    expect(key.body.error).toMatch(/^Confirm your email address before creating API keys/);

    // The owner of the address takes it back with a reset link: the squatter is out, and holds nothing.
    await browser().post('/api/auth/forgot-password', { email });
    const token = tokenFromMail(await mailTo(email, /Reset your/), '/reset-password');
    const owned = await browser().post('/api/auth/reset-password', { token, password: 'mine again and for good' });
    expect(owned.status).toBe(200);
    expect((await squatter.get('/api/account')).status).toBe(401);
    const back = await browser().post('/api/auth/login', { email, password: 'mine again and for good' });
    expect(back.body).toMatchObject({ status: 'ok', user: { emailVerified: true, mfaEnabled: false } });
    const user = await app.server.stores.meta.users.findByEmail(email);
    expect(await app.server.stores.meta.apiKeys.listForUser(user!.id)).toEqual([]);
  });

  it('does not honour a session cookie planted next to the real one (cookie tossing)', async () => {
    const victim = await register('victim@example.com');
    const attacker = await register('planter@example.com');
    const real = victim.cookies.get('sl_session')!;
    const planted = attacker.cookies.get('sl_session')!;
    // A sibling subdomain can set a parent-domain cookie with a longer path, which browsers send first.
    for (const cookie of [`sl_session=${planted}; sl_session=${real}`, `sl_session=${real}; sl_session=${planted}`]) {
      const response = await raw('/api/account', { method: 'GET', headers: { cookie } });
      expect(response.status).toBe(401);
      const state = await (await raw('/api/auth/state', { method: 'GET', headers: { cookie } })).json();
      expect(state.user).toBeNull();
    }
    expect((await victim.get('/api/account')).body.email).toBe('victim@example.com');
  });

  it('refuses changes from other sites, sibling subdomains and unknown origins, and lets the dashboard through', async () => {
    const cookie = owner.cookieHeader;
    const json = { 'content-type': 'application/json' };
    const change = JSON.stringify({ name: 'Changed by someone else' });
    const refused = [
      { origin: EVIL, cookie, ...json },
      { 'sec-fetch-site': 'cross-site', cookie, ...json },
      // A sibling subdomain is same-site for cookies but another party.
      { 'sec-fetch-site': 'same-site', origin: 'https://blog.sightline.test', cookie, ...json },
      // A form post needs no preflight: text/plain is how a page elsewhere would send JSON.
      { 'content-type': 'text/plain', origin: EVIL, cookie },
      // Nothing says where it comes from: it cannot be told apart from a forgery.
      { cookie, ...json },
      { origin: 'null', cookie, ...json },
      // A Bearer header does not exempt a request that carries the session cookie along.
      { authorization: 'Bearer sl_live_not_a_real_key', origin: EVIL, cookie, ...json },
    ];
    for (const headers of refused) {
      const response = await raw('/api/account', { method: 'PATCH', headers, body: change });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.json()).toEqual({ error: 'Cross-site request refused' });
    }
    expect((await owner.get('/api/account')).body.name).toBe('Olive');

    // The dashboard itself passes.
    const sameOrigin = await raw('/api/account', {
      method: 'PATCH',
      headers: { 'sec-fetch-site': 'same-origin', cookie, ...json },
      body: JSON.stringify({ name: 'Olive' }),
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('lets no page elsewhere sign a visitor in to an account of its choosing (login CSRF) or mail on their behalf', async () => {
    const json = { 'content-type': 'application/json' };
    for (const headers of [
      { origin: EVIL, ...json },
      { 'sec-fetch-site': 'cross-site', ...json },
      { 'sec-fetch-site': 'same-site', ...json },
      { 'content-type': 'text/plain', origin: EVIL },
    ]) {
      const login = await raw('/api/auth/login', {
        headers,
        body: JSON.stringify({ email: ownerEmail, password: PASSWORD }),
      });
      expect(login.status, JSON.stringify(headers)).toBe(403);
      expect(login.headers.getSetCookie()).toEqual([]);
    }
    const forgot = await raw('/api/auth/forgot-password', {
      headers: { origin: EVIL, ...json },
      body: JSON.stringify({ email: ownerEmail }),
    });
    expect(forgot.status).toBe(403);

    // The sign-in page itself, and clients that are not browsers, pass.
    for (const headers of [{ 'sec-fetch-site': 'same-origin', ...json }, { origin: app.url, ...json }, json]) {
      const login = await raw('/api/auth/login', {
        headers,
        body: JSON.stringify({ email: ownerEmail, password: PASSWORD }),
      });
      expect(login.status, JSON.stringify(headers)).toBe(200);
    }
  });

  it("records the site owner's own visits: a tracker on a sibling subdomain sends the dashboard cookie along", async () => {
    const cookie = owner.cookieHeader;
    const site = await owner.post('/api/sites', { domain: 'beacon.sightline.test' });
    expect(site.status).toBe(201);
    const beacon = await raw('/api/event', {
      headers: {
        'content-type': 'text/plain',
        'sec-fetch-site': 'same-site',
        origin: 'https://beacon.sightline.test',
        cookie,
      },
      body: JSON.stringify({
        name: 'pageview',
        url: 'https://beacon.sightline.test/',
        domain: 'beacon.sightline.test',
      }),
    });
    expect(beacon.status).toBe(202);
  });

  it('answers an email change to a taken address like any other, and tells that address instead', async () => {
    const mover = await register('mover@example.com');
    await register('taken@example.com');
    const before = mail.messages.length;
    const taken = await mover.post('/api/account/email', { password: PASSWORD, email: 'Taken@Example.com' });
    const free = await mover.post('/api/account/email', { password: PASSWORD, email: 'free@example.com' });
    expect(taken.status).toBe(202);
    expect(free.status).toBe(202);
    expect(taken.body).toEqual(free.body);
    const notice = await mailTo('taken@example.com', /entered for another Sightline account/);
    expect(notice.text).not.toMatch(ANY_TOKEN);
    await mailTo('free@example.com', /Confirm your new email/);
    expect(
      mail.messages
        .slice(before)
        .filter((m) => m.to.includes('taken@example.com') && /new email address/.test(m.subject)),
    ).toEqual([]);
    expect((await mover.get('/api/account')).body.email).toBe('mover@example.com');
  });

  it('counts wrong second-factor codes toward the lockout, and spends an MFA challenge once', async () => {
    const email = 'second-factor@example.com';
    const own = await registerVerified(email);
    const secret = (await own.post('/api/account/mfa/setup')).body.secret as string;
    const enabled = await own.post('/api/account/mfa/enable', { code: codeAt(secret, Date.now()) });
    const backupCodes = enabled.body.backupCodes as string[];

    // A challenge is good for one sign-in: replaying its cookie after success gets nothing.
    const first = browser();
    expect((await first.post('/api/auth/login', { email, password: PASSWORD })).body.status).toBe('mfa_required');
    const challenge = first.cookies.get('sl_mfa')!;
    expect((await first.post('/api/auth/login/mfa', { code: backupCodes[0] })).status).toBe(200);
    const replay = new TestBrowser(app.url, { ip: '203.0.113.251' });
    replay.cookies.set('sl_mfa', challenge);
    const replayed = await replay.post('/api/auth/login/mfa', { code: backupCodes[1] });
    expect(replayed.status).toBe(401);
    expect(replay.cookies.has('sl_session')).toBe(false);

    // Someone with the password but not the phone runs into the lockout.
    const thief = browser();
    expect((await thief.post('/api/auth/login', { email, password: PASSWORD })).body.status).toBe('mfa_required');
    const statuses: number[] = [];
    for (let i = 0; i < MAX_FAILURES; i++) {
      statuses.push((await thief.post('/api/auth/login/mfa', { code: String(100000 + i) })).status);
    }
    expect(statuses).toEqual([...Array(MAX_FAILURES - 1).fill(401), 423]);
    // Locked now, for the right password and the right code alike.
    expect((await browser().post('/api/auth/login', { email, password: PASSWORD })).status).toBe(423);
    expect((await thief.post('/api/auth/login/mfa', { code: backupCodes[2] })).status).toBe(401);
    await mailTo(email, /locked/);
  });

  it('binds each mail token to its purpose: a confirmation link cannot reset a password, nor the reverse', async () => {
    const email = 'purpose@example.com';
    const own = await register(email);
    const verifyToken = tokenFromMail(await mailTo(email, /Confirm your email/), '/verify-email');
    await browser().post('/api/auth/forgot-password', { email: email.toUpperCase() });
    const resetToken = tokenFromMail(await mailTo(email, /Reset your/), '/reset-password');

    const hijack = await browser().post('/api/auth/reset-password', {
      token: verifyToken,
      password: 'taken over 12345',
    });
    expect(hijack.status).toBe(400);
    expect((await browser().post('/api/auth/verify-email', { token: resetToken })).status).toBe(400);
    const site = await owner.post('/api/sites', { domain: 'purpose.example' });
    await owner.post(`/api/sites/${site.body.id}/invitations`, { email: 'invitee@example.com', role: 'viewer' });
    const inviteToken = tokenFromMail(await mailTo('invitee@example.com', /Join/), '/invitations/accept');
    expect(
      (await browser().post('/api/auth/reset-password', { token: inviteToken, password: 'x y z 12345 6' })).status,
    ).toBe(400);
    // A session token is not a mail token either.
    expect(
      (
        await browser().post('/api/auth/reset-password', {
          token: own.cookies.get('sl_session'),
          password: 'q w e 12345',
        })
      ).status,
    ).toBe(400);

    // The failed attempts spent nothing: each link still does its own job, once.
    expect((await own.post('/api/auth/verify-email', { token: verifyToken })).body.user.emailVerified).toBe(true);
    expect(
      (await browser().post('/api/auth/reset-password', { token: resetToken, password: 'the real new one 42' })).status,
    ).toBe(200);
    expect((await browser().post('/api/auth/login', { email, password: 'the real new one 42' })).body.status).toBe(
      'ok',
    );
  });

  it('signs in whatever the case and spacing of the address, and refuses look-alike addresses', async () => {
    await register('case@example.com');
    for (const email of ['Case@Example.com', ' CASE@EXAMPLE.COM ', 'case@EXAMPLE.com.']) {
      expect((await browser().post('/api/auth/login', { email, password: PASSWORD })).status, email).toBe(200);
    }
    const duplicate = await browser().post('/api/auth/register', { email: 'CASE@example.com', password: PASSWORD });
    expect(duplicate.status).toBe(409);
    // A different address (fullwidth letters) is another account, never a way into this one.
    const lookAlike = await browser().post('/api/auth/login', { email: 'ｃase@example.com', password: PASSWORD });
    expect(lookAlike.status).toBe(401);
  });

  it('never lets a browser or proxy cache an answer that shows a key once', async () => {
    const keys = await owner.post('/api/account/api-keys', { name: 'cached', scopes: ['stats:read'] });
    expect(keys.status).toBe(201);
    expect(keys.headers.get('cache-control')).toBe('no-store');
    const site = await owner.post('/api/sites', { domain: 'cache.example' });
    const ingest = await owner.post(`/api/sites/${site.body.id}/ingest-keys`, { name: 'server' });
    expect(ingest.status).toBe(201);
    expect(ingest.headers.get('cache-control')).toBe('no-store');
    const regenerated = await owner.post(`/api/sites/${site.body.id}/ingest-keys/${ingest.body.key.id}/regenerate`);
    expect(regenerated.status).toBe(200);
    expect(regenerated.headers.get('cache-control')).toBe('no-store');
  });

  it('keeps every token out of the log and out of every URL it answers with', async () => {
    const keys = await owner.post('/api/account/api-keys', { name: 'ci', scopes: ['stats:read'] });
    expect(keys.status).toBe(201);
    const site = await owner.post('/api/sites', { domain: 'logs.example' });
    const ingest = await owner.post(`/api/sites/${site.body.id}/ingest-keys`, { name: 'server' });
    expect(ingest.status).toBe(201);
    const sent = await fetch(`${app.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ingest.body.token },
      body: JSON.stringify({ name: 'pageview', url: 'https://logs.example/' }),
    });
    expect(sent.status).toBe(202);
    const share = await owner.post(`/api/sites/${site.body.id}/shares`, {
      name: 'board',
      password: 'share password 1',
    });
    const unlocked = await browser().post(`/api/share/${share.body.slug}/unlock`, { password: 'share password 1' });
    expect(unlocked.status).toBe(204);
    expect(share.body.url).not.toMatch(ANY_TOKEN);
    // Errors on purpose, with tokens in headers and bodies: the failures are logged, the tokens must not be.
    await fetch(`${app.url}/api/sites`, { headers: { authorization: `Bearer ${keys.body.token}x` } });
    await raw('/api/auth/verify-email', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: keys.body.token }),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const logs = app.logs();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toMatch(ANY_TOKEN);
    for (const token of [keys.body.token, ingest.body.token, owner.cookies.get('sl_session')]) {
      expect(logs).not.toContain(token.slice(-32));
    }
    expect(logs).not.toContain(PASSWORD);
  });
});

describe('an instance reached directly (TRUST_PROXY off)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      DATA_DIR: dataDir,
      DATABASE_URL: metaUrl(),
      BASE_URL,
      TRUST_PROXY: 'false',
      LOGIN_RATE_LIMIT_PER_IP: '3',
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('counts sign-in attempts by the connection, whatever X-Forwarded-For claims', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const response = await fetch(`${app.url}/api/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': `198.51.100.${i}`,
          'x-real-ip': `198.51.100.${i}`,
          forwarded: `for=198.51.100.${i}`,
        },
        body: JSON.stringify({ email: `guess${i}@example.com`, password: PASSWORD }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});
