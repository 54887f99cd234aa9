import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../domain/event.js';
import { createChdbEventStore } from '../storage/events/chdb.js';
import { sampleEventRow } from '../storage/events/event-row.fixture.js';
import type { EventStore } from '../storage/events/event-store.js';
import { resolveComparisonRange, resolveDateRange } from './date-range.js';
import { generateGroundTruth } from './ground-truth/index.js';
import { planStatsQuery, ROLLUP_METRICS } from './planner.js';
import { parseStatsQuery } from './query.js';
import type { StatsDeps } from './run.js';
import { runStatsQuery } from './run.js';

/**
 * The planner's proof (issue 4): every query the planner sends to the visit rollup answers exactly what raw events
 * answer. Each case runs twice on the same real chDB store, once planned and once with rollups off, and the whole
 * responses must be equal. The cases cross every rollup metric (all in one query) with every visit dimension and each
 * time granularity, with no filter, a visit filter and a nested and/or/not filter, over the whole data, one day that
 * cuts visits at both midnights, and a quarter-hour-aligned datetime range, in four zones: spring forward in Berlin,
 * fall back in New York, Lord Howe's half-hour shift and India's half-hour offset. Hand-made rows add what the
 * generator never makes: events in the same millisecond with different attributes, a visit without pageviews, a
 * 40-minute gap, events exactly on a bucket boundary, bots and engagement-only visitors.
 */

interface Zone {
  siteId: number;
  timezone: string;
  rows: EventRow[];
  /** Whole local days covering the data. */
  days: [string, string];
  /** One local day inside the data, whose midnights cut visits. */
  day: string;
  /** A datetime range on quarter hours of the site's wall clock. */
  datetimes: [string, string];
}

function generated(siteId: number, timezone: string, startMs: number, seed: number) {
  return generateGroundTruth({ seed, siteId, timezone, startMs, days: 3, visitorsPerDay: 60 });
}

/** Rows the generator never produces (site 25, Berlin), around midnight 29/30 March 2025 (23:00Z). */
function edgeRows(): EventRow[] {
  const at = (iso: string) => Date.parse(iso);
  const row = (visitor: string, session: string, iso: string, overrides: Partial<EventRow> = {}) =>
    sampleEventRow({ site_id: 25, visitor_id: visitor, session_id: session, ts: at(iso), ...overrides });
  return [
    // Same millisecond, different source, country and page: ties break by the smaller value on both paths.
    row('1', '10', '2025-03-29T22:45:00Z', { referrer_source: 'Twitter', country: 'FR', pathname: '/b' }),
    row('1', '10', '2025-03-29T22:45:00Z', { referrer_source: 'Bing', country: 'DE', pathname: '/a' }),
    row('1', '10', '2025-03-29T23:30:00Z', { pathname: '/c', referrer_source: '' }),
    // Visits of one server-side event, interactive or not: no entry or exit page, and no bounce.
    row('2', '20', '2025-03-29T23:00:00Z', { name: 'Signup', pathname: '/api', device: 'mobile' }),
    row('6', '60', '2025-03-29T23:20:00Z', { name: 'Outbound', pathname: '/out', interactive: 0 }),
    // A 40-minute gap inside one visit, crossing local midnight; exactly on bucket boundaries.
    row('3', '30', '2025-03-29T22:15:00Z', { pathname: '/', device: 'tablet', screen_w: 800 }),
    row('3', '30', '2025-03-29T22:55:00Z', { name: 'Outbound', pathname: '/', interactive: 0 }),
    row('3', '30', '2025-03-29T23:15:00Z', { pathname: '/pricing' }),
    // Not counted at all: a bot, and a visitor reached only by engagement.
    row('4', '40', '2025-03-29T23:05:00Z', { is_bot: 1 }),
    row('5', '50', '2025-03-29T23:10:00Z', { name: 'engagement', interactive: 0 }),
  ];
}

const ZONES: Zone[] = [
  {
    siteId: 21,
    timezone: 'Europe/Berlin',
    rows: generated(21, 'Europe/Berlin', Date.UTC(2025, 2, 29, 12), 31).rows,
    days: ['2025-03-29', '2025-04-01'],
    day: '2025-03-30',
    datetimes: ['2025-03-30T01:45:00', '2025-03-30T14:29:59'],
  },
  {
    siteId: 22,
    timezone: 'America/New_York',
    rows: generated(22, 'America/New_York', Date.UTC(2025, 10, 1, 12), 32).rows,
    days: ['2025-11-01', '2025-11-04'],
    day: '2025-11-02',
    datetimes: ['2025-11-02T00:30:00', '2025-11-02T02:14:59'],
  },
  {
    siteId: 23,
    timezone: 'Australia/Lord_Howe',
    rows: generated(23, 'Australia/Lord_Howe', Date.UTC(2025, 3, 5, 2), 33).rows,
    days: ['2025-04-05', '2025-04-08'],
    day: '2025-04-06',
    datetimes: ['2025-04-06T01:15:00', '2025-04-06T02:59:59'],
  },
  {
    siteId: 24,
    timezone: 'Asia/Kolkata',
    rows: generated(24, 'Asia/Kolkata', Date.UTC(2025, 0, 10, 6), 34).rows,
    days: ['2025-01-10', '2025-01-13'],
    day: '2025-01-11',
    datetimes: ['2025-01-11T09:45:00', '2025-01-11T18:14:59'],
  },
  {
    siteId: 25,
    timezone: 'Europe/Berlin',
    rows: edgeRows(),
    days: ['2025-03-29', '2025-03-30'],
    day: '2025-03-30',
    datetimes: ['2025-03-29T23:15:00', '2025-03-30T00:29:59'],
  },
];

const VISIT_DIMENSIONS = [
  'visit:source',
  'visit:referrer',
  'visit:channel',
  'visit:utm_source',
  'visit:entry_page',
  'visit:exit_page',
  'visit:country',
  'visit:device',
  'visit:browser',
  'visit:os',
  'visit:screen',
];
const DIMENSION_SETS: string[][] = [
  [],
  ...VISIT_DIMENSIONS.map((d) => [d]),
  ['visit:source', 'visit:device'],
  ['time'],
  ['time:hour'],
  ['time:day'],
  ['time:week'],
  ['time:month'],
];
const FILTERS: unknown[][] = [
  [],
  [['is', 'visit:device', ['desktop', 'Mobile']]],
  [
    [
      'or',
      [
        ['contains', 'visit:source', ['GOOG'], { case_sensitive: false }],
        ['not', ['matches', 'visit:entry_page', ['^/blog']]],
      ],
    ],
    ['is_not', 'visit:country', ['US']],
  ],
];

/**
 * (dimensions, filters) cases: every filter with no dimension, with a visit attribute and with days; every other
 * dimension set with one filter in turn, so each filter meets visit attributes and time granularities alike.
 */
const CASES: [string[], unknown[]][] = DIMENSION_SETS.flatMap((dimensions, i) =>
  i < 2 || dimensions[0] === 'time:day'
    ? FILTERS.map((filters): [string[], unknown[]] => [dimensions, filters])
    : [[dimensions, FILTERS[i % FILTERS.length]!] as [string[], unknown[]]],
);

let dataDir: string;
let store: EventStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sightline-planner-'));
  store = createChdbEventStore({ dataDir, database: 'stats_planner_test' });
  await store.migrate();
  // Two batches per site, so visits are split across inserts as live traffic splits them.
  for (const zone of ZONES) {
    const half = Math.floor(zone.rows.length / 2);
    await store.insertBatch(zone.rows.slice(0, half), `planner-${zone.siteId}-a`);
    await store.insertBatch(zone.rows.slice(half), `planner-${zone.siteId}-b`);
  }
}, 120_000);

afterAll(async () => {
  await store?.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

/** The equivalence cases for every zone, with `cases` for the big sweeps. */
function equivalenceSuite(cases: readonly [string[], unknown[]][]) {
  describe.each(ZONES)('planned and raw answers are equal in $timezone (site $siteId)', (zone) => {
    const site = { id: zone.siteId, timezone: zone.timezone };
    const now = Date.UTC(2026, 0, 1);
    const deps = (useRollups: boolean): StatsDeps => ({ store, site, goals: [], now, useRollups });

    async function both(body: Record<string, unknown>) {
      const query = parseStatsQuery({ site_id: 'example.com', ...body });
      const range = resolveDateRange(query.dateRange, { timezone: zone.timezone, now });
      const plan = planStatsQuery({ query, range, timezone: zone.timezone, eventsTable: store.eventsTable });
      const [planned, raw] = [await runStatsQuery(deps(true), query), await runStatsQuery(deps(false), query)];
      return { plan, planned, raw };
    }

    it.each([
      ['the whole data', zone.days],
      ['one day cutting visits at its midnights', [zone.day, zone.day]],
      ['a quarter-hour datetime range', zone.datetimes],
    ])(
      'for %s, every rollup metric by every visit dimension and time granularity, under filters',
      async (_, dateRange) => {
        let rowsSeen = 0;
        for (const [dimensions, filters] of cases) {
          const metrics = ROLLUP_METRICS.filter((m) => m !== 'percentage' || dimensions.length > 0);
          const { plan, planned, raw } = await both({ date_range: dateRange, metrics, dimensions, filters });
          const label = JSON.stringify({ dimensions, filters });
          expect(plan.source, label).toBe('rollup');
          expect(planned, label).toEqual(raw);
          rowsSeen += planned.results.length;
        }
        // Most cases return rows: the comparison is not between empty answers (checked on the full sweep).
        expect(rowsSeen).toBeGreaterThan(cases === CASES ? CASES.length / 2 : 0);
      },
    );

    it('agrees on comparisons, ordering, pagination and total rows', async () => {
      const { planned, raw } = await both({
        date_range: [zone.day, zone.day],
        metrics: ['visits', 'bounce_rate', 'visitors'],
        dimensions: ['visit:entry_page'],
        order_by: [['bounce_rate', 'asc']],
        pagination: { limit: 3, offset: 1 },
        include: { total_rows: true, comparisons: { mode: 'previous_period' } },
      });
      expect(planned).toEqual(raw);
      const series = await both({
        date_range: zone.days,
        metrics: ['visitors', 'visits', 'pageviews'],
        dimensions: ['time:day'],
        include: { time_labels: true, comparisons: { mode: 'previous_period' } },
      });
      expect(series.planned).toEqual(series.raw);
      expect(series.planned.results.length).toBeGreaterThan(1);
    });

    it('sends the comparison range through the planner too', () => {
      const range = resolveDateRange(zone.days, { timezone: zone.timezone, now });
      const previous = resolveComparisonRange(range, { mode: 'previous_period', matchDayOfWeek: false }, zone.timezone);
      const query = parseStatsQuery({ site_id: 'x', date_range: zone.days, metrics: ['visits'] });
      const input = { query, timezone: zone.timezone, eventsTable: store.eventsTable };
      expect(planStatsQuery({ ...input, range }).source).toBe('rollup');
      expect(planStatsQuery({ ...input, range: previous }).source).toBe('rollup');
    });
  });
}

/** Late rows for visits already stored: one more pageview in the first visit of each zone, a minute after its start. */
function lateRows(): EventRow[] {
  return ZONES.map((zone) => {
    const first = zone.rows.find((row) => row.name === 'pageview' && row.is_bot === 0)!;
    return { ...first, event_id: randomUUID(), ts: first.ts + 60_000, pathname: '/late' };
  });
}

async function finishedVisitCount(): Promise<number> {
  const [row] = await store.query<{ n: string }>(
    `SELECT count() AS n FROM ${store.eventsTable.replace(/events$/, 'visits')}`,
  );
  return Number(row!.n);
}

/**
 * The planner reads finished visits from their final rows and regroups the rest (finished-visits.ts), so the answers
 * are checked in each state the finishing job leaves: everything imported and flagged late (nothing finished yet),
 * every visit finished, finished visits touched by late events, and those rebuilt. The full sweep runs on the
 * finished state; the others run every third case.
 */
const SOME_CASES = CASES.filter((_, i) => i % 3 === 0);

describe('before the finishing job: every visit flagged late', () => {
  it('has no final rows yet', async () => {
    expect(await finishedVisitCount()).toBe(0);
  });
  equivalenceSuite(SOME_CASES);
});

describe('with every visit finished', () => {
  beforeAll(async () => {
    await store.finishVisits({ settleMs: 0 });
  }, 60_000);
  it('reads final rows', async () => {
    expect(await finishedVisitCount()).toBeGreaterThan(100);
  });
  equivalenceSuite(CASES);
});

describe('after late events reached finished visits', () => {
  beforeAll(async () => {
    await store.insertBatch(lateRows(), 'planner-late');
  }, 60_000);
  equivalenceSuite(SOME_CASES);
});

describe('after the finishing job rebuilt the visits late events reached', () => {
  beforeAll(async () => {
    const report = await store.finishVisits({ settleMs: 0 });
    expect(report.replacedRows).toBe(true);
  }, 60_000);
  equivalenceSuite(SOME_CASES);
});
