import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMIT, parseStatsQuery, StatsQueryError } from './query.js';

const base = { site_id: 'example.com', metrics: ['visitors'], date_range: '7d' };

function errorOf(body: unknown): string {
  try {
    parseStatsQuery(body);
  } catch (err) {
    expect(err).toBeInstanceOf(StatsQueryError);
    return (err as Error).message;
  }
  throw new Error('expected a StatsQueryError');
}

describe('parseStatsQuery', () => {
  it('parses a full Plausible v2 query', () => {
    const query = parseStatsQuery({
      site_id: 'example.com',
      metrics: ['visitors', 'pageviews', 'bounce_rate'],
      date_range: ['2024-01-01', '2024-01-31'],
      dimensions: ['visit:source', 'time:day'],
      filters: [
        ['is', 'visit:country', ['DE', 'FR']],
        ['contains', 'event:page', ['/blog'], { case_sensitive: false }],
        [
          'or',
          [
            ['is', 'visit:device', ['mobile']],
            ['not', ['matches', 'event:hostname', ['^www\\.']]],
          ],
        ],
      ],
      order_by: [
        ['visitors', 'desc'],
        ['time:day', 'asc'],
      ],
      include: { total_rows: true, time_labels: true, comparisons: { mode: 'previous_period' } },
      pagination: { limit: 50, offset: 100 },
    });
    expect(query.metrics).toEqual(['visitors', 'pageviews', 'bounce_rate']);
    expect(query.dimensions).toEqual(['visit:source', 'time:day']);
    expect(query.filters[1]).toEqual({
      kind: 'condition',
      operator: 'contains',
      dimension: 'event:page',
      values: ['/blog'],
      caseSensitive: false,
    });
    expect(query.filters[2]).toMatchObject({ kind: 'or', filters: [{ kind: 'condition' }, { kind: 'not' }] });
    expect(query.orderBy).toEqual([
      { key: 'visitors', direction: 'desc' },
      { key: 'time:day', direction: 'asc' },
    ]);
    expect(query.include).toEqual({
      totalRows: true,
      timeLabels: true,
      imports: false,
      comparisons: { mode: 'previous_period', matchDayOfWeek: false },
    });
    expect(query.pagination).toEqual({ limit: 50, offset: 100 });
  });

  it('fills defaults for the optional parts', () => {
    const query = parseStatsQuery(base);
    expect(query).toMatchObject({
      dimensions: [],
      filters: [],
      orderBy: [],
      pagination: { limit: DEFAULT_LIMIT, offset: 0 },
    });
  });

  it('accepts every documented shortcut and custom datetimes', () => {
    for (const range of ['day', '24h', '7d', '28d', '30d', '91d', 'month', '6mo', '12mo', 'year', 'all']) {
      expect(parseStatsQuery({ ...base, date_range: range }).dateRange).toBe(range);
    }
    expect(
      parseStatsQuery({ ...base, date_range: ['2024-01-01T12:00:00+02:00', '2024-01-01T15:59:59+02:00'] }).dateRange,
    ).toEqual(['2024-01-01T12:00:00+02:00', '2024-01-01T15:59:59+02:00']);
  });

  it.each([
    [null, 'JSON object'],
    [{ ...base, extra: 1 }, 'Unknown key "extra"'],
    [{ ...base, site_id: '' }, 'site_id'],
    [{ ...base, metrics: [] }, 'metrics is required'],
    [{ ...base, metrics: ['visitors', 'visitors'] }, 'listed twice'],
    [{ ...base, metrics: ['uniques'] }, 'Unknown metric "uniques"'],
    [{ ...base, date_range: 'yesterday' }, 'Unknown date_range "yesterday"'],
    [{ ...base, date_range: ['2024-02-30', '2024-03-01'] }, 'impossible date'],
    [{ ...base, date_range: ['2024-01-01', '2024-01-01T00:00:00'] }, 'two dates'],
    [{ ...base, dimensions: ['visit:city'] }, 'Unknown dimension "visit:city"'],
    [{ ...base, dimensions: ['time:day', 'time:week'] }, 'only one time dimension'],
    [{ ...base, dimensions: ['event:props:'] }, 'custom property key'],
    [{ ...base, filters: [['equals', 'event:page', ['/']]] }, 'unknown filter operator "equals"'],
    [{ ...base, filters: [['is', 'event:page', []]] }, 'non-empty array of values'],
    [{ ...base, filters: [['is', 'time:day', ['2024-01-01']]] }, 'cannot filter by "time:day"'],
    [{ ...base, filters: [['is', 'event:page', ['/'], { case_insensitive: true }]] }, 'unknown modifier'],
    [{ ...base, filters: [['matches', 'event:page', ['(a']]] }, 'not a valid regular expression'],
    [{ ...base, filters: [['matches', 'event:page', ['(?=x)']]] }, 'look-arounds'],
    [{ ...base, filters: [['and', []]] }, 'non-empty array of filters'],
    [{ ...base, order_by: [['pageviews', 'desc']] }, 'not one of the queried'],
    [{ ...base, order_by: [['visitors', 'up']] }, 'direction'],
    [{ ...base, include: { time_labels: true } }, 'requires a time dimension'],
    [{ ...base, include: { comparisons: { mode: 'custom' } } }, 'comparisons.date_range'],
    [{ ...base, include: { comparisons: { mode: 'last_week' } } }, 'comparisons.mode'],
    [{ ...base, pagination: { limit: 0 } }, 'pagination.limit'],
    [{ ...base, pagination: { limit: 10, offset: -1 } }, 'pagination.offset'],
    [{ ...base, metrics: ['conversion_rate'] }, 'event:goal'],
    [{ ...base, metrics: ['bounce_rate'], dimensions: ['event:name'] }, 'Session metric(s) "bounce_rate"'],
    [
      { ...base, metrics: ['visit_duration'], dimensions: ['event:goal'] },
      'cannot be queried along with event dimension',
    ],
    [{ ...base, metrics: ['views_per_visit'], filters: [['is', 'event:page', ['/']]] }, 'filter on event:page'],
    [{ ...base, metrics: ['exit_rate'], dimensions: ['event:page'] }, 'visit:exit_page'],
    [{ ...base, metrics: ['percentage'] }, 'only be queried with dimensions'],
  ])('rejects %j saying which part is wrong', (body, message) => {
    expect(errorOf(body)).toContain(message);
  });

  it('caps nesting depth and the number of conditions', () => {
    let deep: unknown = ['is', 'event:page', ['/']];
    for (let i = 0; i < 10; i++) deep = ['not', deep];
    expect(errorOf({ ...base, filters: [deep] })).toContain('deeper');
    const many = Array.from({ length: 51 }, () => ['is', 'event:page', ['/']]);
    expect(errorOf({ ...base, filters: many })).toContain('more than 50 conditions');
    const longValue = 'x'.repeat(2001);
    expect(errorOf({ ...base, filters: [['is', 'event:page', [longValue]]] })).toContain('longer than');
  });

  it('never throws anything but StatsQueryError on junk', () => {
    const junk: unknown[] = [
      undefined,
      42,
      'query',
      [],
      { site_id: 1 },
      { ...base, metrics: 'visitors' },
      { ...base, filters: [null] },
      { ...base, filters: [['is']] },
      { ...base, filters: [['not']] },
      { ...base, order_by: [null] },
      { ...base, include: [] },
      { ...base, date_range: [1, 2] },
      { ...base, dimensions: [{}] },
      { ...base, pagination: { limit: 1.5 } },
      JSON.parse('{"__proto__": {"x": 1}, "site_id": "a", "metrics": ["visitors"], "date_range": "7d"}'),
    ];
    for (const body of junk) {
      try {
        parseStatsQuery(body);
      } catch (err) {
        expect(err).toBeInstanceOf(StatsQueryError);
      }
    }
  });
});
