import type { EventStore } from '../storage/events/event-store.js';
import type { CompiledQuery, FunnelDefinition, Goal, StatsSite } from './compile.js';
import {
  compileFunnel,
  compileRealtime,
  compileStatsQuery,
  populationQuery,
  REALTIME_SERIES_MINUTES,
} from './compile.js';
import { compileRollupQuery, rollupReadsVisits } from './compile-rollup.js';
import type { ResolvedDateRange } from './date-range.js';
import { describeRange, granularityFor, resolveComparisonRange, resolveDateRange, timeLabels } from './date-range.js';
import { type Plan, planStatsQuery } from './planner.js';
import type { DateRangeInput, Filter, Metric, StatsQuery } from './query.js';
import { isTimeDimension } from './query.js';
import { readVisitSnapshot, type VisitSnapshots } from './visit-snapshot.js';

/**
 * Runs a parsed StatsQuery against the event store and shapes Plausible's v2 response:
 * `{ results: [{ metrics, dimensions, comparison? }], meta, query }`.
 */

export interface StatsDeps {
  store: Pick<EventStore, 'query' | 'eventsTable'>;
  site: StatsSite;
  /** The site's goals (event:goal, conversion rates, goal filters). */
  goals: readonly Goal[];
  /** Current instant (epoch ms). */
  now: number;
  /**
   * False reads raw events for every query (the planner's equivalence tests and benchmarks compare both paths).
   * Default: the planner uses the visit rollup whenever it answers a query exactly (planner.ts).
   */
  useRollups?: boolean;
  /**
   * Shares what rollup queries read about finished visits among the queries of one dashboard load
   * (visit-snapshot.ts). Without it each query reads its own.
   */
  visitSnapshots?: VisitSnapshots;
}

export type DimensionValue = string;
export type MetricValue = number;

export interface StatsResultRow {
  dimensions: DimensionValue[];
  metrics: MetricValue[];
  comparison?: { dimensions: DimensionValue[]; metrics: MetricValue[]; change: (number | null)[] };
}

export interface StatsResponse {
  results: StatsResultRow[];
  meta: { imports_included?: boolean; time_labels?: string[]; total_rows?: number };
  query: {
    site_id: string;
    metrics: Metric[];
    date_range: [string, string];
    comparison_date_range?: [string, string];
    dimensions: string[];
    filters: unknown[];
    order_by: [string, 'asc' | 'desc'][];
    include: Record<string, unknown>;
    pagination: { limit: number; offset: number };
  };
}

type Row = Record<string, unknown>;

/** Rates where a comparison's change is the difference in points, not a relative change. */
const POINT_CHANGE_METRICS: readonly Metric[] = [
  'bounce_rate',
  'conversion_rate',
  'group_conversion_rate',
  'exit_rate',
];

/**
 * Answers a stats query.
 * @throws StatsQueryError for site-specific mistakes (an unknown goal, too many time buckets): a 400 for the route.
 */
export async function runStatsQuery(deps: StatsDeps, query: StatsQuery): Promise<StatsResponse> {
  const { site } = deps;
  const range = await resolveRange(deps, query.dateRange);
  const granularityDimension = query.dimensions.find(isTimeDimension);
  const labels =
    granularityDimension === undefined
      ? undefined
      : timeLabels(range, granularityFor(granularityDimension, range), site.timezone);

  const comparisonRange =
    query.include.comparisons === undefined
      ? undefined
      : resolveComparisonRange(range, query.include.comparisons, site.timezone);
  const [main, comparison] = await Promise.all([
    compile(deps, query, range, true),
    comparisonRange === undefined ? undefined : compile(deps, query, comparisonRange, false),
  ]);
  // Side by side: the stores run them on separate Sessions or connections.
  const [mainRows, comparisonRows] = await Promise.all([
    read(deps, query, main),
    comparison === undefined ? undefined : read(deps, query, comparison),
  ]);

  const results: StatsResultRow[] = mainRows.map((row) => ({
    dimensions: main.dimensionColumns.map((column) => String(row[column] ?? '')),
    metrics: query.metrics.map((metric, i) => roundMetric(metric, row[main.metricColumns[i]!])),
  }));

  if (comparison !== undefined && comparisonRows !== undefined && comparisonRange !== undefined) {
    const timeIndex = query.dimensions.findIndex(isTimeDimension);
    const comparisonLabels =
      granularityDimension === undefined
        ? undefined
        : timeLabels(comparisonRange, granularityFor(granularityDimension, range), site.timezone);
    const byKey = new Map<string, StatsResultRow>();
    for (const row of comparisonRows) {
      const dimensions = comparison.dimensionColumns.map((column) => String(row[column] ?? ''));
      const metrics = query.metrics.map((metric, i) => roundMetric(metric, row[comparison.metricColumns[i]!]));
      byKey.set(JSON.stringify(dimensions), { dimensions, metrics });
    }
    for (const result of results) {
      const key = [...result.dimensions];
      if (timeIndex >= 0 && labels !== undefined && comparisonLabels !== undefined) {
        // Time buckets pair by position: the 3rd day of this period with the 3rd day of the other.
        key[timeIndex] = comparisonLabels[labels.indexOf(result.dimensions[timeIndex]!)] ?? '';
      }
      const other = byKey.get(JSON.stringify(key));
      const otherMetrics = other?.metrics ?? query.metrics.map(() => 0);
      result.comparison = {
        dimensions: other?.dimensions ?? key,
        metrics: otherMetrics,
        change: query.metrics.map((metric, i) => changeOf(metric, result.metrics[i]!, otherMetrics[i]!)),
      };
    }
  }

  const meta: StatsResponse['meta'] = {};
  if (query.include.imports) meta.imports_included = false;
  if (query.include.timeLabels && labels !== undefined) meta.time_labels = labels;
  if (query.include.totalRows)
    meta.total_rows = mainRows.length > 0 ? Number(mainRows[0]![main.totalRowsColumn] ?? 0) : 0;
  if (query.include.totalRows && mainRows.length === 0 && query.pagination.offset > 0) {
    // Past the last page the window count is not computed; count the groups without pagination.
    const all = await compile(deps, query, range, false);
    meta.total_rows = (await deps.store.query<Row>(all.sql, all.params)).length;
  }

  return {
    results,
    meta,
    query: {
      site_id: query.siteId,
      metrics: query.metrics,
      date_range: describeRange(range, site.timezone),
      ...(comparisonRange === undefined
        ? {}
        : { comparison_date_range: describeRange(comparisonRange, site.timezone) }),
      dimensions: query.dimensions,
      filters: query.filters.map(serializeFilter),
      order_by: query.orderBy.map((order) => [order.key, order.direction]),
      include: {
        total_rows: query.include.totalRows,
        time_labels: query.include.timeLabels,
        imports: query.include.imports,
        ...(query.include.comparisons === undefined
          ? {}
          : {
              comparisons: {
                mode: query.include.comparisons.mode,
                match_day_of_week: query.include.comparisons.matchDayOfWeek,
                ...(query.include.comparisons.dateRange ? { date_range: query.include.comparisons.dateRange } : {}),
              },
            }),
      },
      pagination: query.pagination,
    },
  };
}

/** A compiled query, with the query for its conversion rate's denominator when that is counted apart. */
interface PlannedQuery extends CompiledQuery {
  /**
   * Compiles the population's visitors query (populationQuery); `read` runs it beside the query and divides
   * conversion rates by the answer. Compiled only when read: counting total rows past the last page never needs it.
   */
  population?: () => Promise<CompiledQuery>;
}

/** Plans the query for `range` (the main range and a comparison may take different paths) and compiles it. */
async function compile(
  deps: StatsDeps,
  query: StatsQuery,
  range: ResolvedDateRange,
  paginate: boolean,
): Promise<PlannedQuery> {
  const planFor = (planned: StatsQuery) =>
    planStatsQuery({
      query: planned,
      range,
      timezone: deps.site.timezone,
      eventsTable: deps.store.eventsTable,
      useRollups: deps.useRollups,
    });
  const plan = planFor(query);
  if (plan.source === 'rollup') return compileForRollup(deps, query, range, plan, paginate);
  // A goal breakdown's conversion rate divides by every visitor of its population: counted by the raw query, that is
  // a second distinct count over every event in the range (a third of a year's goal breakdown). The visit rollup
  // has the same number whenever it can answer the population's query, and reads it beside the breakdown.
  const population = query.metrics.includes('conversion_rate') ? populationQuery(query) : undefined;
  const populationPlan = population === undefined ? undefined : planFor(population);
  const deferred = population !== undefined && populationPlan?.source === 'rollup';
  const compiled = compileStatsQuery({
    query,
    site: deps.site,
    goals: deps.goals,
    range,
    eventsTable: deps.store.eventsTable,
    paginate,
    deferConversionDenominator: deferred,
  });
  if (!deferred) return compiled;
  return { ...compiled, population: () => compileForRollup(deps, population, range, populationPlan, true) };
}

async function compileForRollup(
  deps: StatsDeps,
  query: StatsQuery,
  range: ResolvedDateRange,
  plan: Extract<Plan, { source: 'rollup' }>,
  paginate: boolean,
): Promise<CompiledQuery> {
  const request = {
    store: deps.store,
    tables: plan.visitTables,
    siteId: deps.site.id,
    fromSec: Math.floor(range.fromMs / 1000),
    toSec: Math.floor(range.toMs / 1000),
  };
  const snapshot = rollupReadsVisits(query)
    ? await (deps.visitSnapshots?.read(request) ?? readVisitSnapshot(request))
    : undefined;
  return compileRollupQuery({
    query,
    site: deps.site,
    range,
    rollupTable: plan.rollupTable,
    visitTables: plan.visitTables,
    snapshot,
    paginate,
  });
}

/** Runs a compiled query, and its population's visitors beside it when the conversion rate needs them. */
async function read(deps: StatsDeps, query: StatsQuery, planned: PlannedQuery): Promise<Row[]> {
  const readPopulation = async (compile: () => Promise<CompiledQuery>) => {
    const population = await compile();
    const [row] = await deps.store.query<Row>(population.sql, population.params);
    return Number(row?.[population.metricColumns[0]!] ?? 0);
  };
  const [rows, visitors] = await Promise.all([
    deps.store.query<Row>(planned.sql, planned.params),
    planned.population === undefined ? undefined : readPopulation(planned.population),
  ]);
  if (visitors === undefined) return rows;
  // The same arithmetic as the query's own rate (compile.ts metricSql): visitors / population × 100.
  const column = planned.metricColumns[query.metrics.indexOf('conversion_rate')]!;
  for (const row of rows) row[column] = visitors === 0 ? 0 : (Number(row[column]) / visitors) * 100;
  return rows;
}

/** `all` starts at the site's first event; every other range is pure date arithmetic. */
export async function resolveRange(
  deps: Pick<StatsDeps, 'store' | 'site' | 'now'>,
  input: DateRangeInput,
): Promise<ResolvedDateRange> {
  const context = { timezone: deps.site.timezone, now: deps.now };
  if (input !== 'all') return resolveDateRange(input, context);
  const rows = await deps.store.query<{ first: string | number; events: string | number }>(
    `SELECT toInt64(toUnixTimestamp64Milli(min(ts))) AS first, count() AS events FROM ${deps.store.eventsTable} WHERE site_id = {site:UInt32} AND is_bot = 0`,
    { site: deps.site.id },
  );
  const row = rows[0];
  const statsStartMs = row !== undefined && Number(row.events) > 0 ? Number(row.first) : undefined;
  return resolveDateRange('all', statsStartMs === undefined ? context : { ...context, statsStartMs });
}

/** Metric values as Plausible presents them: counts and whole percentages/seconds, ratios to two decimals. */
export function roundMetric(metric: Metric, raw: unknown): number {
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(value)) return 0;
  switch (metric) {
    case 'visitors':
    case 'visits':
    case 'pageviews':
    case 'events':
    case 'bounce_rate':
    case 'visit_duration':
    case 'scroll_depth':
    case 'time_on_page':
      return Math.round(value);
    case 'percentage':
      return Math.round(value * 10) / 10;
    default:
      return Math.round(value * 100) / 100;
  }
}

/** Relative change in whole percent (null when there is nothing to compare against); rates change in points. */
function changeOf(metric: Metric, current: number, previous: number): number | null {
  if (POINT_CHANGE_METRICS.includes(metric)) return Math.round((current - previous) * 10) / 10;
  if (previous === 0) return current === 0 ? 0 : null;
  return Math.round(((current - previous) / previous) * 100);
}

function serializeFilter(filter: Filter): unknown[] {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return [filter.kind, filter.filters.map(serializeFilter)];
    case 'not':
      return ['not', serializeFilter(filter.filter)];
    case 'condition':
      return filter.caseSensitive
        ? [filter.operator, filter.dimension, filter.values]
        : [filter.operator, filter.dimension, filter.values, { case_sensitive: false }];
  }
}

// ---------------------------------------------------------------------------------------------------------------

export interface FunnelStepResult {
  /** The goal the step is defined by. */
  goal: string;
  /** Visitors whose visit reached this step (in order). */
  visitors: number;
  /** Visitors lost since the previous step (0 for the first). */
  dropoff: number;
  /** Share of the previous step that was lost, 0–100. */
  dropoffPercentage: number;
  /** Share of the first step that reached this step, 0–100. */
  conversionRate: number;
}

export interface FunnelResponse {
  date_range: [string, string];
  steps: FunnelStepResult[];
}

/** Runs a funnel over the range: ordered steps within a visit, with per-step drop-off. */
export async function runFunnel(
  deps: Omit<StatsDeps, 'goals'>,
  funnel: FunnelDefinition,
  dateRange: DateRangeInput,
): Promise<FunnelResponse> {
  const range = await resolveRange(deps, dateRange);
  const compiled = compileFunnel(funnel, deps.site, range, deps.store.eventsTable);
  const row = (await deps.store.query<Row>(compiled.sql, compiled.params))[0] ?? {};
  const counts = compiled.metricColumns.map((column) => Number(row[column] ?? 0) || 0);
  const first = counts[0] ?? 0;
  return {
    date_range: describeRange(range, deps.site.timezone),
    steps: funnel.steps.map((step, i) => {
      const visitors = counts[i] ?? 0;
      const previous = i === 0 ? visitors : (counts[i - 1] ?? 0);
      const dropoff = i === 0 ? 0 : previous - visitors;
      return {
        goal: step.id,
        visitors,
        dropoff,
        dropoffPercentage: previous === 0 ? 0 : Math.round((dropoff / previous) * 10_000) / 100,
        conversionRate: first === 0 ? 0 : Math.round((visitors / first) * 10_000) / 100,
      };
    }),
  };
}

export interface RealtimeResponse {
  /** Unique visitors with an event in the last five minutes. */
  visitors: number;
  /** The last 30 minutes, oldest first, one entry per minute (zeros included). */
  series: { minute: string; visitors: number; pageviews: number }[];
}

export async function runRealtime(deps: Pick<StatsDeps, 'store' | 'site' | 'now'>): Promise<RealtimeResponse> {
  const compiled = compileRealtime(deps.site, deps.now, deps.store.eventsTable);
  const rows = await deps.store.query<Row>(compiled.sql, compiled.params);
  const byMinute = new Map<number, Row>();
  let visitors = 0;
  for (const row of rows) {
    const minute = Number(row.minute_ms);
    if (minute === -1) visitors = Number(row.visitors) || 0;
    else byMinute.set(minute, row);
  }
  const lastMinute = Math.floor(deps.now / 60_000) * 60_000;
  const series: RealtimeResponse['series'] = [];
  for (let i = REALTIME_SERIES_MINUTES - 1; i >= 0; i--) {
    const minute = lastMinute - i * 60_000;
    const row = byMinute.get(minute);
    series.push({
      minute: new Date(minute).toISOString(),
      visitors: Number(row?.visitors ?? 0) || 0,
      pageviews: Number(row?.pageviews ?? 0) || 0,
    });
  }
  return { visitors, series };
}

// ---------------------------------------------------------------------------------------------------------------

/** Cells a spreadsheet would run as a formula (OWASP CSV injection), plus control characters that start one. */
const FORMULA_START = /^[=+\-@\t\r]/;
export const MAX_CSV_ROWS = 100_000;

/**
 * A breakdown as CSV: a header of dimension and metric names, then one line per result. Text cells that a
 * spreadsheet would evaluate (starting with = + - @) get a leading `'`; cells with commas, quotes or line breaks are
 * quoted with doubled quotes. Lines end with CRLF (RFC 4180).
 */
export function exportCsv(
  response: Pick<StatsResponse, 'results'> & { query: Pick<StatsResponse['query'], 'dimensions' | 'metrics'> },
): string {
  const header = [...response.query.dimensions, ...response.query.metrics].map(csvCell);
  const lines = [header.join(',')];
  for (const result of response.results.slice(0, MAX_CSV_ROWS)) {
    lines.push([...result.dimensions.map(csvCell), ...result.metrics.map(csvCell)].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function csvCell(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
