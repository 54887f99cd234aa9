import { createHash, randomUUID } from 'node:crypto';
import type { StateStore } from '../storage/state/state-store.js';
import type { Goal } from './compile.js';
import { type ResolvedDateRange, resolveComparisonRange, resolveDateRange } from './date-range.js';
import { goalsFingerprint } from './goals.js';
import type { StatsQuery } from './query.js';
import type { StatsResponse } from './run.js';

/**
 * Result cache for stats queries over closed periods, kept in the state store (in-process, or Redis when several
 * nodes run). A period that includes now changes with every event and is never cached; one that ended a while ago
 * only changes when goals change or history is imported, so its answer is kept for an hour.
 *
 * Invariants:
 * - the key is a SHA-256 over everything the answer depends on: the site (id, public id, time zone), the site's
 *   cache generation, the canonical parsed query, the RESOLVED date ranges (so `7d` asked tomorrow is a new key) and
 *   a fingerprint of the goals the engine sees. Nothing secret goes into it (no tokens, no user ids);
 * - a cache failure never fails a query: the answer is computed as if nothing were cached.
 */

export type CacheStatus = 'hit' | 'miss' | 'bypass';

export const STATS_CACHE_TTL_MS = 60 * 60_000;
/**
 * Events reach the store up to a flush interval (at most 60 s by configuration) after they are acknowledged; a
 * period counts as closed only once it ended longer ago than this, so a late flush cannot hide behind a cached
 * answer.
 */
export const CLOSED_PERIOD_GRACE_MS = 2 * 60_000;
/** Dashboard widgets are a few KB; bigger answers (exports, long breakdowns) are cheap to recompute, costly to keep. */
export const MAX_CACHED_RESPONSE_BYTES = 64 * 1024;
/**
 * Caps on cache writes per hour, per site and in total, so a stream of distinct queries (every custom date range
 * there is) cannot fill the state store and push out visitor sessions.
 */
export const MAX_CACHE_WRITES_PER_SITE_HOUR = 1_000;
export const MAX_CACHE_WRITES_PER_HOUR = 5_000;

/** The generation outlives every entry made under the previous one (see bumpStatsGeneration). */
const GENERATION_TTL_MS = 2 * STATS_CACHE_TTL_MS;
const KEY_VERSION = 1;

export interface CacheableSite {
  id: number;
  /** Public UUID: distinguishes a new site that reuses a deleted site's numeric id. */
  publicId: string;
  timezone: string;
}

export interface StatsCacheRequest {
  site: CacheableSite;
  query: StatsQuery;
  goals: readonly Goal[];
  /** Current instant (epoch ms). */
  now: number;
}

export interface CachedAnswer {
  response: StatsResponse;
  cache: CacheStatus;
}

const generationKey = (siteId: number) => `stats:generation:${siteId}`;

/**
 * Makes every cached answer of a site unreachable (goals or funnels changed, events imported or deleted). A random
 * value rather than a counter: when the generation key expires the site falls back to generation "0", and no entry
 * made under an earlier "0" can still be alive by then (GENERATION_TTL_MS > STATS_CACHE_TTL_MS).
 */
export async function bumpStatsGeneration(state: StateStore, siteId: number): Promise<void> {
  await state.set(generationKey(siteId), randomUUID(), GENERATION_TTL_MS);
}

/**
 * The latest instant the query's answer depends on (main and comparison range), or undefined when a range is open
 * ended (`all` runs up to today) or cannot be resolved (the engine will report why).
 */
export function periodEnd(query: StatsQuery, timezone: string, now: number): number | undefined {
  if (query.dateRange === 'all') return undefined;
  try {
    const range: ResolvedDateRange = resolveDateRange(query.dateRange, { timezone, now });
    const comparisons = query.include.comparisons;
    const comparison = comparisons === undefined ? undefined : resolveComparisonRange(range, comparisons, timezone);
    return Math.max(range.toMs, comparison?.toMs ?? 0);
  } catch {
    return undefined;
  }
}

/** True when every instant the query reads lies safely in the past. */
export function isClosedPeriod(query: StatsQuery, timezone: string, now: number): boolean {
  const end = periodEnd(query, timezone, now);
  return end !== undefined && end <= now - CLOSED_PERIOD_GRACE_MS;
}

/** The state-store key of a query's cached answer; undefined when the query must not be cached. */
export function statsCacheKey(request: StatsCacheRequest, generation: string): string | undefined {
  const { site, query, now } = request;
  if (!isClosedPeriod(query, site.timezone, now)) return undefined;
  let ranges: number[];
  try {
    const range = resolveDateRange(query.dateRange, { timezone: site.timezone, now });
    const comparison =
      query.include.comparisons === undefined
        ? undefined
        : resolveComparisonRange(range, query.include.comparisons, site.timezone);
    ranges = [range.fromMs, range.toMs, comparison?.fromMs ?? -1, comparison?.toMs ?? -1];
  } catch {
    return undefined;
  }
  const material = JSON.stringify([
    KEY_VERSION,
    site.id,
    site.publicId,
    site.timezone,
    generation,
    query,
    ranges,
    goalsFingerprint(request.goals),
  ]);
  return `stats:cache:${createHash('sha256').update(material).digest('hex')}`;
}

/**
 * Answers from the cache when the period is closed and an answer is stored; otherwise computes, and stores the answer
 * of a closed period for STATS_CACHE_TTL_MS.
 *
 * @example
 * const { response, cache } = await cachedStatsQuery(state, { site, query, goals, now }, () =>
 *   runStatsQuery({ store, site, goals, now }, query));
 */
export async function cachedStatsQuery(
  state: StateStore,
  request: StatsCacheRequest,
  compute: () => Promise<StatsResponse>,
): Promise<CachedAnswer> {
  if (!isClosedPeriod(request.query, request.site.timezone, request.now)) {
    return { response: await compute(), cache: 'bypass' };
  }
  let key: string | undefined;
  try {
    key = statsCacheKey(request, (await state.get(generationKey(request.site.id))) ?? '0');
    const stored = key === undefined ? null : await state.get(key);
    if (stored !== null) return { response: JSON.parse(stored) as StatsResponse, cache: 'hit' };
  } catch {
    // An unreachable or corrupt cache is no reason to fail a query: compute it.
  }
  const response = await compute();
  if (key === undefined) return { response, cache: 'bypass' };
  try {
    const serialized = JSON.stringify(response);
    if (serialized.length <= MAX_CACHED_RESPONSE_BYTES && (await withinWriteBudget(state, request.site.id))) {
      await state.set(key, serialized, STATS_CACHE_TTL_MS);
    }
  } catch {
    // Not cached this time; the answer itself is fine.
  }
  return { response, cache: 'miss' };
}

async function withinWriteBudget(state: StateStore, siteId: number): Promise<boolean> {
  const perSite = await state.increment(`stats:cache-writes:${siteId}`, STATS_CACHE_TTL_MS);
  if (perSite > MAX_CACHE_WRITES_PER_SITE_HOUR) return false;
  return (await state.increment('stats:cache-writes', STATS_CACHE_TTL_MS)) <= MAX_CACHE_WRITES_PER_HOUR;
}
