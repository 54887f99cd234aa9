import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStateStore } from '../storage/state/memory.js';
import type { StateStore } from '../storage/state/state-store.js';
import {
  bumpStatsGeneration,
  CLOSED_PERIOD_GRACE_MS,
  cachedStatsQuery,
  isClosedPeriod,
  MAX_CACHE_WRITES_PER_SITE_HOUR,
  MAX_CACHED_RESPONSE_BYTES,
  STATS_CACHE_TTL_MS,
  statsCacheKey,
} from './cache.js';
import type { Goal } from './compile.js';
import { parseStatsQuery } from './query.js';
import type { StatsResponse } from './run.js';

const NOW = Date.UTC(2025, 5, 18, 12, 0, 0);
const SITE = { id: 3, publicId: '4c0e3a1e-8a0f-4c53-9d65-0c6f7f7d2b10', timezone: 'Europe/Berlin' };
const GOALS: Goal[] = [{ id: 'Signup', kind: 'event', eventName: 'Signup' }];

let clock = NOW;
let state: StateStore;
let computed = 0;

beforeEach(() => {
  clock = NOW;
  computed = 0;
  state = createMemoryStateStore({ now: () => clock, sweepIntervalMs: 0 });
});

afterEach(async () => {
  await state.close();
});

function query(body: Record<string, unknown> = {}) {
  return parseStatsQuery({ site_id: 'example.com', metrics: ['visitors'], date_range: '7d', ...body });
}

/** A stand-in for the engine: each computation answers a different number, so a cached answer is recognisable. */
function compute(padding = '') {
  return async (): Promise<StatsResponse> => {
    computed++;
    return {
      results: [{ dimensions: [padding], metrics: [computed] }],
      meta: {},
      query: {
        site_id: 'example.com',
        metrics: ['visitors'],
        date_range: ['2025-06-11T00:00:00+02:00', '2025-06-17T23:59:59+02:00'],
        dimensions: [],
        filters: [],
        order_by: [],
        include: {},
        pagination: { limit: 10_000, offset: 0 },
      },
    };
  };
}

async function ask(body: Record<string, unknown> = {}, options: { goals?: Goal[]; site?: typeof SITE } = {}) {
  const request = { site: options.site ?? SITE, query: query(body), goals: options.goals ?? GOALS, now: clock };
  return cachedStatsQuery(state, request, compute());
}

describe('cachedStatsQuery', () => {
  it('answers a closed period from the cache the second time', async () => {
    const first = await ask();
    const second = await ask();
    expect(first.cache).toBe('miss');
    expect(second.cache).toBe('hit');
    expect(second.response).toEqual(first.response);
    expect(computed).toBe(1);
  });

  it('never caches a period that includes now', async () => {
    for (const dateRange of ['day', '24h', 'month', 'year', '12mo', 'all', ['2025-06-01', '2025-06-18']]) {
      const first = await ask({ date_range: dateRange });
      const second = await ask({ date_range: dateRange });
      expect([first.cache, second.cache], String(dateRange)).toEqual(['bypass', 'bypass']);
    }
    expect(computed).toBe(14);
  });

  it('bypasses a closed main range whose custom comparison reaches into today', async () => {
    const body = {
      date_range: ['2025-06-01', '2025-06-07'],
      include: { comparisons: { mode: 'custom', date_range: ['2025-06-12', '2025-06-18'] } },
    };
    expect((await ask(body)).cache).toBe('bypass');
    expect((await ask(body)).cache).toBe('bypass');
    const closedComparison = { ...body, include: { comparisons: { mode: 'previous_period' } } };
    expect((await ask(closedComparison)).cache).toBe('miss');
    expect((await ask(closedComparison)).cache).toBe('hit');
  });

  it('waits out the flush grace before calling a just-ended period closed', async () => {
    const justEnded = query({ date_range: ['2025-06-18T11:00:00Z', '2025-06-18T11:59:00Z'] });
    expect(isClosedPeriod(justEnded, SITE.timezone, NOW)).toBe(false);
    expect(isClosedPeriod(justEnded, SITE.timezone, NOW + CLOSED_PERIOD_GRACE_MS)).toBe(true);
  });

  it('forgets a site after bumpStatsGeneration, and only that site', async () => {
    const other = { ...SITE, id: 4, publicId: '9b1c2d3e-0000-4000-8000-000000000004' };
    await ask();
    await ask({}, { site: other });
    await bumpStatsGeneration(state, SITE.id);
    expect((await ask()).cache).toBe('miss');
    expect((await ask()).cache).toBe('hit');
    expect((await ask({}, { site: other })).cache).toBe('hit');
  });

  it('keys on the goals the engine sees, the site time zone and public id', async () => {
    await ask();
    expect(
      (await ask({}, { goals: [...GOALS, { id: 'Pricing', kind: 'pageview', pathPattern: '/pricing' }] })).cache,
    ).toBe('miss');
    expect((await ask({}, { goals: [{ id: 'Signup', kind: 'event', eventName: 'signup' }] })).cache).toBe('miss');
    expect((await ask({}, { site: { ...SITE, timezone: 'UTC' } })).cache).toBe('miss');
    expect((await ask({}, { site: { ...SITE, publicId: '00000000-0000-4000-8000-000000000000' } })).cache).toBe('miss');
    expect((await ask()).cache).toBe('hit');
  });

  it('resolves relative ranges before keying: "7d" asked on the next day is a new question', async () => {
    const a = statsCacheKey({ site: SITE, query: query(), goals: GOALS, now: NOW }, '0');
    const sameDay = statsCacheKey({ site: SITE, query: query(), goals: GOALS, now: NOW + 60_000 }, '0');
    const nextDay = statsCacheKey({ site: SITE, query: query(), goals: GOALS, now: NOW + 86_400_000 }, '0');
    expect(a).toBeDefined();
    expect(sameDay).toBe(a);
    expect(nextDay).not.toBe(a);
  });

  it('keys differ for every part of the query and never contain the query text', async () => {
    const base = statsCacheKey({ site: SITE, query: query(), goals: GOALS, now: NOW }, '0');
    const variants = [
      query({ metrics: ['visitors', 'pageviews'] }),
      query({ dimensions: ['event:page'] }),
      query({ filters: [['is', 'event:page', ['/secret-path']]] }),
      query({ pagination: { limit: 5 } }),
      query({ site_id: '3' }),
    ].map((q) => statsCacheKey({ site: SITE, query: q, goals: GOALS, now: NOW }, '0'));
    expect(new Set([base, ...variants]).size).toBe(6);
    for (const key of variants) expect(key).toMatch(/^stats:cache:[0-9a-f]{64}$/);
  });

  it('expires answers after an hour', async () => {
    await ask();
    clock += STATS_CACHE_TTL_MS - 1_000;
    expect((await ask()).cache).toBe('hit');
    clock += 2_000;
    expect((await ask()).cache).toBe('miss');
  });

  it('does not keep answers larger than the size cap', async () => {
    const request = { site: SITE, query: query(), goals: GOALS, now: clock };
    const big = compute('x'.repeat(MAX_CACHED_RESPONSE_BYTES));
    expect((await cachedStatsQuery(state, request, big)).cache).toBe('miss');
    expect((await cachedStatsQuery(state, request, big)).cache).toBe('miss');
    expect(computed).toBe(2);
  });

  it('stops writing for a site that exhausted its hourly write budget, still answering', async () => {
    for (let i = 0; i < MAX_CACHE_WRITES_PER_SITE_HOUR; i++) {
      await state.increment(`stats:cache-writes:${SITE.id}`, STATS_CACHE_TTL_MS);
    }
    expect((await ask()).cache).toBe('miss');
    const again = await ask();
    expect(again.cache).toBe('miss');
    expect(again.response.results[0]!.metrics).toEqual([2]);
  });
});
