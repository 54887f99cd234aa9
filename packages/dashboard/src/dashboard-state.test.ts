import { describe, expect, it } from 'vitest';
import {
  apiFilters,
  type DashboardFilter,
  decodeFilter,
  encodeFilter,
  parseDashboardState,
  searchFor,
  withFilter,
  withoutFilter,
} from './dashboard-state';

const country: DashboardFilter = { operator: 'is', dimension: 'visit:country', value: 'DE' };
const page: DashboardFilter = { operator: 'contains', dimension: 'event:page', value: '/blog,2024' };

describe('filters in the URL', () => {
  it('round-trips values with commas, and prop keys with commas and backslashes', () => {
    for (const filter of [
      country,
      page,
      { operator: 'is_not', dimension: 'event:props:a,b\\c', value: 'x,y' } as DashboardFilter,
    ]) {
      expect(decodeFilter(encodeFilter(filter))).toEqual(filter);
    }
  });

  it('ignores unknown operators and dimensions instead of sending them to the API', () => {
    expect(decodeFilter('drop,visit:country,DE')).toBeUndefined();
    expect(decodeFilter('is,visit:password,x')).toBeUndefined();
    expect(decodeFilter('is,event:props:,x')).toBeUndefined();
    expect(decodeFilter('contains,event:page,')).toBeUndefined();
    expect(decodeFilter('is')).toBeUndefined();
  });
});

describe('the view state', () => {
  it('reads period, comparison, metric and filters, with defaults for anything missing or wrong', () => {
    const state = parseDashboardState(
      new URLSearchParams(
        'period=custom&from=2024-01-01&to=2024-01-31&compare=year_over_year&metric=bounce_rate&f=is,visit:country,DE&f=bogus',
      ),
    );
    expect(state).toMatchObject({
      period: 'custom',
      from: '2024-01-01',
      to: '2024-01-31',
      compare: 'year_over_year',
      metric: 'bounce_rate',
      filters: [country],
    });
    const fallback = parseDashboardState(new URLSearchParams('period=forever&compare=nope&metric=passwords'));
    expect(fallback).toMatchObject({ period: '30d', compare: 'previous_period', metric: undefined, filters: [] });
  });

  it('writes short URLs: defaults and custom dates of other periods are left out', () => {
    const search = searchFor({ period: '30d', compare: 'previous_period', filters: [country], from: '2024-01-01' });
    expect(search).toMatchObject({
      period: undefined,
      compare: undefined,
      from: undefined,
      f: ['is,visit:country,DE'],
    });
  });
});

describe('combining filters', () => {
  it('replaces a filter on the same dimension and keeps the others', () => {
    const france: DashboardFilter = { operator: 'is', dimension: 'visit:country', value: 'FR' };
    expect(withFilter([country, page], france)).toEqual([page, france]);
    expect(withoutFilter([country, page], country)).toEqual([page]);
  });

  it('turns chips into API filters; "contains" ignores case', () => {
    expect(apiFilters([country, page])).toEqual([
      ['is', 'visit:country', ['DE']],
      ['contains', 'event:page', ['/blog,2024'], { case_sensitive: false }],
    ]);
  });
});
