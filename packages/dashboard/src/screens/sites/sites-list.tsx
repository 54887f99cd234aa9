import { type SiteSummary, sites } from '../../api';
import { AppPage } from '../../components/app-header';
import { Sparkline } from '../../components/charts/sparkline';
import { Badge, PageTitle, ResourceView, Skeleton, useDocumentTitle } from '../../components/ui';
import { formatNumber } from '../../format';
import { Link } from '../../router';
import { useResource } from '../../use-resource';

/** Home: every site the account can see, each with visitors in the last 24 hours and their hourly trend. */
export function SitesListScreen() {
  useDocumentTitle('Sites');
  const list = useResource('sites', (signal) => sites.list(signal));
  return (
    <AppPage>
      <PageTitle
        actions={
          <Link to="/sites/new" className="btn btn-primary">
            Add a site
          </Link>
        }
      >
        Sites
      </PageTitle>
      <ResourceView
        resource={list}
        loading="Loading your sites"
        lines={4}
        className="card pad"
        isEmpty={(data) => data.sites.length === 0}
        empty={
          <div className="card empty-state">
            <h2>No sites yet</h2>
            <p>Add the first website you want to count. You get a snippet to paste into its pages.</p>
            <Link to="/sites/new" className="btn btn-primary">
              Add a site
            </Link>
          </div>
        }
      >
        {(data) => (
          <ul className="site-grid">
            {data.sites.map((site) => (
              <li key={site.id}>
                <SiteCard site={site} />
              </li>
            ))}
          </ul>
        )}
      </ResourceView>
    </AppPage>
  );
}

function SiteCard({ site }: { site: SiteSummary }) {
  const summary = useResource(`summary:${site.id}`, (signal) => sites.summary(site.id, signal), {
    refreshMs: 60_000,
  });
  const path = `/${encodeURIComponent(site.domain)}`;
  return (
    <div className="card site-card">
      <Link to={path} className="site-card-link">
        <span className="site-card-name">{site.name || site.domain}</span>
        {site.name && site.name !== site.domain ? <span className="muted site-card-domain">{site.domain}</span> : null}
      </Link>
      <div className="site-card-stats">
        {summary.data ? (
          <>
            <div>
              <strong className="site-card-number">{formatNumber(summary.data.visitors24h)}</strong>
              <span className="muted"> visitors in the last 24 hours</span>
            </div>
            <Sparkline
              values={summary.data.series}
              label={`Hourly visitors of ${site.domain} over the last 24 hours`}
            />
          </>
        ) : summary.error ? (
          <span className="muted small">Visitor numbers are unavailable right now.</span>
        ) : (
          <Skeleton lines={2} />
        )}
      </div>
      <div className="site-card-footer">
        <Badge>{site.role}</Badge>
        {site.isPublic ? <Badge tone="accent">public</Badge> : null}
        {site.role !== 'viewer' ? (
          <Link to={`${path}/settings/general`} className="small" aria-label={`Settings of ${site.domain}`}>
            Settings
          </Link>
        ) : null}
      </div>
    </div>
  );
}
