/**
 * The stats engine: parse (query.ts) → resolve dates (date-range.ts) → compile to bound SQL (compile.ts) → run and
 * shape the Plausible v2 response (run.ts). Routes import from here.
 */

export type { CompiledQuery, FunnelDefinition, Goal, StatsSite } from './compile.js';
export {
  compileFunnel,
  compileRealtime,
  compileStatsQuery,
  MAX_FUNNEL_STEPS,
  MAX_GOALS,
  wildcardToRegex,
} from './compile.js';
export type { DateRangeContext, Granularity, ResolvedDateRange } from './date-range.js';
export { describeRange, granularityFor, resolveComparisonRange, resolveDateRange, timeLabels } from './date-range.js';
export type { ComparisonSpec, DateRangeInput, Dimension, Filter, Metric, StatsQuery } from './query.js';
export { METRICS, parseStatsQuery, QUERY_LIMITS, StatsQueryError } from './query.js';
export type {
  FunnelResponse,
  FunnelStepResult,
  RealtimeResponse,
  StatsDeps,
  StatsResponse,
  StatsResultRow,
} from './run.js';
export { csvCell, exportCsv, roundMetric, runFunnel, runRealtime, runStatsQuery } from './run.js';
