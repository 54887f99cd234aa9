import type { ComparisonSpec, DateRangeInput, TimeDimension } from './query.js';
import { StatsQueryError } from './query.js';
import type { LocalDate } from './zoned-time.js';
import {
  addDays,
  addMonths,
  compareDates,
  daysBetween,
  formatDate,
  formatZonedDateTime,
  formatZonedIso,
  fromZoned,
  isoWeekday,
  startOfZonedDay,
  zonedDate,
} from './zoned-time.js';

/**
 * Turns a query's date_range into the half-open instant range [fromMs, toMs) it means in the SITE's time zone at a
 * given `now`, plus comparison ranges and the time buckets a timeseries is labelled with. Days are local days, so a
 * "day" on a DST change is 23 or 25 hours long.
 */

export interface ResolvedDateRange {
  /** First instant included (epoch ms). */
  fromMs: number;
  /** First instant NOT included (epoch ms). */
  toMs: number;
  /** The local days covered, inclusive, when the range is made of whole days (not for 24h or datetime ranges). */
  days?: { first: LocalDate; last: LocalDate };
}

export interface DateRangeContext {
  /** The site's IANA time zone (already validated). */
  timezone: string;
  /** The current instant (epoch ms), injected so answers are reproducible. */
  now: number;
  /** Earliest event of the site, for `all`; defaults to today. */
  statsStartMs?: number;
}

export type Granularity = 'hour' | 'day' | 'week' | 'month';

const HOUR_MS = 3_600_000;
/** A timeseries longer than this is a query mistake (e.g. time:hour over `all`), not a chart. */
export const MAX_TIME_BUCKETS = 10_000;

/**
 * Resolves a date range.
 * `7d`, `28d`, `30d`, `91d` are the N whole days before today (today excluded, as Plausible does); `day`, `month`,
 * `year` are the whole current day, month and year; `6mo`/`12mo` end with the current month.
 *
 * @example resolveDateRange('day', { timezone: 'Europe/Berlin', now }) // today's local midnight to tomorrow's
 */
export function resolveDateRange(input: DateRangeInput, context: DateRangeContext): ResolvedDateRange {
  const { timezone, now } = context;
  const today = zonedDate(now, timezone);
  const lastDays = (n: number) => ({ first: addDays(today, -n), last: addDays(today, -1) });
  const monthStart = { ...today, day: 1 };
  switch (input) {
    case 'day':
      return dayRange(today, today, timezone);
    case '24h':
      return { fromMs: now - 24 * HOUR_MS, toMs: now };
    case '7d':
    case '28d':
    case '30d':
    case '91d': {
      const { first, last } = lastDays(Number.parseInt(input, 10));
      return dayRange(first, last, timezone);
    }
    case 'month':
      return dayRange(monthStart, addDays(addMonths(monthStart, 1), -1), timezone);
    case '6mo':
    case '12mo': {
      const months = input === '6mo' ? 6 : 12;
      return dayRange(addMonths(monthStart, 1 - months), addDays(addMonths(monthStart, 1), -1), timezone);
    }
    case 'year':
      return dayRange({ year: today.year, month: 1, day: 1 }, { year: today.year, month: 12, day: 31 }, timezone);
    case 'all': {
      const start = context.statsStartMs === undefined ? today : zonedDate(context.statsStartMs, timezone);
      return dayRange(compareDates(start, today) <= 0 ? start : today, today, timezone);
    }
    default:
      return customRange(input, timezone);
  }
}

function customRange(input: readonly [string, string], timezone: string): ResolvedDateRange {
  const [start, end] = input;
  if (start.length === 10 && end.length === 10) {
    const first = parseDate(start);
    const last = parseDate(end);
    if (compareDates(first, last) > 0) throw new StatsQueryError('date_range: the start date is after the end date');
    return dayRange(first, last, timezone);
  }
  const fromMs = parseDateTime(start, timezone, false);
  const toMs = parseDateTime(end, timezone, true);
  if (fromMs >= toMs) throw new StatsQueryError('date_range: the start is not before the end');
  return { fromMs, toMs };
}

/** A range of whole local days, first..last inclusive. */
export function dayRange(first: LocalDate, last: LocalDate, timezone: string): ResolvedDateRange {
  return {
    fromMs: startOfZonedDay(first, timezone),
    toMs: startOfZonedDay(addDays(last, 1), timezone),
    days: { first, last },
  };
}

/**
 * The period a comparison looks at. `previous_period` is as long as the main range and ends where it starts;
 * `year_over_year` is the same dates a year earlier; with `matchDayOfWeek` the comparison moves back to the nearest
 * start on the same weekday.
 */
export function resolveComparisonRange(
  main: ResolvedDateRange,
  spec: ComparisonSpec,
  timezone: string,
): ResolvedDateRange {
  if (spec.mode === 'custom') {
    if (spec.dateRange === undefined)
      throw new StatsQueryError('include.comparisons.date_range is required for mode custom');
    return customRange(spec.dateRange, timezone);
  }
  if (main.days === undefined) {
    if (spec.mode === 'previous_period') {
      const length = main.toMs - main.fromMs;
      return { fromMs: main.fromMs - length, toMs: main.fromMs };
    }
    return {
      fromMs: shiftInstantByMonths(main.fromMs, -12, timezone),
      toMs: shiftInstantByMonths(main.toMs, -12, timezone),
    };
  }
  const { first, last } = main.days;
  let compareFirst: LocalDate;
  let compareLast: LocalDate;
  if (spec.mode === 'previous_period') {
    const length = daysBetween(first, last) + 1;
    compareFirst = addDays(first, -length);
    compareLast = addDays(first, -1);
  } else {
    compareFirst = addMonths(first, -12);
    compareLast = addMonths(last, -12);
  }
  if (spec.matchDayOfWeek) {
    const shift = (isoWeekday(compareFirst) - isoWeekday(first) + 7) % 7;
    compareFirst = addDays(compareFirst, -shift);
    compareLast = addDays(compareLast, -shift);
  }
  return dayRange(compareFirst, compareLast, timezone);
}

function shiftInstantByMonths(utcMs: number, months: number, timezone: string): number {
  const local = zonedDate(utcMs, timezone);
  const shifted = addMonths(local, months);
  const offsetIntoDay = utcMs - startOfZonedDay(local, timezone);
  return startOfZonedDay(shifted, timezone) + offsetIntoDay;
}

/** The bucket size a plain `time` dimension means for this range: hours for up to two days, days up to 92, else months. */
export function granularityFor(dimension: TimeDimension, range: ResolvedDateRange): Granularity {
  if (dimension !== 'time') return dimension.slice('time:'.length) as Granularity;
  const span = range.toMs - range.fromMs;
  if (span <= 48 * HOUR_MS) return 'hour';
  if (span <= 92 * 24 * HOUR_MS + HOUR_MS) return 'day';
  return 'month';
}

/**
 * Every bucket label of the range in order, in the exact text the compiled SQL labels buckets with:
 * `YYYY-MM-DD hh:00:00` for hours, `YYYY-MM-DD` for days, the Monday for weeks and the 1st for months.
 * @throws StatsQueryError when the range holds more than MAX_TIME_BUCKETS buckets.
 */
export function timeLabels(range: ResolvedDateRange, granularity: Granularity, timezone: string): string[] {
  const labels: string[] = [];
  const push = (label: string) => {
    if (labels[labels.length - 1] === label) return; // the repeated hour when clocks go back is one bucket
    if (labels.length >= MAX_TIME_BUCKETS)
      throw new StatsQueryError(`The time dimension yields more than ${MAX_TIME_BUCKETS} buckets over this date_range`);
    labels.push(label);
  };
  if (granularity === 'hour') {
    if ((range.toMs - range.fromMs) / HOUR_MS > MAX_TIME_BUCKETS + 2)
      throw new StatsQueryError(`The time dimension yields more than ${MAX_TIME_BUCKETS} buckets over this date_range`);
    // Walk whole UTC hours; every zone in use today is offset by whole or half hours, so flooring the wall clock
    // reading to the hour labels each instant correctly.
    for (let t = range.fromMs - (range.fromMs % HOUR_MS); t < range.toMs; t += HOUR_MS) {
      push(`${formatZonedDateTime(Math.max(t, range.fromMs), timezone).slice(0, 13)}:00:00`);
    }
    return labels;
  }
  const first = range.days?.first ?? zonedDate(range.fromMs, timezone);
  const last = range.days?.last ?? zonedDate(range.toMs - 1, timezone);
  if (granularity === 'day') {
    if (daysBetween(first, last) + 1 > MAX_TIME_BUCKETS)
      throw new StatsQueryError(`The time dimension yields more than ${MAX_TIME_BUCKETS} buckets over this date_range`);
    for (let d = first; compareDates(d, last) <= 0; d = addDays(d, 1)) push(formatDate(d));
    return labels;
  }
  if (granularity === 'week') {
    for (let d = addDays(first, 1 - isoWeekday(first)); compareDates(d, last) <= 0; d = addDays(d, 7))
      push(formatDate(d));
    return labels;
  }
  for (let d = { ...first, day: 1 }; compareDates(d, last) <= 0; d = addMonths(d, 1)) push(formatDate(d));
  return labels;
}

/** The range as Plausible echoes it: ISO datetimes with the site's offset, the end inclusive to the second. */
export function describeRange(range: ResolvedDateRange, timezone: string): [string, string] {
  return [formatZonedIso(range.fromMs, timezone), formatZonedIso(range.toMs - 1000, timezone)];
}

function parseDate(text: string): LocalDate {
  return { year: Number(text.slice(0, 4)), month: Number(text.slice(5, 7)), day: Number(text.slice(8, 10)) };
}

/**
 * An ISO datetime to an instant. Without an offset it is read on the site's wall clock. `inclusiveEnd` turns the end
 * of a range into the first instant after it: `15:59:59` includes that whole second.
 */
function parseDateTime(text: string, timezone: string, inclusiveEnd: boolean): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
  if (match === null)
    throw new StatsQueryError(`date_range: ${JSON.stringify(text.slice(0, 40))} is not an ISO datetime`);
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const millisecond = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0'));
  const local = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
    millisecond,
  };
  let instant: number;
  if (zone === undefined) {
    instant = fromZoned(local, timezone);
  } else {
    const sign = zone === 'Z' ? 0 : zone.startsWith('-') ? -1 : 1;
    const offsetMs = sign === 0 ? 0 : sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
    instant =
      Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second, millisecond) - offsetMs;
  }
  if (!inclusiveEnd) return instant;
  return instant + (fraction === undefined ? 1000 : 1);
}
