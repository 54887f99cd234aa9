import { useEffect, useRef, useState } from 'react';
import type { Realtime } from '../../api';
import { BarList } from '../../components/charts/bar-list';
import { useWidth } from '../../components/charts/use-width';
import { ErrorMessage, Loading } from '../../components/ui';
import { formatClock, formatNumber, formatRelative } from '../../format';
import { useResource } from '../../use-resource';
import { useSiteView } from './site-context';
import { SitePage } from './site-shell';

const REFRESH_MS = 10_000;

/** Live visitors, the last 30 minutes minute by minute, and what people are reading right now; refreshes itself. */
export function RealtimeScreen() {
  const { api, siteId, context } = useSiteView();
  const live = useResource(`${api.base}|realtime-view|${siteId}`, (signal) => api.realtime(siteId, signal), {
    refreshMs: REFRESH_MS,
  });
  const [updatedAt, setUpdatedAt] = useState<number | undefined>();
  const data = live.data;
  useEffect(() => {
    if (data) setUpdatedAt(Date.now());
  }, [data]);
  return (
    <SitePage section="realtime" title="Realtime">
      <section className="card pad realtime-hero" aria-labelledby="live-count">
        <div>
          <p className="muted">Visitors in the last 5 minutes</p>
          <p className="realtime-count" id="live-count" aria-live="polite">
            <span className={`pulse ${data?.visitors ? 'pulse-on' : ''}`} aria-hidden="true" />
            {data ? formatNumber(data.visitors) : '…'}
          </p>
        </div>
        <p className="muted small">
          Updates every {REFRESH_MS / 1000} seconds
          {updatedAt ? ` · last ${formatRelative(new Date(updatedAt).toISOString())}` : ''} · times in{' '}
          {context.site.timezone}
        </p>
      </section>
      {live.error && !data ? <ErrorMessage error={live.error} onRetry={live.reload} /> : null}
      <section className="card chart-card" aria-labelledby="realtime-chart-title">
        <div className="card-header">
          <h2 className="card-title" id="realtime-chart-title">
            Last 30 minutes
          </h2>
          <span className="legend" aria-hidden="true">
            <span className="swatch swatch-main" /> Pageviews
          </span>
        </div>
        {data ? (
          <MinuteBars series={data.series} timezone={context.site.timezone} />
        ) : (
          <Loading label="Loading the last 30 minutes" lines={1} className="chart-skeleton" />
        )}
      </section>
      <div className="cards-grid">
        <section className="card breakdown-card" aria-labelledby="rt-pages">
          <div className="card-header">
            <h2 className="card-title" id="rt-pages">
              Current pages
            </h2>
          </div>
          <div className="card-body">
            {data ? (
              data.pages.length > 0 ? (
                <BarList
                  columns={['Page', 'Visitors']}
                  items={data.pages.map((row) => ({
                    key: row.page,
                    label: row.page,
                    value: row.visitors,
                    display: formatNumber(row.visitors),
                  }))}
                />
              ) : (
                <p className="card-empty">Nobody is reading a page right now.</p>
              )
            ) : (
              <Loading label="Loading current pages" lines={5} />
            )}
          </div>
        </section>
        <section className="card breakdown-card" aria-labelledby="rt-sources">
          <div className="card-header">
            <h2 className="card-title" id="rt-sources">
              Current sources
            </h2>
          </div>
          <div className="card-body">
            {data ? (
              data.sources.length > 0 ? (
                <BarList
                  columns={['Source', 'Visitors']}
                  items={data.sources.map((row) => ({
                    key: row.source,
                    label: row.source,
                    value: row.visitors,
                    display: formatNumber(row.visitors),
                  }))}
                />
              ) : (
                <p className="card-empty">No visits in the last 5 minutes.</p>
              )
            ) : (
              <Loading label="Loading current sources" lines={5} />
            )}
          </div>
        </section>
      </div>
    </SitePage>
  );
}

/** Pageviews per minute as bars, visitors in the hover details; the newest minute on the right. */
function MinuteBars({ series, timezone }: { series: Realtime['series']; timezone: string }) {
  const wrapper = useRef<HTMLDivElement>(null);
  const width = useWidth(wrapper);
  const [active, setActive] = useState<number | undefined>();
  const height = 180;
  const pad = { top: 10, bottom: 24, left: 8, right: 8 };
  const max = Math.max(1, ...series.map((point) => point.pageviews));
  const slot = (width - pad.left - pad.right) / Math.max(1, series.length);
  const plot = height - pad.top - pad.bottom;
  const point = active === undefined ? undefined : series[active];
  const total = series.reduce((sum, p) => sum + p.pageviews, 0);
  return (
    // biome-ignore lint/a11y/useSemanticElements: a chart is a group of points, not a form's fieldset
    <div
      className="minute-bars"
      ref={wrapper}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: explorable with the arrow keys
      tabIndex={0}
      role="group"
      aria-label={`Pageviews per minute over the last 30 minutes: ${formatNumber(total)} in all. Use the arrow keys to read each minute.`}
      onPointerLeave={() => setActive(undefined)}
      onBlur={() => setActive(undefined)}
      onKeyDown={(event) => {
        if (event.key === 'ArrowRight') setActive((i) => Math.min(series.length - 1, (i ?? -1) + 1));
        else if (event.key === 'ArrowLeft') setActive((i) => Math.max(0, (i ?? series.length) - 1));
        else return;
        event.preventDefault();
      }}
    >
      <svg width={width} height={height} aria-hidden="true" focusable="false">
        {series.map((p, i) => {
          const h = (p.pageviews / max) * plot;
          return (
            <rect
              key={p.minute}
              x={pad.left + i * slot + slot * 0.15}
              y={pad.top + plot - h}
              width={Math.max(1, slot * 0.7)}
              height={Math.max(p.pageviews > 0 ? 2 : 0, h)}
              rx={2}
              className={`minute-bar ${i === active ? 'is-active' : ''}`}
              onPointerEnter={() => setActive(i)}
            />
          );
        })}
        <line x1={pad.left} x2={width - pad.right} y1={pad.top + plot} y2={pad.top + plot} className="chart-grid" />
        {series.length > 0 ? (
          <>
            <text x={pad.left} y={height - 6} className="chart-axis">
              {formatClock(series[0]!.minute, timezone)}
            </text>
            <text x={width - pad.right} y={height - 6} className="chart-axis" textAnchor="end">
              {formatClock(series.at(-1)!.minute, timezone)}
            </text>
          </>
        ) : null}
      </svg>
      <div className="chart-tooltip-anchor" aria-live="polite">
        {point && active !== undefined ? (
          <div
            className={`chart-tooltip ${active > series.length * 0.6 ? 'chart-tooltip-flip' : ''}`}
            style={{ left: `${pad.left + (active + 0.5) * slot}px`, top: '4px' }}
          >
            <div className="chart-tooltip-label">{formatClock(point.minute, timezone)}</div>
            <div>
              <strong>{formatNumber(point.pageviews)}</strong> pageviews ·{' '}
              <strong>{formatNumber(point.visitors)}</strong> visitors
            </div>
          </div>
        ) : null}
      </div>
    </div>
  );
}
