import type { ApiFilter, Metric, StatsApi, StatsQueryBody, StatsResponse } from '../../api';
import { apiFilters, type DashboardFilter, filtersOnPage, goalFilter } from '../../dashboard-state';
import type { Interval } from '../../format';
import type { ResolvedPeriod } from '../../period';
import { useResource } from '../../use-resource';

/**
 * The stats queries a dashboard runs, as bodies for POST /api/v2/query (the public Stats API v2 shape: anything the
 * dashboard shows, a script can ask for the same way).
 */

/** Top stats for the filters: conversions when a goal is filtered, else the traffic metrics. */
export function topMetrics(filters: DashboardFilter[]): Metric[] {
  if (goalFilter(filters)) return ['visitors', 'events', 'conversion_rate'];
  const metrics: Metric[] = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'];
  // The API refuses views per visit with a page filter (a visit's views are not a page's), as Plausible does.
  return filtersOnPage(filters) ? metrics.filter((m) => m !== 'views_per_visit') : metrics;
}

export function topStatsQuery(siteId: string, period: ResolvedPeriod, filters: DashboardFilter[]): StatsQueryBody {
  return {
    site_id: siteId,
    metrics: topMetrics(filters),
    date_range: period.dateRange,
    filters: apiFilters(filters),
    ...(period.comparison ? { include: { comparisons: { mode: 'custom', date_range: period.comparison } } } : {}),
  };
}

export function timeseriesQuery(
  siteId: string,
  dateRange: StatsQueryBody['date_range'],
  interval: Interval,
  metric: Metric,
  filters: DashboardFilter[],
): StatsQueryBody {
  return {
    site_id: siteId,
    metrics: [metric],
    date_range: dateRange,
    dimensions: [`time:${interval}`],
    filters: apiFilters(filters),
    include: { time_labels: true },
  };
}

export interface BreakdownQueryOptions {
  siteId: string;
  period: ResolvedPeriod;
  filters: DashboardFilter[];
  dimension: string;
  metrics: Metric[];
  extraFilters?: ApiFilter[] | undefined;
  orderBy?: [string, 'asc' | 'desc'] | undefined;
  limit: number;
  /** Free-text search over the dimension's values. */
  search?: string | undefined;
}

export function breakdownQuery(options: BreakdownQueryOptions): StatsQueryBody {
  const filters: ApiFilter[] = [...apiFilters(options.filters), ...(options.extraFilters ?? [])];
  if (options.search) filters.push(['contains', options.dimension, [options.search], { case_sensitive: false }]);
  return {
    site_id: options.siteId,
    metrics: options.metrics,
    date_range: options.period.dateRange,
    dimensions: [options.dimension],
    filters,
    order_by: [options.orderBy ?? [options.metrics[0] ?? 'visitors', 'desc']],
    include: { total_rows: true },
    pagination: { limit: options.limit },
  };
}

/** Runs a query for a component; the cache key is the API base plus the body, so equal views share answers. */
export function useStatsQuery(api: StatsApi, body: StatsQueryBody | null, options: { keepPrevious?: boolean } = {}) {
  const key = body === null ? null : `${api.base}|${JSON.stringify(body)}`;
  return useResource<StatsResponse>(key, (signal) => api.query(body!, signal), options);
}
