import type { ReactNode } from 'react';

export interface BarItem {
  key: string;
  /** What the row says; rendered as text (paths, titles and referrers are untrusted). */
  label: ReactNode;
  /** Accessible description of the row's action, e.g. "Filter by page /blog". */
  actionLabel?: string;
  value: number;
  /** The formatted value(s) on the right. */
  display: ReactNode;
  /** A small extra after the label (an outbound link). */
  extra?: ReactNode;
  /** Icon or flag before the label. */
  icon?: ReactNode;
}

/**
 * Ranked rows with a proportional bar behind each label (the breakdown cards). A row with `onSelect` is a button:
 * Enter or a click filters the dashboard by it.
 */
export function BarList({
  items,
  max,
  onSelect,
  columns,
}: {
  items: BarItem[];
  /** The value a full bar stands for (defaults to the largest). */
  max?: number;
  onSelect?: ((item: BarItem) => void) | undefined;
  /** Headings of the label and value columns. */
  columns?: [string, string];
}) {
  const top = Math.max(1, max ?? Math.max(0, ...items.map((item) => item.value)));
  return (
    <div className="bar-list">
      {columns ? (
        <div className="bar-list-head" aria-hidden="true">
          <span>{columns[0]}</span>
          <span>{columns[1]}</span>
        </div>
      ) : null}
      <ul>
        {items.map((item) => {
          const width = `${Math.max(0.5, Math.min(100, (item.value / top) * 100)).toFixed(2)}%`;
          const content = (
            <>
              <span className="bar-fill" style={{ width }} aria-hidden="true" />
              <span className="bar-label">
                {item.icon ? <span className="bar-icon">{item.icon}</span> : null}
                <span className="bar-text">{item.label}</span>
              </span>
              <span className="bar-value">{item.display}</span>
            </>
          );
          return (
            <li key={item.key} className="bar-item">
              {onSelect ? (
                <button
                  type="button"
                  className="bar-row bar-row-button"
                  onClick={() => onSelect(item)}
                  aria-label={item.actionLabel}
                >
                  {content}
                </button>
              ) : (
                <div className="bar-row">{content}</div>
              )}
              {item.extra ? <span className="bar-extra">{item.extra}</span> : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
