import { type KeyboardEvent, type PointerEvent, useId, useRef, useState } from 'react';
import type { Metric } from '../../api';
import { describeChange, formatLabel, formatMetric, type Interval } from '../../format';
import { useWidth } from './use-width';

export interface Series {
  labels: string[];
  values: number[];
}

export interface LineChartProps {
  metric: Metric;
  interval: Interval;
  main: Series;
  comparison?: Series | undefined;
  /** Buckets from this index on are in the future: not drawn (a line dropping to zero would lie). */
  futureFrom?: number | undefined;
  height?: number;
  /** Accessible name, e.g. "Unique visitors, last 30 days". */
  label: string;
}

const PAD = { top: 16, right: 12, bottom: 28, left: 48 };

/** Up to five evenly spaced "nice" ticks from zero covering `max`. */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= rough) ?? 10 * magnitude) || 1;
  const ticks: number[] = [];
  for (let t = 0; t <= max + step * 0.001; t += step) ticks.push(Math.round(t * 1000) / 1000);
  if ((ticks.at(-1) ?? 0) < max) ticks.push((ticks.at(-1) ?? 0) + step);
  return ticks;
}

/**
 * The main time series: an area for the period, a dashed line for the comparison period, and a guide with details
 * under the pointer. Keyboard: focus the chart, then ←/→ (Home/End) step through the buckets.
 */
export function LineChart({ metric, interval, main, comparison, futureFrom, height = 260, label }: LineChartProps) {
  const wrapper = useRef<HTMLDivElement>(null);
  const width = useWidth(wrapper);
  const [active, setActive] = useState<number | undefined>();
  const gradientId = useId();
  const count = main.labels.length;
  const drawn = Math.max(0, Math.min(count, futureFrom ?? count));
  const comparisonValues = comparison?.values.slice(0, count) ?? [];
  const max = Math.max(0, ...main.values.slice(0, drawn), ...comparisonValues);
  const ticks = niceTicks(max);
  const top = ticks.at(-1) || 1;
  const plotWidth = Math.max(10, width - PAD.left - PAD.right);
  const plotHeight = height - PAD.top - PAD.bottom;
  const xAt = (i: number) => PAD.left + (count <= 1 ? plotWidth / 2 : (i / (count - 1)) * plotWidth);
  const yAt = (value: number) => PAD.top + plotHeight - (value / top) * plotHeight;

  const linePath = (values: number[], upTo: number) =>
    values
      .slice(0, upTo)
      .map((value, i) => `${i === 0 ? 'M' : 'L'}${xAt(i).toFixed(1)} ${yAt(value).toFixed(1)}`)
      .join('');
  const mainLine = linePath(main.values, drawn);
  const area = drawn > 0 ? `${mainLine}L${xAt(drawn - 1).toFixed(1)} ${yAt(0)}L${xAt(0).toFixed(1)} ${yAt(0)}Z` : '';
  const comparisonLine = comparison ? linePath(comparisonValues, comparisonValues.length) : '';

  const maxLabels = Math.max(2, Math.floor(plotWidth / (interval === 'hour' ? 56 : 72)));
  const labelStep = Math.max(1, Math.ceil(count / maxLabels));

  const indexAt = (clientX: number) => {
    const box = wrapper.current?.getBoundingClientRect();
    if (!box || count === 0) return undefined;
    const x = clientX - box.left - PAD.left;
    const i = count <= 1 ? 0 : Math.round((x / plotWidth) * (count - 1));
    return Math.max(0, Math.min(count - 1, i));
  };
  const onPointerMove = (event: PointerEvent) => setActive(indexAt(event.clientX));
  const onKeyDown = (event: KeyboardEvent) => {
    if (count === 0) return;
    const current = active ?? -1;
    let next: number | undefined;
    if (event.key === 'ArrowRight') next = Math.min(count - 1, current + 1);
    else if (event.key === 'ArrowLeft') next = Math.max(0, current < 0 ? count - 1 : current - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = count - 1;
    else if (event.key === 'Escape') next = undefined;
    else return;
    event.preventDefault();
    setActive(next);
  };

  const activeLabel = active === undefined ? undefined : main.labels[active];
  const activeValue = active === undefined || active >= drawn ? undefined : main.values[active];
  const activeComparison = active === undefined ? undefined : comparisonValues[active];
  const tooltipLeft = active === undefined ? 0 : xAt(active);
  const flip = tooltipLeft > width * 0.6;

  return (
    // biome-ignore lint/a11y/useSemanticElements: a chart is a group of points, not a form's fieldset
    <div
      className="line-chart"
      ref={wrapper}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the chart is explorable with the arrow keys
      tabIndex={0}
      role="group"
      aria-label={`${label}. Use the left and right arrow keys to read each point.`}
      onKeyDown={onKeyDown}
      onPointerMove={onPointerMove}
      onPointerLeave={() => setActive(undefined)}
      onBlur={() => setActive(undefined)}
    >
      <svg width={width} height={height} aria-hidden="true" focusable="false">
        <defs>
          <linearGradient id={gradientId} x1="0" y1="0" x2="0" y2="1">
            <stop offset="0%" className="chart-gradient-top" />
            <stop offset="100%" className="chart-gradient-bottom" />
          </linearGradient>
        </defs>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={width - PAD.right} y1={yAt(tick)} y2={yAt(tick)} className="chart-grid" />
            <text x={PAD.left - 8} y={yAt(tick)} className="chart-axis" textAnchor="end" dominantBaseline="middle">
              {formatMetric(metric, tick, { compact: true })}
            </text>
          </g>
        ))}
        {main.labels.map((bucket, i) =>
          i % labelStep === 0 ? (
            <text
              key={bucket}
              x={xAt(i)}
              y={height - 8}
              className="chart-axis"
              textAnchor={count > 1 && i === 0 ? 'start' : 'middle'}
            >
              {formatLabel(bucket, interval)}
            </text>
          ) : null,
        )}
        {area ? <path d={area} fill={`url(#${gradientId})`} className="chart-area" /> : null}
        {comparisonLine ? <path d={comparisonLine} className="chart-line-comparison" fill="none" /> : null}
        {mainLine ? <path d={mainLine} className="chart-line" fill="none" /> : null}
        {drawn === 1 ? <circle cx={xAt(0)} cy={yAt(main.values[0] ?? 0)} r={4} className="chart-dot" /> : null}
        {active !== undefined ? (
          <g>
            <line x1={xAt(active)} x2={xAt(active)} y1={PAD.top} y2={PAD.top + plotHeight} className="chart-guide" />
            {activeComparison !== undefined ? (
              <circle cx={xAt(active)} cy={yAt(activeComparison)} r={3.5} className="chart-dot-comparison" />
            ) : null}
            {activeValue !== undefined ? (
              <circle cx={xAt(active)} cy={yAt(activeValue)} r={4.5} className="chart-dot" />
            ) : null}
          </g>
        ) : null}
      </svg>
      <div className="chart-tooltip-anchor" aria-live="polite">
        {active !== undefined && activeLabel !== undefined ? (
          <div
            className={`chart-tooltip ${flip ? 'chart-tooltip-flip' : ''}`}
            style={{ left: `${tooltipLeft}px`, top: `${PAD.top}px` }}
          >
            <div className="chart-tooltip-row">
              <span className="swatch swatch-main" aria-hidden="true" />
              <span className="chart-tooltip-label">{formatLabel(activeLabel, interval, true)}</span>
              <strong>{activeValue === undefined ? '—' : formatMetric(metric, activeValue)}</strong>
            </div>
            {comparison && activeComparison !== undefined ? (
              <div className="chart-tooltip-row">
                <span className="swatch swatch-comparison" aria-hidden="true" />
                <span className="chart-tooltip-label">
                  {comparison.labels[active] ? formatLabel(comparison.labels[active], interval, true) : ''}
                </span>
                <strong>{formatMetric(metric, activeComparison)}</strong>
              </div>
            ) : null}
            {comparison && activeComparison !== undefined && activeValue !== undefined ? (
              <ChangeLine metric={metric} current={activeValue} previous={activeComparison} />
            ) : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}

function ChangeLine({ metric, current, previous }: { metric: Metric; current: number; previous: number }) {
  const points = metric === 'bounce_rate' || metric === 'conversion_rate';
  const raw = points
    ? Math.round((current - previous) * 10) / 10
    : previous === 0
      ? current === 0
        ? 0
        : null
      : Math.round(((current - previous) / previous) * 100);
  const change = describeChange(metric, raw);
  return (
    <div className={`chart-tooltip-change change-${change.tone}`}>
      {change.direction === 'up' ? '↑' : change.direction === 'down' ? '↓' : ''} {change.text}
    </div>
  );
}
