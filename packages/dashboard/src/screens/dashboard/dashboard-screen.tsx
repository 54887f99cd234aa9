import { sites } from '../../api';
import { SnippetPanel } from '../../components/snippet-panel';
import { useLocation } from '../../router';
import { useResource } from '../../use-resource';
import { BreakdownCard } from './breakdown-card';
import { DEVICES_CARD, goalsCard, LOCATIONS_CARD, PAGES_CARD, SOURCES_CARD } from './breakdowns';
import { FilterBar } from './filter-bar';
import { LoadTracker } from './load-tracker';
import { MainChart } from './main-chart';
import { PeriodPicker } from './period-picker';
import { useDashboardView, useSiteView } from './site-context';
import { SitePage } from './site-shell';
import { TopStats } from './top-stats';

/** The site dashboard: filters and period, top stats, the main chart, and the breakdown cards. */
export function DashboardScreen() {
  const { context, api, siteId, shared } = useSiteView();
  const { period } = useDashboardView();
  const location = useLocation();
  const goals = goalsCard(context.goals.length > 0);
  return (
    <SitePage section="dashboard" title="Dashboard">
      {shared ? null : <InstallHint />}
      <div className="toolbar">
        <FilterBar />
        <div className="toolbar-end">
          <PeriodPicker />
          <a
            className="btn btn-ghost btn-small"
            href={api.siteExportUrl(siteId, period.exportRange)}
            download
            title="Download every report of this period as CSV files in a zip"
          >
            Export all
          </a>
        </div>
      </div>
      <LoadTracker viewKey={location.search.toString()}>
        <TopStats />
        <MainChart />
        <div className="cards-grid">
          <BreakdownCard spec={SOURCES_CARD} />
          <BreakdownCard spec={PAGES_CARD} />
          <BreakdownCard spec={LOCATIONS_CARD} />
          <BreakdownCard spec={DEVICES_CARD} />
          <BreakdownCard spec={goals} />
        </div>
      </LoadTracker>
    </SitePage>
  );
}

/**
 * Until the first event arrives, the dashboard leads with the snippet and the live installation check: an empty
 * dashboard is a setup step, not a dead end.
 */
function InstallHint() {
  const { context } = useSiteView();
  const siteId = context.site.id;
  const installation = useResource(`installation:${siteId}`, (signal) => sites.installation(siteId, signal));
  if (!installation.data || installation.data.installed) return null;
  return (
    <section className="card pad install-hint" aria-labelledby="install-hint-title">
      <h2 id="install-hint-title">Waiting for the first visit to {context.site.domain}</h2>
      <SnippetPanel siteId={siteId} timezone={context.site.timezone} onInstalled={installation.reload} />
    </section>
  );
}
