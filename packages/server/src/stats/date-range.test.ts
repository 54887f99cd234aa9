import { describe, expect, it } from 'vitest';
import { describeRange, granularityFor, resolveComparisonRange, resolveDateRange, timeLabels } from './date-range.js';
import { StatsQueryError } from './query.js';

const HOUR = 3_600_000;
const berlin = 'Europe/Berlin';
const newYork = 'America/New_York';
/** 2025-03-30 10:00 in Berlin: the day clocks go forward. */
const berlinDstDay = Date.UTC(2025, 2, 30, 8);

describe('resolveDateRange', () => {
  it('makes "day" the 23-hour local day on the spring DST change in Berlin', () => {
    const range = resolveDateRange('day', { timezone: berlin, now: berlinDstDay });
    expect(range.fromMs).toBe(Date.UTC(2025, 2, 29, 23));
    expect(range.toMs).toBe(Date.UTC(2025, 2, 30, 22));
    expect(range.toMs - range.fromMs).toBe(23 * HOUR);
  });

  it('makes "day" 25 hours on the autumn change in New York', () => {
    const range = resolveDateRange('day', { timezone: newYork, now: Date.UTC(2025, 10, 2, 15) });
    expect(range.fromMs).toBe(Date.UTC(2025, 10, 2, 4));
    expect(range.toMs - range.fromMs).toBe(25 * HOUR);
  });

  it('counts "7d" as the seven whole local days before today', () => {
    const range = resolveDateRange('7d', { timezone: newYork, now: Date.UTC(2025, 2, 12, 3) }); // 11 March 23:00 EDT
    expect(range.days).toEqual({ first: { year: 2025, month: 3, day: 4 }, last: { year: 2025, month: 3, day: 10 } });
    expect(range.fromMs).toBe(Date.UTC(2025, 2, 4, 5));
    expect(range.toMs).toBe(Date.UTC(2025, 2, 11, 4));
    expect(range.toMs - range.fromMs).toBe(7 * 24 * HOUR - HOUR);
  });

  it('resolves month, 6mo, 12mo, year and all', () => {
    const context = { timezone: berlin, now: berlinDstDay };
    expect(resolveDateRange('month', context).days).toEqual({
      first: { year: 2025, month: 3, day: 1 },
      last: { year: 2025, month: 3, day: 31 },
    });
    expect(resolveDateRange('6mo', context).days?.first).toEqual({ year: 2024, month: 10, day: 1 });
    expect(resolveDateRange('12mo', context).days?.first).toEqual({ year: 2024, month: 4, day: 1 });
    expect(resolveDateRange('year', context).days).toEqual({
      first: { year: 2025, month: 1, day: 1 },
      last: { year: 2025, month: 12, day: 31 },
    });
    expect(resolveDateRange('all', { ...context, statsStartMs: Date.UTC(2024, 0, 5) }).days?.first).toEqual({
      year: 2024,
      month: 1,
      day: 5,
    });
    expect(resolveDateRange('24h', context)).toEqual({ fromMs: berlinDstDay - 24 * HOUR, toMs: berlinDstDay });
  });

  it('reads custom dates as whole local days and datetimes inclusive to the second', () => {
    const dates = resolveDateRange(['2025-03-30', '2025-03-30'], { timezone: berlin, now: 0 });
    expect(dates.toMs - dates.fromMs).toBe(23 * HOUR);
    const times = resolveDateRange(['2024-01-01T12:00:00+02:00', '2024-01-01T15:59:59+02:00'], {
      timezone: berlin,
      now: 0,
    });
    expect(times).toEqual({ fromMs: Date.UTC(2024, 0, 1, 10), toMs: Date.UTC(2024, 0, 1, 14) });
    const local = resolveDateRange(['2024-07-01T00:00:00', '2024-07-01T00:59:59'], { timezone: berlin, now: 0 });
    expect(local.fromMs).toBe(Date.UTC(2024, 5, 30, 22));
    expect(() => resolveDateRange(['2024-02-02', '2024-02-01'], { timezone: berlin, now: 0 })).toThrow(StatsQueryError);
  });
});

describe('resolveComparisonRange', () => {
  const march = resolveDateRange(['2025-03-24', '2025-03-30'], { timezone: berlin, now: 0 });

  it('puts the previous period right before, same number of local days', () => {
    const previous = resolveComparisonRange(march, { mode: 'previous_period', matchDayOfWeek: false }, berlin);
    expect(previous.days).toEqual({
      first: { year: 2025, month: 3, day: 17 },
      last: { year: 2025, month: 3, day: 23 },
    });
    expect(previous.toMs).toBe(march.fromMs);
    expect(previous.toMs - previous.fromMs).toBe(7 * 24 * HOUR); // the main week is an hour shorter
  });

  it('compares with the same dates a year earlier, optionally on the same weekday', () => {
    const yoy = resolveComparisonRange(march, { mode: 'year_over_year', matchDayOfWeek: false }, berlin);
    expect(yoy.days?.first).toEqual({ year: 2024, month: 3, day: 24 });
    const aligned = resolveComparisonRange(march, { mode: 'year_over_year', matchDayOfWeek: true }, berlin);
    expect(aligned.days?.first).toEqual({ year: 2024, month: 3, day: 18 }); // a Monday, like 2025-03-24
  });

  it('shifts instant ranges by their length', () => {
    const day = resolveDateRange('24h', { timezone: berlin, now: berlinDstDay });
    expect(resolveComparisonRange(day, { mode: 'previous_period', matchDayOfWeek: false }, berlin)).toEqual({
      fromMs: berlinDstDay - 48 * HOUR,
      toMs: berlinDstDay - 24 * HOUR,
    });
  });

  it('uses a custom range as given', () => {
    const custom = resolveComparisonRange(
      march,
      { mode: 'custom', dateRange: ['2025-01-01', '2025-01-31'], matchDayOfWeek: false },
      berlin,
    );
    expect(describeRange(custom, berlin)).toEqual(['2025-01-01T00:00:00+01:00', '2025-01-31T23:59:59+01:00']);
  });
});

describe('timeLabels', () => {
  it('labels the hours of a 23-hour day without the skipped hour', () => {
    const range = resolveDateRange('day', { timezone: berlin, now: berlinDstDay });
    const labels = timeLabels(range, granularityFor('time', range), berlin);
    expect(labels).toHaveLength(23);
    expect(labels.slice(0, 3)).toEqual(['2025-03-30 00:00:00', '2025-03-30 01:00:00', '2025-03-30 03:00:00']);
  });

  it('labels the 25-hour day with the repeated hour once', () => {
    const range = resolveDateRange('day', { timezone: newYork, now: Date.UTC(2025, 10, 2, 15) });
    const labels = timeLabels(range, 'hour', newYork);
    expect(labels).toHaveLength(24);
    expect(new Set(labels).size).toBe(24);
  });

  it('labels days, Monday weeks and months', () => {
    const range = resolveDateRange(['2025-03-29', '2025-04-02'], { timezone: berlin, now: 0 });
    expect(timeLabels(range, 'day', berlin)).toEqual([
      '2025-03-29',
      '2025-03-30',
      '2025-03-31',
      '2025-04-01',
      '2025-04-02',
    ]);
    expect(timeLabels(range, 'week', berlin)).toEqual(['2025-03-24', '2025-03-31']);
    expect(timeLabels(range, 'month', berlin)).toEqual(['2025-03-01', '2025-04-01']);
  });

  it('picks hours, days or months for a plain "time" dimension', () => {
    const context = { timezone: berlin, now: berlinDstDay };
    expect(granularityFor('time', resolveDateRange('day', context))).toBe('hour');
    expect(granularityFor('time', resolveDateRange('91d', context))).toBe('day');
    expect(granularityFor('time', resolveDateRange('12mo', context))).toBe('month');
    expect(granularityFor('time:week', resolveDateRange('day', context))).toBe('week');
  });

  it('refuses absurd bucket counts', () => {
    const range = resolveDateRange(['2000-01-01', '2025-01-01'], { timezone: berlin, now: 0 });
    expect(() => timeLabels(range, 'hour', berlin)).toThrow(StatsQueryError);
  });
});
