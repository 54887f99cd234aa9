import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrackerManifest } from '../src/ingest/tracker-routes.js';
import { clientFetch, type TestApp, type TestClient } from './support/app.js';
import { tempDataDir } from './support/server.js';
import {
  BASE_URL,
  expectError,
  expectStatus,
  META_ENGINES,
  sendPageview,
  signedInAs,
  startSiteApp,
  storedEventCount,
} from './support/site-fixtures.js';

/**
 * Sites over HTTP: create, read, edit, delete with all events, transfer; the snippet, the installation check and the
 * 24-hour summary; goals and funnels. Once on SQLite and once on PostgreSQL.
 */

const DATA_DIR = tempDataDir('sightline-sites-');

interface SiteSummary {
  id: number;
  domain: string;
  name: string;
  timezone: string;
  isPublic: boolean;
  role: string;
  createdAt: string;
}

describe.each(META_ENGINES)('sites on $name', (engine) => {
  let app: TestApp;
  let drop: () => Promise<void>;
  let owner: TestClient;
  let other: TestClient;

  beforeAll(async () => {
    ({ app, drop } = await startSiteApp(engine, DATA_DIR));
    owner = await signedInAs(app, 'owner@example.com', { name: 'Olga Owner' });
    other = await signedInAs(app, 'other@example.com');
  });

  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  async function createSite(client: TestClient, body: Record<string, unknown>): Promise<SiteSummary> {
    return expectStatus<SiteSummary>(await client.fetch('/api/sites', { body }), 201);
  }

  describe('create and read', () => {
    it('normalises the domain, makes the creator owner and lists the site only for its members', async () => {
      const site = await createSite(owner, {
        domain: ' https://WWW.Shop.Example.com:8443/pricing ',
        name: 'The shop',
        timezone: 'Europe/Berlin',
      });
      expect(site).toMatchObject({
        domain: 'shop.example.com',
        name: 'The shop',
        timezone: 'Europe/Berlin',
        isPublic: false,
        role: 'owner',
      });
      expect(new Date(site.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

      const { sites } = await expectStatus<{ sites: SiteSummary[] }>(await owner.fetch('/api/sites'), 200);
      expect(sites.map((s) => s.domain)).toContain('shop.example.com');
      expect(await expectStatus(await owner.fetch(`/api/sites/${site.id}`), 200)).toEqual(site);

      const theirs = await expectStatus<{ sites: SiteSummary[] }>(await other.fetch('/api/sites'), 200);
      expect(theirs.sites.map((s) => s.id)).not.toContain(site.id);
      await expectError(await other.fetch(`/api/sites/${site.id}`), 404, /among your sites/);
    });

    it('names an unnamed site after its domain and counts its days in UTC by default', async () => {
      const site = await createSite(owner, { domain: 'plain.example' });
      expect(site).toMatchObject({ name: 'plain.example', timezone: 'UTC' });
    });

    it('says what is wrong with a domain or time zone, and refuses a domain that is taken', async () => {
      await expectError(await owner.fetch('/api/sites', { body: { domain: 'not a domain' } }), 400, /hostname/);
      await expectError(
        await owner.fetch('/api/sites', { body: { domain: 'ok.example', timezone: 'Mars/Olympus' } }),
        400,
        /IANA/,
      );
      await expectError(await owner.fetch('/api/sites', { body: {} }), 400, /domain/);
      await createSite(owner, { domain: 'taken.example' });
      await expectError(
        await other.fetch('/api/sites', { body: { domain: 'www.TAKEN.example' } }),
        409,
        /taken\.example/,
      );
    });

    it('asks an account with an unverified email to verify it first, and a visitor to sign in', async () => {
      const unverified = await signedInAs(app, 'fresh@example.com', { verified: false });
      await expectError(
        await unverified.fetch('/api/sites', { body: { domain: 'fresh.example' } }),
        403,
        'Verify your email address before adding a site',
      );
      await expectError(await clientFetch(app.url, '/api/sites', { body: { domain: 'anon.example' } }), 401, /Sign in/);
      await expectError(await clientFetch(app.url, '/api/sites'), 401, /Sign in/);
    });
  });

  describe('edit', () => {
    it('changes name, domain, time zone and the public dashboard', async () => {
      const site = await createSite(owner, { domain: 'edit.example' });
      const updated = await expectStatus<SiteSummary>(
        await owner.fetch(`/api/sites/${site.id}`, {
          method: 'PATCH',
          body: { name: 'Edited', domain: 'HTTPS://Edited.Example/', timezone: 'America/New_York', isPublic: true },
        }),
        200,
      );
      expect(updated).toMatchObject({
        id: site.id,
        name: 'Edited',
        domain: 'edited.example',
        timezone: 'America/New_York',
        isPublic: true,
        role: 'owner',
      });
      expect(await expectStatus(await owner.fetch(`/api/sites/${site.id}`), 200)).toEqual(updated);
    });

    it('refuses a domain another site has, and bad values, without changing anything', async () => {
      const site = await createSite(owner, { domain: 'first.example' });
      await createSite(owner, { domain: 'second.example' });
      const patch = (body: unknown) => owner.fetch(`/api/sites/${site.id}`, { method: 'PATCH', body });
      await expectError(await patch({ domain: 'second.example' }), 409, /second\.example/);
      await expectError(await patch({ timezone: 'Nowhere/Land' }), 400, /time zone/);
      await expectError(await patch({ isPublic: 'yes' }), 400, /isPublic/);
      expect(await expectStatus(await owner.fetch(`/api/sites/${site.id}`), 200)).toMatchObject({
        domain: 'first.example',
        timezone: 'UTC',
        isPublic: false,
      });
    });
  });

  describe('snippet, installation check and summary', () => {
    it('gives the snippet for this domain with the script URL and its SRI hash', async () => {
      const site = await createSite(owner, { domain: 'snippet.example' });
      const snippet = await expectStatus<{ html: string; scriptUrl: string; integrity: string | null }>(
        await owner.fetch(`/api/sites/${site.id}/snippet`),
        200,
      );
      expect(snippet.html).toContain('data-domain="snippet.example"');
      expect(snippet.html).toContain(`src="${snippet.scriptUrl}"`);
      expect(snippet.scriptUrl.startsWith(`${BASE_URL}/js/`)).toBe(true);
      const build = readTrackerManifest().default;
      if (build === undefined) {
        expect(snippet.integrity).toBeNull();
      } else {
        expect(snippet.integrity).toBe(build.sri);
        expect(snippet.html).toContain(`integrity="${build.sri}"`);
        expect(snippet.scriptUrl).toBe(`${BASE_URL}/js/${build.versionedFile}`);
      }
    });

    it('turns installed at the first event and counts it in the 24-hour summary', async () => {
      const site = await createSite(owner, { domain: 'install.example' });
      expect(await expectStatus(await owner.fetch(`/api/sites/${site.id}/installation`), 200)).toEqual({
        installed: false,
        firstEventAt: null,
        lastEventAt: null,
      });
      expect(await expectStatus(await owner.fetch(`/api/sites/${site.id}/summary`), 200)).toEqual({
        visitors24h: 0,
        series: new Array(24).fill(0),
      });

      const before = Date.now();
      await sendPageview(app, 'install.example', '/');
      await sendPageview(app, 'install.example', '/about');
      const installation = await expectStatus<{ installed: boolean; firstEventAt: string; lastEventAt: string }>(
        await owner.fetch(`/api/sites/${site.id}/installation`),
        200,
      );
      expect(installation.installed).toBe(true);
      expect(new Date(installation.firstEventAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(new Date(installation.lastEventAt).getTime()).toBeGreaterThanOrEqual(
        new Date(installation.firstEventAt).getTime(),
      );

      const summary = await expectStatus<{ visitors24h: number; series: number[] }>(
        await owner.fetch(`/api/sites/${site.id}/summary`),
        200,
      );
      // One browser, two pages: one visitor, in the current hour.
      expect(summary.visitors24h).toBe(1);
      expect(summary.series).toHaveLength(24);
      expect(summary.series[23]).toBe(1);
      expect(summary.series.slice(0, 23).every((n) => n === 0)).toBe(true);
    });
  });

  describe('delete', () => {
    it('removes the site with its settings and all its events; the domain can be added again, empty', async () => {
      const site = await createSite(owner, { domain: 'doomed.example' });
      const meta = app.server.stores.meta;
      await meta.members.upsert(site.id, other.user.id, 'admin');
      await expectStatus(
        await owner.fetch(`/api/sites/${site.id}/goals`, { body: { kind: 'event', eventName: 'Signup' } }),
        201,
      );
      await expectStatus(await owner.fetch(`/api/sites/${site.id}/shares`, { body: { name: 'Board' } }), 201);
      await sendPageview(app, 'doomed.example', '/');
      expect(await storedEventCount(app, site.id)).toBe(1);

      // An admin may do much, but not delete the site.
      await expectError(await other.fetch(`/api/sites/${site.id}`, { method: 'DELETE' }), 403, /owner/);
      expect(await storedEventCount(app, site.id)).toBe(1);

      const deleted = await owner.fetch(`/api/sites/${site.id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
      expect(await storedEventCount(app, site.id)).toBe(0);
      await expectError(await owner.fetch(`/api/sites/${site.id}`), 404, /among your sites/);
      expect(await meta.sites.findById(site.id)).toBeUndefined();
      expect(await meta.members.find(site.id, other.user.id)).toBeUndefined();
      expect(await meta.goals.listForSite(site.id)).toEqual([]);
      expect(await meta.shareLinks.listForSite(site.id)).toEqual([]);
      const { sites } = await expectStatus<{ sites: SiteSummary[] }>(await other.fetch('/api/sites'), 200);
      expect(sites.map((s) => s.id)).not.toContain(site.id);

      const again = await createSite(owner, { domain: 'doomed.example' });
      expect(again.id).not.toBe(site.id);
      expect(await expectStatus(await owner.fetch(`/api/sites/${again.id}/installation`), 200)).toMatchObject({
        installed: false,
      });
      expect(await expectStatus(await owner.fetch(`/api/sites/${again.id}/summary`), 200)).toMatchObject({
        visitors24h: 0,
      });
      expect(await expectStatus(await owner.fetch(`/api/sites/${again.id}/goals`), 200)).toEqual({ goals: [] });

      // Ingestion had the old site cached: the next visit must count for the new one, not vanish with the old id.
      await sendPageview(app, 'doomed.example', '/welcome-back');
      expect(await storedEventCount(app, again.id)).toBe(1);
    });
  });

  describe('transfer', () => {
    it('hands the site to a member; the old owner stays as admin and can no longer delete it', async () => {
      const site = await createSite(owner, { domain: 'handover.example' });
      const heir = await signedInAs(app, 'heir@example.com');
      const transfer = (client: TestClient, email: string) =>
        client.fetch(`/api/sites/${site.id}/transfer`, { body: { email } });

      await expectError(await transfer(owner, 'heir@example.com'), 400, /not a member.*invite them first/);
      await expectError(await transfer(owner, 'nobody@example.com'), 400, /invite them first/);
      await expectError(await transfer(owner, 'not-an-email'), 400, /email address/);
      await expectError(await transfer(owner, 'owner@example.com'), 400, /already own/);

      await app.server.stores.meta.members.upsert(site.id, heir.user.id, 'viewer');
      await expectError(await transfer(heir, 'heir@example.com'), 403, /owner/);
      expect((await transfer(owner, ' HEIR@example.com ')).status).toBe(204);

      expect(await expectStatus(await heir.fetch(`/api/sites/${site.id}`), 200)).toMatchObject({ role: 'owner' });
      expect(await expectStatus(await owner.fetch(`/api/sites/${site.id}`), 200)).toMatchObject({ role: 'admin' });
      await expectError(await owner.fetch(`/api/sites/${site.id}`, { method: 'DELETE' }), 403, /owner/);
      await expectError(await transfer(owner, 'owner@example.com'), 403, /owner/);
      expect((await heir.fetch(`/api/sites/${site.id}`, { method: 'DELETE' })).status).toBe(204);
    });
  });

  describe('goals and funnels', () => {
    it('stores pageview and event goals with default names, and lists them for viewers', async () => {
      const site = await createSite(owner, { domain: 'goals.example' });
      const post = (body: unknown) => owner.fetch(`/api/sites/${site.id}/goals`, { body });
      const visit = await expectStatus(await post({ kind: 'pageview', pathPattern: '/pricing' }), 201);
      expect(visit).toMatchObject({
        kind: 'pageview',
        pathPattern: '/pricing',
        eventName: null,
        displayName: 'Visit /pricing',
      });
      const signup = await expectStatus(
        await post({ kind: 'event', eventName: 'Signup', displayName: 'Signed up' }),
        201,
      );
      expect(signup).toMatchObject({ kind: 'event', pathPattern: null, eventName: 'Signup', displayName: 'Signed up' });

      await app.server.stores.meta.members.upsert(site.id, other.user.id, 'viewer');
      const { goals } = await expectStatus<{ goals: Array<{ displayName: string }> }>(
        await other.fetch(`/api/sites/${site.id}/goals`),
        200,
      );
      expect(goals.map((g) => g.displayName).sort()).toEqual(['Signed up', 'Visit /pricing']);
      await expectError(
        await other.fetch(`/api/sites/${site.id}/goals`, { body: { kind: 'event', eventName: 'X' } }),
        403,
        /admin/,
      );
    });

    it('refuses bad goals with the reason and duplicates with 409', async () => {
      const site = await createSite(owner, { domain: 'badgoals.example' });
      const post = (body: unknown) => owner.fetch(`/api/sites/${site.id}/goals`, { body });
      await expectError(await post({ kind: 'pageview', pathPattern: 'pricing' }), 400, /start with "\/"/);
      await expectError(await post({ kind: 'pageview', pathPattern: `/${'x'.repeat(2000)}` }), 400, /2000/);
      await expectError(await post({ kind: 'event' }), 400, /eventName/);
      await expectError(await post({ kind: 'event', eventName: 'e'.repeat(121) }), 400, /120/);
      await expectError(await post({ kind: 'nope' }), 400, /kind/);
      await expectStatus(await post({ kind: 'event', eventName: 'Signup' }), 201);
      await expectError(
        await post({ kind: 'event', eventName: 'Signup', displayName: 'Again' }),
        409,
        /already counts/,
      );
      await expectError(await post({ kind: 'pageview', pathPattern: '/x', displayName: 'Signup' }), 409, /Signup/);
    });

    it('builds funnels from existing goals, names an unknown step, and keeps used goals', async () => {
      const site = await createSite(owner, { domain: 'funnels.example' });
      const goal = (body: unknown) => owner.fetch(`/api/sites/${site.id}/goals`, { body });
      const pricing = await expectStatus<{ id: number }>(
        await goal({ kind: 'pageview', pathPattern: '/pricing' }),
        201,
      );
      await expectStatus(await goal({ kind: 'event', eventName: 'Signup' }), 201);
      const funnel = (body: unknown) => owner.fetch(`/api/sites/${site.id}/funnels`, { body });

      await expectError(
        await funnel({ name: 'Checkout', steps: ['Visit /pricing', 'Purchase'] }),
        400,
        'Step 2 ("Purchase") is not a goal of this site; create the goal first',
      );
      await expectError(await funnel({ name: 'Short', steps: ['Signup'] }), 400, /2 to 8 steps/);
      const created = await expectStatus<{ id: number; steps: string[] }>(
        await funnel({ name: 'Checkout', steps: ['Visit /pricing', 'Signup'] }),
        201,
      );
      expect(created.steps).toEqual(['Visit /pricing', 'Signup']);
      await expectError(await funnel({ name: 'Checkout', steps: ['Signup', 'Visit /pricing'] }), 409, /Checkout/);
      expect(await expectStatus(await owner.fetch(`/api/sites/${site.id}/funnels`), 200)).toMatchObject({
        funnels: [{ name: 'Checkout', steps: ['Visit /pricing', 'Signup'] }],
      });

      // A goal a funnel uses stays until the funnel goes.
      await expectError(
        await owner.fetch(`/api/sites/${site.id}/goals/${pricing.id}`, { method: 'DELETE' }),
        409,
        /Checkout/,
      );
      expect((await owner.fetch(`/api/sites/${site.id}/funnels/${created.id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await owner.fetch(`/api/sites/${site.id}/goals/${pricing.id}`, { method: 'DELETE' })).status).toBe(204);
      await expectError(
        await owner.fetch(`/api/sites/${site.id}/goals/${pricing.id}`, { method: 'DELETE' }),
        404,
        /No goal/,
      );
      expect(await expectStatus(await owner.fetch(`/api/sites/${site.id}/funnels`), 200)).toEqual({ funnels: [] });
    });

    it("funnel steps are another site's goals only by name, never by reach", async () => {
      const mine = await createSite(owner, { domain: 'mine-funnel.example' });
      const theirs = await createSite(other, { domain: 'theirs-funnel.example' });
      await expectStatus(
        await other.fetch(`/api/sites/${theirs.id}/goals`, { body: { kind: 'event', eventName: 'A' } }),
        201,
      );
      await expectStatus(
        await other.fetch(`/api/sites/${theirs.id}/goals`, { body: { kind: 'event', eventName: 'B' } }),
        201,
      );
      await expectError(
        await owner.fetch(`/api/sites/${mine.id}/funnels`, { body: { name: 'F', steps: ['A', 'B'] } }),
        400,
        /Step 1 \("A"\) is not a goal of this site/,
      );
    });
  });
});
