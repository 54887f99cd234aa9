import { EVENT_DIMENSIONS, VISIT_DIMENSIONS } from '@sightline/shared';
import type { ApiFilter, Metric } from './api';
import { countryName } from './format';
import { COMPARE_MODES, type CompareMode, isIsoDate, PERIOD_KEYS, type PeriodKey } from './period';

/**
 * What a dashboard view shows, kept entirely in the URL's query string so that a view can be bookmarked or sent to
 * a colleague: `?period=7d&compare=year_over_year&metric=pageviews&f=is,visit:country,DE`.
 */

export type FilterOperator = 'is' | 'is_not' | 'contains' | 'contains_not';
const FILTER_OPERATORS: readonly FilterOperator[] = ['is', 'is_not', 'contains', 'contains_not'];

export interface DashboardFilter {
  operator: FilterOperator;
  dimension: string;
  value: string;
}

export interface DashboardState {
  period: PeriodKey;
  from?: string | undefined;
  to?: string | undefined;
  compare: CompareMode;
  metric?: Metric | undefined;
  interval?: string | undefined;
  filters: DashboardFilter[];
}

export const DEFAULT_PERIOD: PeriodKey = '30d';
export const DEFAULT_COMPARE: CompareMode = 'previous_period';

/** Dimensions a filter may name (the same allow-list the API has; props keys are free text). */
const FILTER_DIMENSIONS = new Set<string>([...EVENT_DIMENSIONS, ...VISIT_DIMENSIONS]);

export function isFilterDimension(dimension: string): boolean {
  return FILTER_DIMENSIONS.has(dimension) || (dimension.startsWith('event:props:') && dimension.length > 12);
}

const METRICS = new Set<string>([
  'visitors',
  'visits',
  'pageviews',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
  'events',
  'conversion_rate',
]);

/** One filter in the URL: `operator,dimension,value`; commas and backslashes in the dimension are escaped. */
export function encodeFilter(filter: DashboardFilter): string {
  return `${filter.operator},${filter.dimension.replace(/[\\,]/g, (c) => `\\${c}`)},${filter.value}`;
}

export function decodeFilter(text: string): DashboardFilter | undefined {
  const firstComma = text.indexOf(',');
  if (firstComma < 0) return undefined;
  const operator = text.slice(0, firstComma) as FilterOperator;
  if (!FILTER_OPERATORS.includes(operator)) return undefined;
  let dimension = '';
  let i = firstComma + 1;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      dimension += text[++i];
      continue;
    }
    if (c === ',') break;
    dimension += c;
  }
  if (i >= text.length || !isFilterDimension(dimension)) return undefined;
  const value = text.slice(i + 1);
  if (value === '' && operator.startsWith('contains')) return undefined;
  return { operator, dimension, value };
}

export function parseDashboardState(search: URLSearchParams): DashboardState {
  const period = (PERIOD_KEYS as readonly string[]).includes(search.get('period') ?? '')
    ? (search.get('period') as PeriodKey)
    : DEFAULT_PERIOD;
  const compare = (COMPARE_MODES as readonly string[]).includes(search.get('compare') ?? '')
    ? (search.get('compare') as CompareMode)
    : DEFAULT_COMPARE;
  const metric = search.get('metric');
  const filters: DashboardFilter[] = [];
  for (const raw of search.getAll('f').slice(0, 20)) {
    const filter = decodeFilter(raw);
    if (filter && !filters.some((f) => sameFilter(f, filter))) filters.push(filter);
  }
  const state: DashboardState = {
    period,
    compare,
    filters,
    metric: metric !== null && METRICS.has(metric) ? (metric as Metric) : undefined,
    interval: search.get('interval') ?? undefined,
  };
  if (period === 'custom') {
    const from = search.get('from');
    const to = search.get('to');
    if (isIsoDate(from)) state.from = from;
    if (isIsoDate(to)) state.to = to;
  }
  return state;
}

function sameFilter(a: DashboardFilter, b: DashboardFilter): boolean {
  return a.operator === b.operator && a.dimension === b.dimension && a.value === b.value;
}

/** Query-string changes (for `updateSearch`) that write `state`; defaults are left out to keep URLs short. */
export function searchFor(state: DashboardState): Record<string, string | string[] | undefined> {
  return {
    period: state.period === DEFAULT_PERIOD ? undefined : state.period,
    from: state.period === 'custom' ? state.from : undefined,
    to: state.period === 'custom' ? state.to : undefined,
    compare: state.compare === DEFAULT_COMPARE ? undefined : state.compare,
    metric: state.metric,
    interval: state.interval,
    f: state.filters.map(encodeFilter),
  };
}

/**
 * Adds a filter as a click on a row does: it replaces any filter on the same dimension (clicking "Germany" then
 * "France" shows France, not the empty intersection), and keeps the others, so filters on different dimensions combine.
 */
export function withFilter(filters: DashboardFilter[], filter: DashboardFilter): DashboardFilter[] {
  return [...filters.filter((f) => f.dimension !== filter.dimension), filter];
}

export function withoutFilter(filters: DashboardFilter[], filter: DashboardFilter): DashboardFilter[] {
  return filters.filter((f) => !sameFilter(f, filter));
}

export function apiFilters(filters: DashboardFilter[]): ApiFilter[] {
  return filters.map((f) =>
    f.operator.startsWith('contains')
      ? [f.operator, f.dimension, [f.value], { case_sensitive: false }]
      : [f.operator, f.dimension, [f.value]],
  );
}

export const DIMENSION_LABELS: Record<string, string> = {
  'event:page': 'Page',
  'event:hostname': 'Hostname',
  'event:name': 'Event',
  'event:goal': 'Goal',
  'visit:entry_page': 'Entry page',
  'visit:exit_page': 'Exit page',
  'visit:source': 'Source',
  'visit:referrer': 'Referrer',
  'visit:channel': 'Channel',
  'visit:utm_medium': 'UTM medium',
  'visit:utm_source': 'UTM source',
  'visit:utm_campaign': 'UTM campaign',
  'visit:utm_content': 'UTM content',
  'visit:utm_term': 'UTM term',
  'visit:device': 'Device',
  'visit:browser': 'Browser',
  'visit:browser_version': 'Browser version',
  'visit:os': 'Operating system',
  'visit:os_version': 'OS version',
  'visit:country': 'Country',
  'visit:screen': 'Screen size',
};

export function dimensionLabel(dimension: string): string {
  if (dimension.startsWith('event:props:')) return `Property “${dimension.slice(12)}”`;
  return DIMENSION_LABELS[dimension] ?? dimension;
}

const OPERATOR_LABELS: Record<FilterOperator, string> = {
  is: 'is',
  is_not: 'is not',
  contains: 'contains',
  contains_not: 'does not contain',
};

/** A value as a person reads it ("DE" → "Germany"). */
export function displayValue(dimension: string, value: string): string {
  if (dimension === 'visit:country') return countryName(value);
  return value === '' ? '(none)' : value;
}

export function describeFilter(filter: DashboardFilter): { dimension: string; operator: string; value: string } {
  return {
    dimension: dimensionLabel(filter.dimension),
    operator: OPERATOR_LABELS[filter.operator],
    value: displayValue(filter.dimension, filter.value),
  };
}

/** True when any filter is on a page: the API refuses views_per_visit then, as Plausible does. */
export function filtersOnPage(filters: DashboardFilter[]): boolean {
  return filters.some((f) => f.dimension === 'event:page');
}

export function goalFilter(filters: DashboardFilter[]): DashboardFilter | undefined {
  return filters.find((f) => f.dimension === 'event:goal' && f.operator === 'is');
}
