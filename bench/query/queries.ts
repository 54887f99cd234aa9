import type { Goal } from '../../packages/server/src/stats/compile.js';

/**
 * The dashboard's query set, as the dashboard sends it: Stats API v2 bodies (the shape `POST /api/v2/query` takes),
 * run through the real stats engine (parse → plan → compile → run) by run.ts, so the figures are what users get.
 * Each body is built for a date range of whole local days `[first, last]` in the site's time zone.
 */

export interface NamedQuery {
  name: string;
  body: (dateRange: readonly [string, string]) => Record<string, unknown>;
}

/** The goals the bench site has: the custom event the generator emits and a pageview goal on blog posts. */
export const BENCH_GOALS: readonly Goal[] = [
  { id: 'Signup', kind: 'event', eventName: 'Signup' },
  { id: 'Visit /blog/*', kind: 'pageview', pathPattern: '/blog/*' },
];

/** Rows a dashboard list shows (Plausible shows 9 plus "details"). */
const LIST_LIMIT = 10;

function list(dimension: string, metrics: string[]): NamedQuery['body'] {
  return (dateRange) => ({
    site_id: 'bench.example',
    date_range: dateRange,
    metrics,
    dimensions: [dimension],
    pagination: { limit: LIST_LIMIT, offset: 0 },
  });
}

/** What one dashboard load runs, in the order the widgets appear. */
export const DASHBOARD_QUERIES: readonly NamedQuery[] = [
  {
    name: 'top stats + comparison',
    body: (dateRange) => ({
      site_id: 'bench.example',
      date_range: dateRange,
      metrics: ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'],
      include: { comparisons: { mode: 'previous_period' } },
    }),
  },
  {
    // `time` picks days for a month and months for a year, as the dashboard's default interval does.
    name: 'main graph (visitors)',
    body: (dateRange) => ({
      site_id: 'bench.example',
      date_range: dateRange,
      metrics: ['visitors', 'pageviews'],
      dimensions: ['time'],
      include: { time_labels: true },
    }),
  },
  { name: 'top sources', body: list('visit:source', ['visitors', 'visits']) },
  { name: 'top pages', body: list('event:page', ['visitors', 'pageviews']) },
  { name: 'entry pages', body: list('visit:entry_page', ['visitors', 'visits']) },
  { name: 'exit pages', body: list('visit:exit_page', ['visitors', 'visits']) },
  { name: 'countries', body: list('visit:country', ['visitors', 'percentage']) },
  { name: 'devices', body: list('visit:device', ['visitors', 'percentage']) },
  { name: 'goal conversions', body: list('event:goal', ['visitors', 'events', 'conversion_rate']) },
];
