import { describe, expect, it } from 'vitest';
import { addCalendarDays, localDateOf, localMidnightMs, utcOffsetMs } from './local-time.js';

describe('local days', () => {
  it('puts 23:30Z on 29 March on the 30th in Berlin, and the same instant on the 29th in UTC', () => {
    const instant = Date.UTC(2025, 2, 29, 23, 30);
    expect(localDateOf(instant, 'Europe/Berlin')).toBe('2025-03-30');
    expect(localDateOf(instant, 'UTC')).toBe('2025-03-29');
  });

  it('makes the spring-forward day 23 hours long and the fall-back day 25 in Berlin', () => {
    const hours = (date: string) =>
      (localMidnightMs(addCalendarDays(date, 1), 'Europe/Berlin') - localMidnightMs(date, 'Europe/Berlin')) / 3_600_000;
    expect(hours('2025-03-30')).toBe(23);
    expect(hours('2025-10-26')).toBe(25);
    expect(hours('2025-06-01')).toBe(24);
  });

  it('finds local midnight on either side of UTC', () => {
    expect(localMidnightMs('2025-03-30', 'Europe/Berlin')).toBe(Date.UTC(2025, 2, 29, 23));
    expect(localMidnightMs('2025-03-31', 'Europe/Berlin')).toBe(Date.UTC(2025, 2, 30, 22));
    expect(localMidnightMs('2025-01-10', 'America/New_York')).toBe(Date.UTC(2025, 0, 10, 5));
    expect(utcOffsetMs(Date.UTC(2025, 6, 1), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
  });

  it('adds calendar days across month and year ends', () => {
    expect(addCalendarDays('2025-03-31', 1)).toBe('2025-04-01');
    expect(addCalendarDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addCalendarDays('2024-03-01', -1)).toBe('2024-02-29');
  });
});
