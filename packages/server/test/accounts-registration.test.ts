import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokens, deriveTokenKey, TOKEN_PREFIXES } from '../src/auth/tokens.js';
import { startTestApp, type TestApp } from './support/app.js';
import { TestBrowser } from './support/browser.js';
import { type MailCatcher, startMailCatcher } from './support/mail-catcher.js';
import { tempDataDir } from './support/server.js';
import { META_ENGINES } from './support/site-fixtures.js';

/** Who may create an account under REGISTRATION=invite and =closed, end to end over HTTP. */

// chDB allows one data directory per process: the apps of both metadata engines share it.
const dataDir = tempDataDir('sightline-registration-');
const PASSWORD = 'correct horse battery staple';
const DAY_MS = 86_400_000;

describe.each(META_ENGINES)('REGISTRATION=invite on $name', (engine) => {
  let app: TestApp;
  let mail: MailCatcher;
  let drop: () => Promise<void>;
  let ip = 0;
  const browser = () => new TestBrowser(app.url, { ip: `203.0.113.${++ip}` });

  /** An invitation as the sites helper makes one: a mailed token, stored only as its hash. */
  async function invite(email: string, role: 'admin' | 'viewer', options: { expired?: boolean } = {}) {
    const meta = app.server.stores.meta;
    const owner = (await meta.users.findByEmail('owner@example.com'))!;
    const site =
      (await meta.sites.findByDomain('blog.example')) ??
      (await meta.sites.create({ domain: 'blog.example', timezone: 'UTC' }));
    await meta.members.upsert(site.id, owner.id, 'owner');
    const { token, hash } = createTokens({ key: deriveTokenKey(app.config.secretKey) }).newToken(
      TOKEN_PREFIXES.invitation,
    );
    const invitation = await meta.invitations.create({
      siteId: site.id,
      email,
      role,
      tokenHash: hash,
      invitedBy: owner.id,
      expiresAt: new Date(Date.now() + (options.expired ? -DAY_MS : 7 * DAY_MS)),
    });
    return { token, site, invitation };
  }

  beforeAll(async () => {
    mail = await startMailCatcher();
    const database = await engine.prepare();
    drop = database.drop;
    app = await startTestApp({
      DATA_DIR: dataDir,
      ...database.env,
      TRUST_PROXY: 'true',
      REGISTRATION: 'invite',
      SMTP_URL: mail.url,
    });
    expect((await browser().post('/api/auth/setup', { email: 'owner@example.com', password: PASSWORD })).status).toBe(
      201,
    );
  });

  afterAll(async () => {
    await app?.close();
    await mail?.close();
    await drop?.();
  });

  it('says registration is by invitation and refuses sign-ups without one', async () => {
    expect((await browser().get('/api/auth/state')).body.registration).toBe('invite');
    const response = await browser().post('/api/auth/register', { email: 'walk-in@example.com', password: PASSWORD });
    expect(response.status).toBe(403);
    expect(response.body.error).toMatch(/invitation only/);
    expect(await app.server.stores.meta.users.findByEmail('walk-in@example.com')).toBeUndefined();
  });

  it('refuses a forged, expired or someone else’s invitation', async () => {
    const forged = await browser().post('/api/auth/register', {
      email: 'guest@example.com',
      password: PASSWORD,
      invitation: `${TOKEN_PREFIXES.invitation}_${'x'.repeat(40)}`,
    });
    expect(forged.status).toBe(400);
    const expired = await invite('late@example.com', 'viewer', { expired: true });
    const late = await browser().post('/api/auth/register', {
      email: 'late@example.com',
      password: PASSWORD,
      invitation: expired.token,
    });
    expect(late.status).toBe(400);
    const forAnother = await invite('invited@example.com', 'viewer');
    const stolen = await browser().post('/api/auth/register', {
      email: 'thief@example.com',
      password: PASSWORD,
      invitation: forAnother.token,
    });
    expect(stolen.status).toBe(403);
    expect(stolen.body.error).not.toContain('invited@example.com');
    expect(await app.server.stores.meta.users.findByEmail('thief@example.com')).toBeUndefined();
    expect((await app.server.stores.meta.invitations.findById(forAnother.invitation.id))?.acceptedAt).toBeNull();
  });

  it('creates a verified account with the invited role, once per invitation', async () => {
    const { token, site, invitation } = await invite('editor@example.com', 'admin');
    const visitor = browser();
    const created = await visitor.post('/api/auth/register', {
      email: 'Editor@Example.com',
      password: PASSWORD,
      name: 'Eddie',
      invitation: token,
    });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ email: 'editor@example.com', emailVerified: true, name: 'Eddie' });
    expect((await visitor.get('/api/account')).status).toBe(200);
    const meta = app.server.stores.meta;
    expect((await meta.members.find(site.id, created.body.user.id))?.role).toBe('admin');
    expect((await meta.invitations.findById(invitation.id))?.acceptedAt).toBeInstanceOf(Date);
    const again = await browser().post('/api/auth/register', {
      email: 'editor@example.com',
      password: PASSWORD,
      invitation: token,
    });
    expect(again.status).toBe(400);
    // The invitation proved the address: no verification mail.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mail.messages.filter((m) => m.to.includes('editor@example.com'))).toEqual([]);
    const audit = await visitor.get('/api/account/audit');
    expect(audit.body.entries.map((entry: { action: string }) => entry.action)).toEqual(
      expect.arrayContaining(['account.created', 'member.joined']),
    );
  });
});

describe('REGISTRATION=closed, served over HTTPS', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${join(tempDataDir('sightline-closed-meta-'), 'meta.db')}`,
      REGISTRATION: 'closed',
      BASE_URL: 'https://analytics.example',
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('still lets the first visitor set up the instance, then refuses every sign-up', async () => {
    const first = new TestBrowser(app.url);
    const state = await first.get('/api/auth/state');
    expect(state.body).toMatchObject({ setupRequired: true, registration: 'closed', smtpConfigured: false });
    const setup = await first.post('/api/auth/setup', { email: 'owner@example.com', password: PASSWORD });
    expect(setup.status).toBe(201);
    // Behind HTTPS the session cookie never travels over plain HTTP.
    expect(setup.setCookies.find((cookie) => cookie.startsWith('sl_session='))).toMatch(/; Secure/);
    const refused = await new TestBrowser(app.url).post('/api/auth/register', {
      email: 'someone@example.com',
      password: PASSWORD,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/closed/);
    const withInvitation = await new TestBrowser(app.url).post('/api/auth/register', {
      email: 'someone@example.com',
      password: PASSWORD,
      invitation: `${TOKEN_PREFIXES.invitation}_${'x'.repeat(40)}`,
    });
    expect(withInvitation.status).toBe(403);
  });

  it('writes mail to the log when no SMTP server is configured', async () => {
    const browser = new TestBrowser(app.url);
    expect((await browser.post('/api/auth/forgot-password', { email: 'owner@example.com' })).status).toBe(202);
    await expect
      .poll(() => app.logs(), { timeout: 5_000 })
      .toContain('https://analytics.example/reset-password?token=sl_reset_');
    expect(app.logs()).toContain('mail not sent (SMTP_URL is not set)');
  });
});
