import { describe, expect, it } from 'vitest';
import { resolveDateRange } from './date-range.js';
import { alignsWithBuckets, planStatsQuery, rollupTableFor } from './planner.js';
import { parseStatsQuery } from './query.js';

const NOW = Date.UTC(2025, 5, 2, 10, 7);

function plan(body: Record<string, unknown>, timezone = 'Europe/Berlin', eventsTable = 'analytics.events') {
  const query = parseStatsQuery({ site_id: 'example.com', date_range: '30d', ...body });
  const range = resolveDateRange(query.dateRange, { timezone, now: NOW });
  return planStatsQuery({ query, range, timezone, eventsTable });
}

describe('planStatsQuery', () => {
  it('sends visit metrics by visit attributes, under visit filters, to the rollup', () => {
    expect(
      plan({
        metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate', 'visit_duration', 'views_per_visit'],
      }),
    ).toEqual({
      source: 'rollup',
      rollupTable: 'analytics.sessions_15m',
      visitTables: {
        visits: 'analytics.visits',
        lateVisits: 'analytics.late_visits',
        progress: 'analytics.visit_progress',
        rebuild: 'analytics.visits_rebuild',
      },
    });
    expect(
      plan({
        metrics: ['visitors', 'percentage'],
        dimensions: ['visit:source', 'visit:country'],
        filters: [
          [
            'or',
            [
              ['is', 'visit:device', ['mobile']],
              ['not', ['contains', 'visit:entry_page', ['/blog']]],
            ],
          ],
        ],
      }).source,
    ).toBe('rollup');
    expect(plan({ metrics: ['visitors', 'visits', 'bounce_rate'], dimensions: ['time:day'] }).source).toBe('rollup');
  });

  it('reads raw events for event dimensions, event filters, goals and engagement metrics', () => {
    expect(plan({ metrics: ['visitors'], dimensions: ['event:page'] })).toMatchObject({ source: 'raw' });
    expect(plan({ metrics: ['visitors'], filters: [['is', 'event:page', ['/']]] })).toMatchObject({ source: 'raw' });
    expect(plan({ metrics: ['visitors'], dimensions: ['event:props:plan'] })).toMatchObject({ source: 'raw' });
    expect(plan({ metrics: ['visitors', 'conversion_rate'], dimensions: ['event:goal'] })).toMatchObject({
      source: 'raw',
    });
    expect(plan({ metrics: ['visitors', 'time_on_page'], dimensions: ['visit:source'] })).toMatchObject({
      source: 'raw',
    });
    expect(plan({ metrics: ['visits', 'exit_rate'], dimensions: ['visit:exit_page'] })).toMatchObject({
      source: 'raw',
    });
    // Time together with a visit attribute would need each event's bucket and its visit's attribute at once.
    expect(plan({ metrics: ['visitors'], dimensions: ['time:day', 'visit:source'] })).toMatchObject({
      source: 'raw',
    });
  });

  it('reads raw events when rollups are off or the store has no rollup beside its events table', () => {
    const query = parseStatsQuery({ site_id: 'x', metrics: ['visitors'], date_range: '7d' });
    const range = resolveDateRange(query.dateRange, { timezone: 'UTC', now: NOW });
    const input = { query, range, timezone: 'UTC', eventsTable: 'analytics.events' };
    expect(planStatsQuery({ ...input, useRollups: false })).toEqual({ source: 'raw', reason: 'rollups disabled' });
    expect(planStatsQuery({ ...input, eventsTable: 'custom_events' }).source).toBe('raw');
    expect(rollupTableFor('a.events')).toBe('a.sessions_15m');
    expect(rollupTableFor('a.other')).toBeUndefined();
  });

  it('uses the rollup in half- and quarter-hour zones, and reads raw events for ranges off the buckets', () => {
    for (const zone of ['Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham']) {
      expect(plan({ metrics: ['visitors'], dimensions: ['time:hour'], date_range: '7d' }, zone).source, zone).toBe(
        'rollup',
      );
    }
    // "24h" ends now, mid-bucket.
    expect(plan({ metrics: ['visitors'], date_range: '24h' }).source).toBe('raw');
    expect(plan({ metrics: ['visitors'], date_range: ['2025-05-01T10:00:00', '2025-05-01T10:20:00'] }).source).toBe(
      'raw',
    );
    expect(plan({ metrics: ['visitors'], date_range: ['2025-05-01T10:00:00', '2025-05-01T10:14:59'] }).source).toBe(
      'rollup',
    );
  });
});

describe('alignsWithBuckets', () => {
  it('checks the actual boundaries, so an old local-mean-time offset falls back to raw events', () => {
    // Liberia kept UTC−0:44:30 until 1972: its midnights were 44.5 minutes past the hour.
    const monrovia = resolveDateRange(['1971-06-01', '1971-06-03'], { timezone: 'Africa/Monrovia', now: NOW });
    expect(alignsWithBuckets(monrovia, undefined, 'Africa/Monrovia')).toBe(false);
    // Every midnight across Berlin's spring-forward day lies on a bucket boundary.
    const berlin = resolveDateRange(['2025-03-28', '2025-04-02'], { timezone: 'Europe/Berlin', now: NOW });
    expect(alignsWithBuckets(berlin, 'day', 'Europe/Berlin')).toBe(true);
    expect(alignsWithBuckets(berlin, 'hour', 'Europe/Berlin')).toBe(true);
    // A UTC day has aligned ends, but its local hours and the local midnight inside it are 44.5 minutes off.
    const utcDay = { fromMs: Date.UTC(1971, 5, 1), toMs: Date.UTC(1971, 5, 2) };
    expect(alignsWithBuckets(utcDay, undefined, 'Africa/Monrovia')).toBe(true);
    expect(alignsWithBuckets(utcDay, 'hour', 'Africa/Monrovia')).toBe(false);
    expect(alignsWithBuckets(utcDay, 'day', 'Africa/Monrovia')).toBe(false);
  });
});
