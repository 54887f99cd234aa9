import { type KeyboardEvent, useMemo, useRef, useState } from 'react';
import { ErrorMessage, Loading } from '../../components/ui';
import { countryName, flagEmoji, formatNumber } from '../../format';
import world from '../../map/world-shapes.json';
import { settled } from '../../use-resource';
import { type BreakdownTab, useRowFilter } from './breakdowns';
import { useReportLoaded } from './load-tracker';
import { breakdownQuery, useStatsQuery } from './queries';
import { useDashboardView, useSiteView } from './site-context';

/**
 * Visitors by country on a world map (Natural Earth 1:110m in the Equal Earth projection, generated into
 * map/world-shapes.json by scripts/build-world-map.mjs). Countries with visitors are shaded by count, can be
 * focused with Tab and filter the dashboard on Enter or click.
 */
export default function WorldMap({ tab, reportName }: { tab: BreakdownTab; reportName: string }) {
  const { api, siteId } = useSiteView();
  const { state, period } = useDashboardView();
  const filterBy = useRowFilter(tab);
  const wrapper = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<{ code: string; x: number; y: number } | undefined>();
  const body = breakdownQuery({
    siteId,
    period,
    filters: state.filters,
    dimension: 'visit:country',
    metrics: ['visitors'],
    limit: 300,
  });
  const result = useStatsQuery(api, body, { keepPrevious: true });
  useReportLoaded(reportName, settled(result));

  const visitors = useMemo(() => {
    const map = new Map<string, number>();
    for (const row of result.data?.results ?? []) map.set(row.dimensions[0] ?? '', row.metrics[0] ?? 0);
    return map;
  }, [result.data]);
  const max = Math.max(1, ...visitors.values());
  const shapes = world.shapes as Record<string, string>;

  if (result.error && !result.data) return <ErrorMessage error={result.error} onRetry={result.reload} />;
  if (!result.data) return <Loading label="Loading the map" lines={5} />;

  const onKey = (code: string) => (event: KeyboardEvent) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    filterBy(code);
  };
  const place = (code: string, clientX: number, clientY: number) => {
    const box = wrapper.current?.getBoundingClientRect();
    if (box) setHover({ code, x: clientX - box.left, y: clientY - box.top });
  };
  const unmapped = [...visitors.keys()].filter((code) => !(code in shapes));

  return (
    <div className={`world-map ${result.stale ? 'is-stale' : ''}`} ref={wrapper}>
      {/* biome-ignore lint/a11y/useSemanticElements: the map groups its focusable countries; a fieldset cannot hold SVG */}
      <svg
        viewBox={`0 0 ${world.width} ${world.height}`}
        className="world-map-svg"
        role="group"
        aria-label={`Map of visitors by country, ${period.label}`}
      >
        {Object.entries(shapes).map(([code, d]) => {
          const count = visitors.get(code) ?? 0;
          const name = countryName(code);
          if (count === 0) return <path key={code} d={d} className="map-country" />;
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG shape cannot be a <button>; it gets the role
            <path
              key={code}
              d={d}
              className="map-country map-country-data"
              fillOpacity={0.2 + 0.8 * Math.sqrt(count / max)}
              role="button"
              tabIndex={0}
              aria-label={`${name}: ${formatNumber(count)} visitor${count === 1 ? '' : 's'}. Filter by ${name}.`}
              onClick={() => filterBy(code)}
              onKeyDown={onKey(code)}
              onPointerMove={(event) => place(code, event.clientX, event.clientY)}
              onPointerLeave={() => setHover(undefined)}
              onFocus={(event) => {
                const box = event.currentTarget.getBoundingClientRect();
                place(code, box.left + box.width / 2, box.top + box.height / 2);
              }}
              onBlur={() => setHover(undefined)}
            />
          );
        })}
      </svg>
      {hover ? (
        <div className="map-tooltip" style={{ left: `${hover.x}px`, top: `${hover.y}px` }} aria-hidden="true">
          <span>{flagEmoji(hover.code)}</span> {countryName(hover.code)}
          <strong> {formatNumber(visitors.get(hover.code) ?? 0)}</strong>
        </div>
      ) : null}
      <div className="map-legend" aria-hidden="true">
        <span>0</span>
        <span className="map-legend-scale" />
        <span>{formatNumber(max)}</span>
      </div>
      {visitors.size === 0 ? <p className="card-empty">No visitors with a known country in this period.</p> : null}
      {unmapped.length > 0 ? (
        <p className="small muted">
          Not on this map:{' '}
          {unmapped.map((code) => `${countryName(code)} (${formatNumber(visitors.get(code) ?? 0)})`).join(', ')}
        </p>
      ) : null}
    </div>
  );
}
