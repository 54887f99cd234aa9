import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Goal } from './compile.js';
import { compileFunnel, compileRealtime, compileStatsQuery, wildcardToRegex } from './compile.js';
import { resolveDateRange } from './date-range.js';
import { parseStatsQuery, StatsQueryError } from './query.js';

const site = { id: 42, timezone: 'Europe/Berlin' };
const range = resolveDateRange(['2025-03-01', '2025-03-31'], { timezone: site.timezone, now: 0 });
const goals: Goal[] = [
  { id: 'Signup', kind: 'event', eventName: 'Signup' },
  { id: 'Pricing', kind: 'pageview', pathPattern: '/pricing/**' },
];
const INJECTION = "'); DROP TABLE events; SELECT ('\\\"` {x:String}";

function compile(body: Record<string, unknown>, paginate = true) {
  const query = parseStatsQuery({ site_id: 'example.com', metrics: ['visitors'], date_range: '7d', ...body });
  return compileStatsQuery({ query, site, goals, range, eventsTable: 'db.events', paginate });
}

/** Every string value bound, as the store would receive it. */
function boundStrings(params: Record<string, unknown>): string[] {
  return Object.values(params).flatMap((value) => (Array.isArray(value) ? value.map(String) : [String(value)]));
}

describe('compileStatsQuery', () => {
  it('binds the site, the range, the time zone and pagination', () => {
    const compiled = compile({ dimensions: ['time:day'], pagination: { limit: 5, offset: 10 } });
    const values = Object.values(compiled.params);
    expect(values).toContain(42);
    expect(values).toContain(range.fromMs);
    expect(values).toContain(range.toMs);
    expect(values).toContain('Europe/Berlin');
    expect(values).toContain(5);
    expect(values).toContain(10);
    expect(compiled.sql).not.toContain('Europe/Berlin');
    expect(compiled.sql).not.toMatch(/\b42\b/);
  });

  it('binds prop keys as values and reads them through the map', () => {
    const compiled = compile({ dimensions: ['event:props:plan'] });
    expect(compiled.sql).toMatch(/props\[\{p\d+:String\}\]/);
    expect(boundStrings(compiled.params)).toContain('plan');
  });

  it('turns goal names into bound conditions and refuses unknown goals', () => {
    const compiled = compile({
      metrics: ['visitors', 'conversion_rate'],
      filters: [['is', 'event:goal', ['Pricing']]],
    });
    expect(boundStrings(compiled.params)).toContain('^/pricing/.*$');
    expect(() => compile({ metrics: ['visitors'], filters: [['is', 'event:goal', ['Nope']]] })).toThrow(
      StatsQueryError,
    );
  });

  it('never puts a value into the SQL text (property)', () => {
    const marker = 'Zq9';
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ minLength: 1, maxLength: 40 }), (raw, key) => {
        const value = `${marker}${raw}`;
        const compiled = compile({
          dimensions: [`event:props:${marker}${key}`, 'visit:source'],
          filters: [
            ['is', 'event:page', [value]],
            ['contains_not', 'visit:utm_campaign', [value], { case_sensitive: false }],
            [
              'or',
              [
                ['is_not', 'visit:country', [value]],
                ['contains', 'event:hostname', [value]],
              ],
            ],
          ],
        });
        expect(compiled.sql).not.toContain(marker);
        expect(compiled.sql.toLowerCase()).not.toContain(marker.toLowerCase());
        expect(boundStrings(compiled.params)).toContain(value);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps injection out of SQL through every string field, or refuses it', () => {
    const attempts: Record<string, unknown>[] = [
      { site_id: INJECTION },
      { dimensions: [INJECTION] },
      { dimensions: [`visit:source${INJECTION}`] },
      { dimensions: [`event:props:${INJECTION}`] },
      { filters: [['is', 'event:page', [INJECTION]]] },
      { filters: [['contains', 'event:props:x', [INJECTION]]] },
      { filters: [['is', `event:props:${INJECTION}`, ['x']]] },
      { filters: [['is', INJECTION, ['x']]] },
      { filters: [[INJECTION, 'event:page', ['x']]] },
      { filters: [['matches', 'event:page', [INJECTION]]] },
      { filters: [['is', 'event:page', ['x'], { [INJECTION]: true }]] },
      { date_range: INJECTION },
      { date_range: [INJECTION, '2025-01-01'] },
      { date_range: ['2025-01-01', `2025-01-02${INJECTION}`] },
      { order_by: [[INJECTION, 'desc']] },
      { order_by: [['visitors', INJECTION]] },
      { metrics: [INJECTION] },
      { include: { [INJECTION]: true } },
      { include: { comparisons: { mode: INJECTION } } },
      { pagination: { limit: INJECTION } },
    ];
    for (const attempt of attempts) {
      let sql: string;
      try {
        sql = compile(attempt).sql;
      } catch (err) {
        expect(err, JSON.stringify(attempt)).toBeInstanceOf(StatsQueryError);
        continue;
      }
      expect(sql, JSON.stringify(attempt)).not.toContain('DROP');
    }
  });

  it('drops pagination for comparison queries but keeps a row cap', () => {
    const compiled = compile({ dimensions: ['visit:source'], pagination: { limit: 3, offset: 6 } }, false);
    expect(compiled.sql).not.toContain('OFFSET');
    expect(Object.values(compiled.params)).toContain(10_000);
  });

  it('reads sessions only when a visit dimension, filter or metric needs them', () => {
    expect(compile({ metrics: ['visitors', 'pageviews'], dimensions: ['event:page'] }).sql).not.toContain(
      'sessions AS',
    );
    expect(compile({ metrics: ['visitors'], dimensions: ['visit:entry_page'] }).sql).toContain('sessions AS');
    expect(compile({ metrics: ['bounce_rate'] }).sql).toContain('sessions AS');
  });
});

describe('wildcardToRegex', () => {
  it('turns * into one path segment and ** into anything, escaping the rest', () => {
    expect(wildcardToRegex('/blog/*')).toBe('^/blog/[^/]*$');
    expect(wildcardToRegex('/docs/**')).toBe('^/docs/.*$');
    expect(wildcardToRegex('/a.b?(c)')).toBe('^/a\\.b\\?\\(c\\)$');
    const regex = new RegExp(wildcardToRegex('/blog/*'));
    expect(regex.test('/blog/post')).toBe(true);
    expect(regex.test('/blog/post/comments')).toBe(false);
  });
});

describe('compileFunnel and compileRealtime', () => {
  it('binds every step and refuses funnels of one step or too many', () => {
    const compiled = compileFunnel({ steps: goals }, site, range, 'db.events');
    expect(compiled.sql).toContain('windowFunnel');
    expect(boundStrings(compiled.params)).toEqual(expect.arrayContaining(['Signup', '^/pricing/.*$']));
    expect(() => compileFunnel({ steps: [goals[0]!] }, site, range, 'db.events')).toThrow(StatsQueryError);
    expect(() =>
      compileFunnel({ steps: Array.from({ length: 9 }, () => goals[0]!) }, site, range, 'db.events'),
    ).toThrow(StatsQueryError);
  });

  it('binds the realtime window', () => {
    const now = Date.UTC(2025, 2, 1, 12, 0, 30);
    const compiled = compileRealtime(site, now, 'db.events');
    expect(Object.values(compiled.params)).toContain(now - 5 * 60_000);
    expect(compiled.sql).not.toContain(String(now - 5 * 60_000));
  });
});
