/**
 * Wall-clock arithmetic in an IANA time zone with Intl only (no dependency). The stats engine counts a site's days,
 * weeks and months in the site's zone, so a "day" in Europe/Berlin on a DST change is 23 or 25 hours long.
 *
 * Local dates are plain `{ year, month, day }` values (month 1–12); instants are epoch milliseconds.
 */

export interface LocalDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const DAY_MS = 86_400_000;

/** Formatters are costly to build; zones are few (one per site), the cap only guards against misuse. */
const MAX_CACHED_FORMATTERS = 500;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    if (formatters.size >= MAX_CACHED_FORMATTERS) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock reading in `timeZone` at instant `utcMs`. */
export function toZoned(utcMs: number, timeZone: string): LocalDateTime {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(utcMs))) fields[part.type] = part.value;
  let year = Number(fields.year);
  if (fields.era === 'BC' || fields.era === 'B') year = 1 - year;
  return {
    year,
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    second: Number(fields.second),
    millisecond: ((utcMs % 1000) + 1000) % 1000,
  };
}

/** UTC offset of `timeZone` at instant `utcMs`, in ms (Berlin in summer: +7,200,000). */
export function offsetAt(utcMs: number, timeZone: string): number {
  const local = toZoned(utcMs, timeZone);
  return localAsUtc(local) - utcMs;
}

function localAsUtc(local: Partial<LocalDateTime> & LocalDate): number {
  const ms = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour ?? 0,
    local.minute ?? 0,
    local.second ?? 0,
    local.millisecond ?? 0,
  );
  // Date.UTC maps years 0–99 to 1900–1999; set the year explicitly so every year means itself.
  if (local.year >= 0 && local.year < 100) {
    const date = new Date(ms);
    date.setUTCFullYear(local.year);
    return date.getTime();
  }
  return ms;
}

/**
 * The instant at which the wall clock in `timeZone` reads `local`.
 * An ambiguous reading (the repeated hour when clocks go back) is its EARLIER instant; a reading that does not exist
 * (skipped when clocks go forward) maps to the same distance past the transition, so the start of a day whose midnight
 * is skipped is the moment the day actually begins.
 */
export function fromZoned(local: Partial<LocalDateTime> & LocalDate, timeZone: string): number {
  const naive = localAsUtc(local);
  const offsetBefore = offsetAt(naive - DAY_MS, timeZone);
  const offsetAfter = offsetAt(naive + DAY_MS, timeZone);
  const candidates = [...new Set([naive - offsetBefore, naive - offsetAfter, naive - offsetAt(naive, timeZone)])];
  const exact = candidates.filter((instant) => instant + offsetAt(instant, timeZone) === naive).sort((a, b) => a - b);
  if (exact[0] !== undefined) return exact[0];
  return naive - offsetBefore;
}

/** Calendar arithmetic on local dates (no time zone involved). */
export function addDays(date: LocalDate, days: number): LocalDate {
  return dateFromUtcMs(localAsUtc(date) + days * DAY_MS);
}

/** Adds months, clamping the day to the target month's length (Jan 31 + 1 month → Feb 28/29). */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

export function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Whole days from `a` to `b` (b − a), ignoring time zones. */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((localAsUtc(b) - localAsUtc(a)) / DAY_MS);
}

/** ISO weekday, Monday = 1 … Sunday = 7. */
export function isoWeekday(date: LocalDate): number {
  const weekday = new Date(localAsUtc(date)).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return localAsUtc(a) - localAsUtc(b);
}

/** The local calendar date in `timeZone` at instant `utcMs`. */
export function zonedDate(utcMs: number, timeZone: string): LocalDate {
  const { year, month, day } = toZoned(utcMs, timeZone);
  return { year, month, day };
}

/** The instant local midnight of `date` begins in `timeZone` (or the first instant of that day if midnight is skipped). */
export function startOfZonedDay(date: LocalDate, timeZone: string): number {
  return fromZoned({ ...date, hour: 0 }, timeZone);
}

/** `YYYY-MM-DD`. */
export function formatDate(date: LocalDate): string {
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** ISO 8601 with the zone's offset at that instant: `2024-03-31T00:00:00+01:00`. */
export function formatZonedIso(utcMs: number, timeZone: string): string {
  const local = toZoned(utcMs, timeZone);
  const offsetMinutes = Math.round(offsetAt(utcMs, timeZone) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${formatDate(local)}T${pad(local.hour, 2)}:${pad(local.minute, 2)}:${pad(local.second, 2)}${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

/** `YYYY-MM-DD hh:mm:ss` wall-clock reading, the shape time buckets are labelled with. */
export function formatZonedDateTime(utcMs: number, timeZone: string): string {
  const local = toZoned(utcMs, timeZone);
  return `${formatDate(local)} ${pad(local.hour, 2)}:${pad(local.minute, 2)}:${pad(local.second, 2)}`;
}

function dateFromUtcMs(ms: number): LocalDate {
  const date = new Date(ms);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
