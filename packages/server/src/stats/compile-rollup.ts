import { FINISHED_VISIT_MERGE, type FinishedVisitTables } from '../storage/events/schema.js';
import type { CompiledQuery, CompileOptions, Context } from './compile.js';
import {
  and,
  filterSql,
  metricSql,
  orderedAndPaginated,
  Params,
  timeBucketSql,
  visitColumn,
  visitDimensionsOf,
} from './compile.js';
import type { Metric, StatsQuery, TimeDimension, VisitDimension } from './query.js';
import { isTimeDimension, StatsQueryError } from './query.js';
import { crossingVisitsSql, type VisitSnapshot } from './visit-snapshot.js';

/**
 * Compiles a query the planner sent to the visit rollup (`sessions_15m`) into one SELECT with bound parameters.
 * The rollup's rows are (site, 15-minute bucket, visit) pieces; the buckets inside the range are merged per visit
 * (`sessions`), which gives each visit exactly what raw events inside the range give it: first and last event, counts,
 * entry and exit page and attributes from their argMin / argMax states (compile.ts defines the same from events). A
 * finished visit wholly inside the range is read from its final row in `visits` instead, which holds the same merge
 * (see visitsCte). From there the figures follow the raw compiler's definitions:
 * - visitors are distinct visitor ids, visits are visits, pageviews and events are sums over the visits;
 * - bounce rate, visit duration and views per visit average over visits;
 * - over time, visitors and pageviews count in the bucket of each event (each rollup row lies in one answer bucket,
 *   which the planner checked), and a visit counts in the bucket it started in.
 */

export interface RollupCompileOptions extends Omit<CompileOptions, 'eventsTable' | 'goals'> {
  /** Fully qualified rollup table (an identifier the store owns). */
  rollupTable: string;
  /** The finished visits beside it (storage/events/finished-visits.ts). */
  visitTables: Pick<FinishedVisitTables, 'visits' | 'lateVisits'>;
  /**
   * What was read about the finished visits for this site and range (visit-snapshot.ts), written into the query as
   * literals. Required when the query reads visits (rollupReadsVisits).
   */
  snapshot?: VisitSnapshot;
}

/**
 * True when the query reads visits (`sessions`, `matched`), and so needs a snapshot; a time series without filters
 * or visit averages reads the rollup's rows alone.
 */
export function rollupReadsVisits(query: Pick<StatsQuery, 'metrics' | 'dimensions' | 'filters'>): boolean {
  if (!query.dimensions.some(isTimeDimension) || query.filters.length > 0) return true;
  return query.metrics.some((metric) => !['visitors', 'pageviews', 'events'].includes(metric));
}

/** A visit dimension's column in the finished visits table. */
function finishedColumnOf(dimension: VisitDimension): string {
  if (dimension === 'visit:entry_page') return 'entry_page';
  if (dimension === 'visit:exit_page') return 'exit_page';
  return `a_${dimension.slice('visit:'.length)}`;
}

/** The visit columns every rollup query carries: final-row column → name in `sessions`. */
const VISIT_FIGURES: readonly (readonly [column: string, alias: string])[] = [
  ['visitor_id', 'visitor_id'],
  ['start', 's_start'],
  ['end', 's_end'],
  ['pageviews', 's_pageviews'],
  ['events', 's_events'],
  ['interactions', 's_interactions'],
];

/** Aggregates over `matched` (one row per visit) by the grouped column they produce. */
const VISIT_AGGREGATES: Record<string, string> = {
  x_visitors: 'uniqExact(visitor_id)',
  x_visits: 'count()',
  x_pageviews: 'sum(s_pageviews)',
  x_events: 'sum(s_events)',
  x_bounce: 'avg(s_pageviews = 1 AND s_interactions = 0)',
  x_duration_ms: "avg(toFloat64(dateDiff('millisecond', s_start, s_end)))",
  x_views_per_visit: 'avg(s_pageviews)',
};

/** The x_ columns a metric reads (see metricSql in compile.ts). */
function columnsOf(metric: Metric): string[] {
  switch (metric) {
    case 'visitors':
    case 'percentage':
      return ['x_visitors'];
    case 'visits':
      return ['x_visits'];
    case 'pageviews':
      return ['x_pageviews'];
    case 'events':
      return ['x_events'];
    case 'bounce_rate':
      return ['x_bounce'];
    case 'visit_duration':
      return ['x_duration_ms'];
    case 'views_per_visit':
      return ['x_views_per_visit'];
    default:
      // The planner never sends other metrics here.
      throw new StatsQueryError(`Metric ${JSON.stringify(metric)} cannot be answered from the visit rollup`);
  }
}

/**
 * `sessions`: one row per visit with pieces in the range, its figures clipped to the range. A visit wholly inside the
 * range that is finished (no piece at or after the watermark, not flagged late) comes from its final row
 * in `visits`; every other one (crossing an end of the range, still open, or touched by a late event) is regrouped
 * from its rollup pieces inside the range, as the definition says. Both halves give the same columns.
 */
function visitsCte(
  options: RollupCompileOptions,
  snapshot: VisitSnapshot,
  sql: { params: Params; siteParam: string; fromParam: string; toParam: string; inRange: string },
  dimensions: VisitDimension[],
): string {
  const { rollupTable, visitTables } = options;
  const { params, siteParam, fromParam, toParam, inRange } = sql;
  const from = `toDateTime(${fromParam}, 'UTC')`;
  const to = `toDateTime(${toParam}, 'UTC')`;
  const columns = [...VISIT_FIGURES, ...dimensions.map((d) => [finishedColumnOf(d), visitColumn(d)] as const)];
  const finished = columns.map(([column, alias]) => `${column} AS ${alias}`).join(', ');
  // The same merge the finishing job writes into a final row (schema.ts), over the pieces inside the range.
  const regrouped = columns.map(([column, alias]) => `${FINISHED_VISIT_MERGE.get(column)} AS ${alias}`).join(', ');
  // Visits with pieces at or after the watermark and visits flagged late change with every insert: read live.
  const watermark = `toDateTime(${params.add(snapshot.finishedBeforeSec, 'UInt32')}, 'UTC')`;
  const recent = `SELECT session_id FROM ${rollupTable} WHERE site_id = ${siteParam} AND bucket >= ${watermark}`;
  const flagged = `session_id IN (SELECT session_id FROM ${visitTables.lateVisits} WHERE site_id = ${siteParam})`;
  const crossing =
    snapshot.crossing === undefined
      ? `session_id IN (${crossingVisitsSql(visitTables.visits, siteParam, from, to)})`
      : `session_id IN ${params.add(snapshot.crossing, 'Array(UInt64)')}`;
  return (
    `sessions AS (SELECT session_id, ${finished} FROM ${visitTables.visits} WHERE site_id = ${siteParam} ` +
    `AND start >= ${from} AND end < ${to} AND NOT ${flagged} AND session_id NOT IN (${recent}) ` +
    `UNION ALL SELECT session_id, ${regrouped} FROM ${rollupTable} WHERE ${inRange} ` +
    `AND (${flagged} OR ${crossing} OR session_id IN (${recent})) GROUP BY session_id)`
  );
}

/** Compiles a rollup query. The planner has checked that every part of it is one the rollup can answer. */
export function compileRollupQuery(options: RollupCompileOptions): CompiledQuery {
  const { query, site, range, rollupTable } = options;
  const params = new Params();
  const ctx: Context = { params, goals: [], goalConditions: new Map(), tz: params.add(site.timezone, 'String') };
  const siteParam = params.add(site.id, 'UInt32');
  // The planner only sends ranges on bucket boundaries: whole seconds.
  const fromParam = params.add(Math.floor(range.fromMs / 1000), 'UInt32');
  const toParam = params.add(Math.floor(range.toMs / 1000), 'UInt32');
  const inRange = `site_id = ${siteParam} AND bucket >= toDateTime(${fromParam}, 'UTC') AND bucket < toDateTime(${toParam}, 'UTC')`;

  const { metrics, dimensions } = query;
  const timeIndex = dimensions.findIndex(isTimeDimension);
  const dimensionColumns = dimensions.map((_, i) => `d${i}`);
  const groupKey = dimensionColumns.join(', ');
  const groupBy = dimensions.length > 0 ? ` GROUP BY ${groupKey}` : '';

  const ctes: string[] = [];
  if (rollupReadsVisits(query)) {
    if (options.snapshot === undefined) throw new Error('A rollup query that reads visits needs a visit snapshot');
    const sql = { params, siteParam, fromParam, toParam, inRange };
    ctes.push(visitsCte(options, options.snapshot, sql, [...visitDimensionsOf(query)]));
    // Visits without a pageview have no entry or exit page and stay out of those breakdowns (as in compile.ts).
    const byVisitPage = dimensions.some((d) => d === 'visit:entry_page' || d === 'visit:exit_page');
    ctes.push(
      `matched AS (SELECT * FROM sessions WHERE ${and([byVisitPage ? 's_pageviews > 0' : '', ...query.filters.map((f) => filterSql(f, ctx))])})`,
    );
  }

  const needed = new Set(metrics.flatMap(columnsOf));
  let from: string;
  if (timeIndex < 0) {
    const dimensionSelect = dimensions.map((d, i) => `${visitColumn(d as VisitDimension)} AS d${i}`);
    const aggregates = [...needed].map((column) => `${VISIT_AGGREGATES[column]} AS ${column}`);
    if (metrics.includes('percentage')) {
      // The total row of a second grouping set gives the visitors of all groups in the same pass over the visits
      // (a visitor in two groups counts once there).
      ctes.push(
        `grouped_sets AS (SELECT ${[...dimensionSelect, ...aggregates].join(', ')}, grouping(${groupKey}) AS x_grouping ` +
          `FROM matched GROUP BY GROUPING SETS ((${groupKey}), ()))`,
        'grouped AS (SELECT * FROM (SELECT *, max(if(x_grouping = 0, 0, x_visitors)) OVER () AS t_matched_visitors ' +
          'FROM grouped_sets) WHERE x_grouping = 0)',
      );
    } else {
      ctes.push(`grouped AS (SELECT ${[...dimensionSelect, ...aggregates].join(', ')} FROM matched${groupBy})`);
    }
    from = 'grouped';
  } else {
    // Visitors, pageviews and events per bucket of each event: straight from the rollup rows (each lies in one
    // answer bucket). The buckets listed are those with counted events, as from raw events.
    const dimension = dimensions[timeIndex] as TimeDimension;
    const eventAggregates = ['count() AS x_rows'];
    if (needed.has('x_visitors')) eventAggregates.push('uniqExact(visitor_id) AS x_visitors');
    if (needed.has('x_pageviews')) eventAggregates.push('sum(pageviews) AS x_pageviews');
    if (needed.has('x_events')) eventAggregates.push('sum(events) AS x_events');
    const visitFilter = query.filters.length > 0 ? ' AND session_id IN (SELECT session_id FROM matched)' : '';
    ctes.push(
      `grouped AS (SELECT ${timeBucketSql(dimension, 'bucket', ctx, range)} AS d0, ${eventAggregates.join(', ')} ` +
        `FROM ${rollupTable} WHERE ${inRange}${visitFilter} GROUP BY d0)`,
    );
    from = 'grouped';
    // Visits and their averages by the bucket each visit started in.
    const visitColumns = ['x_visits', 'x_bounce', 'x_duration_ms', 'x_views_per_visit'].filter((c) => needed.has(c));
    if (visitColumns.length > 0) {
      const aggregates = visitColumns.map(
        (column) => `${VISIT_AGGREGATES[column]} AS ${column === 'x_visits' ? 'x_visit_count' : column}`,
      );
      ctes.push(
        `visit_grouped AS (SELECT ${timeBucketSql(dimension, 's_start', ctx, range)} AS d0, ${aggregates.join(', ')} FROM matched GROUP BY d0)`,
      );
      from = 'grouped LEFT JOIN visit_grouped USING (d0)';
    }
  }

  const metricSelect = metrics.map(
    (metric) => `${metric === 'visits' && timeIndex >= 0 ? 'x_visit_count' : metricSql(metric)} AS m_${metric}`,
  );
  if (metrics.includes('percentage') && timeIndex >= 0)
    ctes.push('(SELECT uniqExact(visitor_id) FROM matched) AS t_matched_visitors');
  const select = [...dimensionColumns, ...metricSelect, 'count() OVER () AS total_rows'];
  const sql = `WITH ${ctes.join(',\n')}\nSELECT ${select.join(', ')}\nFROM ${from}`;
  return orderedAndPaginated(sql, { query, params, dimensionColumns, metrics, paginate: options.paginate });
}
