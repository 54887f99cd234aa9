/** A tiny trend line (sites list: hourly visitors of the last 24 hours). Scales to its box. */
export function Sparkline({ values, label, className }: { values: number[]; label: string; className?: string }) {
  const width = 120;
  const height = 32;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((value, i) => [i * step, height - 2 - (value / max) * (height - 4)] as const);
  const line = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`).join('');
  const area = points.length > 0 ? `${line}L${width} ${height}L0 ${height}Z` : '';
  return (
    <svg
      className={`sparkline ${className ?? ''}`}
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      {points.length > 0 ? (
        <>
          <path d={area} className="sparkline-area" />
          <path d={line} className="sparkline-line" vectorEffect="non-scaling-stroke" />
        </>
      ) : null}
    </svg>
  );
}
