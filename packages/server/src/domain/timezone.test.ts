import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidTimezone, normalizeTimezone } from './timezone.js';

describe('isValidTimezone', () => {
  it.each([
    'UTC',
    'Europe/Berlin',
    'America/Argentina/Buenos_Aires',
    'Asia/Kolkata',
    'Etc/GMT+5',
    'America/Port-au-Prince',
  ])('accepts %s', (tz) => {
    expect(isValidTimezone(tz)).toBe(true);
  });

  it.each([
    '',
    'Mars/Olympus_Mons',
    '+01:00',
    'UTC+1',
    'Europe/Berlin ',
    "UTC'; DROP TABLE sites; --",
    'Europe//Berlin',
    'x'.repeat(65),
  ])('rejects %j', (tz) => {
    expect(isValidTimezone(tz)).toBe(false);
  });

  it('never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary', maxLength: 40 }),
          fc.constantFrom('UTC', 'Europe/Paris', 'utc'),
        ),
        (tz) => {
          expect(typeof isValidTimezone(tz)).toBe('boolean');
          const normalised = normalizeTimezone(tz);
          if (normalised !== undefined) expect(isValidTimezone(normalised)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
    expect(isValidTimezone(null as unknown as string)).toBe(false);
  });
});

describe('normalizeTimezone', () => {
  it('fixes case and whitespace so ClickHouse finds the zone', () => {
    expect(normalizeTimezone(' europe/berlin ')).toBe('Europe/Berlin');
    expect(normalizeTimezone('utc')).toBe('UTC');
  });

  it('keeps aliases as written', () => {
    expect(normalizeTimezone('Asia/Kolkata')).toBe('Asia/Kolkata');
  });

  it('returns undefined for invalid zones', () => {
    expect(normalizeTimezone('Nowhere/Special')).toBeUndefined();
  });
});
