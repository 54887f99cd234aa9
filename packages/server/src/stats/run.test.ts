import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../domain/event.js';
import { createChdbEventStore } from '../storage/events/chdb.js';
import { sampleEventRow } from '../storage/events/event-row.fixture.js';
import type { EventStore } from '../storage/events/event-store.js';
import type { Goal } from './compile.js';
import { parseStatsQuery, StatsQueryError } from './query.js';
import type { StatsDeps } from './run.js';
import { csvCell, exportCsv, runFunnel, runRealtime, runStatsQuery } from './run.js';

/**
 * Integration: hand-made visits on a real chDB store, with every expected number worked out below by hand.
 * Site time zone Europe/Berlin; 2025-03-30 is the day clocks go forward (a 23-hour day).
 *
 *  visit A (visitor 1, Google):  29th 10:00 CET  pageview /, +60 s pageview /pricing, +90 s engagement on /pricing
 *                                (30 s, 80 %), +120 s Signup (interactive, plan=pro, revenue 49.50)   → 2 pv, 120 s
 *  visit B (visitor 2, direct, mobile screen): 29th 23:30 CET  pageview /pricing, 30th 00:10 Scroll (not
 *                                interactive: still a bounce; the visit crosses local midnight)     → bounce, 2400 s
 *  visit C (visitor 2, direct):  30th 12:00 CEST pageview /blog/a, +30 s /blog/b, +40 s Outbound (not interactive)
 *                                                                                                     → 2 pv, 40 s
 *  visit D (visitor 3, Google):  30th 00:30 CET (still the 29th in UTC) pageview /, +12 s Signup (plan=free)
 *                                                                                                     → 1 pv, 12 s
 *  visit E (visitor 4, Google):  27th 12:00 CET pageview /  (only in the comparison period)          → bounce
 *  noise: a bot pageview, another site's pageview, and a pageview on the 31st (outside the range).
 */

const SITE = { id: 7, timezone: 'Europe/Berlin' };
const GOALS: Goal[] = [
  { id: 'Signup', kind: 'event', eventName: 'Signup' },
  { id: 'Visit pricing', kind: 'pageview', pathPattern: '/pricing' },
  { id: 'Blog', kind: 'pageview', pathPattern: '/blog/*' },
];
const NOW = Date.UTC(2025, 2, 31, 10, 0, 0);
const RANGE = ['2025-03-29', '2025-03-30'];

const A = Date.UTC(2025, 2, 29, 9, 0, 0);
const B = Date.UTC(2025, 2, 29, 22, 30, 0);
const C = Date.UTC(2025, 2, 30, 10, 0, 0);
const D = Date.UTC(2025, 2, 29, 23, 30, 0);
const E = Date.UTC(2025, 2, 27, 11, 0, 0);

function visit(visitor: string, session: string, common: Partial<EventRow>) {
  return (overrides: Partial<EventRow>) =>
    sampleEventRow({ site_id: SITE.id, visitor_id: visitor, session_id: session, props: {}, ...common, ...overrides });
}

const google = { referrer_source: 'Google', referrer: 'https://www.google.com/', channel: 'Organic Search' };
const direct = { referrer_source: '', referrer: '', channel: 'Direct' };
const a = visit('1', '101', google);
const b = visit('2', '102', { ...direct, device: 'mobile', screen_w: 400 });
const c = visit('2', '103', direct);
const d = visit('3', '104', google);
const e = visit('4', '105', google);

const ROWS: EventRow[] = [
  a({ ts: A, pathname: '/' }),
  a({ ts: A + 60_000, pathname: '/pricing', referrer_source: '', referrer: '' }),
  a({ ts: A + 90_000, name: 'engagement', pathname: '/pricing', engagement_ms: 30_000, scroll_depth: 80 }),
  a({
    ts: A + 120_000,
    name: 'Signup',
    pathname: '/pricing',
    props: { plan: 'pro' },
    revenue_amount: '49.5',
    revenue_currency: 'EUR',
  }),
  b({ ts: B, pathname: '/pricing' }),
  b({ ts: B + 40 * 60_000, name: 'Scroll', pathname: '/pricing', interactive: 0 }),
  c({ ts: C, pathname: '/blog/a' }),
  c({ ts: C + 30_000, pathname: '/blog/b' }),
  c({ ts: C + 40_000, name: 'Outbound', pathname: '/blog/b', interactive: 0, props: { url: 'https://x.example' } }),
  d({ ts: D, pathname: '/' }),
  d({ ts: D + 12_000, name: 'Signup', pathname: '/', props: { plan: 'free' } }),
  e({ ts: E, pathname: '/' }),
  sampleEventRow({ site_id: SITE.id, ts: A, visitor_id: '9', session_id: '109', is_bot: 1 }),
  sampleEventRow({ site_id: 8, ts: A, visitor_id: '10', session_id: '110' }),
  sampleEventRow({ site_id: SITE.id, ts: Date.UTC(2025, 2, 30, 22, 30), visitor_id: '11', session_id: '111' }),
];

let dataDir: string;
let store: EventStore;
let deps: StatsDeps;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sightline-stats-run-'));
  store = createChdbEventStore({ dataDir, database: 'stats_test_run' });
  await store.migrate();
  await store.insertBatch(ROWS, 'stats-run-fixture');
  deps = { store, site: SITE, goals: GOALS, now: NOW };
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function ask(body: Record<string, unknown>) {
  return runStatsQuery(deps, parseStatsQuery({ site_id: 'example.com', date_range: RANGE, ...body }));
}

describe('runStatsQuery on chDB', () => {
  it('answers the top stats, with a previous-period comparison', async () => {
    const response = await ask({
      metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate', 'visit_duration', 'views_per_visit'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(response.results).toHaveLength(1);
    expect(response.results[0]!.metrics).toEqual([3, 4, 6, 10, 25, 643, 1.5]);
    expect(response.results[0]!.comparison!.metrics).toEqual([1, 1, 1, 1, 100, 0, 1]);
    // visitors +200 %, bounce rate −75 points
    expect(response.results[0]!.comparison!.change[0]).toBe(200);
    expect(response.results[0]!.comparison!.change[4]).toBe(-75);
    expect(response.query.date_range).toEqual(['2025-03-29T00:00:00+01:00', '2025-03-30T23:59:59+02:00']);
    expect(response.query.comparison_date_range).toEqual(['2025-03-27T00:00:00+01:00', '2025-03-28T23:59:59+01:00']);
  });

  it('counts days in the site time zone across the DST change, with time labels', async () => {
    const response = await ask({
      metrics: ['visitors', 'visits', 'pageviews'],
      dimensions: ['time:day'],
      include: { time_labels: true },
    });
    // Visit B crosses midnight: its visitor counts on both days, the visit only on the day it started.
    expect(response.results).toEqual([
      { dimensions: ['2025-03-29'], metrics: [2, 2, 3] },
      { dimensions: ['2025-03-30'], metrics: [2, 2, 3] },
    ]);
    expect(response.meta.time_labels).toEqual(['2025-03-29', '2025-03-30']);
  });

  it('buckets the 23-hour day by local hour', async () => {
    const response = await ask({
      date_range: ['2025-03-30', '2025-03-30'],
      metrics: ['pageviews'],
      dimensions: ['time:hour'],
      include: { time_labels: true },
    });
    expect(response.meta.time_labels).toHaveLength(23);
    expect(response.meta.time_labels).not.toContain('2025-03-30 02:00:00');
    expect(response.results).toEqual([
      { dimensions: ['2025-03-30 00:00:00'], metrics: [1] },
      { dimensions: ['2025-03-30 12:00:00'], metrics: [2] },
    ]);
  });

  it('breaks down entry and exit pages, with exit rate', async () => {
    const entry = await ask({ metrics: ['visitors', 'visits', 'bounce_rate'], dimensions: ['visit:entry_page'] });
    expect(entry.results).toEqual([
      { dimensions: ['/'], metrics: [2, 2, 0] },
      { dimensions: ['/blog/a'], metrics: [1, 1, 0] },
      { dimensions: ['/pricing'], metrics: [1, 1, 100] },
    ]);
    const exit = await ask({ metrics: ['visits', 'exit_rate'], dimensions: ['visit:exit_page'] });
    expect(exit.results).toEqual([
      { dimensions: ['/pricing'], metrics: [2, 100] },
      { dimensions: ['/'], metrics: [1, 50] },
      { dimensions: ['/blog/b'], metrics: [1, 100] },
    ]);
  });

  it('breaks down sources and screen sizes by the visit', async () => {
    const sources = await ask({
      metrics: ['visitors', 'visits', 'bounce_rate', 'percentage'],
      dimensions: ['visit:source'],
    });
    expect(sources.results).toEqual([
      { dimensions: ['Google'], metrics: [2, 2, 0, 66.7] },
      { dimensions: ['Direct / None'], metrics: [1, 2, 50, 33.3] },
    ]);
    const screens = await ask({ metrics: ['visits'], dimensions: ['visit:screen'] });
    expect(screens.results).toEqual([
      { dimensions: ['Desktop'], metrics: [3] },
      { dimensions: ['Mobile'], metrics: [1] },
    ]);
  });

  it('breaks down a custom property, missing values as (none)', async () => {
    const response = await ask({ metrics: ['visitors', 'events'], dimensions: ['event:props:plan'] });
    expect(response.results).toEqual([
      { dimensions: ['(none)'], metrics: [3, 8] },
      { dimensions: ['free'], metrics: [1, 1] },
      { dimensions: ['pro'], metrics: [1, 1] },
    ]);
  });

  it('reports goal conversions and revenue', async () => {
    const goals = await ask({ metrics: ['visitors', 'events', 'conversion_rate'], dimensions: ['event:goal'] });
    expect(goals.results).toEqual([
      { dimensions: ['Signup'], metrics: [2, 2, 66.67] },
      { dimensions: ['Visit pricing'], metrics: [2, 2, 66.67] },
      { dimensions: ['Blog'], metrics: [1, 2, 33.33] },
    ]);
    const bySource = await ask({
      metrics: ['visitors', 'group_conversion_rate', 'conversion_rate', 'total_revenue', 'average_revenue'],
      dimensions: ['visit:source'],
      filters: [['is', 'event:goal', ['Signup']]],
    });
    expect(bySource.results).toEqual([{ dimensions: ['Google'], metrics: [2, 100, 66.67, 49.5, 49.5] }]);
  });

  it('divides conversion rates by the visitors the rollup counts, as the raw query would, in order and compared', async () => {
    const seen: string[] = [];
    const recording: StatsDeps['store'] = {
      eventsTable: store.eventsTable,
      query: (sql, params) => {
        seen.push(sql);
        return store.query(sql, params);
      },
    };
    const body = {
      site_id: 'example.com',
      date_range: RANGE,
      metrics: ['conversion_rate', 'visitors'],
      dimensions: ['event:goal'],
      filters: [['is', 'visit:source', ['Google']]],
      order_by: [['conversion_rate', 'asc']],
      // A comparison that also holds visit E (visitor 4 from Google, converted nowhere): its rates divide by 3.
      include: { comparisons: { mode: 'custom', date_range: ['2025-03-27', '2025-03-30'] } },
      pagination: { limit: 2 },
    };
    const planned = await runStatsQuery({ ...deps, store: recording }, parseStatsQuery(body));
    // Google brought visitors 1 and 3 in the range.
    expect(planned.results.map(({ dimensions, metrics }) => ({ dimensions, metrics }))).toEqual([
      { dimensions: ['Visit pricing'], metrics: [50, 1] },
      { dimensions: ['Signup'], metrics: [100, 2] },
    ]);
    expect(planned.results.map((result) => result.comparison!.metrics)).toEqual([
      [33.33, 1],
      [66.67, 2],
    ]);
    expect(planned).toEqual(await runStatsQuery({ ...deps, useRollups: false }, parseStatsQuery(body)));
    // The goal queries left the population's visitors to the rollup (one query per period beside them).
    const readsEvents = (sql: string) => sql.includes(`FROM ${store.eventsTable} `);
    const goalQueries = seen.filter(readsEvents);
    expect(goalQueries).toHaveLength(2);
    for (const sql of goalQueries) expect(sql).not.toContain('t_population_visitors');
    const rollupQueries = seen.filter((sql) => !readsEvents(sql) && sql.includes('.sessions_15m'));
    expect(rollupQueries).toHaveLength(2);
  });

  it('applies visit, page, case-insensitive and regex filters', async () => {
    const fromGoogle = await ask({ metrics: ['pageviews'], filters: [['is', 'visit:source', ['Google']]] });
    expect(fromGoogle.results[0]!.metrics).toEqual([3]);
    const blog = await ask({
      metrics: ['visitors', 'pageviews'],
      filters: [['contains', 'event:page', ['BLOG'], { case_sensitive: false }]],
    });
    expect(blog.results[0]!.metrics).toEqual([1, 2]);
    const notBlog = await ask({ metrics: ['pageviews'], filters: [['not', ['matches', 'event:page', ['^/blog/']]]] });
    expect(notBlog.results[0]!.metrics).toEqual([4]);
    const either = await ask({
      metrics: ['visits', 'bounce_rate'],
      filters: [
        [
          'or',
          [
            ['is', 'visit:device', ['mobile']],
            ['is', 'event:page', ['/blog/b']],
          ],
        ],
      ],
    });
    expect(either.results[0]!.metrics).toEqual([2, 50]);
  });

  it('reports time on page and scroll depth per page', async () => {
    const response = await ask({
      metrics: ['visitors', 'time_on_page', 'scroll_depth'],
      dimensions: ['event:page'],
      filters: [['is', 'event:page', ['/pricing']]],
    });
    expect(response.results).toEqual([{ dimensions: ['/pricing'], metrics: [2, 30, 80] }]);
  });

  it('paginates and counts total rows', async () => {
    const response = await ask({
      metrics: ['visitors'],
      dimensions: ['visit:entry_page'],
      pagination: { limit: 1, offset: 1 },
      include: { total_rows: true },
    });
    expect(response.results).toEqual([{ dimensions: ['/blog/a'], metrics: [1] }]);
    expect(response.meta.total_rows).toBe(3);
  });

  it('keeps injection attempts as plain values', async () => {
    const evil = "x' OR 1=1) --; DROP TABLE stats_test_run.events";
    const response = await ask({
      metrics: ['visitors'],
      dimensions: [`event:props:${evil}`],
      filters: [
        ['is_not', 'event:page', [evil]],
        ['contains_not', 'visit:source', [evil]],
      ],
    });
    expect(response.results).toEqual([{ dimensions: ['(none)'], metrics: [3] }]);
    const still = await ask({ metrics: ['visitors'] });
    expect(still.results[0]!.metrics).toEqual([3]);
  });

  it('buckets weeks and months and pairs comparison buckets by position', async () => {
    const weeks = await ask({ metrics: ['visitors'], dimensions: ['time:week'] });
    expect(weeks.results).toEqual([{ dimensions: ['2025-03-24'], metrics: [3] }]);
    const months = await ask({ metrics: ['visitors'], dimensions: ['time:month'] });
    expect(months.results).toEqual([{ dimensions: ['2025-03-01'], metrics: [3] }]);
    const days = await ask({
      metrics: ['visitors'],
      dimensions: ['time:day'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(days.results.map((row) => row.comparison)).toEqual([
      { dimensions: ['2025-03-27'], metrics: [1], change: [100] },
      { dimensions: ['2025-03-28'], metrics: [0], change: [null] },
    ]);
  });

  it('refuses an unknown goal with a StatsQueryError', async () => {
    await expect(ask({ metrics: ['visitors'], filters: [['is', 'event:goal', ['Nope']]] })).rejects.toThrow(
      StatsQueryError,
    );
  });

  it('resolves "all" from the first event', async () => {
    const response = await ask({ date_range: 'all', metrics: ['visitors'] });
    // visitors 1–4 plus the pageview on the 31st
    expect(response.results[0]!.metrics).toEqual([5]);
    expect(response.query.date_range[0]).toBe('2025-03-27T00:00:00+01:00');
  });

  it('exports a breakdown as CSV', async () => {
    const response = await ask({ metrics: ['visitors'], dimensions: ['visit:entry_page'] });
    expect(exportCsv(response)).toBe('visit:entry_page,visitors\r\n/,2\r\n/blog/a,1\r\n/pricing,1\r\n');
  });
});

describe('entry and exit pages of visits without a pageview', () => {
  // Site 70: a server-side Signup alone makes a visit with no page at all; Plausible leaves such visits out of the
  // entry/exit page breakdowns instead of listing them under an empty page.
  const site = { id: 70, timezone: 'Europe/Berlin' };
  beforeAll(async () => {
    await store.insertBatch(
      [
        sampleEventRow({ site_id: 70, ts: A, visitor_id: '71', session_id: '701', pathname: '/' }),
        sampleEventRow({ site_id: 70, ts: A + 60_000, visitor_id: '71', session_id: '701', pathname: '/docs' }),
        sampleEventRow({ site_id: 70, ts: C, visitor_id: '72', session_id: '702', name: 'Signup', pathname: '/api' }),
      ],
      'stats-run-no-pageview-visit',
    );
  });

  it('lists only visits that have an entry and exit page', async () => {
    const run = (dimension: string) =>
      runStatsQuery(
        { store, site, goals: [], now: NOW },
        parseStatsQuery({ site_id: 'x', date_range: RANGE, metrics: ['visitors', 'visits'], dimensions: [dimension] }),
      );
    expect((await run('visit:entry_page')).results).toEqual([{ dimensions: ['/'], metrics: [1, 1] }]);
    expect((await run('visit:exit_page')).results).toEqual([{ dimensions: ['/docs'], metrics: [1, 1] }]);
    // The visit still counts everywhere else.
    expect((await run('visit:source')).results).toEqual([{ dimensions: ['Google'], metrics: [2, 2] }]);
  });
});

describe('csvCell', () => {
  it('neutralises spreadsheet formulas and quotes separators', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(-3.5)).toBe('-3.5');
    expect(csvCell('/plain')).toBe('/plain');
  });
});

describe('runFunnel on chDB', () => {
  it('counts visitors per ordered step within a visit, with drop-off', async () => {
    const funnel = await runFunnel({ store, site: SITE, now: NOW }, { steps: [GOALS[1]!, GOALS[0]!] }, [
      '2025-03-29',
      '2025-03-30',
    ]);
    expect(funnel.steps).toEqual([
      { goal: 'Visit pricing', visitors: 2, dropoff: 0, dropoffPercentage: 0, conversionRate: 100 },
      { goal: 'Signup', visitors: 1, dropoff: 1, dropoffPercentage: 50, conversionRate: 50 },
    ]);
  });
});

describe('runRealtime on chDB', () => {
  it('counts visitors of the last five minutes and a 30-minute series', async () => {
    const realtime = await runRealtime({ store, site: SITE, now: C + 2 * 60_000 });
    expect(realtime.visitors).toBe(1);
    expect(realtime.series).toHaveLength(30);
    expect(realtime.series[27]).toEqual({ minute: new Date(C).toISOString(), visitors: 1, pageviews: 2 });
    expect(realtime.series[29]!.minute).toBe(new Date(C + 2 * 60_000).toISOString());
  });
});
