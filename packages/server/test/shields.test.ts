import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '../src/domain/site.js';
import { addSite, createSignedInClient, startTestApp, type TestApp, type TestClient } from './support/app.js';
import { tempDataDir } from './support/server.js';
import { META_ENGINES } from './support/site-fixtures.js';

const CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** A German address (Deutsche Telekom range), so the offline geo database has a country for it. */
const GERMAN_IP = '91.64.10.20';

// chDB allows one data directory per process: the apps of both metadata engines share it.
const dataDir = tempDataDir('sightline-shields-');

describe.each(META_ENGINES)('shields over HTTP on $name', (engine) => {
  let drop: () => Promise<void> = async () => {};
  let app: TestApp;
  let admin: TestClient;
  let viewer: TestClient;
  let stranger: TestClient;
  let site: Site;
  let otherSite: Site;

  beforeAll(async () => {
    // behind a proxy, as in production: the client IP comes from X-Forwarded-For
    const database = await engine.prepare();
    drop = database.drop;
    app = await startTestApp({
      DATA_DIR: dataDir,
      ...database.env,
      CLICKHOUSE_DATABASE: `shields_${engine.name}`,
      TRUST_PROXY: 'true',
    });
    admin = await createSignedInClient(app, { email: 'admin@example.com' });
    viewer = await createSignedInClient(app, { email: 'viewer@example.com' });
    stranger = await createSignedInClient(app, { email: 'stranger@example.com' });
    site = await addSite(app, admin, 'shop.example', 'admin');
    otherSite = await addSite(app, stranger, 'other.example');
    await app.server.stores.meta.members.upsert(site.id, viewer.user.id, 'viewer');
  });

  afterAll(async () => {
    await app?.close();
    await drop();
  });

  interface ShieldView {
    id: number;
    kind: string;
    value: string;
    description: string;
    createdAt: string;
  }

  const shieldsPath = (siteId = site.id) => `/api/sites/${siteId}/shields`;

  async function addShield(kind: string, value: string, description?: string): Promise<ShieldView> {
    const response = await admin.fetch(shieldsPath(), { body: { kind, value, description } });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as ShieldView;
  }

  async function removeShield(id: number) {
    expect((await admin.fetch(`${shieldsPath()}/${id}`, { method: 'DELETE' })).status).toBe(204);
  }

  /** A browser pageview through the Plausible-compatible route, from `ip`. */
  function pageview(path: string, ip: string, extra: Record<string, string> = {}, host = 'shop.example') {
    return fetch(`${app.url}/api/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': CHROME, 'x-forwarded-for': ip, ...extra },
      body: JSON.stringify({ name: 'pageview', url: `https://${host}${path}`, domain: 'shop.example' }),
    });
  }

  async function storedPaths(prefix: string): Promise<string[]> {
    await app.server.flushNow();
    const events = app.server.stores.events;
    const rows = await events.query<{ pathname: string }>(
      `SELECT pathname FROM ${events.eventsTable} WHERE site_id = {site:UInt32} AND startsWith(pathname, {prefix:String}) ORDER BY pathname`,
      { site: site.id, prefix },
    );
    return rows.map((row) => row.pathname);
  }

  async function droppedCount(reason: string): Promise<number> {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`sightline_events_dropped_total{reason="${reason}"}`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  }

  describe('shield settings', () => {
    it('are listed, added and removed by admins, with values in their stored form', async () => {
      const added = [
        await addShield('ip', ' 203.0.113.0/24 ', 'Office'),
        await addShield('country', 'nl'),
        await addShield('path', '/admin/**'),
        await addShield('hostname', '*.Staging.shop.example'),
      ];
      expect(added.map((s) => [s.kind, s.value, s.description])).toEqual([
        ['ip', '203.0.113.0/24', 'Office'],
        ['country', 'NL', ''],
        ['path', '/admin/**', ''],
        ['hostname', '*.staging.shop.example', ''],
      ]);
      const list = (await (await admin.fetch(shieldsPath())).json()) as { shields: ShieldView[] };
      expect(list.shields).toEqual(added);
      for (const shield of added) await removeShield(shield.id);
      expect(((await (await admin.fetch(shieldsPath())).json()) as { shields: ShieldView[] }).shields).toEqual([]);

      const audit = await app.server.stores.meta.audit.listForUser(admin.user.id, { limit: 50 });
      expect(audit.filter((e) => e.action === 'shield.created')).toHaveLength(4);
      expect(audit.filter((e) => e.action === 'shield.deleted')).toHaveLength(4);
    });

    it('refuse invalid values with a message that says what a valid one looks like', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ kind: 'asn', value: '123' }, /kind must be one of ip, country, path, hostname/],
        [{ kind: 'ip', value: '203.0.113.300' }, /IPv4 or IPv6 address or a CIDR range/],
        [{ kind: 'ip', value: '10.0.0.0/40' }, /prefix length from 0 to 32/],
        [{ kind: 'country', value: 'Germany' }, /two-letter ISO 3166 code/],
        [{ kind: 'path', value: 'admin' }, /starts with \//],
        [{ kind: 'hostname', value: 'https://shop.example/' }, /host name/],
        [{ kind: 'hostname' }, /value is required/],
        [{ kind: 'path', value: '/x', description: 'd'.repeat(201) }, /description must be at most 200/],
      ];
      for (const [body, message] of cases) {
        const response = await admin.fetch(shieldsPath(), { body });
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(((await response.json()) as { error: string }).error).toMatch(message);
      }
    });

    it('refuse a duplicate and more than 1,000 per site (409)', async () => {
      const shield = await addShield('path', '/dup');
      const again = await admin.fetch(shieldsPath(), { body: { kind: 'path', value: '/dup' } });
      expect(again.status).toBe(409);
      await removeShield(shield.id);

      const meta = app.server.stores.meta;
      const filler = [];
      for (let i = 0; i < 1000; i++) {
        filler.push(await meta.shields.create({ siteId: site.id, kind: 'path', value: `/fill/${i}`, description: '' }));
      }
      const over = await admin.fetch(shieldsPath(), { body: { kind: 'path', value: '/one-too-many' } });
      expect(over.status).toBe(409);
      expect(((await over.json()) as { error: string }).error).toMatch(/1,000 shields/);
      for (const s of filler) await meta.shields.delete(s.id);
    });

    it('are refused to viewers (403) and to non-members (404), and another site’s shield ids are not found', async () => {
      expect((await viewer.fetch(shieldsPath())).status).toBe(403);
      expect((await viewer.fetch(shieldsPath(), { body: { kind: 'country', value: 'DE' } })).status).toBe(403);
      expect((await stranger.fetch(shieldsPath())).status).toBe(404);
      expect((await stranger.fetch(shieldsPath(), { body: { kind: 'country', value: 'DE' } })).status).toBe(404);

      const theirs = await stranger.fetch(shieldsPath(otherSite.id), { body: { kind: 'country', value: 'FR' } });
      expect(theirs.status).toBe(201);
      const theirShield = (await theirs.json()) as ShieldView;
      // the admin of shop.example cannot delete other.example's shield through their own site's URL
      expect((await admin.fetch(`${shieldsPath()}/${theirShield.id}`, { method: 'DELETE' })).status).toBe(404);
      expect((await app.server.stores.meta.shields.findById(theirShield.id))?.siteId).toBe(otherSite.id);
      const mine = await addShield('path', '/mine');
      expect((await viewer.fetch(`${shieldsPath()}/${mine.id}`, { method: 'DELETE' })).status).toBe(403);
      await removeShield(mine.id);
    });
  });

  describe('shields at ingestion', () => {
    it('drop a blocked IP’s pageviews (counted in /metrics) and keep everyone else’s, from the next event on', async () => {
      const before = await droppedCount('shield_ip');
      expect((await pageview('/ip/before', '203.0.113.7')).status).toBe(202);
      const shield = await addShield('ip', '203.0.113.7');

      const blocked = await pageview('/ip/blocked', '203.0.113.7');
      expect(blocked.status).toBe(202);
      expect(blocked.headers.get('x-sightline-dropped')).toBe('shield_ip');
      const allowed = await pageview('/ip/allowed', '203.0.113.8');
      expect(allowed.headers.get('x-sightline-dropped')).toBeNull();
      // the same client as the proxy sees it on an IPv4-mapped IPv6 socket
      await pageview('/ip/mapped', '::ffff:203.0.113.7');

      await removeShield(shield.id);
      await pageview('/ip/after', '203.0.113.7');

      expect(await storedPaths('/ip/')).toEqual(['/ip/after', '/ip/allowed', '/ip/before']);
      expect((await droppedCount('shield_ip')) - before).toBe(2);
    });

    it('drop by CIDR range, country, path and hostname, each with its reason', async () => {
      const shields = [
        await addShield('ip', '198.51.100.0/24'),
        await addShield('country', 'DE'),
        await addShield('path', '/admin/**'),
        await addShield('hostname', '*.staging.shop.example'),
      ];
      try {
        const reasons = async (response: Promise<Response>) => (await response).headers.get('x-sightline-dropped');
        expect(await reasons(pageview('/kinds/range', '198.51.100.200'))).toBe('shield_ip');
        expect(await reasons(pageview('/kinds/germany', GERMAN_IP))).toBe('shield_country');
        expect(await reasons(pageview('/admin/kinds', '192.0.2.10'))).toBe('shield_path');
        expect(await reasons(pageview('/kinds/staging', '192.0.2.10', {}, 'pr-7.staging.shop.example'))).toBe(
          'shield_hostname',
        );
        expect(await reasons(pageview('/kinds/fine', '192.0.2.10'))).toBeNull();
        expect(await storedPaths('/kinds/')).toEqual(['/kinds/fine']);
        expect(await storedPaths('/admin/')).toEqual([]);
      } finally {
        for (const shield of shields) await removeShield(shield.id);
      }
    });

    it('check the visitor IP an API event names, before it is discarded', async () => {
      const created = await admin.fetch(`/api/sites/${site.id}/ingest-keys`, { body: { name: 'Backend' } });
      const { token } = (await created.json()) as { token: string };
      const shield = await addShield('ip', '2001:db8:77::/48');
      try {
        const response = await fetch(`${app.url}/api/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': token },
          body: JSON.stringify({
            events: [
              {
                name: 'pageview',
                url: 'https://shop.example/api-ip/blocked',
                ip: '2001:db8:77::5',
                user_agent: CHROME,
              },
              {
                name: 'pageview',
                url: 'https://shop.example/api-ip/allowed',
                ip: '2001:db8:78::5',
                user_agent: CHROME,
              },
            ],
          }),
        });
        expect(response.status).toBe(202);
        const answer = (await response.json()) as { accepted: number; dropped: Array<{ reason: string }> };
        expect(answer.accepted).toBe(1);
        expect(answer.dropped.map((d) => d.reason)).toEqual(['shield_ip']);
        expect(await storedPaths('/api-ip/')).toEqual(['/api-ip/allowed']);
      } finally {
        await removeShield(shield.id);
      }
    });
  });
});
