import type { EventStore, QueryParams } from '../../packages/server/src/storage/events/event-store.js';

/**
 * The dashboard's query set, as hand-written ClickHouse SQL for now. Each query is one function with the signature
 * `(store, siteId, range, tz)`: the seam where the stats engine's `runStatsQuery(...)` replaces the SQL later, so the
 * benchmark then measures the real planner without changing the runner. Every value is a bound parameter.
 *
 * Definitions follow the ground truth (packages/server/src/stats/ground-truth/compute-truth.ts): engagement events are
 * not counted, a visit belongs to the range its first event falls in, bounce = one pageview and no interactive custom
 * event, visit attributes (source, entry/exit page) come from the visit's first/last event. `uniq` (ClickHouse's
 * adaptive estimate, exact for small sets) counts visitors, as Plausible does.
 */

/** A half-open interval of instants, `[startMs, endMs)`, usually local midnights in the site's zone. */
export interface DateRange {
  startMs: number;
  endMs: number;
}

export type DashboardQuery = (store: EventStore, siteId: number, range: DateRange, tz: string) => Promise<unknown[]>;

export interface NamedQuery {
  name: string;
  run: DashboardQuery;
}

function rangeParams(siteId: number, range: DateRange, tz: string): QueryParams {
  return { site: siteId, from: range.startMs, to: range.endMs, tz };
}

const IN_RANGE = 'site_id = {site:UInt32} AND ts >= {from:DateTime64(3)} AND ts < {to:DateTime64(3)}';

/** Visitors, visits, pageviews, bounce rate and visit duration, for the range and the one just before it. */
export const topStatsWithComparison: DashboardQuery = (store, siteId, range, tz) => {
  const length = range.endMs - range.startMs;
  return store.query(
    `SELECT start >= {from:DateTime64(3)} AS current, uniq(visitor_id) AS visitors, count() AS visits,
            sum(visit_pageviews) AS pageviews,
            round(100 * countIf(visit_pageviews = 1 AND interactions = 0) / count(), 1) AS bounce_rate,
            round(avg(duration_ms) / 1000) AS visit_duration
     FROM (
       SELECT session_id, any(visitor_id) AS visitor_id, min(ts) AS start, countIf(name = 'pageview') AS visit_pageviews,
              countIf(name != 'pageview' AND interactive = 1) AS interactions,
              toUnixTimestamp64Milli(max(ts)) - toUnixTimestamp64Milli(min(ts)) AS duration_ms
       FROM ${store.eventsTable}
       WHERE site_id = {site:UInt32} AND ts >= {previousFrom:DateTime64(3)} AND ts < {to:DateTime64(3)}
         AND name != 'engagement'
       GROUP BY session_id
     )
     WHERE start < {to:DateTime64(3)}
     GROUP BY current ORDER BY current`,
    { ...rangeParams(siteId, range, tz), previousFrom: range.startMs - length },
  );
};

/** Visitors and pageviews per local day (the main graph). */
export const visitorsPerDay: DashboardQuery = (store, siteId, range, tz) =>
  store.query(
    `SELECT toDate(ts, {tz:String}) AS day, uniq(visitor_id) AS visitors, countIf(name = 'pageview') AS pageviews
     FROM ${store.eventsTable} WHERE ${IN_RANGE} AND name != 'engagement'
     GROUP BY day ORDER BY day`,
    rangeParams(siteId, range, tz),
  );

/** A breakdown of visits by an attribute of their first (or last) event of some names. */
function visitBreakdown(
  column: 'referrer_source' | 'pathname',
  pick: 'argMin' | 'argMax',
  names: string[],
): DashboardQuery {
  return (store, siteId, range, tz) =>
    store.query(
      `SELECT value, uniq(visitor_id) AS visitors, count() AS visits
       FROM (
         SELECT session_id, any(visitor_id) AS visitor_id, ${pick}(${column}, ts) AS value
         FROM ${store.eventsTable} WHERE ${IN_RANGE} AND name IN {names:Array(String)}
         GROUP BY session_id
       )
       GROUP BY value ORDER BY visitors DESC, value LIMIT 10`,
      { ...rangeParams(siteId, range, tz), names },
    );
}

const COUNTED = ['pageview', 'Signup', 'Purchase'];
export const topSources = visitBreakdown('referrer_source', 'argMin', COUNTED);
export const entryPages = visitBreakdown('pathname', 'argMin', ['pageview']);
export const exitPages = visitBreakdown('pathname', 'argMax', ['pageview']);

export const topPages: DashboardQuery = (store, siteId, range, tz) =>
  store.query(
    `SELECT pathname AS value, uniq(visitor_id) AS visitors, count() AS pageviews
     FROM ${store.eventsTable} WHERE ${IN_RANGE} AND name = 'pageview'
     GROUP BY value ORDER BY visitors DESC, value LIMIT 10`,
    rangeParams(siteId, range, tz),
  );

/** Country and device are fixed per visitor in practice, so their breakdowns read pageviews directly. */
function visitorBreakdown(column: 'country' | 'device'): DashboardQuery {
  return (store, siteId, range, tz) =>
    store.query(
      `SELECT ${column} AS value, uniq(visitor_id) AS visitors
       FROM ${store.eventsTable} WHERE ${IN_RANGE} AND name = 'pageview'
       GROUP BY value ORDER BY visitors DESC, value LIMIT 10`,
      rangeParams(siteId, range, tz),
    );
}
export const countries = visitorBreakdown('country');
export const devices = visitorBreakdown('device');

/** Conversions of an event goal (Signup) and a pageview goal (/blog/*), with conversion rates. */
export const goalConversions: DashboardQuery = (store, siteId, range, tz) =>
  store.query(
    `SELECT uniqIf(visitor_id, name = 'Signup') AS signup_visitors,
            uniqIf(visitor_id, name = 'pageview' AND match(pathname, {blogPattern:String})) AS blog_visitors,
            uniq(visitor_id) AS visitors,
            round(100 * signup_visitors / visitors, 2) AS signup_conversion_rate,
            round(100 * blog_visitors / visitors, 2) AS blog_conversion_rate
     FROM ${store.eventsTable} WHERE ${IN_RANGE} AND name != 'engagement'`,
    { ...rangeParams(siteId, range, tz), blogPattern: '^/blog/[^/]*$' },
  );

/** What one dashboard load runs, in the order the widgets appear. */
export const DASHBOARD_QUERIES: readonly NamedQuery[] = [
  { name: 'top stats + comparison', run: topStatsWithComparison },
  { name: 'visitors per day', run: visitorsPerDay },
  { name: 'top sources', run: topSources },
  { name: 'top pages', run: topPages },
  { name: 'entry pages', run: entryPages },
  { name: 'exit pages', run: exitPages },
  { name: 'countries', run: countries },
  { name: 'devices', run: devices },
  { name: 'goal conversions', run: goalConversions },
];
