import { createContext, type ReactNode, useContext, useMemo } from 'react';
import type { SiteContext, StatsApi } from '../../api';
import { type DashboardState, parseDashboardState, searchFor } from '../../dashboard-state';
import { chooseInterval, type ResolvedPeriod, resolvePeriod } from '../../period';
import { updateSearch, useLocation } from '../../router';

/**
 * Everything a dashboard screen draws from: which API to ask (signed-in or a share link), the site with its goals
 * and funnels, where its pages live (`/example.com` or `/share/<slug>`), and the view state read from the URL.
 */
export interface SiteView {
  api: StatsApi;
  context: SiteContext;
  /** `site_id` for the stats API. */
  siteId: string;
  /** Path prefix of this site's pages. */
  basePath: string;
  /** A share link: read-only, no account controls. */
  shared: boolean;
}

const SiteViewContext = createContext<SiteView | undefined>(undefined);

export function SiteViewProvider({ value, children }: { value: SiteView; children: ReactNode }) {
  return <SiteViewContext.Provider value={value}>{children}</SiteViewContext.Provider>;
}

export function useSiteView(): SiteView {
  const value = useContext(SiteViewContext);
  if (!value) throw new Error('useSiteView outside SiteViewProvider');
  return value;
}

export interface DashboardView {
  state: DashboardState;
  period: ResolvedPeriod;
  interval: ReturnType<typeof chooseInterval>;
  /** Writes a new view state to the URL (a new history entry, so Back undoes a filter). */
  update(change: Partial<DashboardState>): void;
}

/** The dashboard state from the URL, with its period resolved in the site's time zone. */
export function useDashboardView(): DashboardView {
  const { context } = useSiteView();
  const location = useLocation();
  const timezone = context.site.timezone;
  return useMemo(() => {
    const state = parseDashboardState(location.search);
    const period = resolvePeriod(state, timezone);
    return {
      state,
      period,
      interval: chooseInterval(period, state.interval),
      update(change) {
        updateSearch(searchFor({ ...state, ...change }));
      },
    };
  }, [location.search, timezone]);
}
