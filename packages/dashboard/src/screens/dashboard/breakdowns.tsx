import type { ReactNode } from 'react';
import type { ApiFilter, Metric } from '../../api';
import { withFilter } from '../../dashboard-state';
import { countryName, flagEmoji } from '../../format';
import { useDashboardView } from './site-context';

/**
 * The breakdown cards and their tabs: which dimension each tab groups by, which metrics its card and its full list
 * show (only combinations the Stats API accepts), and how a value is drawn. Values are always rendered as text.
 */
export interface BreakdownTab {
  key: string;
  label: string;
  dimension: string;
  /** Heading of the value column ("Page", "Source"). */
  column: string;
  /** The card's numbers; the first sizes the bars and orders the rows. */
  metrics: Metric[];
  /** The full list's columns. */
  detailMetrics: Metric[];
  /** Filters this tab always adds (custom events leave out pageviews). */
  extraFilters?: ApiFilter[];
  icon?: (value: string) => ReactNode;
  display?: (value: string) => string;
  /** An outbound link for a row (pages open on the site). */
  href?: (value: string, domain: string) => string | undefined;
  /** Search by display text on the client (country names), not by the raw value on the server. */
  searchByDisplay?: boolean;
  /** The Locations map instead of a list. */
  map?: boolean;
}

/** The Properties tab for one property key: events without the property are left out. */
export function propsTab(tab: BreakdownTab, key: string): BreakdownTab {
  const dimension = `${PROPS_PREFIX}${key}`;
  return { ...tab, dimension, column: `Property “${key}”`, extraFilters: [['is_not', dimension, ['(none)']]] };
}

export interface BreakdownCardSpec {
  key: string;
  title: string;
  tabs: BreakdownTab[];
}

const SESSION_METRICS: Metric[] = ['visitors', 'visits', 'bounce_rate', 'visit_duration'];

function visitTab(key: string, label: string, dimension: string, column: string): BreakdownTab {
  return { key, label, dimension, column, metrics: ['visitors'], detailMetrics: SESSION_METRICS };
}

const pageHref = (value: string, domain: string) => (value.startsWith('/') ? `https://${domain}${value}` : undefined);

const countryTab: Omit<BreakdownTab, 'key' | 'label'> = {
  dimension: 'visit:country',
  column: 'Country',
  metrics: ['visitors'],
  detailMetrics: SESSION_METRICS,
  icon: (value) => <span aria-hidden="true">{flagEmoji(value) || '🌐'}</span>,
  display: (value) => countryName(value),
  searchByDisplay: true,
};

export const SOURCES_CARD: BreakdownCardSpec = {
  key: 'sources',
  title: 'Sources',
  tabs: [
    visitTab('channels', 'Channels', 'visit:channel', 'Channel'),
    visitTab('sources', 'Sources', 'visit:source', 'Source'),
    visitTab('referrers', 'Referrers', 'visit:referrer', 'Referrer'),
    visitTab('utm_medium', 'UTM medium', 'visit:utm_medium', 'UTM medium'),
    visitTab('utm_source', 'UTM source', 'visit:utm_source', 'UTM source'),
    visitTab('utm_campaign', 'UTM campaign', 'visit:utm_campaign', 'UTM campaign'),
  ],
};

export const PAGES_CARD: BreakdownCardSpec = {
  key: 'pages',
  title: 'Pages',
  tabs: [
    {
      key: 'top',
      label: 'Top pages',
      dimension: 'event:page',
      column: 'Page',
      metrics: ['visitors'],
      detailMetrics: ['visitors', 'pageviews', 'bounce_rate', 'time_on_page', 'scroll_depth'],
      href: pageHref,
    },
    {
      key: 'entry',
      label: 'Entry pages',
      dimension: 'visit:entry_page',
      column: 'Entry page',
      metrics: ['visitors'],
      detailMetrics: SESSION_METRICS,
      href: pageHref,
    },
    {
      key: 'exit',
      label: 'Exit pages',
      dimension: 'visit:exit_page',
      column: 'Exit page',
      metrics: ['visitors'],
      detailMetrics: ['visitors', 'visits', 'exit_rate'],
      href: pageHref,
    },
  ],
};

export const LOCATIONS_CARD: BreakdownCardSpec = {
  key: 'locations',
  title: 'Locations',
  tabs: [
    { key: 'map', label: 'Map', ...countryTab, map: true },
    { key: 'countries', label: 'Countries', ...countryTab },
  ],
};

export const DEVICES_CARD: BreakdownCardSpec = {
  key: 'devices',
  title: 'Devices',
  tabs: [
    visitTab('browser', 'Browser', 'visit:browser', 'Browser'),
    visitTab('os', 'OS', 'visit:os', 'Operating system'),
    visitTab('device', 'Device', 'visit:device', 'Device'),
    visitTab('screen', 'Screen size', 'visit:screen', 'Screen size'),
  ],
};

/** Event names the tracker sends on its own; "custom events" are the rest. */
const BUILT_IN_EVENTS = ['pageview', 'engagement'];

/** Prefix of a custom property dimension; the Properties tab asks for the key. */
export const PROPS_PREFIX = 'event:props:';

export function goalsCard(hasGoals: boolean): BreakdownCardSpec {
  const tabs: BreakdownTab[] = [];
  if (hasGoals)
    tabs.push({
      key: 'goals',
      label: 'Goals',
      dimension: 'event:goal',
      column: 'Goal',
      metrics: ['visitors', 'conversion_rate'],
      detailMetrics: ['visitors', 'events', 'conversion_rate'],
    });
  tabs.push({
    key: 'events',
    label: 'Custom events',
    dimension: 'event:name',
    column: 'Event',
    metrics: ['visitors', 'events'],
    detailMetrics: ['visitors', 'events'],
    extraFilters: [['is_not', 'event:name', BUILT_IN_EVENTS]],
  });
  tabs.push({
    key: 'props',
    label: 'Properties',
    dimension: PROPS_PREFIX,
    column: 'Value',
    metrics: ['visitors', 'events'],
    detailMetrics: ['visitors', 'events'],
  });
  return { key: 'goals', title: 'Goals & events', tabs };
}

/** Filters the whole dashboard by a value of the tab's dimension (a row click), replacing one on the same dimension. */
export function useRowFilter(tab: BreakdownTab): (value: string) => void {
  const view = useDashboardView();
  return (value) =>
    view.update({ filters: withFilter(view.state.filters, { operator: 'is', dimension: tab.dimension, value }) });
}
