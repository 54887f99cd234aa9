import type { Metric } from './api';

/**
 * Numbers and times for the reader: the browser's locale for digits and dates (Intl), the SITE's time zone for
 * every instant (a site in Tokyo shows Tokyo's midnight however the viewer's clock is set).
 */

const locale = typeof navigator === 'undefined' ? 'en' : undefined;

const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? integer.format(value) : decimal.format(value);
}

/** 1,234 → "1.2K" once a number no longer reads at a glance; small numbers stay exact. */
export function formatCompact(value: number): string {
  return Math.abs(value) < 10_000 ? formatNumber(value) : compact.format(value);
}

/** A 0–100 value as a percentage. */
export function formatPercent(value: number): string {
  return percent.format(value / 100);
}

/** Seconds as "1h 2m", "3m 12s" or "45s". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${rest}s`;
  return `${rest}s`;
}

export const METRIC_LABELS: Record<Metric, string> = {
  visitors: 'Unique visitors',
  visits: 'Total visits',
  pageviews: 'Total pageviews',
  views_per_visit: 'Views per visit',
  bounce_rate: 'Bounce rate',
  visit_duration: 'Visit duration',
  events: 'Total events',
  percentage: '%',
  conversion_rate: 'Conversion rate',
  group_conversion_rate: 'Conversion rate',
  scroll_depth: 'Scroll depth',
  time_on_page: 'Time on page',
  exit_rate: 'Exit rate',
  total_revenue: 'Revenue',
  average_revenue: 'Average revenue',
};

/** Short column headings for tables. */
export const METRIC_COLUMNS: Record<Metric, string> = {
  ...METRIC_LABELS,
  visitors: 'Visitors',
  visits: 'Visits',
  pageviews: 'Pageviews',
  events: 'Events',
  conversion_rate: 'CR',
  group_conversion_rate: 'CR',
};

export function formatMetric(metric: Metric, value: number, options: { compact?: boolean } = {}): string {
  switch (metric) {
    case 'bounce_rate':
    case 'conversion_rate':
    case 'group_conversion_rate':
    case 'exit_rate':
    case 'percentage':
    case 'scroll_depth':
      return formatPercent(value);
    case 'visit_duration':
    case 'time_on_page':
      return formatDuration(value);
    case 'views_per_visit':
      return decimal.format(value);
    default:
      return options.compact ? formatCompact(value) : formatNumber(value);
  }
}

/** Metrics where a fall is the good direction. */
const LOWER_IS_BETTER: readonly Metric[] = ['bounce_rate', 'exit_rate'];
/** Rates whose change the API gives in percentage points. */
const POINT_METRICS: readonly Metric[] = ['bounce_rate', 'conversion_rate', 'group_conversion_rate', 'exit_rate'];

export interface Change {
  text: string;
  direction: 'up' | 'down' | 'flat';
  /** Whether the change is good news for the site (colour), or neutral. */
  tone: 'good' | 'bad' | 'neutral';
  /** For screen readers: "up 12% from the comparison period". */
  description: string;
}

/** A comparison change for display; null from the API means the comparison had nothing to compare against. */
export function describeChange(metric: Metric, change: number | null): Change {
  if (change === null) return { text: 'new', direction: 'up', tone: 'neutral', description: 'no earlier data' };
  const points = POINT_METRICS.includes(metric);
  const magnitude = Math.abs(change);
  const amount = points ? `${decimal.format(magnitude)} pts` : formatPercent(magnitude);
  if (change === 0) return { text: '0%', direction: 'flat', tone: 'neutral', description: 'unchanged' };
  const direction = change > 0 ? 'up' : 'down';
  const better = LOWER_IS_BETTER.includes(metric) ? change < 0 : change > 0;
  return {
    text: amount,
    direction,
    tone: better ? 'good' : 'bad',
    description: `${direction} ${amount}`,
  };
}

// ---- dates ---------------------------------------------------------------------------------------------------------

/**
 * A time bucket label from the stats API, already on the site's wall clock ("2024-03-01" or
 * "2024-03-01 14:00:00"), read without any time zone shift.
 */
export function parseLabel(label: string): Date {
  const [date, time] = label.split(' ');
  const [y, m, d] = (date ?? '').split('-').map(Number);
  const hour = time === undefined ? 0 : Number(time.slice(0, 2));
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1, hour));
}

const labelFormats = {
  hour: new Intl.DateTimeFormat(locale, { timeZone: 'UTC', hour: 'numeric' }),
  hourLong: new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: 'numeric',
    minute: '2-digit',
  }),
  day: new Intl.DateTimeFormat(locale, { timeZone: 'UTC', day: 'numeric', month: 'short' }),
  dayLong: new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  }),
  month: new Intl.DateTimeFormat(locale, { timeZone: 'UTC', month: 'short', year: 'numeric' }),
  monthLong: new Intl.DateTimeFormat(locale, { timeZone: 'UTC', month: 'long', year: 'numeric' }),
};

export type Interval = 'hour' | 'day' | 'week' | 'month';

/** Axis text for a bucket (short) or tooltip text (long). */
export function formatLabel(label: string, interval: Interval, long = false): string {
  const date = parseLabel(label);
  switch (interval) {
    case 'hour':
      return long ? labelFormats.hourLong.format(date) : labelFormats.hour.format(date);
    case 'day':
      return long ? labelFormats.dayLong.format(date) : labelFormats.day.format(date);
    case 'week':
      return long ? `Week of ${labelFormats.dayLong.format(date)}` : labelFormats.day.format(date);
    case 'month':
      return long ? labelFormats.monthLong.format(date) : labelFormats.month.format(date);
  }
}

/** A calendar date (YYYY-MM-DD) for display, e.g. "3 Mar 2024". */
export function formatDate(isoDate: string, options: { year?: boolean } = {}): string {
  const date = parseLabel(isoDate);
  return new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'short',
    ...(options.year === false ? {} : { year: 'numeric' }),
  }).format(date);
}

const zonedFormats = new Map<string, Intl.DateTimeFormat>();
/** An instant (ISO string) in the given time zone (the site's; undefined means the viewer's own). */
export function formatDateTime(iso: string | null | undefined, timezone?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  const key = timezone ?? '';
  let format = zonedFormats.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, {
      ...(timezone ? { timeZone: timezone } : {}),
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
    });
    zonedFormats.set(key, format);
  }
  return format.format(date);
}

/** Clock time of an instant in a zone, e.g. "14:05". */
export function formatClock(iso: string, timezone: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone: timezone, hour: 'numeric', minute: '2-digit' }).format(
    new Date(iso),
  );
}

const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
/** "3 minutes ago", "in 2 days". */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = (new Date(iso).getTime() - now) / 1000;
  if (!Number.isFinite(seconds)) return '—';
  const abs = Math.abs(seconds);
  if (abs < 45) return relative.format(0, 'second').replace(/^in 0 seconds$/, 'now');
  if (abs < 2700) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 79_200) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 2_592_000) return relative.format(Math.round(seconds / 86_400), 'day');
  if (abs < 31_536_000) return relative.format(Math.round(seconds / 2_592_000), 'month');
  return relative.format(Math.round(seconds / 31_536_000), 'year');
}

// ---- countries -----------------------------------------------------------------------------------------------------

let regionNames: Intl.DisplayNames | undefined;
/** "DE" → "Germany" in the reader's language; unknown codes stay as they are. */
export function countryName(code: string): string {
  if (!/^[A-Z]{2}$/.test(code)) return code === '' ? 'Unknown' : code;
  try {
    regionNames ??= new Intl.DisplayNames(locale, { type: 'region' });
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** "DE" → 🇩🇪 (two regional indicator symbols); empty for anything that is not a two-letter code. */
export function flagEmoji(code: string): string {
  if (!/^[A-Z]{2}$/.test(code)) return '';
  return String.fromCodePoint(...[...code].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
}
