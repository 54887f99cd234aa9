import { strToU8, zipSync } from 'fflate';
import type { DateRangeInput, Dimension, Metric } from './query.js';
import { parseStatsQuery } from './query.js';
import type { StatsDeps, StatsResponse } from './run.js';
import { exportCsv, runStatsQuery } from './run.js';

/**
 * The whole-site export: one CSV per report of the dashboard over a date range, zipped. Every file is an ordinary
 * stats query (so its numbers are the dashboard's numbers) written with the same CSV rules as a single breakdown
 * export (formula-safe cells, RFC 4180 quoting).
 */

interface ExportFile {
  name: string;
  /** The column header of the grouping, friendlier than the dimension name. */
  label: string;
  dimension: Dimension;
  metrics: Metric[];
  filters?: unknown[];
}

const VISIT_METRICS: Metric[] = ['visitors', 'visits', 'bounce_rate', 'visit_duration'];
const UTM = ['medium', 'source', 'campaign', 'content', 'term'] as const;

/** Every file but visitors.csv (a timeseries, built separately), in the order they appear in the zip. */
export const SITE_EXPORT_FILES: readonly ExportFile[] = [
  {
    name: 'pages.csv',
    label: 'page',
    dimension: 'event:page',
    metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'time_on_page', 'scroll_depth'],
  },
  { name: 'entry_pages.csv', label: 'entry_page', dimension: 'visit:entry_page', metrics: VISIT_METRICS },
  {
    name: 'exit_pages.csv',
    label: 'exit_page',
    dimension: 'visit:exit_page',
    metrics: ['visitors', 'visits', 'exit_rate'],
  },
  { name: 'sources.csv', label: 'source', dimension: 'visit:source', metrics: VISIT_METRICS },
  { name: 'channels.csv', label: 'channel', dimension: 'visit:channel', metrics: VISIT_METRICS },
  ...UTM.map(
    (part): ExportFile => ({
      name: `utm_${part}s.csv`,
      label: `utm_${part}`,
      dimension: `visit:utm_${part}`,
      metrics: VISIT_METRICS,
      // Visits without this tag are not a campaign; they are in sources.csv.
      filters: [['is_not', `visit:utm_${part}`, ['']]],
    }),
  ),
  { name: 'countries.csv', label: 'country', dimension: 'visit:country', metrics: VISIT_METRICS },
  { name: 'browsers.csv', label: 'browser', dimension: 'visit:browser', metrics: VISIT_METRICS },
  { name: 'operating_systems.csv', label: 'operating_system', dimension: 'visit:os', metrics: VISIT_METRICS },
  { name: 'devices.csv', label: 'device', dimension: 'visit:device', metrics: VISIT_METRICS },
  { name: 'screen_sizes.csv', label: 'screen_size', dimension: 'visit:screen', metrics: VISIT_METRICS },
  {
    name: 'custom_events.csv',
    label: 'event',
    dimension: 'event:name',
    metrics: ['visitors', 'events'],
    filters: [['is_not', 'event:name', ['pageview']]],
  },
  { name: 'goals.csv', label: 'goal', dimension: 'event:goal', metrics: ['visitors', 'events', 'conversion_rate'] },
];

const TIMESERIES_METRICS: Metric[] = [
  'visitors',
  'visits',
  'pageviews',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
];

export interface SiteExport {
  /** The zip archive. */
  zip: Uint8Array;
  /** The range covered, as the stats API echoes it (site time zone, end inclusive). */
  dateRange: [string, string];
  /** File names in the archive, in order. */
  files: string[];
}

/**
 * Builds the export. Queries run one after the other: an export is a background download, and it leaves the other
 * reader Session free for dashboards meanwhile.
 * @throws StatsQueryError when the range cannot be used (e.g. more days than a timeseries may have).
 */
export async function buildSiteExport(deps: StatsDeps, dateRange: DateRangeInput): Promise<SiteExport> {
  const ask = (body: Record<string, unknown>) =>
    runStatsQuery(deps, parseStatsQuery({ site_id: String(deps.site.id), date_range: dateRange, ...body }));

  const files: Record<string, Uint8Array> = {};
  const timeseries = await ask({
    metrics: TIMESERIES_METRICS,
    dimensions: ['time:day'],
    include: { time_labels: true },
  });
  files['visitors.csv'] = strToU8(timeseriesCsv(timeseries));

  for (const file of SITE_EXPORT_FILES) {
    const response = await ask({
      metrics: file.metrics,
      dimensions: [file.dimension],
      ...(file.filters ? { filters: file.filters } : {}),
    });
    files[file.name] = strToU8(
      exportCsv({ results: response.results, query: { dimensions: [file.label], metrics: file.metrics } }),
    );
  }

  return {
    zip: zipSync(files, { level: 6 }),
    dateRange: timeseries.query.date_range,
    files: Object.keys(files),
  };
}

/** One line per day of the range, days without visits included as zeros (a chart's source data). */
function timeseriesCsv(response: StatsResponse): string {
  const byDay = new Map(response.results.map((row) => [row.dimensions[0], row.metrics]));
  const days = response.meta.time_labels ?? response.results.map((row) => row.dimensions[0]!);
  return exportCsv({
    results: days.map((day) => ({
      dimensions: [day],
      metrics: byDay.get(day) ?? TIMESERIES_METRICS.map(() => 0),
    })),
    query: { dimensions: ['date'], metrics: TIMESERIES_METRICS },
  });
}
