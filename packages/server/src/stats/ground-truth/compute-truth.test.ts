import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../../domain/event.js';
import { createChdbEventStore } from '../../storage/events/chdb.js';
import { sampleEventRow } from '../../storage/events/event-row.fixture.js';
import type { EventStore } from '../../storage/events/event-store.js';
import { computeTruth, pathPatternRegExp, type TruthSpec } from './compute-truth.js';
import { GROUND_TRUTH_SPEC, generateGroundTruth } from './generate-ground-truth.js';

const BERLIN: TruthSpec = { timezone: 'Europe/Berlin', ...GROUND_TRUTH_SPEC };
const at = (iso: string) => Date.parse(iso);

function event(session: string, visitor: string, iso: string, overrides: Partial<EventRow> = {}): EventRow {
  return sampleEventRow({
    session_id: session,
    visitor_id: visitor,
    ts: at(iso),
    referrer_source: '',
    channel: 'Direct',
    ...overrides,
  });
}

describe('computeTruth definitions', () => {
  const rows: EventRow[] = [
    // Visit 1: one pageview + engagement (not interactive) → a bounce, duration 0; starts before Berlin midnight.
    event('1', '10', '2025-03-29T22:50:00Z', { pathname: '/', referrer_source: 'Google', channel: 'Organic Search' }),
    event('1', '10', '2025-03-29T22:55:00Z', { name: 'engagement', interactive: 0, engagement_ms: 300_000 }),
    // Visit 2: crosses Berlin midnight (23:00Z on 29 March): /pricing → (after midnight) /blog/a, Signup, exit /blog/a.
    event('2', '20', '2025-03-29T22:58:00Z', { pathname: '/pricing', referrer_source: 'Reddit', country: 'FR' }),
    event('2', '20', '2025-03-29T23:01:00Z', { pathname: '/blog/a' }),
    event('2', '20', '2025-03-29T23:02:00Z', { pathname: '/blog/a', name: 'Signup', props: { plan: 'pro' } }),
    event('2', '20', '2025-03-29T23:09:00Z', { pathname: '/blog/a', name: 'engagement', interactive: 0 }),
    // Visit 3: one pageview and a Signup → not a bounce; Signup before /pricing so the funnel stops at step 1.
    event('3', '30', '2025-03-30T08:00:00Z', { pathname: '/' }),
    event('3', '30', '2025-03-30T08:00:10Z', { name: 'Signup', pathname: '/', props: {} }),
    event('3', '30', '2025-03-30T08:00:20Z', {
      name: 'Purchase',
      pathname: '/',
      revenue_amount: '0.1',
      revenue_currency: 'EUR',
    }),
    event('3', '30', '2025-03-30T08:00:30Z', {
      name: 'Purchase',
      pathname: '/',
      revenue_amount: '0.2000',
      revenue_currency: 'EUR',
    }),
    // Visit 4: same visitor 30 later that day, / → /pricing → Signup: full funnel; /blog and /blog/x/y miss '/blog/*'.
    event('4', '30', '2025-03-30T12:00:00Z', { pathname: '/' }),
    event('4', '30', '2025-03-30T12:01:00Z', { pathname: '/blog' }),
    event('4', '30', '2025-03-30T12:02:00Z', { pathname: '/blog/x/y' }),
    event('4', '30', '2025-03-30T12:03:00Z', { pathname: '/pricing' }),
    event('4', '30', '2025-03-30T12:04:00Z', { pathname: '/pricing', name: 'Signup', props: { plan: 'free' } }),
  ];
  const truth = computeTruth(rows, BERLIN);

  it('counts days in the site time zone: a visit across midnight puts its visitor on both days, its visit on the first', () => {
    expect(truth.days.map((day) => day.date)).toEqual(['2025-03-29', '2025-03-30']);
    const [saturday, sunday] = truth.days;
    expect(saturday).toMatchObject({ visitors: 2, visits: 2, pageviews: 2, bounces: 1, bounceRate: 50 });
    expect(sunday).toMatchObject({ visitors: 2, visits: 2, pageviews: 6, bounces: 0, bounceRate: 0 });
  });

  it('measures visit duration from first to last counted event, engagement excluded', () => {
    // Visit 1: 0 s (its engagement does not count); visit 2: 22:58 → 23:02 = 240 s.
    expect(truth.days[0]?.visitDuration).toBe(120);
    // Visit 3: 30 s, visit 4: 240 s.
    expect(truth.days[1]?.visitDuration).toBe(135);
    expect(truth.totals).toMatchObject({ visitors: 3, visits: 4, pageviews: 8, bounces: 1, bounceRate: 25 });
    expect(truth.totals.visitDuration).toBe((0 + 240 + 30 + 240) / 4);
  });

  it('takes entry and exit pages from pageviews and the source from the first event', () => {
    expect(truth.entryPages).toEqual([
      { value: '/', visitors: 2, visits: 3 },
      { value: '/pricing', visitors: 1, visits: 1 },
    ]);
    expect(truth.exitPages.find((row) => row.value === '/blog/a')).toEqual({
      value: '/blog/a',
      visitors: 1,
      visits: 1,
    });
    expect(truth.sources).toEqual([
      { value: '', visitors: 1, visits: 2 },
      { value: 'Google', visitors: 1, visits: 1 },
      { value: 'Reddit', visitors: 1, visits: 1 },
    ]);
    expect(truth.countries.find((row) => row.value === 'FR')?.visits).toBe(1);
  });

  it("counts a page's visitors over every counted event on it, its pageviews over pageviews (as Plausible)", () => {
    const pageTruth = computeTruth(
      [
        event('7', '70', '2025-03-30T10:00:00Z', { pathname: '/a' }),
        event('7', '70', '2025-03-30T10:00:05Z', { pathname: '/b', name: 'Signup' }),
        event('7', '70', '2025-03-30T10:00:09Z', { pathname: '/c', name: 'engagement', interactive: 0 }),
        // A server-side event alone: a visit with no entry or exit page.
        event('8', '80', '2025-03-30T11:00:00Z', { pathname: '/b', name: 'Signup' }),
      ],
      BERLIN,
    );
    expect(pageTruth.pages).toEqual([
      { value: '/b', visitors: 2, pageviews: 0 },
      { value: '/a', visitors: 1, pageviews: 1 },
    ]);
    expect(pageTruth.entryPages).toEqual([{ value: '/a', visitors: 1, visits: 1 }]);
    expect(pageTruth.exitPages).toEqual([{ value: '/a', visitors: 1, visits: 1 }]);
    expect(pageTruth.totals.visits).toBe(2);
  });

  it('records goals, props, funnel steps and the exact revenue sum', () => {
    expect(truth.goals).toEqual([
      { name: 'Visit /blog/*', visitors: 1, events: 1, conversionRate: (1 / 3) * 100 },
      { name: 'Signup', visitors: 2, events: 3, conversionRate: (2 / 3) * 100 },
    ]);
    expect(truth.props.rows).toEqual([
      { value: '(none)', visitors: 1, events: 1 },
      { value: 'free', visitors: 1, events: 1 },
      { value: 'pro', visitors: 1, events: 1 },
    ]);
    expect(truth.funnel.steps.map((step) => step.visitors)).toEqual([2, 1, 1]);
    expect(truth.totals.totalRevenue).toBe('0.3000');
  });

  it('matches path patterns: * stops at a slash, ** does not', () => {
    expect(pathPatternRegExp('/blog/*').test('/blog/post')).toBe(true);
    expect(pathPatternRegExp('/blog/*').test('/blog/a/b')).toBe(false);
    expect(pathPatternRegExp('/blog/**').test('/blog/a/b')).toBe(true);
    expect(pathPatternRegExp('/a.b').test('/axb')).toBe(false);
  });

  it('refuses an unknown time zone and is empty for no rows', () => {
    expect(() => computeTruth(rows, { ...BERLIN, timezone: 'Nowhere/Special' })).toThrow(RangeError);
    const empty = computeTruth([], BERLIN);
    expect(empty.days).toEqual([]);
    expect(empty.totals).toMatchObject({
      visitors: 0,
      visits: 0,
      bounceRate: 0,
      visitDuration: 0,
      totalRevenue: '0.0000',
    });
  });
});

describe('generated truth is self-consistent', () => {
  const { truth, rows } = generateGroundTruth({ seed: 11, days: 4, visitorsPerDay: 80 });
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

  it('adds up across days and breakdowns', () => {
    expect(sum(truth.days.map((d) => d.visits))).toBe(truth.totals.visits);
    expect(sum(truth.days.map((d) => d.pageviews))).toBe(truth.totals.pageviews);
    expect(sum(truth.days.map((d) => d.bounces))).toBe(truth.totals.bounces);
    expect(sum(truth.pages.map((p) => p.pageviews))).toBe(truth.totals.pageviews);
    expect(sum(truth.hostnames.map((p) => p.pageviews))).toBe(truth.totals.pageviews);
    for (const breakdown of [
      truth.entryPages,
      truth.exitPages,
      truth.sources,
      truth.channels,
      truth.countries,
      truth.devices,
      truth.browsers,
    ]) {
      expect(sum(breakdown.map((row) => row.visits))).toBe(truth.totals.visits);
      expect(sum(breakdown.map((row) => row.visitors))).toBeGreaterThanOrEqual(truth.totals.visitors);
    }
    const signupGoal = truth.goals.find((goal) => goal.name === 'Signup');
    expect(sum(truth.props.rows.map((row) => row.events))).toBe(signupGoal?.events);
  });

  it('stays within bounds', () => {
    for (const day of truth.days) {
      expect(day.visitors).toBeLessThanOrEqual(truth.totals.visitors);
      expect(day.bounceRate).toBeGreaterThanOrEqual(0);
      expect(day.bounceRate).toBeLessThanOrEqual(100);
      expect(day.pageviews).toBeGreaterThanOrEqual(day.visits - day.bounces > 0 ? 1 : 0);
    }
    expect(sum(truth.days.map((d) => d.visitors))).toBeGreaterThanOrEqual(truth.totals.visitors);
    const steps = truth.funnel.steps.map((step) => step.visitors);
    expect(steps[2]).toBeGreaterThan(0);
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeLessThanOrEqual(steps[i - 1] ?? 0);
    for (const goal of truth.goals) expect(goal.visitors).toBeLessThanOrEqual(truth.totals.visitors);
    const floatRevenue = sum(rows.map((row) => Number(row.revenue_amount ?? 0)));
    expect(Number(truth.totals.totalRevenue)).toBeCloseTo(floatRevenue, 6);
  });
});

/**
 * The generator's truth against the stored rows, read back with hand-written SQL (bound parameters only). Independent
 * of the stats engine: if this fails, the truth or the generator is wrong, not the engine.
 */
describe('truth matches the rows stored in chDB', () => {
  const DB = 'ground_truth_test';
  const TABLE = `${DB}.events`;
  const data = generateGroundTruth();
  const { truth } = data;
  const site = { site: 1, tz: 'Europe/Berlin' };
  let dir: string;
  let store: EventStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ground-truth-'));
    store = createChdbEventStore({ dataDir: dir, database: DB });
    await store.migrate();
    for (let i = 0; i < data.rows.length; i += 2000) {
      await store.insertBatch(data.rows.slice(i, i + 2000), `ground-truth-${i}`);
    }
  });

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every row', async () => {
    const [row] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM ${TABLE} WHERE site_id = {site:UInt32}`,
      site,
    );
    expect(Number(row?.n)).toBe(data.rows.length);
  });

  it('has the daily visitors and pageviews of the truth, by Berlin calendar day across the DST change', async () => {
    const days = await store.query<{ day: string; visitors: string; pageviews: string }>(
      `SELECT toString(toDate(ts, {tz:String})) AS day, uniqExact(visitor_id) AS visitors, countIf(name = 'pageview') AS pageviews
       FROM ${TABLE} WHERE site_id = {site:UInt32} AND name != 'engagement' GROUP BY day ORDER BY day`,
      site,
    );
    expect(days.map((d) => ({ date: d.day, visitors: Number(d.visitors), pageviews: Number(d.pageviews) }))).toEqual(
      truth.days.map(({ date, visitors, pageviews }) => ({ date, visitors, pageviews })),
    );
    expect(truth.days.some((day) => day.date === '2025-03-30')).toBe(true);
  });

  it('has the visits, bounces and visit durations of the truth, each visit on the day it started', async () => {
    const days = await store.query<{ day: string; visits: string; bounces: string; duration_ms: string }>(
      `SELECT toString(toDate(start, {tz:String})) AS day, count() AS visits,
              countIf(pageviews = 1 AND interactions = 0) AS bounces,
              sum(toUnixTimestamp64Milli(finish) - toUnixTimestamp64Milli(start)) AS duration_ms
       FROM (
         SELECT session_id, min(ts) AS start, max(ts) AS finish, countIf(name = 'pageview') AS pageviews,
                countIf(name != 'pageview' AND interactive = 1) AS interactions
         FROM ${TABLE} WHERE site_id = {site:UInt32} AND name != 'engagement' GROUP BY session_id
       ) GROUP BY day ORDER BY day`,
      site,
    );
    expect(
      days.map((d) => ({
        date: d.day,
        visits: Number(d.visits),
        bounces: Number(d.bounces),
        visitDuration: Number(d.duration_ms) / 1000 / Number(d.visits),
      })),
    ).toEqual(
      truth.days.map(({ date, visits, bounces, visitDuration }) => ({
        date,
        visits,
        bounces,
        visitDuration: expect.closeTo(visitDuration, 9),
      })),
    );
  });

  it('has the pageviews and visitors per page, and the entry pages and sources of the truth', async () => {
    const pages = await store.query<{ value: string; visitors: string; pageviews: string }>(
      `SELECT pathname AS value, uniqExact(visitor_id) AS visitors, countIf(name = 'pageview') AS pageviews
       FROM ${TABLE} WHERE site_id = {site:UInt32} AND name != 'engagement' GROUP BY value`,
      site,
    );
    const byValue = <T extends { value: string }>(list: T[]) => [...list].sort((a, b) => (a.value < b.value ? -1 : 1));
    expect(
      byValue(pages.map((p) => ({ value: p.value, visitors: Number(p.visitors), pageviews: Number(p.pageviews) }))),
    ).toEqual(byValue(truth.pages));

    const visitBreakdown = (column: 'pathname' | 'referrer_source', names: string) =>
      store.query<{ value: string; visitors: string; visits: string }>(
        `SELECT value, uniqExact(visitor_id) AS visitors, count() AS visits FROM (
           SELECT session_id, any(visitor_id) AS visitor_id, argMin(${column}, ts) AS value
           FROM ${TABLE} WHERE site_id = {site:UInt32} AND name IN {names:Array(String)} GROUP BY session_id
         ) GROUP BY value`,
        { ...site, names: names.split(',') },
      );
    const asNumbers = (list: { value: string; visitors: string; visits: string }[]) =>
      byValue(list.map((r) => ({ value: r.value, visitors: Number(r.visitors), visits: Number(r.visits) })));
    expect(asNumbers(await visitBreakdown('pathname', 'pageview'))).toEqual(byValue(truth.entryPages));
    expect(asNumbers(await visitBreakdown('referrer_source', 'pageview,Signup,Purchase'))).toEqual(
      byValue(truth.sources),
    );
  });

  it('has the goal conversions and total revenue of the truth', async () => {
    const [blog] = await store.query<{ visitors: string; events: string }>(
      `SELECT uniqExact(visitor_id) AS visitors, count() AS events FROM ${TABLE}
       WHERE site_id = {site:UInt32} AND name = 'pageview' AND match(pathname, {pattern:String})`,
      { ...site, pattern: '^/blog/[^/]*$' },
    );
    const blogGoal = truth.goals.find((goal) => goal.name === 'Visit /blog/*');
    expect({ visitors: Number(blog?.visitors), events: Number(blog?.events) }).toEqual({
      visitors: blogGoal?.visitors,
      events: blogGoal?.events,
    });
    const [revenue] = await store.query<{ total: string }>(
      `SELECT toString(sum(revenue_amount)) AS total FROM ${TABLE} WHERE site_id = {site:UInt32}`,
      site,
    );
    expect(Number(revenue?.total)).toBe(Number(truth.totals.totalRevenue));
  });
});
