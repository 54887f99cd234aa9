/**
 * The stats engine: parse (query.ts) → resolve dates (date-range.ts) → plan raw events or the visit rollup
 * (planner.ts) → compile to bound SQL (compile.ts, compile-rollup.ts) → run and shape the Plausible v2 response
 * (run.ts). Routes import from here.
 */

export type { CachedAnswer, CacheStatus } from './cache.js';
export { bumpStatsGeneration, cachedStatsQuery, isClosedPeriod, STATS_CACHE_TTL_MS } from './cache.js';
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
export { statsInputErrorOf } from './engine-errors.js';
export type { FunnelResolution } from './goals.js';
export { goalsFingerprint, resolveFunnel, toStatsGoal, toStatsGoals } from './goals.js';
export type { Plan } from './planner.js';
export { planStatsQuery, ROLLUP_METRICS } from './planner.js';
export type { PropKeyCount } from './prop-keys.js';
export { MAX_PROP_KEYS, topPropKeys } from './prop-keys.js';
export type { ComparisonSpec, DateRangeInput, Dimension, Filter, Metric, StatsQuery } from './query.js';
export { METRICS, parseDateRange, parseStatsQuery, QUERY_LIMITS, StatsQueryError } from './query.js';
export { re2SyntaxProblem } from './re2-syntax.js';
export type { RealtimeBreakdown } from './realtime-breakdown.js';
export { runRealtimeBreakdown } from './realtime-breakdown.js';
export type {
  FunnelResponse,
  FunnelStepResult,
  RealtimeResponse,
  StatsDeps,
  StatsResponse,
  StatsResultRow,
} from './run.js';
export { csvCell, exportCsv, roundMetric, runFunnel, runRealtime, runStatsQuery } from './run.js';
export type { SiteExport } from './site-export.js';
export { buildSiteExport, SITE_EXPORT_FILES } from './site-export.js';
export type { VisitSnapshots } from './visit-snapshot.js';
export { createVisitSnapshots } from './visit-snapshot.js';
