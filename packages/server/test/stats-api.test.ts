import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addSite,
  clientFetch,
  createSignedInClient,
  startTestApp,
  type TestApp,
  type TestClient,
} from './support/app.js';
import {
  CHROME_MAC as CHROME_UA,
  countEvents,
  createApiKey,
  EXPECTED,
  type StatsFixture,
  seedStatsSite,
  track,
} from './support/stats-fixture.js';

/**
 * The stats API end to end: a real server, visits sent through the ingestion endpoint, numbers read back over HTTP
 * exactly as the dashboard and API users read them.
 */

const DOMAIN = 'stats.example';
let app: TestApp;
let owner: TestClient;
let stranger: TestClient;
let fixture: StatsFixture;

beforeAll(async () => {
  app = await startTestApp({ TRUST_PROXY: 'true' });
  owner = await createSignedInClient(app, { email: 'owner@stats.example' });
  stranger = await createSignedInClient(app, { email: 'stranger@elsewhere.example' });
  fixture = await seedStatsSite(app, owner, DOMAIN, '203.0.113');
}, 60_000);

afterAll(async () => {
  await app?.close();
});

function query(body: Record<string, unknown>, client: TestClient = owner) {
  return client.fetch('/api/v2/query', { body: { site_id: DOMAIN, date_range: 'day', ...body } });
}

async function ok<T = Record<string, unknown>>(response: Response): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as T;
}

interface Answer {
  results: { dimensions: string[]; metrics: number[]; comparison?: { metrics: number[]; change: unknown[] } }[];
  meta: Record<string, unknown>;
  query: { site_id: string; date_range: [string, string]; comparison_date_range?: [string, string] };
}

const today = () => new Date().toISOString().slice(0, 10);

describe('POST /api/v2/query', () => {
  it("answers today's top stats exactly, with a previous-period comparison", async () => {
    const answer = await ok<Answer>(
      await query({
        metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate'],
        include: { comparisons: { mode: 'previous_period' } },
      }),
    );
    expect(answer.results).toHaveLength(1);
    expect(answer.results[0]!.metrics).toEqual([EXPECTED.visitors, EXPECTED.visits, EXPECTED.pageviews, 60]);
    // Yesterday had nobody: the comparison is there, zero, and the relative change is undefined.
    expect(answer.results[0]!.comparison?.metrics).toEqual([0, 0, 0, 0]);
    expect(answer.results[0]!.comparison?.change).toEqual([null, null, null, 60]);
    expect(answer.query.site_id).toBe(DOMAIN);
    expect(answer.query.date_range).toEqual([`${today()}T00:00:00+00:00`, `${today()}T23:59:59+00:00`]);
    expect(answer.query.comparison_date_range?.[0]).toMatch(/T00:00:00\+00:00$/);
  });

  it('breaks down top pages, ordered by visitors', async () => {
    const answer = await ok<Answer>(
      await query({ metrics: ['visitors', 'pageviews'], dimensions: ['event:page'], include: { total_rows: true } }),
    );
    expect(answer.results.map((row) => [row.dimensions[0], ...row.metrics])).toEqual(EXPECTED.pages);
    expect(answer.meta.total_rows).toBe(3);
  });

  it('counts goal conversions by goal display name', async () => {
    const answer = await ok<Answer>(
      await query({ metrics: ['visitors', 'events', 'conversion_rate'], dimensions: ['event:goal'] }),
    );
    expect(answer.results.map((row) => [row.dimensions[0], ...row.metrics])).toEqual([
      ['Visited pricing', 3, 3, 60],
      ['Signup', 1, 1, 20],
    ]);
  });

  it('accepts the site by numeric id as well as by domain', async () => {
    const answer = await ok<Answer>(await query({ site_id: String(fixture.site.id), metrics: ['visitors'] }));
    expect(answer.results[0]!.metrics).toEqual([EXPECTED.visitors]);
  });

  it('filters by source, with the visit counted once', async () => {
    const answer = await ok<Answer>(
      await query({ metrics: ['visitors', 'pageviews'], filters: [['is', 'visit:source', ['Google']]] }),
    );
    expect(answer.results[0]!.metrics).toEqual([1, 2]);
  });

  it('answers 400 naming the wrong part of a malformed request', async () => {
    const cases: [unknown, RegExp][] = [
      [{ site_id: DOMAIN, metrics: ['visitorz'], date_range: 'day' }, /Unknown metric "visitorz"/],
      [{ site_id: DOMAIN, metrics: ['visitors'], date_range: 'fortnight' }, /date_range/],
      [{ site_id: DOMAIN, metrics: ['visitors'], date_range: 'day', dimensions: ['visit:shoe_size'] }, /dimension/],
      [{ site_id: DOMAIN, metrics: ['conversion_rate'], date_range: 'day' }, /event:goal/],
      [
        { site_id: DOMAIN, metrics: ['visitors'], date_range: 'day', filters: [['is', 'event:goal', ['Nope']]] },
        /goal "Nope" is not configured/,
      ],
      [
        { site_id: DOMAIN, metrics: ['visitors'], date_range: 'day', filters: [['matches', 'event:page', ['\\Z']]] },
        /filters\[0\]\[2\]\[0\].*escape \\Z/,
      ],
      [{ site_id: DOMAIN, metrics: ['visitors'], date_range: 'day', surprise: 1 }, /Unknown key "surprise"/],
      [[1, 2, 3], /JSON object/],
    ];
    for (const [body, message] of cases) {
      const response = await owner.fetch('/api/v2/query', { body });
      const answer = (await response.json()) as { error: string };
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(answer.error).toMatch(message);
    }
    const broken = await owner.fetch('/api/v2/query', { body: '{"site_id": "stats.example", "metrics": [' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: string }).error).toMatch(/not valid JSON/);
    const empty = await clientFetch(app.url, '/api/v2/query', { method: 'POST', cookie: owner.cookie });
    expect(empty.status).toBe(400);
  });
});

describe('result cache', () => {
  it('answers a closed period from the cache the second time', async () => {
    const body = { metrics: ['visitors', 'pageviews'], date_range: '7d', dimensions: ['event:page'] };
    const first = await query(body);
    const second = await query(body);
    expect(first.headers.get('x-sightline-cache')).toBe('miss');
    expect(second.headers.get('x-sightline-cache')).toBe('hit');
    expect(await ok(second)).toEqual(await ok(first));
  });

  it('never caches a period that includes today, so new visits show at once', async () => {
    const body = { metrics: ['visitors'] };
    const first = await query(body);
    expect(first.headers.get('x-sightline-cache')).toBe('bypass');
    const before = (await ok<Answer>(first)).results[0]!.metrics[0]!;
    await track(app, '203.0.113.77', { domain: DOMAIN, url: `https://${DOMAIN}/late` });
    await app.server.flushNow();
    const second = await query(body);
    expect(second.headers.get('x-sightline-cache')).toBe('bypass');
    expect((await ok<Answer>(second)).results[0]!.metrics[0]).toBe(before + 1);
  });

  it('recomputes when the goals change', async () => {
    const body = { metrics: ['visitors'], date_range: '7d', dimensions: ['event:goal'] };
    await query(body);
    expect((await query(body)).headers.get('x-sightline-cache')).toBe('hit');
    const goal = await app.server.stores.meta.goals.create({
      siteId: fixture.site.id,
      kind: 'pageview',
      pathPattern: '/late',
      eventName: null,
      displayName: 'Late page',
    });
    try {
      expect((await query(body)).headers.get('x-sightline-cache')).toBe('miss');
    } finally {
      await app.server.stores.meta.goals.delete(goal.id);
    }
  });
});

describe('result cache and back-dated events', () => {
  it('drops cached answers of a site when an ingest key sends events into a closed period', async () => {
    const body = { metrics: ['visitors', 'pageviews'], date_range: '7d' };
    const before = await ok<Answer>(await query(body));
    expect((await query(body)).headers.get('x-sightline-cache')).toBe('hit');

    const created = await owner.fetch(`/api/sites/${fixture.site.id}/ingest-keys`, { body: { name: 'backfill' } });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const twoDaysAgo = Date.now() - 2 * 86_400_000;
    const sent = await fetch(`${app.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': token },
      body: JSON.stringify({
        name: 'pageview',
        url: `https://${DOMAIN}/backfilled`,
        timestamp: twoDaysAgo,
        ip: '198.51.100.23',
        user_agent: CHROME_UA,
      }),
    });
    expect(sent.status).toBe(202);
    expect(((await sent.json()) as { accepted: number }).accepted).toBe(1);
    await app.server.flushNow();

    const after = await query(body);
    expect(after.headers.get('x-sightline-cache')).toBe('miss');
    expect((await ok<Answer>(after)).results[0]!.metrics).toEqual([
      before.results[0]!.metrics[0]! + 1,
      before.results[0]!.metrics[1]! + 1,
    ]);
  });
});

describe('GET /api/v2/realtime', () => {
  it('counts the visitors of the last five minutes, with their pages and sources', async () => {
    const answer = await ok<{
      visitors: number;
      series: { minute: string; visitors: number; pageviews: number }[];
      pages: { page: string; visitors: number }[];
      sources: { source: string; visitors: number }[];
    }>(await owner.fetch(`/api/v2/realtime?site_id=${DOMAIN}`));
    // The five seeded visitors, plus the one the cache test sent.
    expect(answer.visitors).toBe(6);
    expect(answer.series).toHaveLength(30);
    expect(answer.series.reduce((sum, minute) => sum + minute.pageviews, 0)).toBe(EXPECTED.pageviews + 1);
    expect(answer.pages.slice(0, 3)).toEqual([
      { page: '/pricing', visitors: 3 },
      { page: '/', visitors: 2 },
      { page: '/blog/hello', visitors: 2 },
    ]);
    expect(answer.sources).toEqual([
      { source: 'Direct / None', visitors: 4 },
      { source: 'Google', visitors: 1 },
      { source: 'Hacker News', visitors: 1 },
    ]);
  });
});

describe('POST /api/v2/funnel', () => {
  it("answers the stored funnel's steps with drop-off", async () => {
    const answer = await ok(
      await owner.fetch('/api/v2/funnel', {
        body: { site_id: DOMAIN, funnel_id: fixture.funnel.id, date_range: 'day' },
      }),
    );
    expect(answer).toEqual({
      date_range: [`${today()}T00:00:00+00:00`, `${today()}T23:59:59+00:00`],
      steps: [
        { goal: 'Visited pricing', visitors: 3, dropoff: 0, dropoffPercentage: 0, conversionRate: 100 },
        { goal: 'Signup', visitors: 1, dropoff: 2, dropoffPercentage: 66.67, conversionRate: 33.33 },
      ],
    });
  });

  it("404s an unknown funnel and another site's funnel; 400s a malformed request", async () => {
    const other = await app.server.stores.meta.sites.create({ domain: 'other-funnel.example' });
    await app.server.stores.meta.members.upsert(other.id, owner.user.id, 'owner');
    const unknown = await owner.fetch('/api/v2/funnel', { body: { site_id: DOMAIN, funnel_id: 999_999 } });
    expect(unknown.status).toBe(404);
    const foreign = await owner.fetch('/api/v2/funnel', {
      body: { site_id: other.domain, funnel_id: fixture.funnel.id },
    });
    expect(foreign.status).toBe(404);
    const malformed = await owner.fetch('/api/v2/funnel', { body: { site_id: DOMAIN, funnel_id: 'first' } });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/funnel_id/);
  });
});

describe('exports', () => {
  it('POST /api/v2/export answers the breakdown as a CSV attachment', async () => {
    const response = await owner.fetch('/api/v2/export', {
      body: { site_id: DOMAIN, metrics: ['visitors', 'pageviews'], date_range: 'day', dimensions: ['event:page'] },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="stats.example-event_page-${today()}-${today()}.csv"`,
    );
    expect(await response.text()).toBe(
      ['event:page,visitors,pageviews', '/pricing,3,3', '/,2,2', '/blog/hello,2,2', '/late,1,1', ''].join('\r\n'),
    );
  });

  it('GET /api/v2/export/site answers a zip of CSV reports', async () => {
    const response = await owner.fetch(`/api/v2/export/site?site_id=${DOMAIN}&date_range=day`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="stats.example-${today()}-${today()}.zip"`,
    );
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['visitors.csv', 'pages.csv', 'sources.csv', 'countries.csv', 'goals.csv']),
    );
    const visitors = strFromU8(files['visitors.csv']!).split('\r\n');
    expect(visitors[0]).toBe('date,visitors,visits,pageviews,views_per_visit,bounce_rate,visit_duration');
    expect(visitors[1]).toMatch(new RegExp(`^${today()},6,6,8,`));
    expect(strFromU8(files['goals.csv']!).split('\r\n').slice(0, 3)).toEqual([
      'goal,visitors,events,conversion_rate',
      'Visited pricing,3,3,50',
      'Signup,1,1,16.67',
    ]);
  });

  it('400s an export range it cannot read', async () => {
    const response = await owner.fetch(`/api/v2/export/site?site_id=${DOMAIN}&date_range=forever`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/date_range/);
  });
});

describe('GET /api/v2/props', () => {
  const PROPS_DOMAIN = 'props.example';
  let propsSiteId: number;
  const keysOf = async (params: string, client: TestClient = owner) =>
    (await ok<{ keys: { key: string; events: number }[] }>(await client.fetch(`/api/v2/props?${params}`))).keys;

  beforeAll(async () => {
    const site = await addSite(app, owner, PROPS_DOMAIN);
    propsSiteId = site.id;
    const url = `https://${PROPS_DOMAIN}/docs`;
    const sent: [string, string, Record<string, string>][] = [
      ['203.0.114.1', 'Download', { file: 'a.pdf', plan: 'pro' }],
      ['203.0.114.2', 'Download', { file: 'b.pdf' }],
      ['203.0.114.3', 'Download', { file: 'a.pdf', author: 'ann' }],
      ['203.0.114.4', 'Signup', { plan: 'free' }],
      ['203.0.114.5', 'pageview', { author: 'bob' }],
      ['203.0.114.6', 'pageview', {}],
    ];
    for (const [ip, name, props] of sent) await track(app, ip, { domain: PROPS_DOMAIN, url, name, props });
    const deadline = Date.now() + 5_000;
    while ((await countEvents(app, site.id)) < sent.length) {
      if (Date.now() > deadline) throw new Error('props events did not reach the store');
      await app.server.flushNow();
    }
  });

  it('lists the property keys by how many events carry them, then by key', async () => {
    expect(await keysOf(`site_id=${PROPS_DOMAIN}&date_range=day`)).toEqual([
      { key: 'file', events: 3 },
      { key: 'author', events: 2 },
      { key: 'plan', events: 2 },
    ]);
    expect(await keysOf(`site_id=${propsSiteId}&date_range=day&event=Signup`)).toEqual([{ key: 'plan', events: 1 }]);
    expect(await keysOf(`site_id=${PROPS_DOMAIN}&date_range=day&event=Nothing`)).toEqual([]);
    // The default range is the 30 whole days before today, as everywhere in the stats API.
    expect(await keysOf(`site_id=${PROPS_DOMAIN}`)).toEqual([]);
    // The stats fixture's site sends no properties, and none of this site's show there.
    expect(await keysOf(`site_id=${DOMAIN}&date_range=day`)).toEqual([]);
  });

  it('400s a date range it cannot read, 401s without a session, 404s another account', async () => {
    const bad = await owner.fetch(`/api/v2/props?site_id=${PROPS_DOMAIN}&date_range=fortnight`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/date_range/);
    expect((await clientFetch(app.url, `/api/v2/props?site_id=${PROPS_DOMAIN}&date_range=day`)).status).toBe(401);
    for (const siteId of [PROPS_DOMAIN, String(propsSiteId)]) {
      const response = await stranger.fetch(`/api/v2/props?site_id=${siteId}&date_range=day`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('file');
    }
  });
});

describe('GET /api/v2/site-context', () => {
  it('gives the dashboard the site, its goals and funnels, and the caller role', async () => {
    const answer = await ok<Record<string, unknown>>(await owner.fetch(`/api/v2/site-context?site_id=${DOMAIN}`));
    expect(answer).toMatchObject({
      site: { id: fixture.site.id, domain: DOMAIN, name: DOMAIN, timezone: 'UTC' },
      role: 'owner',
      funnels: [{ id: fixture.funnel.id, name: 'Pricing to signup', steps: ['Visited pricing', 'Signup'] }],
    });
    expect((answer.goals as { displayName: string }[]).map((goal) => goal.displayName)).toEqual([
      'Visited pricing',
      'Signup',
    ]);
  });
});

describe('access', () => {
  it('401s without a session or key', async () => {
    const response = await clientFetch(app.url, '/api/v2/query', {
      body: { site_id: DOMAIN, metrics: ['visitors'], date_range: 'day' },
    });
    expect(response.status).toBe(401);
    for (const path of [`/api/v2/realtime?site_id=${DOMAIN}`, `/api/v2/site-context?site_id=${DOMAIN}`]) {
      expect((await clientFetch(app.url, path)).status).toBe(401);
    }
  });

  it("404s another account's site, by domain or by id, on every route", async () => {
    for (const siteId of [DOMAIN, String(fixture.site.id)]) {
      const response = await query({ site_id: siteId, metrics: ['visitors'] }, stranger);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('visitors"');
    }
    expect((await stranger.fetch(`/api/v2/realtime?site_id=${DOMAIN}`)).status).toBe(404);
    expect((await stranger.fetch(`/api/v2/site-context?site_id=${DOMAIN}`)).status).toBe(404);
    expect((await stranger.fetch(`/api/v2/export/site?site_id=${DOMAIN}`)).status).toBe(404);
    const funnel = await stranger.fetch('/api/v2/funnel', { body: { site_id: DOMAIN, funnel_id: fixture.funnel.id } });
    expect(funnel.status).toBe(404);
  });

  it('lets a viewer read, and says so in the site context', async () => {
    const viewer = await createSignedInClient(app, { email: 'viewer@stats.example' });
    await app.server.stores.meta.members.upsert(fixture.site.id, viewer.user.id, 'viewer');
    await ok(await query({ metrics: ['visitors'] }, viewer));
    const context = await ok<{ role: string }>(await viewer.fetch(`/api/v2/site-context?site_id=${DOMAIN}`));
    expect(context.role).toBe('viewer');
  });

  it('takes an API key with stats:read, and refuses one without it', async () => {
    const reader = await createApiKey(app, owner.user.id, ['stats:read']);
    const sitesOnly = await createApiKey(app, owner.user.id, ['sites:read']);
    const body = { site_id: DOMAIN, metrics: ['visitors'], date_range: 'day' };
    const asKey = (token: string) =>
      fetch(`${app.url}/api/v2/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const allowed = await asKey(reader);
    expect((await ok<Answer>(allowed)).results[0]!.metrics[0]).toBeGreaterThanOrEqual(EXPECTED.visitors);
    const refused = await asKey(sitesOnly);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toMatch(/stats:read/);
    expect((await asKey('sl_live_notARealKeyAtAll0000000000000000000000')).status).toBe(401);
  });

  it('never lets browsers or proxies store an answer', async () => {
    const response = await query({ metrics: ['visitors'] });
    expect(response.headers.get('cache-control')).toBe('private, no-store');
  });

  it('lists the stats routes in the API documentation', async () => {
    const document = await ok<{ paths: Record<string, unknown> }>(await fetch(`${app.url}/api-docs`));
    for (const path of [
      '/api/v2/query',
      '/api/v2/realtime',
      '/api/v2/funnel',
      '/api/v2/export',
      '/api/v2/export/site',
      '/api/v2/site-context',
      '/api/v2/props',
      '/api/share/{slug}/v2/query',
      '/api/share/{slug}/v2/props',
    ]) {
      expect(Object.keys(document.paths)).toContain(path);
    }
  });
});
