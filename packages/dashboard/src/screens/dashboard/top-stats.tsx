import type { Metric } from '../../api';
import { ErrorMessage, Skeleton } from '../../components/ui';
import { goalFilter } from '../../dashboard-state';
import { describeChange, formatMetric, formatNumber, METRIC_LABELS } from '../../format';
import { Link } from '../../router';
import { settled, useResource } from '../../use-resource';
import { useReportLoaded } from './load-tracker';
import { topMetrics, topStatsQuery, useStatsQuery } from './queries';
import { useDashboardView, useSiteView } from './site-context';

const GOAL_LABELS: Partial<Record<Metric, string>> = {
  visitors: 'Unique conversions',
  events: 'Total conversions',
  conversion_rate: 'Conversion rate',
};

/**
 * The headline numbers with their change against the comparison period. Each number is a button that puts its
 * metric on the main chart; live visitors link to the realtime view.
 */
export function TopStats() {
  const { api, siteId } = useSiteView();
  const view = useDashboardView();
  const { state, period } = view;
  const metrics = topMetrics(state.filters);
  const chartMetric = state.metric && metrics.includes(state.metric) ? state.metric : metrics[0]!;
  const result = useStatsQuery(api, topStatsQuery(siteId, period, state.filters), { keepPrevious: true });
  useReportLoaded('top-stats', settled(result));
  const row = result.data?.results[0];
  const goal = goalFilter(state.filters) !== undefined;
  const comparisonLabel = period.comparison
    ? state.compare === 'year_over_year'
      ? 'vs. last year'
      : 'vs. previous period'
    : undefined;

  return (
    <section className="top-stats card" aria-label="Top stats">
      <LiveVisitors />
      {result.error && !result.data ? (
        <div className="top-stats-error">
          <ErrorMessage error={result.error} onRetry={result.reload} />
        </div>
      ) : null}
      <ul className={`stats-grid ${result.stale ? 'is-stale' : ''}`}>
        {metrics.map((metric, i) => {
          const value = row?.metrics[i];
          const previous = row?.comparison?.metrics[i];
          // Nothing then and nothing now is not news; leave the line out rather than print "0%".
          const unchanged = value === 0 && previous === 0;
          const change =
            row?.comparison && !unchanged ? describeChange(metric, row.comparison.change[i] ?? null) : undefined;
          const label = (goal ? GOAL_LABELS[metric] : undefined) ?? METRIC_LABELS[metric];
          const selected = metric === chartMetric;
          return (
            <li key={metric}>
              <button
                type="button"
                className="stat"
                aria-pressed={selected}
                onClick={() => view.update({ metric })}
                title={`Show ${label.toLowerCase()} on the chart`}
              >
                <span className="stat-label">{label}</span>
                {value === undefined ? (
                  <Skeleton lines={1} className="stat-skeleton" />
                ) : (
                  <span className="stat-value">{formatMetric(metric, value, { compact: true })}</span>
                )}
                {change && previous !== undefined ? (
                  <span className="stat-change">
                    <span className={`change change-${change.tone}`}>
                      <span aria-hidden="true">
                        {change.direction === 'up' ? '↑' : change.direction === 'down' ? '↓' : '→'}
                      </span>{' '}
                      <span className="visually-hidden">{change.description}</span>
                      <span aria-hidden="true">{change.text}</span>
                    </span>
                    <span className="stat-previous">
                      {comparisonLabel} {formatMetric(metric, previous, { compact: true })}
                    </span>
                  </span>
                ) : null}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function LiveVisitors() {
  const { api, siteId, basePath } = useSiteView();
  const live = useResource(`${api.base}|realtime|${siteId}`, (signal) => api.realtime(siteId, signal), {
    refreshMs: 30_000,
  });
  const count = live.data?.visitors;
  return (
    <Link to={`${basePath}/realtime`} className="live-visitors" aria-live="polite">
      <span className={`pulse ${count ? 'pulse-on' : ''}`} aria-hidden="true" />
      {count === undefined
        ? live.error
          ? 'Live visitors unavailable'
          : 'Counting live visitors…'
        : `${formatNumber(count)} current visitor${count === 1 ? '' : 's'}`}
    </Link>
  );
}
