import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokens, deriveTokenKey } from '../src/auth/tokens.js';
import type { Site } from '../src/domain/site.js';
import { createMetaStore } from '../src/storage/meta/index.js';
import { addSite, createSignedInClient, startTestApp, type TestApp, type TestClient } from './support/app.js';
import { tempDataDir } from './support/server.js';
import { META_ENGINES } from './support/site-fixtures.js';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
/** A German address (Deutsche Telekom range), so the offline geo database has a country for it. */
const GERMAN_IP = '91.64.10.20';

// chDB allows one data directory per process: the apps of both metadata engines share it.
const dataDir = tempDataDir('sightline-ingest-keys-');

describe.each(META_ENGINES)('ingest keys over HTTP on $name', (engine) => {
  let drop: () => Promise<void> = async () => {};
  let app: TestApp;
  let owner: TestClient;
  let viewer: TestClient;
  let stranger: TestClient;
  let site: Site;

  beforeAll(async () => {
    const database = await engine.prepare();
    drop = database.drop;
    app = await startTestApp({
      DATA_DIR: dataDir,
      ...database.env,
      CLICKHOUSE_DATABASE: `ingest_keys_${engine.name}`,
    });
    owner = await createSignedInClient(app, { email: 'owner@example.com' });
    viewer = await createSignedInClient(app, { email: 'viewer@example.com' });
    stranger = await createSignedInClient(app, { email: 'stranger@example.com' });
    site = await addSite(app, owner, 'app.example.com');
    await app.server.stores.meta.members.upsert(site.id, viewer.user.id, 'viewer');
  });

  afterAll(async () => {
    await app?.close();
    await drop();
  });

  interface IngestKeyView {
    id: number;
    name: string;
    prefix: string;
    expiresAt: string | null;
    lastUsedAt: string | null;
    usageCount: number;
    rateLimitPerMinute: number;
    revokedAt: string | null;
    createdAt: string;
  }

  interface EventsAnswer {
    accepted: number;
    dropped: Array<{ index?: number; reason: string; detail?: string }>;
  }

  const keysPath = () => `/api/sites/${site.id}/ingest-keys`;

  async function createIngestKey(body: Record<string, unknown> = {}): Promise<{ key: IngestKeyView; token: string }> {
    const response = await owner.fetch(keysPath(), { body: { name: 'Backend', ...body } });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as { key: IngestKeyView; token: string };
  }

  async function listIngestKeys(): Promise<IngestKeyView[]> {
    const response = await owner.fetch(keysPath());
    expect(response.status).toBe(200);
    return ((await response.json()) as { keys: IngestKeyView[] }).keys;
  }

  /** A server sending events: its own user agent, the key in X-API-Key, no cookies. */
  function sendEvents(token: string | undefined, body: unknown, headers: Record<string, string> = {}) {
    return fetch(`${app.url}/api/v1/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Acme-Backend/2.3 (+https://acme.example/bot-policy)',
        ...(token === undefined ? {} : { 'x-api-key': token }),
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  /** Rows of the test site, after moving everything acknowledged into the event store; values bound as parameters. */
  async function rowsFor<T>(columns: string, condition: string, order = 'ORDER BY ts') {
    await app.server.flushNow();
    const events = app.server.stores.events;
    return events.query<T>(
      `SELECT ${columns} FROM ${events.eventsTable} WHERE site_id = {site:UInt32} AND ${condition} ${order}`,
      { site: site.id },
    );
  }

  function event(path: string, extra: Record<string, unknown> = {}) {
    return { name: 'pageview', url: `https://app.example.com${path}`, user_agent: IPHONE, ip: GERMAN_IP, ...extra };
  }

  describe('ingest keys', () => {
    it('are created by an admin, shown once, and listed by prefix with their limits and usage', async () => {
      const { key, token } = await createIngestKey({ name: ' Mobile app ', expiresInDays: 90 });
      expect(token).toMatch(/^sl_ingest_[0-9A-Za-z]{40}$/);
      expect(key).toMatchObject({
        name: 'Mobile app',
        prefix: token.slice(0, 'sl_ingest_'.length + 8),
        usageCount: 0,
        lastUsedAt: null,
        rateLimitPerMinute: 6000,
        revokedAt: null,
      });
      expect(Date.parse(key.expiresAt ?? '')).toBeGreaterThan(Date.now() + 89 * 86_400_000);
      const listed = await listIngestKeys();
      expect(listed.find((k) => k.id === key.id)).toEqual(key);
      expect(JSON.stringify(listed)).not.toContain(token);
      const stored = await app.server.stores.meta.ingestKeys.findById(key.id);
      expect(stored?.hash).not.toContain(token.slice(18));
      expect(JSON.stringify(listed)).not.toContain(stored?.hash);
    });

    it('are for admins only: a viewer is refused (403) and a non-member is told the site does not exist (404)', async () => {
      expect((await viewer.fetch(keysPath())).status).toBe(403);
      expect((await viewer.fetch(keysPath(), { body: { name: 'x' } })).status).toBe(403);
      expect((await stranger.fetch(keysPath())).status).toBe(404);
      expect((await stranger.fetch(keysPath(), { body: { name: 'x' } })).status).toBe(404);
      const { key } = await createIngestKey({ name: 'Guarded' });
      expect((await stranger.fetch(`${keysPath()}/${key.id}`, { method: 'DELETE' })).status).toBe(404);
      expect((await viewer.fetch(`${keysPath()}/${key.id}/regenerate`, { method: 'POST' })).status).toBe(403);
    });

    it('refuse bad settings with a message that says what to fix', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ name: '' }, /name is required/],
        [
          { name: 'ok', rateLimitPerMinute: 0 },
          /rateLimitPerMinute must be a whole number of events from 1 to 1,000,000/,
        ],
        [{ name: 'ok', rateLimitPerMinute: 1_000_001 }, /1 to 1,000,000/],
        [{ name: 'ok', rateLimitPerMinute: 2.5 }, /1 to 1,000,000/],
        [{ name: 'ok', expiresInDays: -1 }, /expiresInDays/],
      ];
      for (const [body, message] of cases) {
        const response = await owner.fetch(keysPath(), { body });
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(((await response.json()) as { error: string }).error).toMatch(message);
      }
      const { key } = await createIngestKey({ name: 'Limited', rateLimitPerMinute: 1_000_000 });
      expect(key.rateLimitPerMinute).toBe(1_000_000);
    });
  });

  describe('POST /api/v1/events', () => {
    it('stores a batch for the key’s site, enriched like browser events, and reports bad events by index', async () => {
      const { token } = await createIngestKey({ name: 'Batch sender' });
      const at = Date.now() - 3 * 3_600_000;
      const response = await sendEvents(token, {
        events: [
          event('/batch/one', {
            timestamp: new Date(at).toISOString(),
            title: 'One',
            referrer: 'https://www.google.com/',
            props: { plan: 'pro', seats: 3 },
            user_id: 'u-42',
            screen: { width: 390, height: 844 },
            language: 'de-DE',
          }),
          { name: 'pageview' },
          event('/batch/two', { name: 'Signup', revenue: { amount: '49.90', currency: 'eur' }, timestamp: at + 1000 }),
          event('/batch/late', { timestamp: Date.now() - 40 * 86_400_000 }),
          // a domain in the body never picks the site
          event('/batch/three', { domain: 'elsewhere.example', timestamp: at + 2000 }),
        ],
      });
      expect(response.status).toBe(202);
      const answer = (await response.json()) as EventsAnswer;
      expect(answer.accepted).toBe(3);
      expect(answer.dropped).toEqual([
        { index: 1, reason: 'invalid', detail: 'url is required' },
        { index: 3, reason: 'invalid', detail: expect.stringMatching(/more than 30 days in the past/) },
      ]);

      const rows = await rowsFor<Record<string, unknown>>(
        'name, pathname, title, source, user_id, props, revenue_amount, revenue_currency, country, browser, device, screen_w, language, referrer_source, toUnixTimestamp64Milli(ts) AS ms',
        "startsWith(pathname, '/batch/')",
      );
      expect(rows).toEqual([
        expect.objectContaining({
          name: 'pageview',
          pathname: '/batch/one',
          title: 'One',
          source: 'api',
          user_id: 'u-42',
          props: { plan: 'pro', seats: '3' },
          country: 'DE',
          browser: 'Safari',
          device: 'mobile',
          screen_w: 390,
          language: 'de-DE',
          referrer_source: 'Google',
          ms: String(at),
        }),
        expect.objectContaining({ name: 'Signup', revenue_currency: 'EUR', ms: String(at + 1000) }),
        expect.objectContaining({ pathname: '/batch/three', ms: String(at + 2000) }),
      ]);
      expect(Number((rows[1] as { revenue_amount: unknown }).revenue_amount)).toBe(49.9);
      // the visitor's IP was used (country) and is stored nowhere
      const all = JSON.stringify(await rowsFor('*', "startsWith(pathname, '/batch/')"));
      expect(all).not.toContain(GERMAN_IP);
      expect(app.logs()).not.toContain(GERMAN_IP);
      expect(app.logs()).not.toContain(token);
    });

    it('takes a single event object too, and reports pipeline drops such as bots', async () => {
      const { token } = await createIngestKey({ name: 'Single' });
      const one = await sendEvents(token, event('/single'));
      expect(one.status).toBe(202);
      expect(await one.json()).toEqual({ accepted: 1, dropped: [] });

      const bot = await sendEvents(token, event('/single-bot', { user_agent: 'curl/8.4.0' }));
      expect(await bot.json()).toEqual({ accepted: 0, dropped: [{ index: 0, reason: 'bot' }] });

      const mixed = await sendEvents(token, {
        events: [event('/mixed-ok'), event('/mixed-bot', { user_agent: 'python-requests/2.31.0' })],
      });
      const mixedAnswer = (await mixed.json()) as EventsAnswer;
      expect(mixedAnswer.accepted).toBe(1);
      expect(mixedAnswer.dropped).toEqual([{ index: 1, reason: 'bot' }]);
      expect(await rowsFor('pathname', "pathname IN ('/single', '/single-bot', '/mixed-ok', '/mixed-bot')")).toEqual([
        { pathname: '/single' },
        { pathname: '/mixed-ok' },
      ]);
    });

    it('refuses requests without a valid key (401) and says why', async () => {
      const cases: Array<[string | undefined, RegExp]> = [
        [undefined, /X-API-Key header/],
        ['', /X-API-Key header/],
        [`sl_ingest_${'A'.repeat(40)}`, /Unknown ingest key/],
        ['not-a-key', /start with sl_ingest_/],
      ];
      const { token: personal } = (await (
        await owner.fetch('/api/account/api-keys', { body: { name: 'p', scopes: ['stats:read'] } })
      ).json()) as { token: string };
      cases.push([personal, /not a personal API key/]);
      for (const [token, message] of cases) {
        const response = await sendEvents(token, event('/unauthorised'));
        expect(response.status, String(token)).toBe(401);
        expect(((await response.json()) as { error: string }).error).toMatch(message);
      }
      // a personal key as a Bearer token is not an ingest key either
      const bearer = await sendEvents(undefined, event('/unauthorised'), { authorization: `Bearer ${personal}` });
      expect(bearer.status).toBe(401);
      expect(await rowsFor('pathname', "pathname = '/unauthorised'")).toEqual([]);
    });

    it('refuses an expired key', async () => {
      const minted = createTokens({ key: deriveTokenKey(app.config.secretKey) }).newToken('sl_ingest');
      await app.server.stores.meta.ingestKeys.create({
        siteId: site.id,
        name: 'Old',
        lookupId: minted.lookupId,
        hash: minted.hash,
        expiresAt: new Date(Date.now() - 60_000),
        rateLimitPerMinute: 100,
        createdBy: owner.user.id,
      });
      const response = await sendEvents(minted.token, event('/expired'));
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: string }).error).toMatch(/expired/);
    });

    it('refuses malformed bodies whole, with the limit named', async () => {
      const { token } = await createIngestKey({ name: 'Malformed' });
      const tooMany = await sendEvents(token, { events: Array.from({ length: 1001 }, () => event('/too-many')) });
      expect(tooMany.status).toBe(413);
      expect(((await tooMany.json()) as { error: string }).error).toMatch(/at most 1,000 per request/);
      const cases: Array<[string, number, RegExp]> = [
        ['{"events": {}}', 400, /events must be an array/],
        ['{"events": []}', 400, /1 to 1,000/],
        ['[1, 2]', 400, /JSON object/],
        ['{"name": ', 400, /not valid JSON/],
      ];
      for (const [body, status, message] of cases) {
        const response = await sendEvents(token, body);
        expect(response.status, body).toBe(status);
        expect(((await response.json()) as { error: string }).error).toMatch(message);
      }
      const form = await sendEvents(token, 'name=x', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(form.status).toBe(415);
      expect(await rowsFor('pathname', "pathname = '/too-many'")).toEqual([]);
    });

    it('accept 1,000 events in one request', async () => {
      const { token } = await createIngestKey({ name: 'Bulk' });
      const events = Array.from({ length: 1000 }, (_, i) => event(`/bulk/${i}`, { ip: `91.64.${i % 200}.${i % 250}` }));
      const response = await sendEvents(token, { events });
      expect(response.status).toBe(202);
      expect(((await response.json()) as EventsAnswer).accepted).toBe(1000);
      expect(await rowsFor('count() AS n', "startsWith(pathname, '/bulk/')", '')).toEqual([{ n: '1000' }]);
    });

    it('regenerates a key: the old token stops at once, the new one works', async () => {
      const { key, token: oldToken } = await createIngestKey({ name: 'Rotated' });
      expect((await sendEvents(oldToken, event('/rotate-before'))).status).toBe(202);
      const response = await owner.fetch(`${keysPath()}/${key.id}/regenerate`, { method: 'POST' });
      expect(response.status).toBe(200);
      const { key: rotated, token: newToken } = (await response.json()) as { key: IngestKeyView; token: string };
      expect(newToken).not.toBe(oldToken);
      expect(rotated.id).toBe(key.id);
      expect(rotated.prefix).toBe(newToken.slice(0, 'sl_ingest_'.length + 8));
      expect((await sendEvents(oldToken, event('/rotate-old'))).status).toBe(401);
      expect((await sendEvents(newToken, event('/rotate-new'))).status).toBe(202);
    });

    it('revokes a key: it stops at once and stays listed as revoked', async () => {
      const { key, token } = await createIngestKey({ name: 'Revoked' });
      expect((await owner.fetch(`${keysPath()}/${key.id}`, { method: 'DELETE' })).status).toBe(204);
      const response = await sendEvents(token, event('/revoked'));
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: string }).error).toMatch(/revoked/);
      expect((await listIngestKeys()).find((k) => k.id === key.id)?.revokedAt).not.toBeNull();
      expect((await owner.fetch(`${keysPath()}/${key.id}/regenerate`, { method: 'POST' })).status).toBe(409);
      // revoking twice is harmless
      expect((await owner.fetch(`${keysPath()}/${key.id}`, { method: 'DELETE' })).status).toBe(204);
      const audit = await app.server.stores.meta.audit.listForUser(owner.user.id, { limit: 50 });
      expect(audit.filter((e) => e.details.keyId === key.id).map((e) => e.action)).toEqual([
        'ingest_key.revoked',
        'ingest_key.created',
      ]);
    });

    it('enforces the per-key rate limit: a request over it gets 429 with Retry-After and stores nothing', async () => {
      // stay clear of a minute boundary, where the window (and its count) starts over
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
      const { token } = await createIngestKey({ name: 'Slow', rateLimitPerMinute: 5 });
      const first = await sendEvents(token, { events: [event('/rl/1'), event('/rl/2'), event('/rl/3')] });
      expect(first.status).toBe(202);
      const over = await sendEvents(token, { events: [event('/rl/4'), event('/rl/5'), event('/rl/6')] });
      expect(over.status).toBe(429);
      const retryAfter = Number(over.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(((await over.json()) as { error: string }).error).toMatch(/5 events per minute/);
      const tooBig = await sendEvents(token, { events: Array.from({ length: 6 }, (_, i) => event(`/rl/big-${i}`)) });
      expect(tooBig.status).toBe(429);
      expect(((await tooBig.json()) as { error: string }).error).toMatch(/send smaller batches/);
      expect(await rowsFor('pathname', "startsWith(pathname, '/rl/')")).toEqual([
        { pathname: '/rl/1' },
        { pathname: '/rl/2' },
        { pathname: '/rl/3' },
      ]);
      // other keys of the site are not affected
      const { token: other } = await createIngestKey({ name: 'Other' });
      expect((await sendEvents(other, event('/rl-other'))).status).toBe(202);
    });

    it('shows last use and usage counts at once, and writes them to the store in batches and on shutdown', async () => {
      const { key, token } = await createIngestKey({ name: 'Counted' });
      for (let i = 0; i < 3; i++) {
        expect((await sendEvents(token, { events: [event(`/count/${i}a`), event(`/count/${i}b`)] })).status).toBe(202);
      }
      await sendEvents(token, event('/count/bot', { user_agent: 'curl/8' }));
      const listed = (await listIngestKeys()).find((k) => k.id === key.id);
      expect(listed?.usageCount).toBe(6);
      expect(Date.now() - Date.parse(listed?.lastUsedAt ?? '')).toBeLessThan(30_000);

      // written within a few seconds without any request
      const deadline = Date.now() + 8_000;
      let stored = await app.server.stores.meta.ingestKeys.findById(key.id);
      while (stored?.usageCount !== 6 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        stored = await app.server.stores.meta.ingestKeys.findById(key.id);
      }
      expect(stored?.usageCount).toBe(6);
      expect(stored?.lastUsedAt).not.toBeNull();

      // usage counted just before shutdown is not lost
      await sendEvents(token, event('/count/last'));
      await app.close();
      const meta = await createMetaStore({ dataDir: app.config.dataDir, databaseUrl: app.config.databaseUrl });
      try {
        expect((await meta.ingestKeys.findById(key.id))?.usageCount).toBe(7);
      } finally {
        await meta.close();
      }
    });
  });
});
