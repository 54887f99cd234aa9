/**
 * Calendar days in a site's time zone, computed with Intl only (never with the database), so ground truth about
 * "visitors on 30 March in Berlin" cannot inherit a bug from the SQL it is meant to check. Days are 'YYYY-MM-DD'.
 */

/** Intl formatters are slow to build and immutable: one per zone, kept for the life of the process. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(epochMs: number, timezone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timezone).formatToParts(epochMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 1970,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/**
 * The calendar day an instant falls on in `timezone`.
 *
 * @example localDateOf(Date.UTC(2025, 2, 29, 23, 30), 'Europe/Berlin') // '2025-03-30'
 */
export function localDateOf(epochMs: number, timezone: string): string {
  const { year, month, day } = wallClock(epochMs, timezone);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** Offset of `timezone` from UTC at an instant, in ms (Berlin in summer: +7,200,000). Whole seconds only. */
export function utcOffsetMs(epochMs: number, timezone: string): number {
  const w = wallClock(epochMs, timezone);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallAsUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

/** `date` plus `days` calendar days ('2025-03-31' + 1 → '2025-04-01'). */
export function addCalendarDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number);
  const shifted = new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, (day ?? 1) + days));
  return shifted.toISOString().slice(0, 10);
}

/**
 * The instant a calendar day starts in `timezone`. Two passes, because the offset at local midnight can differ from
 * the offset at UTC midnight of the same date (zones ahead of UTC). Zones that skip midnight itself on a DST change
 * (a few, e.g. America/Santiago) start the day at the first instant that exists.
 *
 * @example localMidnightMs('2025-03-30', 'Europe/Berlin') // Date.UTC(2025, 2, 29, 23, 0)
 */
export function localMidnightMs(date: string, timezone: string): number {
  const [year, month, day] = date.split('-').map(Number);
  const wallAsUtc = Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1);
  let guess = wallAsUtc - utcOffsetMs(wallAsUtc, timezone);
  guess = wallAsUtc - utcOffsetMs(guess, timezone);
  // A skipped midnight lands the guess on the previous day: step forward to the first instant of `date`.
  if (localDateOf(guess, timezone) < date) guess += 3_600_000;
  return guess;
}
