import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpContext } from '../src/auth/mfa.js';
import { hashPassword } from '../src/auth/passwords.js';
import { createSecretBox, deriveSecretBoxKey } from '../src/auth/secret-box.js';
import { base32Decode, generateTotpSecret, totp } from '../src/auth/totp.js';
import type { User } from '../src/domain/account.js';
import { freshPostgresDatabase } from '../src/test-support/postgres.js';
import { startTestApp, type TestApp } from './support/app.js';
import {
  locationOf,
  signInAtProvider,
  startTestProvider,
  TestBrowser,
  type TestProvider,
} from './support/oidc-provider.js';
import { freePort, tempDataDir } from './support/server.js';

/**
 * Sign-in with OpenID Connect, end to end over HTTP: a real provider (npm `oidc-provider`) in this process, a real
 * Sightline, and a browser that follows every redirect by hand, keeps cookies per host and fills in the provider's
 * login and consent forms.
 *
 * chDB allows one data directory per process, so the apps of this file run one after another on one DATA_DIR, each
 * with its own metadata database, and all on one port (the redirect URI the provider knows).
 */

const CLIENT_ID = 'sightline';
const CLIENT_SECRET = 'e2e-client-secret-0123456789abcdefghij';
const DATA_DIR = tempDataDir('sightline-oidc-');
let port: number;
let baseUrl: string;
let databaseCount = 0;

beforeAll(async () => {
  port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
});

function redirectUri() {
  return `${baseUrl}/api/auth/oidc/callback`;
}

async function startApp(env: Record<string, string>): Promise<TestApp> {
  databaseCount++;
  return startTestApp({
    DATA_DIR,
    PORT: String(port),
    BASE_URL: baseUrl,
    DATABASE_URL: `sqlite:${join(DATA_DIR, `meta-${databaseCount}.db`)}`,
    LOGIN_RATE_LIMIT_PER_IP: '1000',
    ...env,
  });
}

function oidcEnv(provider: TestProvider, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
    OIDC_NAME: 'Test ID',
    ...extra,
  };
}

/** Start → provider login and consent → back to the callback. Returns the callback's answer. */
async function signIn(app: TestApp, browser: TestBrowser, login: string): Promise<Response> {
  const start = await browser.request(`${app.url}/api/auth/oidc/start`);
  expect(start.status).toBe(302);
  const callback = await signInAtProvider(browser, locationOf(start, app.url), login);
  expect(callback.startsWith(`${redirectUri()}?`)).toBe(true);
  return browser.request(callback);
}

/** The error message a refused sign-in shows on the login page. */
function loginError(response: Response): string {
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '', baseUrl);
  expect(location.pathname).toBe('/login');
  return location.searchParams.get('error') ?? '';
}

/** Who the browser is signed in as, according to the API the dashboard uses. */
async function signedInAs(app: TestApp, browser: TestBrowser): Promise<{ id: number; email: string } | null> {
  const response = await browser.request(`${app.url}/api/auth/state`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { user: { id: number; email: string } | null };
  return body.user;
}

async function createUser(
  app: TestApp,
  email: string,
  options: { verified?: boolean; name?: string } = {},
): Promise<User> {
  return app.server.stores.meta.users.create({
    email,
    name: options.name ?? email.split('@')[0] ?? 'user',
    passwordHash: await hashPassword('Sightline test password 1'),
    emailVerifiedAt: options.verified === false ? null : new Date(),
  });
}

async function auditActions(app: TestApp, userId: number) {
  const entries = await app.server.stores.meta.audit.listForUser(userId);
  return entries.map((entry) => ({ action: entry.action, details: entry.details }));
}

describe('OpenID Connect sign-in with open registration (SQLite)', () => {
  let provider: TestProvider;
  let app: TestApp;

  beforeAll(async () => {
    provider = await startTestProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: redirectUri(),
    });
    app = await startApp({ ...oidcEnv(provider), REGISTRATION: 'open' });
  });

  afterAll(async () => {
    await app?.close();
    await provider?.close();
  });

  it('sends the browser to the provider with a short-lived, path-scoped flow cookie', async () => {
    const browser = new TestBrowser();
    const start = await browser.request(`${app.url}/api/auth/oidc/start`);
    expect(start.status).toBe(302);
    expect(start.headers.get('cache-control')).toBe('no-store');
    const target = new URL(locationOf(start, app.url));
    expect(target.origin).toBe(provider.issuer);
    expect(target.searchParams.get('redirect_uri')).toBe(redirectUri());
    expect(target.searchParams.get('code_challenge_method')).toBe('S256');
    expect(target.searchParams.get('scope')).toBe('openid email profile');
    const cookie = start.headers.getSetCookie().find((line) => line.startsWith('sl_oidc='));
    expect(cookie).toMatch(
      /^sl_oidc=sl_oidc_[0-9A-Za-z]{40}; Path=\/api\/auth\/oidc; HttpOnly; SameSite=Lax; Max-Age=600$/,
    );
    // Only a random id travels in the cookie; state, nonce and verifier stay on the server.
    expect(cookie).not.toContain(target.searchParams.get('state') ?? 'missing');
  });

  it('asks for the first-run setup before anyone can sign in', async () => {
    provider.setAccount('early', { email: 'early@example.com', emailVerified: true, name: 'Early Bird' });
    const response = await signIn(app, new TestBrowser(), 'early');
    expect(loginError(response)).toMatch(/no account yet.*setup page/);
    expect(await app.server.stores.meta.users.count()).toBe(0);
  });

  it('creates an account for a new person with a verified email, signs them in, and reuses it next time', async () => {
    await createUser(app, 'owner@example.com', { name: 'Owner' });
    provider.setAccount('new-sub', { email: 'New.Person@Example.com', emailVerified: true, name: 'New Person' });
    const browser = new TestBrowser();
    const response = await signIn(app, browser, 'new-sub');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/');
    const cookies = response.headers.getSetCookie();
    expect(
      cookies.some((line) => /^sl_session=sl_sess_\w+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/.test(line)),
    ).toBe(true);
    expect(cookies).toContain('sl_oidc=; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0');

    const me = await signedInAs(app, browser);
    expect(me?.email).toBe('new.person@example.com');
    const user = await app.server.stores.meta.users.findByEmail('new.person@example.com');
    expect(user).toMatchObject({ name: 'New Person', passwordHash: null, isInstanceOwner: false });
    expect(user?.emailVerifiedAt).toBeInstanceOf(Date);
    expect(await app.server.stores.meta.oidcIdentities.findUserId(provider.issuer, 'new-sub')).toBe(user?.id);
    const audit = await auditActions(app, user?.id ?? 0);
    expect(audit).toContainEqual({ action: 'login.succeeded', details: { method: 'oidc' } });
    expect(audit.map((entry) => entry.action)).toContain('account.created');

    // Another browser, same person: the same account, no second one.
    const again = new TestBrowser();
    expect((await signIn(app, again, 'new-sub')).headers.get('location')).toBe('/');
    expect((await signedInAs(app, again))?.id).toBe(user?.id);
    expect(await app.server.stores.meta.users.count()).toBe(2);
  });

  it('links an existing account by an email the provider has verified', async () => {
    const linda = await createUser(app, 'linda@example.com');
    provider.setAccount('linda-sub', { email: 'LINDA@example.com', emailVerified: true, name: 'Someone Else' });
    const browser = new TestBrowser();
    expect((await signIn(app, browser, 'linda-sub')).headers.get('location')).toBe('/');
    expect((await signedInAs(app, browser))?.id).toBe(linda.id);
    expect(await app.server.stores.meta.oidcIdentities.findUserId(provider.issuer, 'linda-sub')).toBe(linda.id);
    // The account keeps its own name and password.
    expect(await app.server.stores.meta.users.findById(linda.id)).toMatchObject({
      name: 'linda',
      passwordHash: linda.passwordHash,
    });
    expect((await auditActions(app, linda.id)).map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['oidc.linked', 'login.succeeded']),
    );
  });

  it('never links on an email the provider has not verified', async () => {
    const victim = await createUser(app, 'victim@example.com');
    provider.setAccount('mallory', { email: 'victim@example.com', emailVerified: false });
    const browser = new TestBrowser();
    const response = await signIn(app, browser, 'mallory');
    expect(loginError(response)).toBe(
      'Test ID has not verified this email address; verify it there, or sign in with your password',
    );
    expect(response.headers.getSetCookie().some((line) => line.startsWith('sl_session='))).toBe(false);
    expect(await signedInAs(app, browser)).toBeNull();
    expect(await app.server.stores.meta.oidcIdentities.findUserId(provider.issuer, 'mallory')).toBeUndefined();
    expect(await auditActions(app, victim.id)).toContainEqual({
      action: 'login.failed',
      details: { method: 'oidc', reason: 'email_not_verified_by_provider' },
    });
  });

  it('creates no account for an unverified email, even with open registration', async () => {
    provider.setAccount('unverified-new', { email: 'fresh@example.com', emailVerified: false });
    const response = await signIn(app, new TestBrowser(), 'unverified-new');
    expect(loginError(response)).toMatch(/not verified this email address/);
    expect(await app.server.stores.meta.users.findByEmail('fresh@example.com')).toBeUndefined();
  });

  it('does not link to an account whose address was never verified here (pre-hijacking)', async () => {
    const squatted = await createUser(app, 'squatted@example.com', { verified: false });
    provider.setAccount('real-owner', { email: 'squatted@example.com', emailVerified: true });
    const response = await signIn(app, new TestBrowser(), 'real-owner');
    expect(loginError(response)).toMatch(/not verified yet/);
    expect(await app.server.stores.meta.oidcIdentities.findUserId(provider.issuer, 'real-owner')).toBeUndefined();
    expect((await auditActions(app, squatted.id)).map((entry) => entry.details.reason)).toContain(
      'email_not_verified_locally',
    );
  });

  it('refuses a locked account, even through a linked identity', async () => {
    provider.setAccount('locked-sub', { email: 'locked@example.com', emailVerified: true });
    const browser = new TestBrowser();
    expect((await signIn(app, browser, 'locked-sub')).headers.get('location')).toBe('/');
    const user = (await app.server.stores.meta.users.findByEmail('locked@example.com')) as User;
    const until = new Date(Date.now() + 30 * 60_000);
    await app.server.stores.meta.users.update(user.id, { failedLogins: 5, lockedUntil: until });

    const response = await signIn(app, new TestBrowser(), 'locked-sub');
    expect(loginError(response)).toBe(
      `This account is locked after too many failed sign-ins; try again after ${until.toISOString()} or reset the password`,
    );
    expect(response.headers.getSetCookie().some((line) => line.startsWith('sl_session='))).toBe(false);
  });

  it('asks for the authenticator code when the account has two-factor authentication on', async () => {
    provider.setAccount('mfa-sub', { email: 'mfa@example.com', emailVerified: true });
    const user = await createUser(app, 'mfa@example.com');
    const secret = generateTotpSecret();
    const box = createSecretBox([deriveSecretBoxKey(app.config.secretKey)]);
    await app.server.stores.meta.users.update(user.id, {
      mfaSecretSealed: box.seal(secret, totpContext(user.id)),
      mfaEnabledAt: new Date(),
    });

    const browser = new TestBrowser();
    const response = await signIn(app, browser, 'mfa-sub');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/login?mfa=1');
    const cookies = response.headers.getSetCookie();
    expect(cookies.some((line) => line.startsWith('sl_session='))).toBe(false);
    expect(cookies.some((line) => /^sl_mfa=sl_mfa_\w+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=300$/.test(line))).toBe(
      true,
    );
    expect(await signedInAs(app, browser)).toBeNull();

    // The same second step as after a password: POST /api/auth/login/mfa with the code.
    const challenge = browser.cookie(`${app.url}/api/auth/login/mfa`, 'sl_mfa');
    const code = totp(base32Decode(secret) as Buffer, Date.now());
    const second = await fetch(`${app.url}/api/auth/login/mfa`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url, cookie: `sl_mfa=${challenge}` },
      body: JSON.stringify({ code }),
    });
    expect(second.status).toBe(200);
    expect(((await second.json()) as { user: { id: number } }).user.id).toBe(user.id);
    const session = second.headers.getSetCookie().find((line) => line.startsWith('sl_session='));
    expect(session).toBeDefined();
  });

  it('refuses a tampered state, and the flow cannot be used again afterwards', async () => {
    provider.setAccount('tamper-sub', { email: 'tamper@example.com', emailVerified: true });
    const browser = new TestBrowser();
    const start = await browser.request(`${app.url}/api/auth/oidc/start`);
    const callback = new URL(await signInAtProvider(browser, locationOf(start, app.url), 'tamper-sub'));
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')}x`);

    const refused = await browser.request(tampered.toString());
    expect(loginError(refused)).toBe('This sign-in could not be verified; start it again from the sign-in page');
    expect(await signedInAs(app, browser)).toBeNull();

    // The genuine answer, replayed after the refusal, finds the flow spent.
    browser.setCookie(
      app.url,
      'sl_oidc',
      start.headers.getSetCookie()[0]?.split(';')[0]?.slice(8) ?? '',
      '/api/auth/oidc',
    );
    const replay = await browser.request(callback.toString());
    expect(loginError(replay)).toMatch(/expired or was started in another browser/);
    expect(await app.server.stores.meta.users.findByEmail('tamper@example.com')).toBeUndefined();
  });

  it('refuses an answer brought back by a browser that did not start the sign-in (login CSRF)', async () => {
    provider.setAccount('csrf-sub', { email: 'csrf@example.com', emailVerified: true });
    const attacker = new TestBrowser();
    const start = await attacker.request(`${app.url}/api/auth/oidc/start`);
    const callback = await signInAtProvider(attacker, locationOf(start, app.url), 'csrf-sub');
    const victim = new TestBrowser();
    expect(loginError(await victim.request(callback))).toMatch(/expired or was started in another browser/);
    expect(await signedInAs(app, victim)).toBeNull();
  });

  it('says so when the person cancels at the provider', async () => {
    const browser = new TestBrowser();
    const start = await browser.request(`${app.url}/api/auth/oidc/start`);
    const authorize = await browser.request(locationOf(start, app.url));
    const interaction = locationOf(authorize, provider.issuer);
    // The dev interaction's "cancel" link.
    const abort = await browser.request(`${interaction}/abort`);
    let next = locationOf(abort, interaction);
    while (!next.startsWith(baseUrl)) next = locationOf(await browser.request(next), next);
    expect(loginError(await browser.request(next))).toBe('Sign-in with Test ID was cancelled');
  });
});

describe('OpenID Connect sign-in with closed registration (SQLite)', () => {
  let provider: TestProvider;
  let app: TestApp;

  beforeAll(async () => {
    provider = await startTestProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: redirectUri(),
    });
    app = await startApp({ ...oidcEnv(provider), REGISTRATION: 'closed', LOGIN_RATE_LIMIT_PER_IP: '4' });
    await createUser(app, 'owner@example.com');
  });

  afterAll(async () => {
    await app?.close();
    await provider?.close();
  });

  it('creates no account for someone new', async () => {
    provider.setAccount('stranger', { email: 'stranger@example.com', emailVerified: true });
    const browser = new TestBrowser();
    const response = await signIn(app, browser, 'stranger');
    expect(loginError(response)).toBe(
      'No account uses this email address, and this instance does not accept new accounts',
    );
    expect(await app.server.stores.meta.users.findByEmail('stranger@example.com')).toBeUndefined();
    expect(await signedInAs(app, browser)).toBeNull();
  });

  it('still signs in people who have an account', async () => {
    provider.setAccount('owner-sub', { email: 'owner@example.com', emailVerified: true });
    const browser = new TestBrowser();
    expect((await signIn(app, browser, 'owner-sub')).headers.get('location')).toBe('/');
    expect((await signedInAs(app, browser))?.email).toBe('owner@example.com');
  });

  it('limits how often one client can start a sign-in (LOGIN_RATE_LIMIT_PER_IP)', async () => {
    // A fixed one-minute window of 4: ten starts cross the limit even if a window boundary falls among them.
    const errors: string[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      const start = await new TestBrowser().request(`${app.url}/api/auth/oidc/start`);
      const location = new URL(locationOf(start, app.url));
      if (location.origin === baseUrl) errors.push(location.searchParams.get('error') ?? '');
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBe('Too many sign-in attempts from your network; wait a minute and try again');
  });
});

describe('OpenID Connect sign-in on PostgreSQL', () => {
  let provider: TestProvider;
  let app: TestApp;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    provider = await startTestProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: redirectUri(),
    });
    app = await startApp({ ...oidcEnv(provider), REGISTRATION: 'open', DATABASE_URL: database.url });
  });

  afterAll(async () => {
    await app?.close();
    await provider?.close();
    await database?.drop();
  });

  it('creates the account of a new person, links an existing one by verified email, and refuses an unverified one', async () => {
    const owner = await createUser(app, 'owner@example.com');
    provider.setAccount('pg-new', { email: 'pg.new@example.com', emailVerified: true, name: 'Pat Gres' });
    provider.setAccount('pg-owner', { email: 'owner@example.com', emailVerified: true });
    provider.setAccount('pg-fake', { email: 'owner@example.com', emailVerified: false });

    const newcomer = new TestBrowser();
    expect((await signIn(app, newcomer, 'pg-new')).headers.get('location')).toBe('/');
    const created = await app.server.stores.meta.users.findByEmail('pg.new@example.com');
    expect(created?.name).toBe('Pat Gres');
    expect((await signedInAs(app, newcomer))?.id).toBe(created?.id);

    const ownerBrowser = new TestBrowser();
    expect((await signIn(app, ownerBrowser, 'pg-owner')).headers.get('location')).toBe('/');
    expect((await signedInAs(app, ownerBrowser))?.id).toBe(owner.id);
    expect(await app.server.stores.meta.oidcIdentities.findUserId(provider.issuer, 'pg-owner')).toBe(owner.id);

    expect(loginError(await signIn(app, new TestBrowser(), 'pg-fake'))).toMatch(/not verified this email address/);
    expect(await app.server.stores.meta.oidcIdentities.findUserId(provider.issuer, 'pg-fake')).toBeUndefined();
  });
});

describe('OpenID Connect provider down', () => {
  let provider: TestProvider;
  let deadPort: number;
  let app: TestApp;

  beforeAll(async () => {
    provider = await startTestProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: redirectUri(),
    });
    deadPort = await freePort();
  });

  afterAll(async () => {
    await app?.close();
    await provider?.close();
  });

  it('answers the start with a clear error when discovery fails, and a failed exchange too', async () => {
    app = await startApp({
      OIDC_ISSUER: `http://127.0.0.1:${deadPort}`,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_NAME: 'Test ID',
      REGISTRATION: 'open',
    });
    const browser = new TestBrowser();
    const start = await browser.request(`${app.url}/api/auth/oidc/start`);
    expect(loginError(start)).toBe('Test ID could not be reached; try again in a few minutes');
    expect(start.headers.getSetCookie().some((line) => line.startsWith('sl_oidc='))).toBe(false);
    expect(app.logs()).toContain('OpenID Connect sign-in could not start');
    expect(app.logs()).not.toContain(CLIENT_SECRET);
    await app.close();

    // The provider is up for discovery and the sign-in, and gone when the code is exchanged.
    app = await startApp({ ...oidcEnv(provider), REGISTRATION: 'open' });
    await createUser(app, 'owner@example.com');
    provider.setAccount('late', { email: 'late@example.com', emailVerified: true });
    const late = new TestBrowser();
    const begun = await late.request(`${app.url}/api/auth/oidc/start`);
    const callback = await signInAtProvider(late, locationOf(begun, app.url), 'late');
    await provider.close();
    expect(loginError(await late.request(callback))).toBe('Test ID could not be reached; try again in a few minutes');
    expect(await signedInAs(app, late)).toBeNull();
  });
});

describe('OpenID Connect not configured', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp({});
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 404 saying which settings turn it on', async () => {
    for (const path of ['/api/auth/oidc/start', '/api/auth/oidc/callback?code=x&state=y']) {
      const response = await fetch(`${app.url}${path}`, { redirect: 'manual' });
      expect(response.status).toBe(404);
      const body = (await response.json()) as { error: string };
      expect(body.error).toMatch(/not configured.*OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET/);
    }
  });
});
