import { describe, expect, it } from 'vitest';
import { addDays, addMonths, chooseInterval, isIsoDate, resolvePeriod, todayIn } from './period';

// 2024-03-31 22:30 UTC: already April 1st in Berlin (UTC+2 after the DST change that morning), still March in New York.
const NOW = Date.UTC(2024, 2, 31, 22, 30);

describe('todayIn', () => {
  it("is the date on the site's wall clock, not the viewer's", () => {
    expect(todayIn('Europe/Berlin', NOW)).toBe('2024-04-01');
    expect(todayIn('America/New_York', NOW)).toBe('2024-03-31');
    expect(todayIn('UTC', NOW)).toBe('2024-03-31');
  });
});

describe('date arithmetic', () => {
  it('moves by days across month and year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
  });

  it('moves by months, clamping to the last day of shorter months', () => {
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2023-03-31', -1)).toBe('2023-02-28');
    expect(addMonths('2024-01-15', -12)).toBe('2023-01-15');
  });

  it('accepts only real calendar dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2024-13-01')).toBe(false);
    expect(isIsoDate('2024-1-01')).toBe(false);
    expect(isIsoDate(null)).toBe(false);
  });
});

describe('resolvePeriod', () => {
  const berlin = (period: Parameters<typeof resolvePeriod>[0]) => resolvePeriod(period, 'Europe/Berlin', NOW);

  it('makes "Last 7 days" the seven whole days before today, compared with the seven before those', () => {
    const period = berlin({ period: '7d', compare: 'previous_period' });
    expect(period.dateRange).toEqual(['2024-03-25', '2024-03-31']);
    expect(period.comparison).toEqual(['2024-03-18', '2024-03-24']);
    expect(period.label).toBe('Last 7 days');
    expect(period.defaultInterval).toBe('day');
    expect(period.exportRange).toBe('7d');
  });

  it('makes today hourly and yesterday its comparison', () => {
    const period = berlin({ period: 'day', compare: 'previous_period' });
    expect(period.dateRange).toEqual(['2024-04-01', '2024-04-01']);
    expect(period.comparison).toEqual(['2024-03-31', '2024-03-31']);
    expect(period.intervals).toEqual(['hour']);
  });

  it('compares year over year with the same dates a year earlier', () => {
    const period = berlin({ period: 'last_month', compare: 'year_over_year' });
    expect(period.dateRange).toEqual(['2024-03-01', '2024-03-31']);
    expect(period.comparison).toEqual(['2023-03-01', '2023-03-31']);
    expect(period.exportRange).toBe('2024-03-01,2024-03-31');
  });

  it('runs month to date from the 1st to today and 12 months from the 1st of 11 months ago', () => {
    expect(berlin({ period: 'month', compare: 'off' }).dateRange).toEqual(['2024-04-01', '2024-04-01']);
    const year = berlin({ period: '12mo', compare: 'off' });
    expect(year.dateRange).toEqual(['2023-05-01', '2024-04-01']);
    expect(year.defaultInterval).toBe('month');
    expect(year.comparison).toBeUndefined();
  });

  it('sends "all" as it is and never compares it', () => {
    const period = berlin({ period: 'all', compare: 'previous_period' });
    expect(period.dateRange).toBe('all');
    expect(period.comparison).toBeUndefined();
  });

  it('orders a custom range given backwards, and falls back to the last 30 days when it is missing', () => {
    expect(berlin({ period: 'custom', from: '2024-02-10', to: '2024-02-01', compare: 'off' }).dateRange).toEqual([
      '2024-02-01',
      '2024-02-10',
    ]);
    expect(berlin({ period: 'custom', from: 'nonsense', compare: 'off' }).dateRange).toEqual([
      '2024-03-02',
      '2024-03-31',
    ]);
  });

  it('keeps an interval only when the period allows it', () => {
    const week = berlin({ period: '7d', compare: 'off' });
    expect(chooseInterval(week, 'hour')).toBe('hour');
    expect(chooseInterval(week, 'month')).toBe('day');
    expect(chooseInterval(week, null)).toBe('day');
  });
});
