import type { ReactNode } from 'react';
import { ApiError, type StatsApi, sites } from '../../api';
import { AppPage } from '../../components/app-header';
import { Popover } from '../../components/popover';
import { ThemeToggle } from '../../components/theme-toggle';
import { ErrorMessage, Loading, useDocumentTitle } from '../../components/ui';
import { Link, useLocation } from '../../router';
import { useResource } from '../../use-resource';
import { type SiteView, SiteViewProvider, useSiteView } from './site-context';

/** Loads a site's context (site, goals, funnels, the viewer's role) and provides it to the screen inside. */
export function SiteLoader({
  api,
  siteId,
  basePath,
  children,
}: {
  api: StatsApi;
  siteId: string;
  basePath: string;
  children: ReactNode;
}) {
  const context = useResource(`${api.base}|context|${siteId}`, (signal) => api.siteContext(siteId, signal));
  if (context.error && !context.data) {
    const notFound = context.error instanceof ApiError && context.error.status === 404;
    return (
      <Frame shared={api.shared}>
        <div className="card pad stack">
          <h1 tabIndex={-1} data-page-title>
            {notFound ? `No site “${siteId}”` : 'This dashboard could not be loaded'}
          </h1>
          {notFound ? (
            <p>
              There is no site with this domain among the sites you can see. It may have been deleted, or nobody has
              shared it with you.
            </p>
          ) : (
            <ErrorMessage error={context.error} onRetry={context.reload} />
          )}
          {api.shared ? null : (
            <p>
              <Link to="/">Back to your sites</Link>
            </p>
          )}
        </div>
      </Frame>
    );
  }
  if (!context.data)
    return (
      <Frame shared={api.shared}>
        <Loading label="Loading the site" lines={6} className="card pad" />
      </Frame>
    );
  const value: SiteView = { api, context: context.data, siteId, basePath, shared: api.shared };
  return <SiteViewProvider value={value}>{children}</SiteViewProvider>;
}

function Frame({ shared, children }: { shared: boolean; children: ReactNode }) {
  if (!shared) return <AppPage>{children}</AppPage>;
  return <SharedFrame>{children}</SharedFrame>;
}

/** The page around a share link: no account menu, nothing that leads into the instance. */
export function SharedFrame({ title, children }: { title?: ReactNode; children: ReactNode }) {
  return (
    <>
      <header className="app-header">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <div className="app-header-inner">
          <span className="logo" aria-hidden="true">
            <span className="logo-text">{title}</span>
          </span>
          <div className="app-header-middle" />
          <ThemeToggle />
        </div>
      </header>
      <main id="main" className="container">
        {children}
      </main>
      <footer className="shared-footer">
        <span>Privacy-friendly analytics by </span>
        <span className="shared-brand">Sightline</span>
      </footer>
    </>
  );
}

export type SiteSection = 'dashboard' | 'realtime' | 'funnels' | 'settings';

/** The site's page with its header: site switcher and the Dashboard / Realtime / Funnels / Settings tabs. */
export function SitePage({ section, title, children }: { section: SiteSection; title: string; children: ReactNode }) {
  const { context, basePath, shared } = useSiteView();
  const location = useLocation();
  const name = context.site.name || context.site.domain;
  useDocumentTitle(`${title} · ${name}`);
  // Period and filters follow the user between the dashboard, realtime and funnels.
  const query = location.search.toString();
  const keep = (path: string) => (query && section !== 'settings' ? `${path}?${query}` : path);
  const canManage = context.role === 'owner' || context.role === 'admin';
  const tabs: { key: SiteSection; label: string; to: string }[] = [
    { key: 'dashboard', label: 'Dashboard', to: keep(basePath) },
    { key: 'realtime', label: 'Realtime', to: keep(`${basePath}/realtime`) },
    ...(context.funnels.length > 0 || canManage
      ? [{ key: 'funnels' as const, label: 'Funnels', to: keep(`${basePath}/funnels`) }]
      : []),
    ...(!shared && canManage
      ? [{ key: 'settings' as const, label: 'Settings', to: `${basePath}/settings/general` }]
      : []),
  ];
  const nav = (
    <nav className="site-nav" aria-label="Site">
      <ul>
        {tabs.map((tab) => (
          <li key={tab.key}>
            <Link to={tab.to} aria-current={tab.key === section ? 'page' : undefined} className="site-nav-link">
              {tab.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
  const heading = (
    <div className="site-heading">
      <div className="site-title-row">
        <h1 className="site-title" tabIndex={-1} data-page-title>
          {name}
        </h1>
        {shared ? null : <SiteSwitcher current={context.site.domain} />}
      </div>
      {nav}
    </div>
  );
  if (shared)
    return (
      <SharedFrame title={<span className="muted">Shared dashboard</span>}>
        {heading}
        {children}
      </SharedFrame>
    );
  return (
    <AppPage>
      {heading}
      {children}
    </AppPage>
  );
}

function SiteSwitcher({ current }: { current: string }) {
  return (
    <Popover
      buttonClassName="icon-btn site-switcher"
      label="Switch to another site"
      buttonContent={<span aria-hidden="true">▾</span>}
    >
      {(close) => <SiteMenu current={current} close={close} />}
    </Popover>
  );
}

/** The sites list is asked for when the menu opens, not with every dashboard load. */
function SiteMenu({ current, close }: { current: string; close: () => void }) {
  const list = useResource('sites', (signal) => sites.list(signal));
  return (
    <nav className="menu" aria-label="Your sites">
      {list.data ? (
        list.data.sites.map((site) => (
          <Link
            key={site.id}
            to={`/${encodeURIComponent(site.domain)}`}
            className="menu-item"
            aria-current={site.domain === current ? 'page' : undefined}
            onClick={close}
          >
            {site.name || site.domain}
          </Link>
        ))
      ) : list.error ? (
        <ErrorMessage error={list.error} onRetry={list.reload} />
      ) : (
        <Loading label="Loading sites" lines={2} />
      )}
      <div className="menu-group">
        <Link to="/sites/new" className="menu-item" onClick={close}>
          + Add a site
        </Link>
        <Link to="/" className="menu-item" onClick={close}>
          All sites
        </Link>
      </div>
    </nav>
  );
}
