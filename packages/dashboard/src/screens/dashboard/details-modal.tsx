import { useEffect, useId, useMemo, useState } from 'react';
import type { Metric } from '../../api';
import { Button, ErrorMessage, Loading, Modal } from '../../components/ui';
import { displayValue } from '../../dashboard-state';
import { safeFilename, saveBlob } from '../../download';
import { formatMetric, formatNumber, METRIC_COLUMNS, METRIC_LABELS } from '../../format';
import { useAction } from '../../use-action';
import { type BreakdownTab, useRowFilter } from './breakdowns';
import { breakdownQuery, useStatsQuery } from './queries';
import { useDashboardView, useSiteView } from './site-context';

const PAGE = 100;
/** Client-side search (country names) reads the whole list at once; there are fewer than 300 countries. */
const ALL_COUNTRIES = 300;
const EXPORT_LIMIT = 10_000;

type SortKey = Metric | 'dimension';

/** A breakdown's full list: search, sort by any column, more rows on demand, and the same list as CSV. */
export function DetailsModal({ tab, title, onClose }: { tab: BreakdownTab; title: string; onClose: () => void }) {
  const { api, siteId, context } = useSiteView();
  const { state, period } = useDashboardView();
  const filterBy = useRowFilter(tab);
  const searchId = useId();
  const [search, setSearch] = useState('');
  const [debounced, setDebounced] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; direction: 'asc' | 'desc' }>({
    key: tab.detailMetrics[0] ?? 'visitors',
    direction: 'desc',
  });
  const [pages, setPages] = useState(1);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new search or sort starts again at the first page
  useEffect(() => setPages(1), [debounced, sort.key, sort.direction]);

  const clientSearch = tab.searchByDisplay === true;
  const orderBy: [string, 'asc' | 'desc'] = [sort.key === 'dimension' ? tab.dimension : sort.key, sort.direction];
  const baseOptions = {
    siteId,
    period,
    filters: state.filters,
    dimension: tab.dimension,
    metrics: tab.detailMetrics,
    extraFilters: tab.extraFilters,
    orderBy,
    search: clientSearch ? undefined : debounced || undefined,
  };
  const body = breakdownQuery({ ...baseOptions, limit: clientSearch ? ALL_COUNTRIES : PAGE * pages });
  const result = useStatsQuery(api, body, { keepPrevious: true });

  const rows = useMemo(() => {
    const all = result.data?.results ?? [];
    if (!clientSearch || debounced === '') return all;
    const needle = debounced.toLowerCase();
    return all.filter((row) => {
      const value = row.dimensions[0] ?? '';
      const shown = tab.display ? tab.display(value) : value;
      return shown.toLowerCase().includes(needle) || value.toLowerCase().includes(needle);
    });
  }, [result.data, clientSearch, debounced, tab]);
  const total = clientSearch ? rows.length : (result.data?.meta.total_rows ?? rows.length);

  const exportCsv = useAction(async () => {
    const exportBody = breakdownQuery({ ...baseOptions, limit: EXPORT_LIMIT });
    const { blob, filename } = await api.exportCsv(exportBody);
    const range = period.first && period.last ? `${period.first}_${period.last}` : 'all-time';
    saveBlob(blob, filename ?? `${safeFilename(context.site.domain, tab.label, range)}.csv`);
  });

  const sortButton = (key: SortKey, label: string) => {
    const active = sort.key === key;
    const nextDirection = active && sort.direction === 'desc' ? 'asc' : 'desc';
    return (
      <button
        type="button"
        className="sort-button"
        onClick={() => setSort({ key, direction: active ? nextDirection : key === 'dimension' ? 'asc' : 'desc' })}
        aria-label={`Sort by ${label}${active ? `, now ${sort.direction === 'desc' ? 'descending' : 'ascending'}` : ''}`}
      >
        {label}
        <span aria-hidden="true" className="sort-arrow">
          {active ? (sort.direction === 'desc' ? '↓' : '↑') : ''}
        </span>
      </button>
    );
  };
  const ariaSort = (key: SortKey) =>
    sort.key === key ? (sort.direction === 'desc' ? 'descending' : 'ascending') : undefined;

  return (
    <Modal title={`${title}: ${tab.label}`} open onClose={onClose} wide>
      <div className="details-toolbar">
        <label htmlFor={searchId} className="visually-hidden">
          Search {tab.column.toLowerCase()}
        </label>
        <input
          id={searchId}
          type="search"
          className="search-input"
          placeholder={`Search ${tab.column.toLowerCase()}…`}
          value={search}
          maxLength={200}
          onChange={(e) => setSearch(e.target.value)}
        />
        <Button small busy={exportCsv.busy} onClick={() => void exportCsv.run()}>
          Export CSV
        </Button>
      </div>
      <ErrorMessage error={exportCsv.error} />
      {result.error && !result.data ? <ErrorMessage error={result.error} onRetry={result.reload} /> : null}
      {!result.data && !result.error ? <Loading label="Loading the full list" lines={8} /> : null}
      {result.data ? (
        <div className={`table-wrap ${result.stale ? 'is-stale' : ''}`}>
          <table className="table details-table">
            <caption className="visually-hidden">
              {tab.label}, {period.label}, sorted by {sort.key === 'dimension' ? tab.column : METRIC_LABELS[sort.key]}
            </caption>
            <thead>
              <tr>
                <th scope="col" aria-sort={ariaSort('dimension')}>
                  {sortButton('dimension', tab.column)}
                </th>
                {tab.detailMetrics.map((metric) => (
                  <th scope="col" key={metric} className="num" aria-sort={ariaSort(metric)}>
                    {sortButton(metric, METRIC_COLUMNS[metric])}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const value = row.dimensions[0] ?? '';
                const shown = tab.display ? tab.display(value) : displayValue(tab.dimension, value);
                return (
                  <tr key={value}>
                    <th scope="row">
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => {
                          filterBy(value);
                          onClose();
                        }}
                        title={`Filter the dashboard by ${shown}`}
                      >
                        {tab.icon ? <span className="bar-icon">{tab.icon(value)}</span> : null}
                        {shown}
                      </button>
                    </th>
                    {tab.detailMetrics.map((metric, i) => (
                      <td key={metric} className="num">
                        {formatMetric(metric, row.metrics[i] ?? 0)}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
          {rows.length === 0 ? (
            <p className="card-empty">{debounced ? `Nothing matches “${debounced}”.` : 'No data for this period.'}</p>
          ) : null}
          <div className="details-footer">
            <span className="muted small">
              {formatNumber(rows.length)} of {formatNumber(total)}
            </span>
            {!clientSearch && rows.length < total ? (
              <Button small busy={result.loading} onClick={() => setPages((p) => p + 1)}>
                Show more
              </Button>
            ) : null}
          </div>
        </div>
      ) : null}
    </Modal>
  );
}
