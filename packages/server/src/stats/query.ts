import { EVENT_DIMENSIONS, type EventDimension, VISIT_DIMENSIONS, type VisitDimension } from '@sightline/shared';
import { LIMITS } from '../domain/event.js';
import { re2SyntaxProblem } from './re2-syntax.js';

/**
 * Parsing and validation of a stats query in the shape of Plausible's Stats API v2 (`POST /api/v2/query`), so
 * existing integrations work against Sightline. Everything a caller sends passes through `parseStatsQuery`, which
 * either returns a typed `StatsQuery` or throws a `StatsQueryError` naming the part that is wrong (the route answers
 * 400 with its message). Nothing here touches SQL: names are checked against allow-lists and values stay values.
 */

export class StatsQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatsQueryError';
  }
}

export const METRICS = [
  'visitors',
  'visits',
  'pageviews',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
  'events',
  'percentage',
  'conversion_rate',
  'group_conversion_rate',
  'scroll_depth',
  'time_on_page',
  'exit_rate',
  'total_revenue',
  'average_revenue',
] as const;
export type Metric = (typeof METRICS)[number];

export const TIME_DIMENSIONS = ['time', 'time:hour', 'time:day', 'time:week', 'time:month'] as const;
export type TimeDimension = (typeof TIME_DIMENSIONS)[number];

export { EVENT_DIMENSIONS, type EventDimension, VISIT_DIMENSIONS, type VisitDimension };
export type PropDimension = `event:props:${string}`;
/** A dimension a query may group or filter by; prop keys are values, never identifiers. */
export type Dimension = EventDimension | VisitDimension | PropDimension | TimeDimension;

export const PROPS_PREFIX = 'event:props:';

export const DATE_RANGE_SHORTCUTS = [
  'day',
  '24h',
  '7d',
  '28d',
  '30d',
  '91d',
  'month',
  '6mo',
  '12mo',
  'year',
  'all',
] as const;
export type DateRangeShortcut = (typeof DATE_RANGE_SHORTCUTS)[number];
/** A shortcut, or two ISO 8601 dates (inclusive days) or two datetimes (inclusive to the second). */
export type DateRangeInput = DateRangeShortcut | readonly [string, string];

export const FILTER_OPERATORS = ['is', 'is_not', 'contains', 'contains_not', 'matches', 'matches_not'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type Filter =
  | {
      kind: 'condition';
      operator: FilterOperator;
      dimension: Exclude<Dimension, TimeDimension>;
      values: string[];
      caseSensitive: boolean;
    }
  | { kind: 'and' | 'or'; filters: Filter[] }
  | { kind: 'not'; filter: Filter };

export type ComparisonMode = 'previous_period' | 'year_over_year' | 'custom';
export interface ComparisonSpec {
  mode: ComparisonMode;
  /** Only for `custom`: two ISO dates. */
  dateRange?: readonly [string, string];
  /** Shift the comparison so weekdays line up (Plausible's `match_day_of_week`). */
  matchDayOfWeek: boolean;
}

export interface OrderBy {
  key: Metric | Dimension;
  direction: 'asc' | 'desc';
}

export interface StatsQuery {
  siteId: string;
  metrics: Metric[];
  dateRange: DateRangeInput;
  dimensions: Dimension[];
  filters: Filter[];
  orderBy: OrderBy[];
  include: { totalRows: boolean; timeLabels: boolean; imports: boolean; comparisons?: ComparisonSpec };
  pagination: { limit: number; offset: number };
}

/** Caps: a query is a small document; anything larger is a mistake or an attack. */
export const QUERY_LIMITS = {
  metrics: METRICS.length,
  dimensions: 8,
  filterConditions: 50,
  filterDepth: 5,
  filterValues: 100,
  filterValueLength: LIMITS.pathname,
  regexLength: 500,
  orderBy: 10,
  siteIdLength: 253,
  maxLimit: 10_000,
  maxOffset: 1_000_000,
  propKeyLength: LIMITS.propKey,
} as const;

export const DEFAULT_LIMIT = 10_000;

/** Metrics that only exist per visit: a visit has no single event name, goal or prop value to group by. */
export const SESSION_ONLY_METRICS: readonly Metric[] = ['bounce_rate', 'visit_duration', 'views_per_visit'];
/** Metrics that need goals, through an event:goal dimension or filter. */
export const GOAL_METRICS: readonly Metric[] = [
  'conversion_rate',
  'group_conversion_rate',
  'total_revenue',
  'average_revenue',
];

const TOP_LEVEL_KEYS = new Set([
  'site_id',
  'metrics',
  'date_range',
  'dimensions',
  'filters',
  'order_by',
  'include',
  'pagination',
]);
const INCLUDE_KEYS = new Set(['total_rows', 'time_labels', 'imports', 'comparisons']);
const PAGINATION_KEYS = new Set(['limit', 'offset']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})?$/;

export function isTimeDimension(dimension: string): dimension is TimeDimension {
  return (TIME_DIMENSIONS as readonly string[]).includes(dimension);
}

export function isPropDimension(dimension: string): dimension is PropDimension {
  return dimension.startsWith(PROPS_PREFIX);
}

/** The prop key of an `event:props:<key>` dimension. */
export function propKeyOf(dimension: PropDimension): string {
  return dimension.slice(PROPS_PREFIX.length);
}

/**
 * Parses a request body into a StatsQuery.
 *
 * @example parseStatsQuery({ site_id: 'example.com', metrics: ['visitors'], date_range: '7d' })
 * @throws StatsQueryError when any part is unknown, malformed, over a cap or an impossible combination.
 */
export function parseStatsQuery(body: unknown): StatsQuery {
  if (!isPlainObject(body)) throw new StatsQueryError('The query must be a JSON object');
  for (const key of Object.keys(body)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw new StatsQueryError(`Unknown key ${quote(key)} in the query`);
  }
  const siteId = parseSiteId(body.site_id);
  const metrics = parseMetrics(body.metrics);
  const dateRange = parseDateRange(body.date_range, 'date_range');
  const dimensions = parseDimensions(body.dimensions);
  const filters = parseFilters(body.filters);
  const include = parseInclude(body.include);
  const pagination = parsePagination(body.pagination);
  const orderBy = parseOrderBy(body.order_by, metrics, dimensions);
  const query: StatsQuery = { siteId, metrics, dateRange, dimensions, filters, orderBy, include, pagination };
  validateCombinations(query);
  return query;
}

function parseSiteId(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new StatsQueryError('site_id is required: a non-empty string');
  if (value.length > QUERY_LIMITS.siteIdLength)
    throw new StatsQueryError(`site_id is longer than ${QUERY_LIMITS.siteIdLength} characters`);
  return value;
}

function parseMetrics(value: unknown): Metric[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new StatsQueryError('metrics is required: a non-empty array of metric names');
  if (value.length > QUERY_LIMITS.metrics)
    throw new StatsQueryError(`metrics has more than ${QUERY_LIMITS.metrics} entries`);
  const seen = new Set<string>();
  return value.map((metric) => {
    if (typeof metric !== 'string' || !(METRICS as readonly string[]).includes(metric))
      throw new StatsQueryError(`Unknown metric ${describe(metric)} in metrics; known: ${METRICS.join(', ')}`);
    if (seen.has(metric)) throw new StatsQueryError(`Metric ${quote(metric)} is listed twice in metrics`);
    seen.add(metric);
    return metric as Metric;
  });
}

/** Also used for a comparison's custom range, hence `where`. */
export function parseDateRange(value: unknown, where: string): DateRangeInput {
  if (typeof value === 'string') {
    if ((DATE_RANGE_SHORTCUTS as readonly string[]).includes(value)) return value as DateRangeShortcut;
    throw new StatsQueryError(
      `Unknown ${where} ${describe(value)}; use one of ${DATE_RANGE_SHORTCUTS.join(', ')} or [start, end] ISO dates`,
    );
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string')
    throw new StatsQueryError(`${where} must be a shortcut string or an array of two ISO 8601 dates or datetimes`);
  const [start, end] = value as [string, string];
  const bothDates = ISO_DATE.test(start) && ISO_DATE.test(end);
  const bothDateTimes = ISO_DATETIME.test(start) && ISO_DATETIME.test(end);
  if (!bothDates && !bothDateTimes)
    throw new StatsQueryError(
      `${where} must be two dates (YYYY-MM-DD) or two datetimes (YYYY-MM-DDThh:mm:ss with optional offset), got ${describe(start)} and ${describe(end)}`,
    );
  for (const part of [start, end]) {
    if (!isRealCalendarValue(part)) throw new StatsQueryError(`${where} contains an impossible date ${describe(part)}`);
  }
  return [start, end];
}

function parseDimensions(value: unknown): Dimension[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new StatsQueryError('dimensions must be an array of dimension names');
  if (value.length > QUERY_LIMITS.dimensions)
    throw new StatsQueryError(`dimensions has more than ${QUERY_LIMITS.dimensions} entries`);
  const seen = new Set<string>();
  const dimensions = value.map((dimension) => {
    const parsed = parseDimensionName(dimension, 'dimensions');
    if (seen.has(parsed)) throw new StatsQueryError(`Dimension ${quote(parsed)} is listed twice in dimensions`);
    seen.add(parsed);
    return parsed;
  });
  if (dimensions.filter(isTimeDimension).length > 1)
    throw new StatsQueryError(
      'dimensions may hold only one time dimension (time, time:hour, time:day, time:week or time:month)',
    );
  return dimensions;
}

function parseDimensionName(value: unknown, where: string): Dimension {
  if (typeof value !== 'string')
    throw new StatsQueryError(`${where}: dimension names are strings, got ${describe(value)}`);
  if (isPropDimension(value)) {
    const key = propKeyOf(value);
    if (key.length === 0 || key.length > QUERY_LIMITS.propKeyLength)
      throw new StatsQueryError(
        `${where}: custom property key in ${describe(value)} must be 1–${QUERY_LIMITS.propKeyLength} characters`,
      );
    return value;
  }
  const known = [...EVENT_DIMENSIONS, ...VISIT_DIMENSIONS, ...TIME_DIMENSIONS] as readonly string[];
  if (!known.includes(value)) throw new StatsQueryError(`Unknown dimension ${describe(value)} in ${where}`);
  return value as Dimension;
}

function parseFilters(value: unknown): Filter[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new StatsQueryError('filters must be an array of filters');
  const budget = { conditions: 0 };
  return value.map((filter, index) => parseFilter(filter, `filters[${index}]`, 1, budget));
}

function parseFilter(value: unknown, where: string, depth: number, budget: { conditions: number }): Filter {
  if (depth > QUERY_LIMITS.filterDepth)
    throw new StatsQueryError(`${where}: filters nest deeper than ${QUERY_LIMITS.filterDepth} levels`);
  if (!Array.isArray(value) || value.length === 0 || typeof value[0] !== 'string')
    throw new StatsQueryError(`${where} must be an array like ["is", "event:page", ["/"]]`);
  const operator = value[0];
  if (operator === 'and' || operator === 'or') {
    const children = value[1];
    if (value.length !== 2 || !Array.isArray(children) || children.length === 0)
      throw new StatsQueryError(`${where}: "${operator}" takes one non-empty array of filters`);
    return {
      kind: operator,
      filters: children.map((child, i) => parseFilter(child, `${where}[1][${i}]`, depth + 1, budget)),
    };
  }
  if (operator === 'not') {
    if (value.length !== 2) throw new StatsQueryError(`${where}: "not" takes exactly one filter`);
    return { kind: 'not', filter: parseFilter(value[1], `${where}[1]`, depth + 1, budget) };
  }
  if (!(FILTER_OPERATORS as readonly string[]).includes(operator))
    throw new StatsQueryError(
      `${where}: unknown filter operator ${describe(operator)}; known: ${[...FILTER_OPERATORS, 'and', 'or', 'not'].join(', ')}`,
    );
  if (value.length < 3 || value.length > 4)
    throw new StatsQueryError(`${where} must be [operator, dimension, [values], optional modifiers]`);
  budget.conditions++;
  if (budget.conditions > QUERY_LIMITS.filterConditions)
    throw new StatsQueryError(`filters hold more than ${QUERY_LIMITS.filterConditions} conditions`);
  const dimension = parseDimensionName(value[1], where);
  if (isTimeDimension(dimension))
    throw new StatsQueryError(`${where}: cannot filter by ${quote(dimension)}; use date_range`);
  const clauses = value[2];
  if (!Array.isArray(clauses) || clauses.length === 0)
    throw new StatsQueryError(`${where}: the third element must be a non-empty array of values`);
  if (clauses.length > QUERY_LIMITS.filterValues)
    throw new StatsQueryError(`${where}: more than ${QUERY_LIMITS.filterValues} values`);
  const isRegex = operator === 'matches' || operator === 'matches_not';
  const maxLength = isRegex ? QUERY_LIMITS.regexLength : QUERY_LIMITS.filterValueLength;
  const values = clauses.map((clause, i) => {
    const text = typeof clause === 'number' && Number.isFinite(clause) ? String(clause) : clause;
    if (typeof text !== 'string') throw new StatsQueryError(`${where}[2][${i}] must be a string`);
    if (text.length > maxLength) throw new StatsQueryError(`${where}[2][${i}] is longer than ${maxLength} characters`);
    if (operator.startsWith('contains') && text.length === 0)
      throw new StatsQueryError(`${where}[2][${i}]: "contains" needs a non-empty value`);
    if (isRegex) assertRegex(text, `${where}[2][${i}]`);
    return text;
  });
  const caseSensitive = parseModifiers(value[3], where);
  return { kind: 'condition', operator: operator as FilterOperator, dimension, values, caseSensitive };
}

function parseModifiers(value: unknown, where: string): boolean {
  if (value === undefined) return true;
  if (!isPlainObject(value))
    throw new StatsQueryError(`${where}: modifiers must be an object like {"case_sensitive": false}`);
  for (const key of Object.keys(value)) {
    if (key !== 'case_sensitive') throw new StatsQueryError(`${where}: unknown modifier ${quote(key)}`);
  }
  if (value.case_sensitive === undefined) return true;
  if (typeof value.case_sensitive !== 'boolean')
    throw new StatsQueryError(`${where}: case_sensitive must be true or false`);
  return value.case_sensitive;
}

/**
 * Patterns run in ClickHouse (RE2). JavaScript's engine accepts a superset for the common syntax, so a pattern it
 * rejects is surely broken; back-references and look-arounds, which RE2 lacks, are refused here with a clear message.
 */
function assertRegex(pattern: string, where: string): void {
  if (/\\[1-9]|\(\?<?[=!]/.test(pattern))
    throw new StatsQueryError(`${where}: back-references and look-arounds are not supported in "matches" patterns`);
  try {
    new RegExp(pattern);
  } catch {
    throw new StatsQueryError(`${where}: ${describe(pattern)} is not a valid regular expression`);
  }
  const problem = re2SyntaxProblem(pattern);
  if (problem !== undefined) throw new StatsQueryError(`${where}: ${describe(pattern)} cannot be used: ${problem}`);
}

function parseInclude(value: unknown): StatsQuery['include'] {
  const include: StatsQuery['include'] = { totalRows: false, timeLabels: false, imports: false };
  if (value === undefined) return include;
  if (!isPlainObject(value)) throw new StatsQueryError('include must be an object');
  for (const key of Object.keys(value)) {
    if (!INCLUDE_KEYS.has(key)) throw new StatsQueryError(`Unknown key ${quote(key)} in include`);
  }
  for (const [key, field] of [
    ['total_rows', 'totalRows'],
    ['time_labels', 'timeLabels'],
    ['imports', 'imports'],
  ] as const) {
    const flag = value[key];
    if (flag === undefined) continue;
    if (typeof flag !== 'boolean') throw new StatsQueryError(`include.${key} must be true or false`);
    include[field] = flag;
  }
  if (value.comparisons !== undefined) include.comparisons = parseComparisons(value.comparisons);
  return include;
}

function parseComparisons(value: unknown): ComparisonSpec {
  if (!isPlainObject(value))
    throw new StatsQueryError('include.comparisons must be an object like {"mode": "previous_period"}');
  for (const key of Object.keys(value)) {
    if (key !== 'mode' && key !== 'date_range' && key !== 'match_day_of_week')
      throw new StatsQueryError(`Unknown key ${quote(key)} in include.comparisons`);
  }
  const mode = value.mode;
  if (mode !== 'previous_period' && mode !== 'year_over_year' && mode !== 'custom')
    throw new StatsQueryError('include.comparisons.mode must be previous_period, year_over_year or custom');
  if (value.match_day_of_week !== undefined && typeof value.match_day_of_week !== 'boolean')
    throw new StatsQueryError('include.comparisons.match_day_of_week must be true or false');
  const spec: ComparisonSpec = { mode, matchDayOfWeek: value.match_day_of_week === true };
  if (mode === 'custom') {
    const range = parseDateRange(value.date_range, 'include.comparisons.date_range');
    if (typeof range === 'string' || !ISO_DATE.test(range[0]))
      throw new StatsQueryError('include.comparisons.date_range must be two ISO dates (YYYY-MM-DD) for mode custom');
    spec.dateRange = range;
  } else if (value.date_range !== undefined) {
    throw new StatsQueryError('include.comparisons.date_range is only allowed with mode custom');
  }
  return spec;
}

function parsePagination(value: unknown): StatsQuery['pagination'] {
  if (value === undefined) return { limit: DEFAULT_LIMIT, offset: 0 };
  if (!isPlainObject(value)) throw new StatsQueryError('pagination must be an object like {"limit": 100, "offset": 0}');
  for (const key of Object.keys(value)) {
    if (!PAGINATION_KEYS.has(key)) throw new StatsQueryError(`Unknown key ${quote(key)} in pagination`);
  }
  const limit = value.limit ?? DEFAULT_LIMIT;
  const offset = value.offset ?? 0;
  if (!Number.isSafeInteger(limit) || (limit as number) < 1 || (limit as number) > QUERY_LIMITS.maxLimit)
    throw new StatsQueryError(`pagination.limit must be an integer from 1 to ${QUERY_LIMITS.maxLimit}`);
  if (!Number.isSafeInteger(offset) || (offset as number) < 0 || (offset as number) > QUERY_LIMITS.maxOffset)
    throw new StatsQueryError(`pagination.offset must be an integer from 0 to ${QUERY_LIMITS.maxOffset}`);
  return { limit: limit as number, offset: offset as number };
}

function parseOrderBy(value: unknown, metrics: Metric[], dimensions: Dimension[]): OrderBy[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new StatsQueryError('order_by must be an array of [name, "asc" | "desc"] pairs');
  if (value.length > QUERY_LIMITS.orderBy)
    throw new StatsQueryError(`order_by has more than ${QUERY_LIMITS.orderBy} entries`);
  const seen = new Set<string>();
  return value.map((entry, index) => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string')
      throw new StatsQueryError(`order_by[${index}] must be a pair like ["visitors", "desc"]`);
    const [key, direction] = entry as [string, unknown];
    if (direction !== 'asc' && direction !== 'desc')
      throw new StatsQueryError(`order_by[${index}]: direction must be "asc" or "desc"`);
    const queried = (metrics as string[]).includes(key) || (dimensions as string[]).includes(key);
    if (!queried)
      throw new StatsQueryError(`order_by[${index}]: ${describe(key)} is not one of the queried metrics or dimensions`);
    if (seen.has(key)) throw new StatsQueryError(`order_by lists ${quote(key)} twice`);
    seen.add(key);
    return { key: key as Metric | Dimension, direction };
  });
}

/** Plausible's rules on which metrics, dimensions and filters make sense together. */
function validateCombinations(query: StatsQuery): void {
  const { metrics, dimensions, include } = query;
  const has = (metric: Metric) => metrics.includes(metric);
  const goalInQuery = dimensions.includes('event:goal') || filtersMention(query.filters, 'event:goal');
  for (const metric of GOAL_METRICS) {
    if (has(metric) && !goalInQuery)
      throw new StatsQueryError(`Metric ${quote(metric)} can only be queried with event:goal filters or dimensions`);
  }
  const eventGroupings = dimensions.filter((d) => d === 'event:goal' || d === 'event:name' || isPropDimension(d));
  const sessionOnly = metrics.filter((m) => SESSION_ONLY_METRICS.includes(m));
  if (sessionOnly.length > 0 && eventGroupings.length > 0)
    throw new StatsQueryError(
      `Session metric(s) ${sessionOnly.map(quote).join(', ')} cannot be queried along with event dimension(s) ${eventGroupings.map(quote).join(', ')}`,
    );
  if (has('views_per_visit')) {
    if (filtersMention(query.filters, 'event:page'))
      throw new StatsQueryError('Metric "views_per_visit" cannot be queried with a filter on event:page');
    const eventDims = dimensions.filter((d) => d.startsWith('event:'));
    if (eventDims.length > 0)
      throw new StatsQueryError(
        `Metric "views_per_visit" cannot be queried with event dimension(s) ${eventDims.map(quote).join(', ')}`,
      );
  }
  if (has('exit_rate') && (dimensions.length !== 1 || dimensions[0] !== 'visit:exit_page'))
    throw new StatsQueryError('Metric "exit_rate" requires the visit:exit_page dimension and no other dimensions');
  if (has('percentage') && dimensions.length === 0)
    throw new StatsQueryError('Metric "percentage" can only be queried with dimensions');
  for (const metric of ['scroll_depth', 'time_on_page'] as const) {
    const wrong = dimensions.filter((d) => d === 'event:goal' || d === 'event:name');
    if (has(metric) && wrong.length > 0)
      throw new StatsQueryError(
        `Metric ${quote(metric)} cannot be queried with ${wrong.map(quote).join(', ')}: it measures pages`,
      );
  }
  if (include.timeLabels && !dimensions.some(isTimeDimension))
    throw new StatsQueryError('include.time_labels requires a time dimension in dimensions');
}

/** True when any condition in the filter tree is on `dimension`. */
export function filtersMention(filters: readonly Filter[], dimension: string): boolean {
  return filters.some((filter) => {
    if (filter.kind === 'condition') return filter.dimension === dimension;
    if (filter.kind === 'not') return filtersMention([filter.filter], dimension);
    return filtersMention(filter.filters, dimension);
  });
}

function isRealCalendarValue(text: string): boolean {
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  if (year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1) return false;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return false;
  if (text.length > 10) {
    const hour = Number(text.slice(11, 13));
    const minute = Number(text.slice(14, 16));
    const second = Number(text.slice(17, 19));
    if (hour > 23 || minute > 59 || second > 59) return false;
    const offset = /([+-])(\d{2}):(\d{2})$/.exec(text);
    if (offset && (Number(offset[2]) > 18 || Number(offset[3]) > 59)) return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** A short, safe rendering of any value for an error message. */
function describe(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}
