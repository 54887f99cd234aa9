import type { Metric, StatsResponse } from '../../api';
import { LineChart, type Series } from '../../components/charts/line-chart';
import { ErrorMessage, Loading } from '../../components/ui';
import type { Interval } from '../../format';
import { METRIC_LABELS } from '../../format';
import { addDays, todayIn } from '../../period';
import { settled } from '../../use-resource';
import { useReportLoaded } from './load-tracker';
import { timeseriesQuery, topMetrics, useStatsQuery } from './queries';
import { useDashboardView, useSiteView } from './site-context';

const INTERVAL_LABELS: Record<Interval, string> = { hour: 'Hours', day: 'Days', week: 'Weeks', month: 'Months' };

/** A series from a response, every bucket of the period in order (the API leaves out empty ones). */
export function seriesFrom(response: StatsResponse | undefined): Series | undefined {
  const labels = response?.meta.time_labels;
  if (!response || !labels) return undefined;
  const byLabel = new Map(response.results.map((row) => [row.dimensions[0] ?? '', row.metrics[0] ?? 0]));
  return { labels, values: labels.map((label) => byLabel.get(label) ?? 0) };
}

/** The label of the bucket holding "now" on the site's clock; later buckets have not happened yet. */
export function currentBucket(interval: Interval, timezone: string, now = Date.now()): string {
  const today = todayIn(timezone, now);
  if (interval === 'day') return today;
  if (interval === 'month') return `${today.slice(0, 8)}01`;
  if (interval === 'week') {
    const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7;
    return addDays(today, -weekday);
  }
  const hour = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', hourCycle: 'h23' }).format(
    new Date(now),
  );
  return `${today} ${hour.padStart(2, '0')}:00:00`;
}

export function MainChart() {
  const { api, siteId, context } = useSiteView();
  const view = useDashboardView();
  const { state, period, interval } = view;
  const metrics = topMetrics(state.filters);
  const metric: Metric = state.metric && metrics.includes(state.metric) ? state.metric : metrics[0]!;
  const main = useStatsQuery(api, timeseriesQuery(siteId, period.dateRange, interval, metric, state.filters), {
    keepPrevious: true,
  });
  const comparison = useStatsQuery(
    api,
    period.comparison ? timeseriesQuery(siteId, period.comparison, interval, metric, state.filters) : null,
    { keepPrevious: true },
  );
  const mainSeries = seriesFrom(main.data);
  const comparisonSeries = period.comparison ? seriesFrom(comparison.data) : undefined;
  useReportLoaded('main-chart', settled(main) && (!period.comparison || settled(comparison)));

  const now = currentBucket(interval, context.site.timezone);
  const futureIndex = mainSeries?.labels.findIndex((label) => label > now) ?? -1;

  return (
    <section className="card chart-card" aria-label="Main chart">
      <div className="card-header">
        <h2 className="card-title">
          {METRIC_LABELS[metric]}
          <span className="muted"> · {period.label}</span>
        </h2>
        <div className="chart-controls">
          {comparisonSeries ? (
            <span className="legend" aria-hidden="true">
              <span className="swatch swatch-main" /> This period <span className="swatch swatch-comparison" />{' '}
              {state.compare === 'year_over_year' ? 'Last year' : 'Previous period'}
            </span>
          ) : null}
          {period.intervals.length > 1 ? (
            <label className="inline-select">
              <span className="visually-hidden">Interval</span>
              <select value={interval} onChange={(e) => view.update({ interval: e.target.value })}>
                {period.intervals.map((option) => (
                  <option key={option} value={option}>
                    {INTERVAL_LABELS[option]}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </div>
      </div>
      {main.error && !main.data ? <ErrorMessage error={main.error} onRetry={main.reload} /> : null}
      {mainSeries ? (
        <div className={main.stale || comparison.stale ? 'is-stale' : ''}>
          <LineChart
            metric={metric}
            interval={interval}
            main={mainSeries}
            comparison={comparisonSeries}
            futureFrom={futureIndex >= 0 ? futureIndex : undefined}
            label={`${METRIC_LABELS[metric]}, ${period.label}, by ${interval}`}
          />
        </div>
      ) : main.error ? null : (
        <Loading label="Loading the chart" lines={1} className="chart-skeleton" />
      )}
      {comparison.error && period.comparison ? (
        <p className="small muted">The comparison line could not be loaded: {comparison.error.message}</p>
      ) : null}
    </section>
  );
}
