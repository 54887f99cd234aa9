import { useState } from 'react';
import { Popover } from '../../components/popover';
import { Button } from '../../components/ui';
import {
  type DashboardFilter,
  DIMENSION_LABELS,
  describeFilter,
  type FilterOperator,
  withFilter,
  withoutFilter,
} from '../../dashboard-state';
import { useDashboardView } from './site-context';

const OPERATORS: { value: FilterOperator; label: string }[] = [
  { value: 'is', label: 'is' },
  { value: 'is_not', label: 'is not' },
  { value: 'contains', label: 'contains' },
  { value: 'contains_not', label: 'does not contain' },
];

/** The active filters as removable chips (they combine: all must match), plus a form to add one by hand. */
export function FilterBar() {
  const view = useDashboardView();
  const filters = view.state.filters;
  return (
    <div className="filter-bar">
      {filters.length > 0 ? (
        <ul className="chips" aria-label="Active filters">
          {filters.map((filter) => {
            const text = describeFilter(filter);
            return (
              <li key={`${filter.operator}|${filter.dimension}|${filter.value}`} className="chip">
                <span className="chip-text">
                  <span className="chip-dimension">{text.dimension}</span> {text.operator}{' '}
                  <strong className="chip-value">{text.value}</strong>
                </span>
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove filter ${text.dimension} ${text.operator} ${text.value}`}
                  onClick={() => view.update({ filters: withoutFilter(filters, filter) })}
                >
                  ×
                </button>
              </li>
            );
          })}
          {filters.length > 1 ? (
            <li>
              <Button small variant="ghost" onClick={() => view.update({ filters: [] })}>
                Clear all
              </Button>
            </li>
          ) : null}
        </ul>
      ) : null}
      <Popover
        buttonClassName="btn btn-ghost btn-small"
        buttonContent={<>+ Filter</>}
        label="Add a filter"
        panelClassName="filter-panel"
      >
        {(close) => (
          <AddFilterForm
            onAdd={(filter) => {
              view.update({ filters: withFilter(filters, filter) });
              close();
            }}
          />
        )}
      </Popover>
    </div>
  );
}

function AddFilterForm({ onAdd }: { onAdd: (filter: DashboardFilter) => void }) {
  const [dimension, setDimension] = useState('event:page');
  const [operator, setOperator] = useState<FilterOperator>('contains');
  const [value, setValue] = useState('');
  const [propKey, setPropKey] = useState('');
  const isProp = dimension === 'event:props:';
  return (
    <form
      className="stack small-gap"
      onSubmit={(event) => {
        event.preventDefault();
        const finalDimension = isProp ? `event:props:${propKey.trim()}` : dimension;
        if (value.trim() === '' || (isProp && propKey.trim() === '')) return;
        onAdd({ dimension: finalDimension, operator, value: value.trim() });
      }}
    >
      <label className="field">
        <span>Filter by</span>
        <select value={dimension} onChange={(e) => setDimension(e.target.value)}>
          {Object.entries(DIMENSION_LABELS)
            .filter(([key]) => key !== 'event:goal')
            .map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          <option value="event:props:">Custom property…</option>
        </select>
      </label>
      {isProp ? (
        <label className="field">
          <span>Property name</span>
          <input value={propKey} maxLength={300} onChange={(e) => setPropKey(e.target.value)} required />
        </label>
      ) : null}
      <label className="field">
        <span>Condition</span>
        <select value={operator} onChange={(e) => setOperator(e.target.value as FilterOperator)}>
          {OPERATORS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Value</span>
        <input
          value={value}
          maxLength={2000}
          required
          placeholder={dimension === 'visit:country' ? 'Two-letter code, e.g. DE' : ''}
          onChange={(e) => setValue(e.target.value)}
        />
      </label>
      <Button type="submit" variant="primary" small>
        Apply filter
      </Button>
    </form>
  );
}
