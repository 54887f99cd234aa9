import type { Interval } from './format';
import { formatDate } from './format';

/**
 * Dashboard periods as concrete calendar dates in the SITE's time zone. Every period except "all time" is sent to
 * the stats API as two inclusive ISO dates, so the main numbers, the chart and its comparison line all cover exactly
 * the days the picker shows, whichever clock the viewer's computer keeps.
 */

export const PERIOD_KEYS = [
  'day',
  'yesterday',
  '7d',
  '28d',
  '30d',
  '91d',
  'month',
  'last_month',
  '12mo',
  'all',
  'custom',
] as const;
export type PeriodKey = (typeof PERIOD_KEYS)[number];

export const COMPARE_MODES = ['previous_period', 'year_over_year', 'off'] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];

export const PERIOD_LABELS: Record<PeriodKey, string> = {
  day: 'Today',
  yesterday: 'Yesterday',
  '7d': 'Last 7 days',
  '28d': 'Last 28 days',
  '30d': 'Last 30 days',
  '91d': 'Last 91 days',
  month: 'Month to date',
  last_month: 'Last month',
  '12mo': 'Last 12 months',
  all: 'All time',
  custom: 'Custom range',
};

/** Keyboard shortcuts shown in the picker, as Plausible users know them. */
export const PERIOD_SHORTCUTS: Partial<Record<PeriodKey, string>> = {
  day: 'd',
  yesterday: 'e',
  '7d': 'w',
  '28d': 'f',
  '30d': 't',
  month: 'm',
  '12mo': 'y',
  all: 'a',
  custom: 'c',
};

export const COMPARE_LABELS: Record<CompareMode, string> = {
  previous_period: 'Previous period',
  year_over_year: 'Year over year',
  off: 'No comparison',
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(text: string | null | undefined): text is string {
  if (!text || !ISO_DATE.test(text)) return false;
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function toIso(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function fromIso(iso: string): Date {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d));
}

export function addDays(iso: string, days: number): string {
  const date = fromIso(iso);
  date.setUTCDate(date.getUTCDate() + days);
  return toIso(date);
}

/** Moves by whole months, clamping the day (31 Mar − 1 month = 29 Feb in a leap year). */
export function addMonths(iso: string, months: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return toIso(target);
}

/** Whole days from `from` to `to` (0 when equal). */
export function daysBetween(from: string, to: string): number {
  return Math.round((fromIso(to).getTime() - fromIso(from).getTime()) / 86_400_000);
}

export function startOfMonth(iso: string): string {
  return `${iso.slice(0, 8)}01`;
}

export function endOfMonth(iso: string): string {
  return addDays(addMonths(startOfMonth(iso), 1), -1);
}

/** Today's date on the wall clock of `timezone`. */
export function todayIn(timezone: string, now: number = Date.now()): string {
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).formatToParts(new Date(now));
    const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return `${part('year')}-${part('month')}-${part('day')}`;
  } catch {
    return new Date(now).toISOString().slice(0, 10);
  }
}

export interface PeriodSelection {
  period: PeriodKey;
  /** Custom range, inclusive dates. */
  from?: string | undefined;
  to?: string | undefined;
  compare: CompareMode;
}

export interface ResolvedPeriod {
  key: PeriodKey;
  label: string;
  /** What the stats API gets: two inclusive ISO dates, or 'all'. */
  dateRange: [string, string] | 'all';
  /** The dates shown (undefined for all time). */
  first?: string;
  last?: string;
  /** The comparison period as two inclusive dates, when comparing. */
  comparison?: [string, string];
  intervals: Interval[];
  defaultInterval: Interval;
  /** The shortcut the whole-site export understands for this period. */
  exportRange: string;
}

export function resolvePeriod(selection: PeriodSelection, timezone: string, now: number = Date.now()): ResolvedPeriod {
  const today = todayIn(timezone, now);
  const key = selection.period;
  let first: string;
  let last: string;
  let exportRange: string;
  switch (key) {
    case 'all':
      return {
        key,
        label: PERIOD_LABELS.all,
        dateRange: 'all',
        intervals: ['week', 'month'],
        defaultInterval: 'month',
        exportRange: 'all',
      };
    case 'day':
      first = today;
      last = today;
      exportRange = 'day';
      break;
    case 'yesterday':
      first = addDays(today, -1);
      last = first;
      exportRange = `${first},${last}`;
      break;
    case '7d':
    case '28d':
    case '30d':
    case '91d': {
      const days = Number.parseInt(key, 10);
      first = addDays(today, -days);
      last = addDays(today, -1);
      exportRange = key;
      break;
    }
    case 'month':
      first = startOfMonth(today);
      last = today;
      exportRange = 'month';
      break;
    case 'last_month':
      first = addMonths(startOfMonth(today), -1);
      last = endOfMonth(first);
      exportRange = `${first},${last}`;
      break;
    case '12mo':
      first = addMonths(startOfMonth(today), -11);
      last = today;
      exportRange = '12mo';
      break;
    case 'custom': {
      const from = isIsoDate(selection.from) ? selection.from : addDays(today, -30);
      const to = isIsoDate(selection.to) ? selection.to : addDays(today, -1);
      [first, last] = from <= to ? [from, to] : [to, from];
      exportRange = `${first},${last}`;
      break;
    }
  }
  const length = daysBetween(first, last) + 1;
  const { intervals, defaultInterval } = intervalsFor(length);
  const resolved: ResolvedPeriod = {
    key,
    label: labelFor(key, first, last),
    dateRange: [first, last],
    first,
    last,
    intervals,
    defaultInterval,
    exportRange,
  };
  if (selection.compare === 'previous_period') resolved.comparison = [addDays(first, -length), addDays(first, -1)];
  else if (selection.compare === 'year_over_year') resolved.comparison = [addMonths(first, -12), addMonths(last, -12)];
  return resolved;
}

function intervalsFor(days: number): { intervals: Interval[]; defaultInterval: Interval } {
  if (days <= 1) return { intervals: ['hour'], defaultInterval: 'hour' };
  if (days <= 7) return { intervals: ['hour', 'day'], defaultInterval: 'day' };
  if (days <= 31) return { intervals: ['day', 'week'], defaultInterval: 'day' };
  if (days <= 92) return { intervals: ['day', 'week', 'month'], defaultInterval: 'day' };
  return { intervals: ['day', 'week', 'month'], defaultInterval: 'month' };
}

function labelFor(key: PeriodKey, first: string, last: string): string {
  if (key === 'last_month')
    return new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(
      fromIso(first),
    );
  if (key !== 'custom') return PERIOD_LABELS[key];
  if (first === last) return formatDate(first);
  const sameYear = first.slice(0, 4) === last.slice(0, 4);
  return `${formatDate(first, { year: !sameYear })} – ${formatDate(last)}`;
}

/** The interval to draw: the one asked for when this period allows it, else the period's default. */
export function chooseInterval(period: ResolvedPeriod, wanted: string | null | undefined): Interval {
  return period.intervals.includes(wanted as Interval) ? (wanted as Interval) : period.defaultInterval;
}
