import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignedInClient, startTestApp, type TestApp, type TestClient } from './support/app.js';
import { countEvents, EXPECTED, type StatsFixture, seedStatsSite, track } from './support/stats-fixture.js';

/**
 * Hostile input through every field of the stats API. Whatever arrives, the answer is never a 5xx: either a 400 that
 * names the part that is wrong, or a normal answer in which the hostile text was data (a filter on it matches
 * nothing), and the events are all still there afterwards.
 */

const DOMAIN = 'inject.example';
const HOSTILE_KEY = "k' OR 1=1 --";
const HOSTILE_VALUE = "v'); DROP TABLE events; --";

/** None of these occurs in the seeded data, so as filter values they must match nothing. */
const HOSTILE = [
  "x' OR 1=1 --",
  "'; DROP TABLE events; --",
  "') UNION SELECT name FROM system.tables --",
  '" OR ""="',
  "\\' OR \\'1\\'=\\'1",
  '{site:UInt32}',
  '{p0:String}',
  '`; SELECT 1',
  '/* comment */ 1',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text itself is the attack, never evaluated
  '${process.exit(1)}',
  '<script>alert(1)</script>',
  'a\u0000b',
  'line\r\nbreak',
  '%27%20OR%201%3D1',
  '\\',
  '\ud800 lone surrogate',
  'ünïcødé ✓ 𝔘',
  `${'A'.repeat(2001)}`,
];

const TEXT_OPERATORS = ['is', 'contains', 'matches'] as const;

let app: TestApp;
let owner: TestClient;
let fixture: StatsFixture;
let eventsBefore: number;
let allEventsBefore: number;
let totalVisitors: number;

beforeAll(async () => {
  app = await startTestApp({ TRUST_PROXY: 'true' });
  owner = await createSignedInClient(app, { email: 'owner@inject.example' });
  fixture = await seedStatsSite(app, owner, DOMAIN, '203.0.113');
  // Hostile text stored as data: a page path and a custom property, both with SQL in them.
  await track(app, '203.0.113.66', {
    domain: DOMAIN,
    url: `https://${DOMAIN}/y'%20OR%202=2%20--`,
    props: { [HOSTILE_KEY]: HOSTILE_VALUE },
  });
  await app.server.flushNow();
  totalVisitors = EXPECTED.visitors + 1;
  eventsBefore = await countEvents(app, fixture.site.id);
  allEventsBefore = await countEvents(app);
  expect(eventsBefore).toBe(9);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

interface Outcome {
  status: number;
  error?: string;
  visitors?: number;
  results?: { dimensions: string[]; metrics: number[] }[];
}

const describeBody = (body: unknown) => JSON.stringify(body).slice(0, 300);

/** Sends a query body; fails the test on any 5xx or on a 400 that does not name `part`. */
async function send(body: unknown, part: RegExp, path = '/api/v2/query'): Promise<Outcome> {
  const response = await owner.fetch(path, { body });
  const text = await response.text();
  expect(response.status, `${describeBody(body)} → ${text}`).toBeLessThan(500);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  if (response.status !== 200) {
    expect(response.status, `${describeBody(body)} → ${text}`).toBe(400);
    expect(parsed.error, describeBody(body)).toMatch(part);
    return { status: response.status, error: parsed.error as string };
  }
  const results = parsed.results as Outcome['results'];
  return { status: 200, results, visitors: results?.[0]?.metrics[0] ?? 0 };
}

const base = { site_id: DOMAIN, metrics: ['visitors'], date_range: 'day' };

describe('hostile input through every field of POST /api/v2/query', () => {
  it('site_id: an unknown site, never anything else', async () => {
    for (const hostile of HOSTILE) {
      const response = await owner.fetch('/api/v2/query', { body: { ...base, site_id: hostile } });
      const text = await response.text();
      expect([400, 404], `${hostile} → ${text}`).toContain(response.status);
      expect(JSON.parse(text).error).toMatch(/site/);
    }
  });

  it('metrics, dimensions and top-level keys: refused by name', async () => {
    for (const hostile of HOSTILE) {
      await send({ ...base, metrics: [hostile] }, /metric/).then((o) => expect(o.status).toBe(400));
      await send({ ...base, dimensions: [hostile] }, /dimension/).then((o) => expect(o.status).toBe(400));
      await send({ ...base, [hostile]: 1 }, /Unknown key/).then((o) => expect(o.status).toBe(400));
    }
  });

  it('event:props:<key>: the key is data, grouped like any other property', async () => {
    for (const hostile of HOSTILE) {
      const outcome = await send(
        { ...base, dimensions: [`event:props:${hostile}`] },
        /dimensions.*custom property key/,
      );
      if (outcome.status === 200) {
        // Nobody sent this key: every visitor is in the "(none)" group.
        expect(outcome.results, hostile).toEqual([{ dimensions: ['(none)'], metrics: [totalVisitors] }]);
      } else {
        expect(hostile.length).toBeGreaterThan(300);
      }
    }
    const stored = await send({ ...base, dimensions: [`event:props:${HOSTILE_KEY}`] }, /never/);
    expect(stored.results).toEqual([
      { dimensions: ['(none)'], metrics: [EXPECTED.visitors] },
      { dimensions: [HOSTILE_VALUE], metrics: [1] },
    ]);
  });

  it('every filter operator and value: hostile text matches nothing, its negation everything', async () => {
    for (const hostile of HOSTILE) {
      for (const dimension of ['event:page', 'visit:source', 'visit:utm_campaign', `event:props:${HOSTILE_KEY}`]) {
        for (const operator of TEXT_OPERATORS) {
          for (const modifiers of [[], [{ case_sensitive: false }]]) {
            const positive = await send(
              { ...base, filters: [[operator, dimension, [hostile], ...modifiers]] },
              /filters\[0\]\[2\]\[0\]/,
            );
            if (positive.status === 200) expect(positive.visitors, `${operator} ${dimension} ${hostile}`).toBe(0);
            const negative = await send(
              { ...base, filters: [[`${operator}_not`, dimension, [hostile], ...modifiers]] },
              /filters\[0\]\[2\]\[0\]/,
            );
            if (negative.status === 200) expect(negative.visitors, `${operator}_not ${hostile}`).toBe(totalVisitors);
            // Only a pattern (or an over-long value) may be refused.
            if (positive.status === 400) expect(operator === 'matches' || hostile.length > 500).toBe(true);
          }
        }
      }
    }
  });

  it('a filter on stored hostile text finds exactly its visitor', async () => {
    const pages = await send({ ...base, dimensions: ['event:page'] }, /never/);
    const hostilePage = pages.results!.map((row) => row.dimensions[0]!).find((page) => page.includes('OR'));
    expect(hostilePage).toBeDefined();
    expect((await send({ ...base, filters: [['is', 'event:page', [hostilePage]]] }, /never/)).visitors).toBe(1);
    const byProp = await send({ ...base, filters: [['is', `event:props:${HOSTILE_KEY}`, [HOSTILE_VALUE]]] }, /never/);
    expect(byProp.visitors).toBe(1);
  });

  it('goal filters, nested and/or/not, operators and modifiers', async () => {
    for (const hostile of HOSTILE.slice(0, 12)) {
      const goal = await send({ ...base, filters: [['is', 'event:goal', [hostile]]] }, /goal .* is not configured/);
      expect(goal.status).toBe(400);
      const goalContains = await send({ ...base, filters: [['contains', 'event:goal', [hostile]]] }, /never/);
      expect(goalContains.visitors).toBe(0);
      const nested = await send(
        {
          ...base,
          filters: [
            [
              'or',
              [
                [
                  'and',
                  [
                    ['is', 'event:page', [hostile]],
                    ['not', ['contains', 'visit:source', [hostile]]],
                  ],
                ],
                ['is', `event:props:${hostile}`, [hostile]],
              ],
            ],
          ],
        },
        /never/,
      );
      expect(nested.visitors).toBe(0);
      const operator = await send({ ...base, filters: [[hostile, 'event:page', ['/']]] }, /filter operator/);
      expect(operator.status).toBe(400);
      const modifier = await send({ ...base, filters: [['is', 'event:page', ['/'], { [hostile]: true }]] }, /modifier/);
      expect(modifier.status).toBe(400);
      const filterDimension = await send({ ...base, filters: [['is', hostile, ['/']]] }, /dimension/);
      expect(filterDimension.status).toBe(400);
    }
  });

  it('date ranges, order_by, pagination and comparisons: refused by name', async () => {
    for (const hostile of HOSTILE) {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ date_range: hostile }, /date_range/],
        [{ date_range: [hostile, hostile] }, /date_range/],
        [{ date_range: ['2025-01-01', hostile] }, /date_range/],
        [{ date_range: [`2025-01-01T00:00:00${hostile}`, '2025-01-02T00:00:00Z'] }, /date_range/],
        [{ order_by: [[hostile, 'desc']] }, /order_by\[0\]/],
        [{ order_by: [['visitors', hostile]] }, /order_by\[0\]/],
        [{ pagination: { limit: hostile } }, /pagination\.limit/],
        [{ pagination: { offset: hostile } }, /pagination\.offset/],
        [{ pagination: { [hostile]: 1 } }, /in pagination/],
        [{ include: { comparisons: { mode: hostile } } }, /include\.comparisons\.mode/],
        [{ include: { comparisons: { mode: 'custom', date_range: [hostile, hostile] } } }, /comparisons\.date_range/],
        [{ include: { [hostile]: true } }, /in include/],
        [{ include: { total_rows: hostile } }, /include\.total_rows/],
      ];
      for (const [patch, part] of cases) {
        expect((await send({ ...base, ...patch }, part)).status, describeBody(patch)).toBe(400);
      }
    }
    for (const pagination of [{ limit: -1 }, { limit: 1e308 }, { limit: 1.5 }, { offset: -5 }, { offset: 2 ** 53 }]) {
      expect((await send({ ...base, pagination }, /pagination/)).status).toBe(400);
    }
  });
});

describe('hostile input through the other stats routes', () => {
  it('realtime, site context and site export read site_id and date_range as data', async () => {
    for (const hostile of HOSTILE.filter((text) => !text.includes('\ud800'))) {
      const encoded = encodeURIComponent(hostile);
      for (const path of [
        `/api/v2/realtime?site_id=${encoded}`,
        `/api/v2/site-context?site_id=${encoded}`,
        `/api/v2/export/site?site_id=${encoded}`,
      ]) {
        const response = await owner.fetch(path);
        expect([400, 404], `${path} → ${response.status}`).toContain(response.status);
      }
      const range = await owner.fetch(`/api/v2/export/site?site_id=${DOMAIN}&date_range=${encoded}`);
      expect(range.status, hostile).toBe(400);
      expect(((await range.json()) as { error: string }).error).toMatch(/date_range/);
      // A slug longer than the router takes is a 414 before any of our code runs.
      const share = await owner.fetch(`/api/share/${encoded}/v2/query`, { body: base });
      expect([400, 404, 414], `share ${hostile} → ${share.status}`).toContain(share.status);
    }
  });

  it('funnel ids and ranges are validated; export bodies go through the query parser', async () => {
    for (const hostile of HOSTILE) {
      const funnel = { site_id: DOMAIN, funnel_id: fixture.funnel.id, date_range: 'day' };
      await send({ ...funnel, funnel_id: hostile }, /funnel_id/, '/api/v2/funnel').then((o) =>
        expect(o.status).toBe(400),
      );
      await send({ ...funnel, date_range: hostile }, /date_range/, '/api/v2/funnel').then((o) =>
        expect(o.status).toBe(400),
      );
      await send({ ...funnel, [hostile]: 1 }, /Unknown key/, '/api/v2/funnel').then((o) => expect(o.status).toBe(400));
      const exported = await owner.fetch('/api/v2/export', {
        body: { ...base, filters: [['is', 'event:page', [hostile]]], dimensions: ['event:page'] },
      });
      expect(exported.status, hostile).toBeLessThan(500);
      if (exported.status === 200) expect(await exported.text()).toBe('event:page,visitors\r\n');
    }
  });
});

describe('afterwards', () => {
  it('every event is still there and the numbers are unchanged', async () => {
    expect(await countEvents(app, fixture.site.id)).toBe(eventsBefore);
    expect(await countEvents(app)).toBe(allEventsBefore);
    const outcome = await send({ ...base, metrics: ['visitors', 'pageviews'] }, /never/);
    expect(outcome.results).toEqual([{ dimensions: [], metrics: [totalVisitors, EXPECTED.pageviews + 1] }]);
    // No request of this file reached the engine with something it refused (a failed engine query is logged).
    expect(app.logs()).not.toMatch(/request failed|server error/);
  });
});
