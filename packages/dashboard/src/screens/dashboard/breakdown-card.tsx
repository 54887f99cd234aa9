import { Suspense, useId, useState } from 'react';
import type { PropKeys } from '../../api';
import { type BarItem, BarList } from '../../components/charts/bar-list';
import { Button, ErrorMessage, Loading, Tabs } from '../../components/ui';
import { displayValue } from '../../dashboard-state';
import { formatMetric, formatNumber, METRIC_COLUMNS } from '../../format';
import { lazyScreen } from '../../lazy-screen';
import { settled, useResource } from '../../use-resource';
import { type BreakdownCardSpec, type BreakdownTab, PROPS_PREFIX, propsTab, useRowFilter } from './breakdowns';
import { DetailsModal } from './details-modal';
import { useReportLoaded } from './load-tracker';
import { breakdownQuery, useStatsQuery } from './queries';
import { useDashboardView, useSiteView } from './site-context';

/**
 * The map and its shapes (a third of the dashboard's code) are a separate chunk, requested as soon as this module
 * runs so that it arrives alongside the first stats rather than after them.
 */
const worldMap = lazyScreen(() => import('./world-map'));
const WorldMap = worldMap.Component;
if (typeof window !== 'undefined') void worldMap.preload();

const CARD_ROWS = 9;

/** A card of tabs, each a ranked breakdown; a row click filters the whole dashboard. */
export function BreakdownCard({ spec }: { spec: BreakdownCardSpec }) {
  const [tabKey, setTabKey] = useState(spec.tabs[0]!.key);
  const [propKey, setPropKey] = useState('');
  const [detailsOpen, setDetailsOpen] = useState(false);
  const baseTab = spec.tabs.find((tab) => tab.key === tabKey) ?? spec.tabs[0]!;
  const needsPropKey = baseTab.dimension === PROPS_PREFIX;
  const tab = needsPropKey && propKey ? propsTab(baseTab, propKey) : baseTab;
  const ready = !needsPropKey || propKey !== '';

  return (
    <section className="card breakdown-card" aria-labelledby={`card-${spec.key}`}>
      <div className="card-header">
        <h2 className="card-title" id={`card-${spec.key}`}>
          {spec.title}
        </h2>
        {spec.tabs.length > 1 ? (
          <Tabs
            label={`${spec.title} breakdowns`}
            items={spec.tabs.map((t) => ({ key: t.key, label: t.label }))}
            selected={tabKey}
            onSelect={setTabKey}
          />
        ) : null}
      </div>
      <div className="card-body" role="tabpanel" aria-label={baseTab.label}>
        {needsPropKey ? <PropKeyForm value={propKey} onChange={setPropKey} /> : null}
        {ready ? (
          tab.map ? (
            <Suspense fallback={<Loading label="Loading the map" lines={5} />}>
              <WorldMap tab={tab} reportName={`card-${spec.key}`} />
            </Suspense>
          ) : (
            <BreakdownRows tab={tab} reportName={`card-${spec.key}`} onOpenDetails={() => setDetailsOpen(true)} />
          )
        ) : (
          <ReportSettled name={`card-${spec.key}`} />
        )}
      </div>
      {detailsOpen ? <DetailsModal tab={tab} title={spec.title} onClose={() => setDetailsOpen(false)} /> : null}
    </section>
  );
}

function ReportSettled({ name }: { name: string }) {
  useReportLoaded(name, true);
  return null;
}

/** Keys the picker offers: the site's most used ones in the period. A key not listed can still be typed. */
function usePropKeys() {
  const { api, siteId } = useSiteView();
  const { period } = useDashboardView();
  const key = `${api.base}|props|${siteId}|${JSON.stringify(period.dateRange)}`;
  return useResource<PropKeys>(key, (signal) => api.propKeys(siteId, period.dateRange, { signal }), {
    keepPrevious: true,
  });
}

function PropKeyForm({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const [draft, setDraft] = useState(value);
  const listId = useId();
  // Failing to list keys only costs the suggestions: typing a key keeps working, so no error is shown here.
  const keys = usePropKeys().data?.keys ?? [];
  return (
    <form
      className="prop-key-form"
      onSubmit={(event) => {
        event.preventDefault();
        onChange(draft.trim());
      }}
    >
      <label>
        <span>Custom property</span>
        <input
          value={draft}
          maxLength={300}
          list={listId}
          autoComplete="off"
          placeholder={keys.length > 0 ? 'Pick or type a key' : 'e.g. plan, author, method'}
          onChange={(e) => {
            const next = e.target.value;
            setDraft(next);
            // A pick from the list (not typing) shows its breakdown at once; typed text waits for "Show".
            const typed = (e.nativeEvent as InputEvent).inputType;
            const picked = typed === undefined || typed === 'insertReplacementText';
            if (picked && keys.some((item) => item.key === next)) onChange(next);
          }}
        />
        <datalist id={listId}>
          {keys.map((item) => (
            <option key={item.key} value={item.key}>
              {`${formatNumber(item.events)} ${item.events === 1 ? 'event' : 'events'}`}
            </option>
          ))}
        </datalist>
      </label>
      <Button type="submit" small>
        Show
      </Button>
    </form>
  );
}

function BreakdownRows({
  tab,
  reportName,
  onOpenDetails,
}: {
  tab: BreakdownTab;
  reportName: string;
  onOpenDetails: () => void;
}) {
  const { api, siteId, context } = useSiteView();
  const { state, period } = useDashboardView();
  const filterBy = useRowFilter(tab);
  const body = breakdownQuery({
    siteId,
    period,
    filters: state.filters,
    dimension: tab.dimension,
    metrics: tab.metrics,
    extraFilters: tab.extraFilters,
    limit: CARD_ROWS,
  });
  const result = useStatsQuery(api, body, { keepPrevious: true });
  useReportLoaded(reportName, settled(result));

  if (result.error && !result.data) return <ErrorMessage error={result.error} onRetry={result.reload} />;
  if (!result.data) return <Loading label={`Loading ${tab.label.toLowerCase()}`} lines={6} className="rows-skeleton" />;
  const rows = result.data.results;
  if (rows.length === 0)
    return (
      <p className="card-empty">
        {state.filters.length > 0 ? 'Nothing matches these filters in this period.' : 'No data for this period yet.'}
      </p>
    );

  const [first, ...rest] = tab.metrics;
  const items: BarItem[] = rows.map((row) => {
    const value = row.dimensions[0] ?? '';
    const shown = tab.display ? tab.display(value) : displayValue(tab.dimension, value);
    const href = tab.href?.(value, context.site.domain);
    const main = row.metrics[0] ?? 0;
    return {
      key: value,
      label: shown,
      icon: tab.icon?.(value),
      value: main,
      actionLabel: `Filter by ${tab.column.toLowerCase()} ${shown} (${formatMetric(first!, main)} ${METRIC_COLUMNS[first!].toLowerCase()})`,
      display: (
        <>
          {rest.map((metric, i) => (
            <span key={metric} className="bar-secondary">
              {formatMetric(metric, row.metrics[i + 1] ?? 0, { compact: true })}
            </span>
          ))}
          <span>{formatMetric(first!, main, { compact: true })}</span>
        </>
      ),
      extra: href ? (
        <a
          href={href}
          target="_blank"
          rel="noopener noreferrer nofollow"
          className="outbound"
          aria-label={`Open ${shown} on ${context.site.domain} in a new tab`}
        >
          ↗
        </a>
      ) : undefined,
    };
  });
  const total = result.data.meta.total_rows ?? rows.length;
  return (
    <div className={result.stale ? 'is-stale' : ''}>
      <BarList
        items={items}
        onSelect={(item) => filterBy(item.key)}
        columns={[tab.column, [...rest, first!].map((m) => METRIC_COLUMNS[m]).join(' · ')]}
      />
      <div className="card-footer">
        <Button small variant="ghost" onClick={onOpenDetails}>
          {total > rows.length ? `Details · all ${formatNumber(total)}` : 'Details'}
        </Button>
      </div>
    </div>
  );
}
