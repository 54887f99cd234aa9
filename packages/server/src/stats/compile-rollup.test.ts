import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRollupQuery } from './compile-rollup.js';
import { resolveDateRange } from './date-range.js';
import { parseStatsQuery } from './query.js';

const site = { id: 42, timezone: 'Asia/Kathmandu' };
const visitTables = { visits: 'db.visits', lateVisits: 'db.late_visits', progress: 'db.visit_progress' };
const range = resolveDateRange(['2025-03-01', '2025-03-31'], { timezone: site.timezone, now: 0 });

function compile(body: Record<string, unknown>, paginate = true) {
  const query = parseStatsQuery({ site_id: 'example.com', metrics: ['visitors'], date_range: '7d', ...body });
  return compileRollupQuery({ query, site, range, rollupTable: 'db.sessions_15m', visitTables, paginate });
}

function boundStrings(params: Record<string, unknown>): string[] {
  return Object.values(params).flatMap((value) => (Array.isArray(value) ? value.map(String) : [String(value)]));
}

describe('compileRollupQuery', () => {
  it('reads only the rollup and the finished visits, with the site, the range (whole seconds) and the time zone bound', () => {
    const compiled = compile({ dimensions: ['time:day'], metrics: ['visitors', 'visits', 'bounce_rate'] });
    expect(compiled.sql).toContain('FROM db.sessions_15m');
    expect(compiled.sql).toContain('FROM db.visits');
    expect(compiled.sql).not.toContain('db.events');
    const values = Object.values(compiled.params);
    expect(values).toEqual(expect.arrayContaining([42, range.fromMs / 1000, range.toMs / 1000, 'Asia/Kathmandu']));
    expect(compiled.sql).not.toContain('Kathmandu');
    expect(compiled.sql).not.toMatch(/\b42\b/);
  });

  it('never puts a filter value into the SQL text (property)', () => {
    const marker = 'Zq9';
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (raw) => {
        const value = `${marker}${raw}`;
        const compiled = compile({
          dimensions: ['visit:source'],
          metrics: ['visitors', 'percentage'],
          filters: [
            ['is', 'visit:entry_page', [value]],
            [
              'or',
              [
                ['contains_not', 'visit:utm_campaign', [value], { case_sensitive: false }],
                ['matches', 'visit:country', ['^x$']],
              ],
            ],
          ],
        });
        expect(compiled.sql.toLowerCase()).not.toContain(marker.toLowerCase());
        expect(boundStrings(compiled.params)).toContain(value);
      }),
      { numRuns: 200 },
    );
  });

  it('merges only the attributes the query uses, and paginates like the raw compiler', () => {
    const compiled = compile({ dimensions: ['visit:country'], pagination: { limit: 5, offset: 10 } });
    expect(compiled.sql).toContain('argMinMerge(a_country)');
    expect(compiled.sql).toContain('a_country AS s_country');
    expect(compiled.sql).not.toContain('a_source');
    expect(Object.values(compiled.params)).toEqual(expect.arrayContaining([5, 10]));
    const unpaginated = compile({ dimensions: ['visit:country'] }, false);
    expect(unpaginated.sql).not.toContain('OFFSET');
    expect(Object.values(unpaginated.params)).toContain(10_000);
  });
});
