import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '../src/domain/site.js';
import { addSite, type TestApp, type TestClient } from './support/app.js';
import { tempDataDir } from './support/server.js';
import {
  BASE_URL,
  expectError,
  expectStatus,
  META_ENGINES,
  signedInAs,
  startSiteApp,
} from './support/site-fixtures.js';

/** Shared links (optionally with a password) and public dashboards, over HTTP. */

interface Share {
  id: number;
  name: string;
  slug: string;
  url: string;
  hasPassword: boolean;
  createdAt: string;
}

const SHARE_PASSWORD = 'quarterly board numbers';
let app: TestApp;
let drop: () => Promise<void>;
let owner: TestClient;
let clientIp = 0;

// chDB opens one data directory per process: both engines' apps share it (events apart by database).
const DATA_DIR = tempDataDir('sightline-shares-');

/** An anonymous visitor from a fresh address, with optional cookies. */
function visitor() {
  clientIp++;
  const ip = `198.51.100.${clientIp}`;
  return (path: string, init: { method?: string; body?: unknown; cookie?: string } = {}) =>
    fetch(`${app.url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        'x-forwarded-for': ip,
        origin: app.url,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.cookie === undefined ? {} : { cookie: init.cookie }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
}

let siteCount = 0;
async function freshSite(): Promise<Site> {
  siteCount++;
  return addSite(app, owner, `shared${siteCount}.example`);
}

const createShare = async (site: Site, body: unknown) =>
  expectStatus<Share>(await owner.fetch(`/api/sites/${site.id}/shares`, { body }), 201);

describe.each(META_ENGINES)('on $name', (engine) => {
  beforeAll(async () => {
    // TRUST_PROXY lets each test come from its own address, so the per-IP unlock budget of one does not leak into another.
    ({ app, drop } = await startSiteApp(engine, DATA_DIR, { TRUST_PROXY: 'true' }));
    owner = await signedInAs(app, 'owner@example.com');
  });

  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  describe('shared links', () => {
    it('creates an unguessable link that anyone can open, listed with its URL', async () => {
      const site = await freshSite();
      const share = await createShare(site, { name: ' For the board ' });
      expect(share).toMatchObject({ name: 'For the board', hasPassword: false });
      expect(share.slug).toMatch(/^[0-9A-Za-z]{22}$/);
      expect(share.url).toBe(`${BASE_URL}/share/${share.slug}`);
      expect(await expectStatus(await owner.fetch(`/api/sites/${site.id}/shares`), 200)).toEqual({ shares: [share] });
      const second = await createShare(site, { name: 'Second' });
      expect(second.slug).not.toBe(share.slug);

      const anyone = visitor();
      expect(await expectStatus(await anyone(`/api/share/${share.slug}`), 200)).toEqual({
        site: { domain: site.domain, name: site.name, timezone: 'UTC' },
        passwordRequired: false,
      });
      // Nothing to unlock: no cookie is handed out.
      const unlock = await anyone(`/api/share/${share.slug}/unlock`, { body: { password: 'anything at all' } });
      expect(unlock.status).toBe(204);
      expect(unlock.headers.get('set-cookie')).toBeNull();
    });

    it('keeps a password link locked until the password is given, then unlocks this link only, in this browser', async () => {
      const site = await freshSite();
      const share = await createShare(site, { name: 'Investors', password: SHARE_PASSWORD });
      const plain = await createShare(site, { name: 'Other', password: 'another long password' });
      expect(share.hasPassword).toBe(true);
      const stored = await app.server.stores.meta.shareLinks.findById(share.id);
      expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(stored?.passwordHash).not.toContain(SHARE_PASSWORD);

      const browser = visitor();
      expect(await expectStatus(await browser(`/api/share/${share.slug}`), 200)).toMatchObject({
        passwordRequired: true,
      });
      await expectError(
        await browser(`/api/share/${share.slug}/unlock`, { body: { password: 'wrong password' } }),
        401,
        'The password is not correct',
      );
      const unlocked = await browser(`/api/share/${share.slug}/unlock`, { body: { password: SHARE_PASSWORD } });
      expect(unlocked.status).toBe(204);
      const setCookie = unlocked.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(new RegExp(`^sl_share_${share.id}=sl_share_[0-9A-Za-z]{40}; `));
      // SameSite=None (with Secure): a shared dashboard embedded in another site's page must still get its cookie.
      for (const attribute of [
        `Path=/api/share/${share.slug}`,
        'HttpOnly',
        'SameSite=None',
        'Max-Age=43200',
        'Secure',
      ]) {
        expect(setCookie.split('; ')).toContain(attribute);
      }
      const cookie = setCookie.split(';')[0] ?? '';
      expect(await expectStatus(await browser(`/api/share/${share.slug}`, { cookie }), 200)).toMatchObject({
        passwordRequired: false,
      });
      // The token is remembered only as a hash: it appears in no log line.
      expect(app.logs()).not.toContain(cookie.split('=')[1]);
      // Another link of the same site stays locked, even with this cookie under its name.
      const borrowed = `sl_share_${plain.id}=${cookie.split('=')[1]}`;
      expect(await expectStatus(await browser(`/api/share/${plain.slug}`, { cookie: borrowed }), 200)).toMatchObject({
        passwordRequired: true,
      });
    });

    it('refuses password guesses after 10 a minute from one address', async () => {
      const site = await freshSite();
      const share = await createShare(site, { name: 'Guarded', password: SHARE_PASSWORD });
      const attacker = visitor();
      // The budget is per clock minute: start well inside one, so all 11 attempts fall into the same window.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
      for (let attempt = 1; attempt <= 10; attempt++) {
        const response = await attacker(`/api/share/${share.slug}/unlock`, { body: { password: `guess ${attempt}` } });
        expect(response.status).toBe(401);
      }
      const blocked = await attacker(`/api/share/${share.slug}/unlock`, { body: { password: SHARE_PASSWORD } });
      await expectError(blocked, 429, /Too many password attempts/);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      // Someone else is not held up by it.
      expect((await visitor()(`/api/share/${share.slug}/unlock`, { body: { password: SHARE_PASSWORD } })).status).toBe(
        204,
      );
    });

    it('stops working the moment it is deleted, and answers like any unknown link', async () => {
      const site = await freshSite();
      const share = await createShare(site, { name: 'Temporary' });
      const anyone = visitor();
      await expectStatus(await anyone(`/api/share/${share.slug}`), 200);
      expect((await owner.fetch(`/api/sites/${site.id}/shares/${share.id}`, { method: 'DELETE' })).status).toBe(204);
      await expectError(await anyone(`/api/share/${share.slug}`), 404, /No shared dashboard here/);
      await expectError(await anyone('/api/share/AAAAAAAAAAAAAAAAAAAAAA'), 404, /No shared dashboard here/);
      await expectError(
        await owner.fetch(`/api/sites/${site.id}/shares/${share.id}`, { method: 'DELETE' }),
        404,
        /No shared link/,
      );
    });

    it('is managed by admins only, with a name and a password that is not too weak', async () => {
      const site = await freshSite();
      const viewer = await signedInAs(app, 'viewer@example.com');
      await app.server.stores.meta.members.upsert(site.id, viewer.user.id, 'viewer');
      await expectError(await viewer.fetch(`/api/sites/${site.id}/shares`), 403, /admin/);
      await expectError(await viewer.fetch(`/api/sites/${site.id}/shares`, { body: { name: 'Mine' } }), 403, /admin/);
      await expectError(await owner.fetch(`/api/sites/${site.id}/shares`, { body: { name: '  ' } }), 400, /name/);
      await expectError(
        await owner.fetch(`/api/sites/${site.id}/shares`, { body: { name: 'Weak', password: 'short' } }),
        400,
        /Shared link password: Use at least 8 characters/,
      );
      await expectError(
        await owner.fetch(`/api/sites/${site.id}/shares`, { body: { name: 'Common', password: 'password123' } }),
        400,
        /too common/,
      );
      expect(await expectStatus(await owner.fetch(`/api/sites/${site.id}/shares`), 200)).toEqual({ shares: [] });
    });
  });

  describe('public dashboards', () => {
    it('opens a site at /share/<domain> only while it is public', async () => {
      const site = await freshSite();
      const anyone = visitor();
      await expectError(await anyone(`/api/share/${site.domain}`), 404, /No shared dashboard here/);
      await expectStatus(
        await owner.fetch(`/api/sites/${site.id}`, { method: 'PATCH', body: { isPublic: true } }),
        200,
      );
      expect(await expectStatus(await anyone(`/api/share/${site.domain}`), 200)).toEqual({
        site: { domain: site.domain, name: site.name, timezone: 'UTC' },
        passwordRequired: false,
      });
      await expectStatus(
        await owner.fetch(`/api/sites/${site.id}`, { method: 'PATCH', body: { isPublic: false } }),
        200,
      );
      await expectError(await anyone(`/api/share/${site.domain}`), 404, /No shared dashboard here/);
    });
  });

  describe('stats behind a shared link', () => {
    it('answers the stats routes of a password link only once it is unlocked', async (context) => {
      const route = '/api/share/:slug/v2/site-context';
      if (!app.server.app.hasRoute({ method: 'GET', url: route })) context.skip();
      const site = await freshSite();
      const share = await createShare(site, { name: 'Stats', password: SHARE_PASSWORD });
      const browser = visitor();
      await expectError(
        await browser(`/api/share/${share.slug}/v2/site-context?site_id=999`),
        401,
        'This shared dashboard needs its password',
      );
      const unlocked = await browser(`/api/share/${share.slug}/unlock`, { body: { password: SHARE_PASSWORD } });
      const cookie = (unlocked.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const context2 = await expectStatus<{ site: { id: number } }>(
        await browser(`/api/share/${share.slug}/v2/site-context?site_id=999`, { cookie }),
        200,
      );
      expect(context2.site.id).toBe(site.id);
    });
  });
});
