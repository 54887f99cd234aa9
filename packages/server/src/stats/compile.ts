import type { QueryParams } from '../storage/events/event-store.js';
import type { ResolvedDateRange } from './date-range.js';
import { granularityFor } from './date-range.js';
import type { Dimension, Filter, Metric, StatsQuery, TimeDimension, VisitDimension } from './query.js';
import { isPropDimension, isTimeDimension, propKeyOf, SESSION_ONLY_METRICS, StatsQueryError } from './query.js';

/**
 * Compiles a validated StatsQuery into ONE ClickHouse SELECT with bound parameters. Invariants:
 * - no value ever appears in SQL text: values (site id, instants, time zone, filter values, prop keys, goal patterns,
 *   pagination) are `{pN:Type}` parameters;
 * - identifiers come only from the allow-lists below (`DIMENSION_SQL`, `VISIT_ATTRIBUTE_SQL`, metric aliases).
 *
 * Semantics (the same for every metric, so numbers agree across reports):
 * - A visit (session) is the events sharing a session_id inside the date range. Visit attributes (source, UTMs,
 *   device, country, …) are those of the visit's first event; entry/exit page are the first/last pageview's path
 *   (visits without a pageview have none and are left out of entry/exit page breakdowns);
 *   duration is last event − first event; a bounce is a visit with exactly one pageview and no interactive custom event.
 * - Visit filters keep every event of a matching visit; event filters keep matching events, and visit metrics then
 *   count the visits that have at least one matching event.
 * - `engagement` events are not pageviews or events: they only feed time_on_page and scroll_depth.
 */

export interface StatsSite {
  id: number;
  /** IANA time zone (validated where the site was saved). */
  timezone: string;
}

/** A conversion goal, passed in by the caller (stored per site elsewhere). */
export type Goal =
  | {
      id: string;
      kind: 'pageview' /** path with `*` (one segment part) and `**` (anything) wildcards */;
      pathPattern: string;
    }
  | { id: string; kind: 'event'; eventName: string };

export interface CompiledQuery {
  sql: string;
  params: QueryParams;
  /** Result column of each query dimension, in query order. */
  dimensionColumns: string[];
  /** Result column of each query metric, in query order. */
  metricColumns: string[];
  /** Column holding the row count before pagination. */
  totalRowsColumn: string;
}

export interface CompileOptions {
  query: StatsQuery;
  site: StatsSite;
  goals: readonly Goal[];
  range: ResolvedDateRange;
  /** Fully qualified events table (an identifier the store owns). */
  eventsTable: string;
  /** False for a comparison query: it must see every group, matched to the main rows afterwards. */
  paginate?: boolean;
  /**
   * True when the caller counts the conversion rate's denominator itself (run.ts reads the population's visitors
   * from the visit rollup, see populationQuery): the query then leaves out its own count of them, a distinct count
   * over every event in the range, and `conversion_rate` holds the visitors, which the caller divides (as the query
   * would: visitors / population × 100). Order and pagination stay right: the denominator is the same for every row.
   */
  deferConversionDenominator?: boolean;
}

export const MAX_GOALS = 200;
export const MAX_UNPAGINATED_ROWS = 10_000;

/** Builds `{pN:Type}` placeholders; the only way a value reaches the SQL. */
export class Params {
  readonly values: QueryParams = {};
  private next = 0;
  add(
    value: string | number | readonly string[] | readonly bigint[],
    type: 'String' | 'UInt32' | 'Int64' | 'Array(String)' | 'Array(UInt64)',
  ): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

/**
 * The per-event value each visit attribute is taken from. A visit's attribute is the value on its first counted
 * event: earliest timestamp, then (for events in the same millisecond) the smaller hash of the value, so the answer
 * does not depend on the order rows are read in. The visit rollup (storage/events/schema.ts) keeps the same
 * definitions; the planner's equivalence test holds the two paths to identical answers.
 */
const VISIT_ATTRIBUTE_VALUE_SQL: Record<Exclude<VisitDimension, 'visit:entry_page' | 'visit:exit_page'>, string> = {
  'visit:source': "if(referrer_source = '', 'Direct / None', toString(referrer_source))",
  'visit:referrer': "if(referrer = '', 'Direct / None', referrer)",
  'visit:channel': "if(channel = '', 'Direct', toString(channel))",
  'visit:utm_medium': 'toString(utm_medium)',
  'visit:utm_source': 'toString(utm_source)',
  'visit:utm_campaign': 'toString(utm_campaign)',
  'visit:utm_content': 'utm_content',
  'visit:utm_term': 'utm_term',
  'visit:device': 'toString(device)',
  'visit:browser': 'toString(browser)',
  'visit:browser_version': 'toString(browser_version)',
  'visit:os': 'toString(os)',
  'visit:os_version': 'toString(os_version)',
  'visit:country': 'toString(country)',
  // Size classes by screen width; 0 means the client did not report one (apps, imports).
  'visit:screen':
    "multiIf(screen_w = 0, '(not set)', screen_w < 576, 'Mobile', screen_w < 992, 'Tablet', screen_w < 1440, 'Laptop', 'Desktop')",
};

/** The order of a visit's events: ms in the high 64 bits, then the value's hash (as the rollup orders them). */
function eventOrderKeySql(value: string): string {
  return `bitOr(bitShiftLeft(toUInt128(toUnixTimestamp64Milli(ts)), 64), toUInt128(cityHash64(${value})))`;
}

/** Visit attributes, computed once per session from its events. */
const VISIT_ATTRIBUTE_SQL = Object.fromEntries(
  Object.entries(VISIT_ATTRIBUTE_VALUE_SQL).map(([dimension, value]) => [
    dimension,
    `argMin(${value}, ${eventOrderKeySql(value)})`,
  ]),
) as Record<keyof typeof VISIT_ATTRIBUTE_VALUE_SQL, string>;

/** Column alias of a visit attribute inside the compiled query. */
export function visitColumn(dimension: VisitDimension): string {
  return `s_${dimension.slice('visit:'.length)}`;
}

const EVENT_COLUMN_SQL: Record<'event:page' | 'event:hostname' | 'event:name', string> = {
  'event:page': 'pathname',
  'event:hostname': 'hostname',
  'event:name': 'name',
};

/** Columns read from the events table; everything a query can touch. */
const BASE_COLUMNS = [
  'ts',
  'name',
  'visitor_id',
  'session_id',
  'pathname',
  'hostname',
  'props',
  'interactive',
  'engagement_ms',
  'scroll_depth',
  'revenue_amount',
  'referrer_source',
  'referrer',
  'channel',
  'utm_medium',
  'utm_source',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'device',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'country',
  'screen_w',
];

export interface Context {
  params: Params;
  goals: readonly Goal[];
  goalConditions: Map<Goal, string>;
  tz: string;
}

/**
 * Compiles the main (or comparison) query.
 * @throws StatsQueryError for site-specific problems (an unknown goal in a filter, too many goals).
 */
export function compileStatsQuery(options: CompileOptions): CompiledQuery {
  const { query, site, range, eventsTable } = options;
  if (options.goals.length > MAX_GOALS)
    throw new StatsQueryError(`A site can have at most ${MAX_GOALS} goals in a query`);
  const params = new Params();
  const ctx: Context = {
    params,
    goals: options.goals,
    goalConditions: new Map(),
    tz: params.add(site.timezone, 'String'),
  };
  const siteParam = params.add(site.id, 'UInt32');
  const fromParam = params.add(range.fromMs, 'Int64');
  const toParam = params.add(range.toMs, 'Int64');

  const { metrics, dimensions } = query;
  const has = (metric: Metric) => metrics.includes(metric);
  const goalFilters = query.filters.filter((f) => mentions(f, 'event:goal'));
  const otherFilters = query.filters.filter((f) => !mentions(f, 'event:goal'));
  const timeIndex = dimensions.findIndex(isTimeDimension);
  // Over time, a visit belongs to the bucket it started in (so per-day visits add up to the total), while
  // visitors and pageviews count in the bucket of each event.
  const visitsByStart = timeIndex >= 0 && has('visits');
  const needsVisitGrouping = visitsByStart || metrics.some((m) => SESSION_ONLY_METRICS.includes(m));
  const needsSessions =
    needsVisitGrouping ||
    dimensions.some((d) => d.startsWith('visit:')) ||
    query.filters.some((f) => mentionsPrefix(f, 'visit:'));
  const needsEngagement = has('time_on_page') || has('scroll_depth');

  const dimensionColumns = dimensions.map((_, i) => `d${i}`);
  const dimensionSelect = dimensions.map((d, i) => `${dimensionSql(d, ctx, range)} AS d${i}`);
  const groupKey = dimensionColumns.join(', ');
  const nonGoalIndexes = dimensions.flatMap((d, i) => (d === 'event:goal' ? [] : [i]));

  const ctes: string[] = [];
  ctes.push(
    `base AS (SELECT ${BASE_COLUMNS.join(', ')} FROM ${eventsTable} WHERE site_id = ${siteParam} AND ts >= fromUnixTimestamp64Milli(${fromParam}, 'UTC') AND ts < fromUnixTimestamp64Milli(${toParam}, 'UTC') AND is_bot = 0)`,
  );
  if (needsSessions) {
    // Engagement events are not part of a visit's figures (duration, first event): only counted events are.
    // Only the attributes the query groups or filters by: each one is a string aggregate over every event.
    const used = visitDimensionsOf(query);
    const attributes = Object.entries(VISIT_ATTRIBUTE_SQL)
      .filter(([dimension]) => used.has(dimension as VisitDimension))
      .map(([dimension, sql]) => `${sql} AS ${visitColumn(dimension as VisitDimension)}`);
    ctes.push(
      `sessions AS (SELECT session_id, min(ts) AS s_start, max(ts) AS s_end, countIf(name = 'pageview') AS s_pageviews, ` +
        `countIf(interactive = 1 AND name NOT IN ('pageview', 'engagement')) AS s_interactions, ` +
        `argMinIf(pathname, ${eventOrderKeySql('pathname')}, name = 'pageview') AS s_entry_page, ` +
        `argMaxIf(pathname, ${eventOrderKeySql('pathname')}, name = 'pageview') AS s_exit_page` +
        `${attributes.map((attribute) => `, ${attribute}`).join('')} FROM base WHERE name != 'engagement' GROUP BY session_id)`,
    );
    ctes.push('enriched AS (SELECT * FROM base INNER JOIN sessions USING (session_id))');
  } else {
    ctes.push('enriched AS (SELECT * FROM base)');
  }
  const keepEngagement = needsEngagement ? '' : "name != 'engagement'";
  ctes.push(
    `population AS (SELECT * FROM enriched WHERE ${and([keepEngagement, ...otherFilters.map((f) => filterSql(f, ctx))])})`,
  );
  // A visit without pageviews (e.g. one server-side event) has no entry or exit page: Plausible leaves it out of
  // those breakdowns rather than showing an empty page.
  const byVisitPage = dimensions.some((d) => d === 'visit:entry_page' || d === 'visit:exit_page');
  ctes.push(
    `matched AS (SELECT ${[...dimensionSelect, '*'].join(', ')} FROM population WHERE ${and([byVisitPage ? 's_pageviews > 0' : '', ...goalFilters.map((f) => filterSql(f, ctx))])})`,
  );

  const groupBy = dimensions.length > 0 ? ` GROUP BY ${groupKey}` : '';
  const dimsPrefix = dimensions.length > 0 ? `${groupKey}, ` : '';
  const counted = "name != 'engagement'";
  // Only the aggregates the requested metrics read: an unused uniqExact still hashes every row.
  const aggregates: string[] = [];
  const needs = (column: string) => metrics.some((metric) => metricColumnsOf(metric, visitsByStart).includes(column));
  if (needs('x_visitors')) aggregates.push(`uniqExactIf(visitor_id, ${counted}) AS x_visitors`);
  if (needs('x_visits')) aggregates.push(`uniqExactIf(session_id, ${counted}) AS x_visits`);
  if (needs('x_pageviews')) aggregates.push("countIf(name = 'pageview') AS x_pageviews");
  if (needs('x_events')) aggregates.push(`countIf(${counted}) AS x_events`);
  if (needs('x_total_revenue'))
    aggregates.push(`ifNull(toFloat64(sumIf(revenue_amount, ${counted})), 0) AS x_total_revenue`);
  if (needs('x_average_revenue'))
    aggregates.push(
      `ifNull(toFloat64(avgIf(revenue_amount, ${counted} AND revenue_amount IS NOT NULL)), 0) AS x_average_revenue`,
    );
  if (aggregates.length === 0) aggregates.push(`countIf(${counted}) AS x_counted`);
  ctes.push(
    `grouped AS (SELECT ${dimsPrefix}${aggregates.join(', ')} ` +
      `FROM matched${groupBy}${dimensions.length > 0 ? ` HAVING countIf(${counted}) > 0` : ''})`,
  );

  const joins: string[] = [];
  const join = (cte: string) =>
    joins.push(dimensions.length > 0 ? `LEFT JOIN ${cte} USING (${groupKey})` : `CROSS JOIN ${cte}`);
  if (needsVisitGrouping) {
    // One row per (group, visit); with a time dimension the visit's bucket is that of its start.
    const perVisitKeys = dimensionColumns.filter((_, i) => i !== timeIndex);
    const perVisitPrefix = perVisitKeys.map((column) => `${column}, `).join('');
    const outerDims = dimensionColumns.map((column, i) =>
      i === timeIndex
        ? `${timeBucketSql(dimensions[i] as TimeDimension, 'visit_start', ctx, range)} AS ${column}`
        : column,
    );
    const outerPrefix = outerDims.map((column) => `${column}, `).join('');
    ctes.push(
      `visit_grouped AS (SELECT ${outerPrefix}count() AS x_visit_count, avg(s_pageviews = 1 AND s_interactions = 0) AS x_bounce, ` +
        `avg(s_duration_ms) AS x_duration_ms, avg(s_pageviews) AS x_views_per_visit ` +
        `FROM (SELECT ${perVisitPrefix}session_id, any(s_start) AS visit_start, any(s_pageviews) AS s_pageviews, any(s_interactions) AS s_interactions, ` +
        `toFloat64(any(dateDiff('millisecond', s_start, s_end))) AS s_duration_ms FROM matched WHERE ${counted} GROUP BY ${perVisitPrefix}session_id)${groupBy})`,
    );
    join('visit_grouped');
  }
  if (needsEngagement) {
    ctes.push(
      `engagement_grouped AS (SELECT ${dimsPrefix}avg(page_ms) AS x_time_on_page_ms, avg(page_scroll) AS x_scroll_depth ` +
        `FROM (SELECT ${dimsPrefix}session_id, pathname, sum(engagement_ms) AS page_ms, max(scroll_depth) AS page_scroll ` +
        `FROM matched WHERE name = 'engagement' GROUP BY ${dimsPrefix}session_id, pathname)${groupBy})`,
    );
    join('engagement_grouped');
  }
  if (has('exit_rate')) {
    // Exits of a page over that page's pageviews under the same filters.
    ctes.push(
      "page_totals AS (SELECT pathname AS d0, countIf(name = 'pageview') AS x_page_pageviews FROM matched GROUP BY pathname)",
    );
    join('page_totals');
  }
  if (has('group_conversion_rate')) {
    const totalsKey = nonGoalIndexes.map((i) => `d${i}`).join(', ');
    const totalsSelect = nonGoalIndexes.map((i) => dimensionSelect[i]!);
    ctes.push(
      `group_totals AS (SELECT ${[...totalsSelect, `uniqExactIf(visitor_id, ${counted}) AS x_group_visitors`].join(', ')} FROM population${nonGoalIndexes.length > 0 ? ` GROUP BY ${totalsKey}` : ''})`,
    );
    joins.push(nonGoalIndexes.length > 0 ? `LEFT JOIN group_totals USING (${totalsKey})` : 'CROSS JOIN group_totals');
  }

  const deferred = options.deferConversionDenominator === true;
  const metricSelect = metrics.map((metric) => {
    if (metric === 'visits' && visitsByStart) return 'x_visit_count AS m_visits';
    if (metric === 'conversion_rate' && deferred) return 'x_visitors AS m_conversion_rate';
    return `${metricSql(metric)} AS m_${metric}`;
  });
  const totalsOf = (cte: string) => `(SELECT uniqExactIf(visitor_id, ${counted}) FROM ${cte})`;
  const scalarCtes: string[] = [];
  if (has('percentage')) scalarCtes.push(`${totalsOf('matched')} AS t_matched_visitors`);
  if (has('conversion_rate') && !deferred) scalarCtes.push(`${totalsOf('population')} AS t_population_visitors`);

  const select = [...dimensionColumns, ...metricSelect, 'count() OVER () AS total_rows'];
  const sql = `WITH ${[...ctes, ...scalarCtes].join(',\n')}\nSELECT ${select.join(', ')}\nFROM grouped ${joins.join(' ')}`;
  return orderedAndPaginated(sql, { query, params, dimensionColumns, metrics, paginate: options.paginate });
}

/**
 * The conversion rate's denominator as a query of its own: the visitors of the population a goal breakdown converts
 * from (every counted event in the range under the query's filters other than goal filters). run.ts plans it like any
 * query, so without such filters the visit rollup answers it instead of a distinct count over raw events.
 */
export function populationQuery(query: StatsQuery): StatsQuery {
  return {
    siteId: query.siteId,
    metrics: ['visitors'],
    dateRange: query.dateRange,
    dimensions: [],
    filters: query.filters.filter((f) => !mentions(f, 'event:goal')),
    orderBy: [],
    include: { totalRows: false, timeLabels: false, imports: false },
    pagination: { limit: 1, offset: 0 },
  };
}

/**
 * Finishes a breakdown's SQL (the raw and the rollup compiler share this): the query's order, then one page of rows —
 * or every row up to MAX_UNPAGINATED_ROWS for a comparison, which must see every group.
 */
export function orderedAndPaginated(
  sql: string,
  parts: {
    query: StatsQuery;
    params: Params;
    dimensionColumns: string[];
    metrics: readonly Metric[];
    paginate?: boolean;
  },
): CompiledQuery {
  const { query, params, dimensionColumns, metrics } = parts;
  let limited = `${sql}\nORDER BY ${orderBySql(query, dimensionColumns)}`;
  if (parts.paginate === false) {
    limited += `\nLIMIT ${params.add(MAX_UNPAGINATED_ROWS, 'UInt32')}`;
  } else {
    limited += `\nLIMIT ${params.add(query.pagination.limit, 'UInt32')} OFFSET ${params.add(query.pagination.offset, 'UInt32')}`;
  }
  return {
    sql: limited,
    params: params.values,
    dimensionColumns,
    metricColumns: metrics.map((m) => `m_${m}`),
    totalRowsColumn: 'total_rows',
  };
}

/** The `grouped` columns a metric's SQL reads (the other x_ columns come from their own CTEs). */
function metricColumnsOf(metric: Metric, visitsByStart: boolean): string[] {
  switch (metric) {
    case 'visitors':
    case 'percentage':
    case 'conversion_rate':
    case 'group_conversion_rate':
      return ['x_visitors'];
    case 'visits':
      return visitsByStart ? [] : ['x_visits'];
    case 'exit_rate':
      return ['x_visits'];
    case 'pageviews':
      return ['x_pageviews'];
    case 'events':
      return ['x_events'];
    case 'total_revenue':
      return ['x_total_revenue'];
    case 'average_revenue':
      return ['x_average_revenue'];
    default:
      return [];
  }
}

/** Visit dimensions a query groups or filters by. */
export function visitDimensionsOf(query: Pick<StatsQuery, 'dimensions' | 'filters'>): Set<VisitDimension> {
  const found = new Set<VisitDimension>();
  for (const dimension of query.dimensions) if (dimension.startsWith('visit:')) found.add(dimension as VisitDimension);
  const walk = (filter: Filter) => {
    if (filter.kind === 'condition') {
      if (filter.dimension.startsWith('visit:')) found.add(filter.dimension as VisitDimension);
    } else if (filter.kind === 'not') walk(filter.filter);
    else for (const child of filter.filters) walk(child);
  };
  for (const filter of query.filters) walk(filter);
  return found;
}

/** Raw metric values; rounding happens when the response is shaped. Rates are percentages 0–100. */
export function metricSql(metric: Metric): string {
  switch (metric) {
    case 'visitors':
      return 'x_visitors';
    case 'visits':
      return 'x_visits';
    case 'pageviews':
      return 'x_pageviews';
    case 'events':
      return 'x_events';
    case 'views_per_visit':
      return 'x_views_per_visit';
    case 'bounce_rate':
      return 'x_bounce * 100';
    case 'visit_duration':
      return 'x_duration_ms / 1000';
    case 'percentage':
      return 'if(t_matched_visitors = 0, 0, x_visitors / t_matched_visitors * 100)';
    case 'conversion_rate':
      return 'if(t_population_visitors = 0, 0, x_visitors / t_population_visitors * 100)';
    case 'group_conversion_rate':
      return 'if(x_group_visitors = 0, 0, x_visitors / x_group_visitors * 100)';
    case 'scroll_depth':
      return 'x_scroll_depth';
    case 'time_on_page':
      return 'x_time_on_page_ms / 1000';
    case 'exit_rate':
      return 'if(x_page_pageviews = 0, 0, x_visits / x_page_pageviews * 100)';
    case 'total_revenue':
      return 'x_total_revenue';
    case 'average_revenue':
      return 'x_average_revenue';
  }
}

/** Requested order, then time ascending / first metric descending by default, then every dimension as a tiebreak. */
export function orderBySql(query: StatsQuery, dimensionColumns: string[]): string {
  const parts: string[] = [];
  const used = new Set<string>();
  const push = (column: string, direction: 'ASC' | 'DESC') => {
    if (used.has(column)) return;
    used.add(column);
    parts.push(`${column} ${direction}`);
  };
  const columnOf = (key: string) => {
    const index = (query.dimensions as string[]).indexOf(key);
    return index >= 0 ? dimensionColumns[index]! : `m_${key}`;
  };
  for (const order of query.orderBy) push(columnOf(order.key), order.direction === 'asc' ? 'ASC' : 'DESC');
  if (query.orderBy.length === 0) {
    const timeIndex = query.dimensions.findIndex(isTimeDimension);
    if (timeIndex >= 0) push(dimensionColumns[timeIndex]!, 'ASC');
    if (query.metrics[0] !== undefined) push(`m_${query.metrics[0]}`, 'DESC');
  }
  for (const column of dimensionColumns) push(column, 'ASC');
  return parts.length > 0 ? parts.join(', ') : '1';
}

/** The label of the time bucket `column` (a DateTime64 column name we own) falls in, on the site's wall clock. */
export function timeBucketSql(
  dimension: TimeDimension,
  column: 'ts' | 'visit_start' | 'bucket' | 's_start',
  ctx: Context,
  range: ResolvedDateRange,
): string {
  switch (granularityFor(dimension, range)) {
    case 'hour':
      return `formatDateTime(${column}, '%Y-%m-%d %H:00:00', ${ctx.tz})`;
    case 'day':
      return `formatDateTime(${column}, '%Y-%m-%d', ${ctx.tz})`;
    case 'week':
      return `toString(toMonday(toDate(${column}, ${ctx.tz})))`;
    case 'month':
      return `formatDateTime(${column}, '%Y-%m-01', ${ctx.tz})`;
  }
}

function dimensionSql(dimension: Dimension, ctx: Context, range: ResolvedDateRange): string {
  if (isTimeDimension(dimension)) return timeBucketSql(dimension, 'ts', ctx, range);
  if (dimension === 'event:goal') {
    const labels = ctx.goals.map((goal) => `if(${goalCondition(goal, ctx)}, ${ctx.params.add(goal.id, 'String')}, '')`);
    // One row per goal an event completes; events completing none drop out (arrayJoin of an empty array).
    return labels.length === 0
      ? "arrayJoin(CAST([], 'Array(String)'))"
      : `arrayJoin(arrayFilter(g -> g != '', [${labels.join(', ')}]))`;
  }
  return valueSql(dimension, ctx);
}

/** The SQL value a (non-time, non-goal) dimension has on an enriched event row. */
function valueSql(dimension: Exclude<Dimension, 'event:goal'>, ctx: Context): string {
  if (isPropDimension(dimension)) {
    const key = ctx.params.add(propKeyOf(dimension), 'String');
    return `if(mapContains(props, ${key}), props[${key}], '(none)')`;
  }
  if (dimension === 'event:page' || dimension === 'event:hostname' || dimension === 'event:name')
    return EVENT_COLUMN_SQL[dimension];
  if (dimension.startsWith('visit:')) return visitColumn(dimension as VisitDimension);
  throw new StatsQueryError(`Dimension ${JSON.stringify(dimension)} cannot be used here`);
}

export function filterSql(filter: Filter, ctx: Context): string {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return `(${filter.filters.map((f) => filterSql(f, ctx)).join(filter.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `NOT (${filterSql(filter.filter, ctx)})`;
    case 'condition': {
      const negated = filter.operator.endsWith('_not');
      const positive = filter.dimension === 'event:goal' ? goalFilterSql(filter, ctx) : conditionSql(filter, ctx);
      return negated ? `NOT (${positive})` : `(${positive})`;
    }
  }
}

type Condition = Extract<Filter, { kind: 'condition' }>;

function conditionSql(filter: Condition, ctx: Context): string {
  const column = valueSql(filter.dimension as Exclude<Dimension, 'event:goal'>, ctx);
  const { caseSensitive, values } = filter;
  if (filter.operator === 'is' || filter.operator === 'is_not') {
    if (caseSensitive) return `${column} IN ${ctx.params.add(values, 'Array(String)')}`;
    return `lowerUTF8(${column}) IN ${ctx.params.add(
      values.map((v) => v.toLowerCase()),
      'Array(String)',
    )}`;
  }
  if (filter.operator === 'contains' || filter.operator === 'contains_not') {
    const needles = values.map((v) => ctx.params.add(caseSensitive ? v : v.toLowerCase(), 'String'));
    const haystack = caseSensitive ? column : `lowerUTF8(${column})`;
    return needles.map((needle) => `position(${haystack}, ${needle}) > 0`).join(' OR ');
  }
  return values
    .map((pattern) => `match(${column}, ${ctx.params.add(caseSensitive ? pattern : `(?i)${pattern}`, 'String')})`)
    .join(' OR ');
}

/** A goal filter selects events that complete any goal whose name matches; names must be goals of the site. */
function goalFilterSql(filter: Condition, ctx: Context): string {
  const fold = (text: string) => (filter.caseSensitive ? text : text.toLowerCase());
  let selected: Goal[];
  if (filter.operator === 'is' || filter.operator === 'is_not') {
    selected = [];
    for (const value of filter.values) {
      const goals = ctx.goals.filter((goal) => fold(goal.id) === fold(value));
      if (goals.length === 0)
        throw new StatsQueryError(`The goal ${JSON.stringify(value.slice(0, 80))} is not configured for this site`);
      selected.push(...goals);
    }
  } else if (filter.operator === 'contains' || filter.operator === 'contains_not') {
    selected = ctx.goals.filter((goal) => filter.values.some((value) => fold(goal.id).includes(fold(value))));
  } else {
    const patterns = filter.values.map((value) => new RegExp(value, filter.caseSensitive ? '' : 'i'));
    selected = ctx.goals.filter((goal) => patterns.some((pattern) => pattern.test(goal.id)));
  }
  if (selected.length === 0) return '0';
  return [...new Set(selected)].map((goal) => goalCondition(goal, ctx)).join(' OR ');
}

/** The condition an event meets when it completes `goal`; built once per goal and query. */
function goalCondition(goal: Goal, ctx: Context): string {
  const cached = ctx.goalConditions.get(goal);
  if (cached !== undefined) return cached;
  const condition =
    goal.kind === 'event'
      ? `name = ${ctx.params.add(goal.eventName, 'String')}`
      : `(name = 'pageview' AND match(pathname, ${ctx.params.add(wildcardToRegex(goal.pathPattern), 'String')}))`;
  ctx.goalConditions.set(goal, condition);
  return condition;
}

/**
 * A pageview goal's path pattern as an anchored RE2 pattern: `**` matches anything, `*` anything but `/`, every
 * other character itself.
 * @example wildcardToRegex('/blog/*') // '^/blog/[^/]*$'
 */
export function wildcardToRegex(pattern: string): string {
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        regex += '.*';
        i++;
      } else {
        regex += '[^/]*';
      }
    } else {
      regex += /[\\^$.|?+()[\]{}]/.test(char) ? `\\${char}` : char;
    }
  }
  return `^${regex}$`;
}

export function and(conditions: string[]): string {
  const present = conditions.filter((c) => c !== '');
  return present.length === 0 ? '1' : present.join(' AND ');
}

function mentions(filter: Filter, dimension: string): boolean {
  if (filter.kind === 'condition') return filter.dimension === dimension;
  if (filter.kind === 'not') return mentions(filter.filter, dimension);
  return filter.filters.some((f) => mentions(f, dimension));
}

function mentionsPrefix(filter: Filter, prefix: string): boolean {
  if (filter.kind === 'condition') return filter.dimension.startsWith(prefix);
  if (filter.kind === 'not') return mentionsPrefix(filter.filter, prefix);
  return filter.filters.some((f) => mentionsPrefix(f, prefix));
}

// ---------------------------------------------------------------------------------------------------------------
// Funnels and realtime

export interface FunnelDefinition {
  /** 2–8 steps, each a goal an event of the visit completes, in order. */
  steps: readonly Goal[];
}

export const MAX_FUNNEL_STEPS = 8;

/**
 * Visitors reaching each step of a funnel within one visit, in order (ClickHouse windowFunnel over the visit's events;
 * the window is a day, longer than any visit, so "within the visit" is what limits it). Timestamps go in as epoch
 * milliseconds, not toDateTime(ts): seconds would tie steps a few ms apart; `strict_increase` makes each step
 * strictly later than the one before, so one event never completes two steps.
 * Result columns: step_1 … step_N, each the visitors whose visit reached at least that step.
 */
export function compileFunnel(
  funnel: FunnelDefinition,
  site: StatsSite,
  range: ResolvedDateRange,
  eventsTable: string,
): CompiledQuery {
  if (funnel.steps.length < 2 || funnel.steps.length > MAX_FUNNEL_STEPS)
    throw new StatsQueryError(`A funnel has 2 to ${MAX_FUNNEL_STEPS} steps`);
  const params = new Params();
  const ctx: Context = {
    params,
    goals: funnel.steps,
    goalConditions: new Map(),
    tz: params.add(site.timezone, 'String'),
  };
  const conditions = funnel.steps.map((step) => goalCondition(step, ctx));
  const siteParam = params.add(site.id, 'UInt32');
  const fromParam = params.add(range.fromMs, 'Int64');
  const toParam = params.add(range.toMs, 'Int64');
  const stepColumns = funnel.steps.map((_, i) => `step_${i + 1}`);
  const sql =
    `SELECT ${stepColumns.map((column, i) => `uniqExactIf(visitor_id, level >= ${i + 1}) AS ${column}`).join(', ')} ` +
    `FROM (SELECT session_id, any(visitor_id) AS visitor_id, windowFunnel(86400000, 'strict_increase')(toUInt64(toUnixTimestamp64Milli(ts)), ${conditions.join(', ')}) AS level ` +
    `FROM ${eventsTable} WHERE site_id = ${siteParam} AND ts >= fromUnixTimestamp64Milli(${fromParam}, 'UTC') ` +
    `AND ts < fromUnixTimestamp64Milli(${toParam}, 'UTC') AND is_bot = 0 AND name != 'engagement' GROUP BY session_id)`;
  return { sql, params: params.values, dimensionColumns: [], metricColumns: stepColumns, totalRowsColumn: '' };
}

/** Realtime window sizes. */
export const REALTIME_CURRENT_MS = 5 * 60_000;
export const REALTIME_SERIES_MINUTES = 30;

/**
 * Visitors in the last five minutes (`current`), then per-minute visitors and pageviews of the last 30 minutes.
 * Result rows: `{ minute_ms, visitors, pageviews }` per minute that has events, plus one row with minute_ms = -1
 * carrying the 5-minute count in `visitors`.
 */
export function compileRealtime(site: StatsSite, now: number, eventsTable: string): CompiledQuery {
  const params = new Params();
  const siteParam = params.add(site.id, 'UInt32');
  const seriesFrom = Math.floor(now / 60_000) * 60_000 - (REALTIME_SERIES_MINUTES - 1) * 60_000;
  const from = params.add(Math.min(seriesFrom, now - REALTIME_CURRENT_MS), 'Int64');
  const currentFrom = params.add(now - REALTIME_CURRENT_MS, 'Int64');
  const to = params.add(now + 1, 'Int64');
  const where =
    `site_id = ${siteParam} AND ts >= fromUnixTimestamp64Milli(${from}, 'UTC') AND ts < fromUnixTimestamp64Milli(${to}, 'UTC') ` +
    "AND is_bot = 0 AND name != 'engagement'";
  const sql =
    `SELECT toInt64(toUnixTimestamp(toStartOfMinute(ts))) * 1000 AS minute_ms, uniqExact(visitor_id) AS visitors, countIf(name = 'pageview') AS pageviews ` +
    `FROM ${eventsTable} WHERE ${where} GROUP BY minute_ms ` +
    `UNION ALL SELECT toInt64(-1) AS minute_ms, uniqExactIf(visitor_id, ts >= fromUnixTimestamp64Milli(${currentFrom}, 'UTC')) AS visitors, toUInt64(0) AS pageviews ` +
    `FROM ${eventsTable} WHERE ${where}`;
  return {
    sql,
    params: params.values,
    dimensionColumns: [],
    metricColumns: ['visitors', 'pageviews'],
    totalRowsColumn: '',
  };
}
