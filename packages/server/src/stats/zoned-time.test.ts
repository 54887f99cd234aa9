import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  formatZonedIso,
  fromZoned,
  isoWeekday,
  offsetAt,
  startOfZonedDay,
  toZoned,
} from './zoned-time.js';

const HOUR = 3_600_000;

describe('zoned time', () => {
  it('reads offsets either side of the Berlin and New York DST changes', () => {
    expect(offsetAt(Date.UTC(2025, 2, 30, 0, 59), 'Europe/Berlin')).toBe(1 * HOUR);
    expect(offsetAt(Date.UTC(2025, 2, 30, 1, 0), 'Europe/Berlin')).toBe(2 * HOUR);
    expect(offsetAt(Date.UTC(2025, 2, 9, 6, 59), 'America/New_York')).toBe(-5 * HOUR);
    expect(offsetAt(Date.UTC(2025, 2, 9, 7, 0), 'America/New_York')).toBe(-4 * HOUR);
    expect(offsetAt(Date.UTC(2025, 5, 1), 'Asia/Kolkata')).toBe(5.5 * HOUR);
  });

  it('makes days 23 and 25 hours long on DST changes', () => {
    const berlin = 'Europe/Berlin';
    const day = (y: number, m: number, d: number) => startOfZonedDay({ year: y, month: m, day: d }, berlin);
    expect(day(2025, 3, 31) - day(2025, 3, 30)).toBe(23 * HOUR);
    expect(day(2025, 10, 27) - day(2025, 10, 26)).toBe(25 * HOUR);
    expect(day(2025, 3, 30)).toBe(Date.UTC(2025, 2, 29, 23));
    const ny = 'America/New_York';
    expect(
      startOfZonedDay({ year: 2025, month: 11, day: 3 }, ny) - startOfZonedDay({ year: 2025, month: 11, day: 2 }, ny),
    ).toBe(25 * HOUR);
  });

  it('maps a skipped wall-clock time forward and a repeated one to its first instant', () => {
    // 02:30 does not exist in Berlin on 2025-03-30; it reads as 03:30 CEST.
    expect(fromZoned({ year: 2025, month: 3, day: 30, hour: 2, minute: 30 }, 'Europe/Berlin')).toBe(
      Date.UTC(2025, 2, 30, 1, 30),
    );
    // 02:30 happens twice on 2025-10-26; the first is 00:30 UTC.
    expect(fromZoned({ year: 2025, month: 10, day: 26, hour: 2, minute: 30 }, 'Europe/Berlin')).toBe(
      Date.UTC(2025, 9, 26, 0, 30),
    );
  });

  it('starts a day whose midnight is skipped when it actually begins', () => {
    // Santiago moved clocks forward at 00:00 on 2024-09-08: the day begins at 01:00 local (04:00 UTC).
    expect(startOfZonedDay({ year: 2024, month: 9, day: 8 }, 'America/Santiago')).toBe(Date.UTC(2024, 8, 8, 4));
  });

  it('round-trips every instant through its wall-clock reading (outside repeated hours)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC'),
        (instant, zone) => {
          const local = toZoned(instant, zone);
          const back = fromZoned(local, zone);
          // In a repeated hour the earlier instant is chosen, an hour (or 30 min) before.
          expect([0, HOUR / 2, HOUR]).toContain(instant - back);
          expect(toZoned(back, zone)).toEqual(local);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does calendar arithmetic', () => {
    expect(addDays({ year: 2024, month: 2, day: 28 }, 1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(addDays({ year: 2024, month: 12, day: 31 }, 1)).toEqual({ year: 2025, month: 1, day: 1 });
    expect(addMonths({ year: 2024, month: 1, day: 31 }, 1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(addMonths({ year: 2024, month: 2, day: 29 }, -12)).toEqual({ year: 2023, month: 2, day: 28 });
    expect(addMonths({ year: 2024, month: 3, day: 1 }, -5)).toEqual({ year: 2023, month: 10, day: 1 });
    expect(isoWeekday({ year: 2025, month: 3, day: 31 })).toBe(1);
    expect(isoWeekday({ year: 2025, month: 3, day: 30 })).toBe(7);
  });

  it('formats ISO datetimes with the zone offset', () => {
    expect(formatZonedIso(Date.UTC(2025, 2, 29, 23), 'Europe/Berlin')).toBe('2025-03-30T00:00:00+01:00');
    expect(formatZonedIso(Date.UTC(2025, 5, 1, 12), 'America/New_York')).toBe('2025-06-01T08:00:00-04:00');
  });
});
