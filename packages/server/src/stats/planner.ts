import {
  type FinishedVisitTables,
  finishedVisitTables,
  ROLLUP_BUCKET_MS,
  sessionsRollupTable,
} from '../storage/events/schema.js';
import type { Granularity, ResolvedDateRange } from './date-range.js';
import { granularityFor } from './date-range.js';
import type { Filter, Metric, StatsQuery } from './query.js';
import { isTimeDimension } from './query.js';
import { addDays, compareDates, offsetAt, startOfZonedDay, zonedDate } from './zoned-time.js';

/**
 * The planner: decides per query (and per comparison range) whether the visit rollup (`sessions_15m`, kept by a
 * materialized view, storage/events/schema.ts) can answer it exactly, or whether it must read raw events.
 *
 * The rollup holds one row per (site, 15-minute UTC bucket, visit) with the visit's figures inside that bucket, so it
 * answers a query exactly when
 * - every metric is one it carries (visitors, visits, pageviews, events, views_per_visit, bounce_rate,
 *   visit_duration, percentage): no goals, revenue, engagement or exit rates;
 * - it groups by visit attributes only, or by time only (visitors and pageviews per bucket, visits by their start);
 * - it filters by visit attributes only (an event filter needs the events themselves);
 * - the range starts and ends on bucket boundaries and every time bucket of the answer does too: true for whole
 *   local days and hours in every zone whose offset is a multiple of 15 minutes (all zones in use today, including
 *   India, Nepal, Chatham and Lord Howe), checked here for the actual instants rather than assumed per zone.
 * Anything else reads raw events. Both paths compute the same definitions; planner-equivalence.test.ts holds them to
 * identical answers. One invariant both rely on: every event of a visit carries the visit's visitor id (the ingest's
 * session step keeps the id a visit started with, even across the daily salt change), so counting visitors over
 * visits equals counting them over events.
 *
 * Keeping the rollup true: it follows inserts (materialized view, deduplicated with the batch's token); anything that
 * deletes events must delete the rollup's rows too (site deletion does: it clears every table with a site_id).
 */

export type Plan =
  | { source: 'rollup'; rollupTable: string; visitTables: FinishedVisitTables }
  | { source: 'raw'; reason: string };

export const ROLLUP_METRICS: readonly Metric[] = [
  'visitors',
  'visits',
  'pageviews',
  'events',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
  'percentage',
];

export interface PlanInput {
  query: Pick<StatsQuery, 'metrics' | 'dimensions' | 'filters'>;
  range: ResolvedDateRange;
  timezone: string;
  /** The events table the store names; the rollup sits beside it. */
  eventsTable: string;
  /** False forces raw events (tests, benchmarks, troubleshooting). */
  useRollups?: boolean;
}

const EVENTS_TABLE = /^([a-z_][a-z0-9_]*)\.events$/i;

/** The rollup table beside `eventsTable`, when the store uses the standard layout. */
export function rollupTableFor(eventsTable: string): string | undefined {
  const match = EVENTS_TABLE.exec(eventsTable);
  return match === null ? undefined : sessionsRollupTable(match[1]!);
}

/** The finished visits tables beside `eventsTable` (callers have checked the layout with rollupTableFor). */
function visitTablesFor(eventsTable: string): FinishedVisitTables {
  return finishedVisitTables(EVENTS_TABLE.exec(eventsTable)![1]!);
}

/** Chooses where a query reads from. Pure: no I/O, so it is cheap to call per query and per comparison. */
export function planStatsQuery(input: PlanInput): Plan {
  const { query, range, timezone } = input;
  if (input.useRollups === false) return { source: 'raw', reason: 'rollups disabled' };
  const rollupTable = rollupTableFor(input.eventsTable);
  if (rollupTable === undefined) return { source: 'raw', reason: 'no rollup beside this events table' };
  const metric = query.metrics.find((m) => !ROLLUP_METRICS.includes(m));
  if (metric !== undefined) return { source: 'raw', reason: `metric ${metric} needs events` };
  const timeDimensions = query.dimensions.filter(isTimeDimension);
  const eventDimension = query.dimensions.find((d) => !isTimeDimension(d) && !d.startsWith('visit:'));
  if (eventDimension !== undefined) return { source: 'raw', reason: `dimension ${eventDimension} needs events` };
  if (timeDimensions.length > 0 && query.dimensions.length > 1)
    return { source: 'raw', reason: 'time with other dimensions needs events' };
  if (!query.filters.every(onVisitsOnly)) return { source: 'raw', reason: 'an event filter needs events' };
  const timeDimension = timeDimensions[0];
  const granularity = timeDimension === undefined ? undefined : granularityFor(timeDimension, range);
  if (!alignsWithBuckets(range, granularity, timezone))
    return { source: 'raw', reason: 'the range or its time buckets do not align with 15-minute buckets' };
  return { source: 'rollup', rollupTable, visitTables: visitTablesFor(input.eventsTable) };
}

function onVisitsOnly(filter: Filter): boolean {
  if (filter.kind === 'condition') return filter.dimension.startsWith('visit:');
  if (filter.kind === 'not') return onVisitsOnly(filter.filter);
  return filter.filters.every(onVisitsOnly);
}

const aligned = (instant: number) => instant % ROLLUP_BUCKET_MS === 0;

/**
 * True when the range's ends and every boundary between its time buckets fall on 15-minute UTC boundaries, so each
 * rollup bucket lies inside one answer bucket and inside or outside the range as a whole.
 */
export function alignsWithBuckets(
  range: ResolvedDateRange,
  granularity: Granularity | undefined,
  timezone: string,
): boolean {
  if (!aligned(range.fromMs) || !aligned(range.toMs)) return false;
  if (granularity === undefined) return true;
  if (granularity === 'hour') {
    // A local hour starts where the wall clock reads :00; that instant is on a bucket boundary exactly when the
    // offset then is a multiple of 15 minutes, and no offset change may fall inside a bucket.
    for (let t = range.fromMs; t < range.toMs; t += ROLLUP_BUCKET_MS) {
      const offset = offsetAt(t, timezone);
      if (offset % ROLLUP_BUCKET_MS !== 0 || offsetAt(t + ROLLUP_BUCKET_MS - 1, timezone) !== offset) return false;
    }
    return true;
  }
  // Day, week and month buckets change at local midnights (or where a skipped midnight's day begins).
  const last = zonedDate(range.toMs - 1, timezone);
  for (let day = addDays(zonedDate(range.fromMs, timezone), 1); compareDates(day, last) <= 0; day = addDays(day, 1)) {
    if (!aligned(startOfZonedDay(day, timezone))) return false;
  }
  return true;
}
