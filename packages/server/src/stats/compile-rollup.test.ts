import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRollupQuery } from './compile-rollup.js';
import { resolveDateRange } from './date-range.js';
import { parseStatsQuery } from './query.js';
import type { VisitSnapshot } from './visit-snapshot.js';

const site = { id: 42, timezone: 'Asia/Kathmandu' };
const visitTables = { visits: 'db.visits', lateVisits: 'db.late_visits' };
const noVisitsYet: VisitSnapshot = { finishedBeforeSec: 0, crossing: [] };
const range = resolveDateRange(['2025-03-01', '2025-03-31'], { timezone: site.timezone, now: 0 });

/** `null` compiles without a snapshot. */
function compile(body: Record<string, unknown>, paginate = true, snapshot: VisitSnapshot | null = noVisitsYet) {
  const query = parseStatsQuery({ site_id: 'example.com', metrics: ['visitors'], date_range: '7d', ...body });
  return compileRollupQuery({
    query,
    site,
    range,
    rollupTable: 'db.sessions_15m',
    visitTables,
    paginate,
    snapshot: snapshot ?? undefined,
  });
}

/** How many times the SQL names a table of the store: each costs the engine planning time. */
function tableReads(sql: string): number {
  return sql.match(/FROM db\./g)?.length ?? 0;
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

  it('names six tables of the store for a visit breakdown, binding the listed visits and the watermark', () => {
    const snapshot = { finishedBeforeSec: 1_740_000_000, crossing: [7n, 18446744073709551615n] };
    const listed = compile({ dimensions: ['visit:source'] }, true, snapshot);
    expect(tableReads(listed.sql)).toBe(6);
    expect(Object.values(listed.params)).toEqual(expect.arrayContaining([[7n, 18446744073709551615n], 1_740_000_000]));
    expect(listed.sql).not.toContain('18446744073709551615');
    // A list too long to write out is read by the query itself.
    const unlisted = compile({ dimensions: ['visit:source'] }, true, { ...snapshot, crossing: undefined });
    expect(tableReads(unlisted.sql)).toBe(8);
  });

  it('reads only the rollup for a plain time series, and refuses a visit query without a snapshot', () => {
    const series = compile({ dimensions: ['time:day'], metrics: ['visitors', 'pageviews'] }, true, null);
    expect(tableReads(series.sql)).toBe(1);
    expect(() => compile({ dimensions: ['visit:source'] }, true, null)).toThrow(/needs a visit snapshot/);
  });
});
